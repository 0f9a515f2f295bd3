"""What several forms share: limits, filters, validators and a field type."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form, SelectMultipleField
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.routing import parse_id

MAX_NAME = 200  # User.name and User.position
MAX_EMAIL = 254
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
TOO_LONG = _l("At most %(max)d characters, please.")


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


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes: easier than a multiple select on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
