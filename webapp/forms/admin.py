"""Forms of the administration pages (Flask-WTF: every one carries a CSRF token).

Choices (kinds, trainers, organisations) are filled in by the view.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from webapp.forms.fields import (
    EMAIL_PATTERN,
    MAX_EMAIL,
    MAX_NAME,
    TOO_LONG,
    CheckboxesField,
    one_of_the_choices,
    optional_int,
    squeeze,
)

MAX_DESCRIPTION = 2000


class OrganisationForm(FlaskForm):
    name = StringField(
        _l("Name"), filters=[squeeze],
        validators=[DataRequired(message=_l("Enter the organisation's name.")),
                    Length(max=MAX_NAME, message=TOO_LONG)],
        render_kw={"autocomplete": "off", "maxlength": MAX_NAME})
    kind = SelectField(
        _l("Kind"), validate_choice=False,
        validators=[one_of_the_choices(_l("Choose a kind from the list."))])
    oblast = StringField(
        _l("Oblast (optional)"), filters=[squeeze],
        validators=[Length(max=100, message=TOO_LONG)],
        render_kw={"autocomplete": "off", "maxlength": 100})

    def field_for(self, _code: str) -> Field:
        """The field a refusal of the directory concerns: only names can clash."""
        return self.name


def an_id(value: object) -> int:
    """An id from a checkbox; anything else becomes -1, which no row has."""
    found = optional_int(value)
    return -1 if found is None else found


class GroupForm(FlaskForm):
    name = StringField(
        _l("Name"), filters=[squeeze],
        validators=[DataRequired(message=_l("Enter the group's name.")),
                    Length(max=MAX_NAME, message=TOO_LONG)],
        render_kw={"autocomplete": "off", "maxlength": MAX_NAME})
    description = TextAreaField(
        _l("Description (optional)"),
        validators=[Length(max=MAX_DESCRIPTION, message=TOO_LONG)],
        render_kw={"rows": 3, "maxlength": MAX_DESCRIPTION})
    trainers = CheckboxesField(_l("Trainers who look after it"), coerce=an_id,
                               validate_choice=False)

    def trainer_ids(self) -> list[int]:
        return list(self.trainers.data or [])

    def field_for(self, code: str) -> Field:
        """The field a refusal of the directory concerns."""
        return self.name if code == "group-exists" else self.trainers


class StaffForm(FlaskForm):
    name = StringField(
        _l("Full name"), filters=[squeeze],
        validators=[DataRequired(message=_l("Enter the person's name.")),
                    Length(max=MAX_NAME, message=TOO_LONG)],
        render_kw={"autocomplete": "off", "maxlength": MAX_NAME})
    role = SelectField(
        _l("Role"), validate_choice=False,
        validators=[one_of_the_choices(_l("Choose a role from the list."))])
    email = EmailField(
        _l("E-mail (optional)"), filters=[squeeze],
        validators=[Optional(), Length(max=MAX_EMAIL, message=TOO_LONG),
                    Regexp(EMAIL_PATTERN,
                           message=_l("Enter an e-mail address like name@example.bg."))],
        render_kw={"autocomplete": "off", "maxlength": MAX_EMAIL})
    organisation = SelectField(_l("Organisation (optional)"), coerce=optional_int,
                               validate_choice=False)

    def field_for(self, code: str) -> Field:
        """The field a refusal of the directory concerns."""
        return self.organisation if code == "no-organisation" else self.role
