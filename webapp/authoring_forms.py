"""Forms of web authoring (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from webapp.services.authoring import COMMENT_LENGTH, MAX_BYTES

SHA256 = r"^[0-9a-f]{64}$"


def at_most_max_bytes(_form: Form, field: Field) -> None:
    """Refuse a text over the size limit, counted in UTF-8 bytes as it would be written."""
    if isinstance(field.data, str) and len(field.data.encode("utf-8", "replace")) > MAX_BYTES:
        raise ValidationError(_l("The text is too long: a source file may have at most "
                                 "%(limit)s MB.", limit=MAX_BYTES // 1_000_000))


class SourceForm(FlaskForm):
    text = TextAreaField(_l("Source text"), validators=[InputRequired(), at_most_max_bytes])
    # The SHA-256 of the file the editor started from: a save over a newer file is refused.
    base = HiddenField(validators=[InputRequired(), Regexp(SHA256)])
    comment = StringField(_l("What did you change? (optional)"),
                          validators=[Optional(), Length(max=COMMENT_LENGTH)])
    check = SubmitField(_l("Check and preview"))
    save = SubmitField(_l("Save"))


class RestoreForm(FlaskForm):
    base = HiddenField(validators=[InputRequired(), Regexp(SHA256)])
    restore = SubmitField(_l("Restore this version"))


class ConvertForm(FlaskForm):
    # The SHA-256 of the file whose conversion was shown: only that text is saved.
    base = HiddenField(validators=[InputRequired(), Regexp(SHA256)])
    convert = SubmitField(_l("Save as UTF-8"))


class DiscardForm(FlaskForm):
    discard = SubmitField(_l("Discard the draft"))
