"""The e-mail preferences form: a checkbox per non-essential kind, and the language."""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, RadioField
from wtforms.fields.choices import SelectChoice

from webapp.i18n import LANGUAGE_NAMES


class PreferencesForm(FlaskForm):
    language = RadioField(
        _l("Language of the e-mails"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        default="bg")

    def kind_fields(self) -> list[tuple[str, Field]]:
        """(kind, checkbox) for each kind the form was made with, in order."""
        return [(name[len(PREFIX):], field) for name, field in self._fields.items()
                if name.startswith(PREFIX)]


PREFIX = "kind_"


def preferences_form(labels: Mapping[str, object], chosen: Mapping[str, bool],
                     language: str) -> PreferencesForm:
    """A form with a checkbox per kind in ``labels`` (``chosen`` says which are ticked)."""

    class Form(PreferencesForm):
        pass

    for kind, label in labels.items():
        setattr(Form, PREFIX + kind, BooleanField(label, default=chosen.get(kind, True)))
    return Form(language=language or "bg")
