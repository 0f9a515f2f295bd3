"""The coordinator's form for the distribution list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from webapp.forms.fields import CheckboxesField


class RecipientForm(FlaskForm):
    # The choices are set by the view from the database; the form never queries it.
    organisation = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Recipient"), description=_l("A person or a role, e.g. the chair of "
                                                       "the municipal council."),
                       validators=[DataRequired(), Length(max=200)])
    copies = IntegerField(_l("Copies"), default=1, validators=[NumberRange(min=1, max=500)])


class DeliveryForm(FlaskForm):
    """Which issue of the Bulletin was sent, when, and to which lines of the list."""

    # The choices (the issues, the recipients) are set by the view.
    issue = SelectField(_l("Issue"), coerce=int, validators=[DataRequired()])
    sent_on = DateField(_l("Sent on"), validators=[InputRequired(message=_l("Enter the date."))])
    recipients = CheckboxesField(_l("Recipients"), coerce=int)
    selected = SubmitField(_l("Mark as sent to the ticked ones"))
    everyone = SubmitField(_l("Mark as sent to everyone on the list"))
    unsent = SubmitField(_l("Remove the mark from the ticked ones"))
