"""Forms of the trainer area (Flask-WTF: every one carries a CSRF token).

Choices (organisations, audiences) are filled in by the view; a form never
queries the database.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from webapp.forms.fields import MAX_NAME, one_of_the_choices, optional_int, squeeze


class LearnerForm(FlaskForm):
    name = StringField(
        _l("Full name"), filters=[squeeze],
        validators=[DataRequired(message=_l("Enter the learner's name.")),
                    Length(max=MAX_NAME, message=_l("At most %(max)d characters, please."))],
        render_kw={"autocomplete": "off", "maxlength": MAX_NAME})
    organisation = SelectField(
        _l("Organisation"), coerce=optional_int, validate_choice=False,
        validators=[one_of_the_choices(_l("Choose an organisation from the list."))])
    audience = SelectField(
        _l("Audience"), validate_choice=False,
        validators=[one_of_the_choices(_l("Choose an audience from the list."))])
    position = StringField(
        _l("Position (optional)"), filters=[squeeze],
        validators=[Length(max=MAX_NAME, message=_l("At most %(max)d characters, please."))],
        render_kw={"autocomplete": "off", "maxlength": MAX_NAME})
    # Offered for every audience that has specialisms; the view checks that the one chosen
    # belongs to the chosen audience (webapp.services.specialisms).
    specialism = SelectField(_l("Specialism (optional)"), validate_choice=False)
