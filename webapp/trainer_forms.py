"""Forms of the trainer area (Flask-WTF: every one carries a CSRF token).

Choices (organisations, audiences) are filled in by the view; a form never
queries the database.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from webapp.routing import parse_id

MAX_NAME = 200  # User.name and User.position


def squeeze(value: str | None) -> str | None:
    """One space between words, none around: names are typed on phones."""
    return " ".join(value.split()) if isinstance(value, str) else value


def optional_int(value: Any) -> int | None:
    """An id from a select, or None when it is empty or not an id."""
    return parse_id(value)


def one_of_the_choices(message: Any) -> Any:
    """Accept only a value offered in the field's choices."""
    def check(_form: Form, field: Field) -> None:
        offered = {value for value, *_rest in field.choices or () if value not in ("", None)}
        if field.data not in offered:
            raise ValidationError(message)
    return check


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
