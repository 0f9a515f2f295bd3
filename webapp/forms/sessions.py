"""Forms of sessions and certificates (Flask-WTF: each carries a CSRF token).

Choices (topics, trainers, groups) are filled in by the view; a form never
queries the database.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from webapp.forms.fields import TOO_LONG, one_of_the_choices, optional_int, squeeze
from webapp.forms.trainer import LearnerForm

MAX_TEXT = 200
MAX_REASON = 500


class SessionForm(FlaskForm):
    topic = SelectField(_l("Topic"), validate_choice=False,
                        validators=[one_of_the_choices(_l("Choose a topic from the list."))])
    title = StringField(_l("Title"), filters=[squeeze], validators=[
        DataRequired(message=_l("Enter a title.")),
        Length(max=MAX_TEXT, message=TOO_LONG)],
        render_kw={"maxlength": MAX_TEXT})
    municipality = StringField(_l("Municipality"), filters=[squeeze], validators=[
        DataRequired(message=_l("Enter the municipality.")),
        Length(max=100, message=TOO_LONG)],
        render_kw={"maxlength": 100})
    venue = StringField(_l("Venue (optional)"), filters=[squeeze], validators=[
        Length(max=MAX_TEXT, message=TOO_LONG)],
        render_kw={"maxlength": MAX_TEXT})
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter the date."))])
    starts = TimeField(_l("Starts at"), validators=[
        InputRequired(message=_l("Enter the starting time."))])
    ends = TimeField(_l("Ends at"), validators=[
        InputRequired(message=_l("Enter the ending time."))])
    trainer = SelectField(_l("Trainer"), coerce=optional_int, validate_choice=False,
                          validators=[one_of_the_choices(_l("Choose a trainer from the list."))])
    capacity = IntegerField(_l("Places"), default=30, validators=[
        InputRequired(message=_l("Enter the number of places.")),
        NumberRange(min=1, max=1000, message=_l("Between %(min)s and %(max)s, please."))])

    def validate_ends(self, field: Any) -> None:
        starts: time | None = self.starts.data
        if starts is not None and field.data is not None and field.data <= starts:
            raise ValidationError(_l("The session must end after it starts."))

    def validate_day(self, field: Any) -> None:
        value: date | None = field.data
        if value is not None and not 2000 <= value.year <= 2100:
            raise ValidationError(_l("Enter a date between 2000 and 2100."))


class EnrolForm(FlaskForm):
    group = SelectField(_l("Group"), coerce=optional_int, validate_choice=False,
                        validators=[one_of_the_choices(_l("Choose a group from the list."))])


class SignedSheetForm(FlaskForm):
    """The signed sign-in sheet, scanned or photographed: one PDF, JPEG or PNG file."""

    scan = FileField(_l("The signed sheet (PDF, JPEG or PNG, at most 10 MB)"))


class WalkInForm(LearnerForm):
    """Someone who signed the sheet without being enrolled: added to one of the session's
    groups and marked present."""

    group = SelectField(_l("Add to the group"), coerce=optional_int, validate_choice=False,
                        validators=[one_of_the_choices(_l("Choose a group from the list."))])


class CheckInForm(FlaskForm):
    code = StringField(_l("Code shown by the trainer"), validators=[
        DataRequired(message=_l("Enter the code.")),
        Length(max=20, message=TOO_LONG)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "maxlength": 20,
                   "inputmode": "text", "spellcheck": "false"})


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Give the reason: it is kept with the certificate.")),
        Length(max=MAX_REASON, message=TOO_LONG)],
        render_kw={"maxlength": MAX_REASON, "rows": 2})


class IssueForm(ReasonForm):
    topic = SelectField(_l("Certificate"), validate_choice=False, validators=[
        one_of_the_choices(_l("Choose a topic from the list."))])


class ReissueForm(ReasonForm):
    name = StringField(_l("Name on the certificate"), filters=[squeeze], validators=[
        DataRequired(message=_l("Enter the name.")),
        Length(max=MAX_TEXT, message=TOO_LONG)],
        render_kw={"maxlength": MAX_TEXT})


class EditSessionForm(SessionForm):
    """A scheduled session's time, place, trainer and places (its topic stays)."""

    topic = None


class CancelSessionForm(FlaskForm):
    confirm = BooleanField(_l("Yes, cancel the session and tell everyone enrolled"),
                           validators=[DataRequired(
                               message=_l("Tick the box to confirm the cancellation."))])
