"""The trainer's form for importing participants from a CSV or XLSX file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class ImportForm(FlaskForm):
    file = FileField(
        _l("Participants file (CSV or XLSX)"),
        description=_l("First row: the column names. Required: Име, Организация, Целева група; "
                       "optional: Длъжност, Пол, Имейл, Телефон, Група, Специалност."),
        validators=[FileRequired(message=_l("Choose a file.")),
                    FileAllowed(["csv", "xlsx"], message=_l(
                        "Only .csv and .xlsx files are accepted. In Excel choose “Save as” "
                        "and the type “Excel workbook (.xlsx)” or “CSV UTF-8”."))])
