"""Forms of web authoring (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Field, Form, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from webapp.services.authoring import COMMENT_LENGTH, MAX_BYTES
from webapp.services.images import ALT_LENGTH, ImageRefused

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


class ImageForm(FlaskForm):
    """An image to insert into the module: sent with the editor's form, so its text comes too."""

    image = FileField(_l("Image (PNG, JPEG or SVG, at most 5 MB)"))
    alt = StringField(_l("Alternative text: what the image shows"),
                      validators=[Optional(), Length(max=ALT_LENGTH)])
    # Where the cursor was in the text (filled by authoring.js); without it, at the end.
    cursor = HiddenField(validators=[Optional(), Regexp(r"^\d{1,7}$")])
    insert = SubmitField(_l("Insert the image"))


def image_refusal(refused: ImageRefused) -> str:
    """Why an upload was refused, in the user's language."""
    value = refused.value
    messages = {
        "empty": _("Choose an image file to upload."),
        "too-large": _("The image is too large: at most %(limit)s MB.", limit=value),
        "too-many-pixels": _("The image has too many pixels (at most %(limit)s million): "
                             "make it smaller and upload it again.", limit=value),
        "not-an-image": _("This file is not a PNG, JPEG or SVG image."),
        "wrong-suffix": _("The file is a %(kind)s image, but its name ends otherwise: rename "
                          "it (.png for PNG, .jpg for JPEG) and upload it again.", kind=value),
        "broken": _("The image file is damaged and cannot be read."),
        "bad-svg": _("The SVG file cannot be read as an SVG drawing."),
        "svg-too-complex": _("The SVG drawing has too many elements (at most %(limit)s).",
                             limit=value),
        "svg-element": _("The SVG file contains “%(name)s”, which is not allowed (scripts, "
                         "links and embedded content could run in the reader). Export it "
                         "again as a plain drawing.", name=value),
        "svg-attribute": _("The SVG file contains the event handler “%(name)s”, which is not "
                           "allowed. Export it again as a plain drawing.", name=value),
        "svg-link": _("The SVG file refers to something outside it (“%(target)s”), which is "
                      "not allowed. Export it again with everything embedded.", target=value),
        "empty-alt": _("Write the alternative text: what the image shows, for participants "
                       "who cannot see it."),
        "long-alt": _("The alternative text may have at most %(limit)s characters.",
                      limit=value),
        "not-a-module": _("Images can be added to modules and pages only."),
    }
    return messages.get(refused.code, _("The image cannot be used."))
