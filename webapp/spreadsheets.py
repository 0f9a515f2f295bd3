"""Tables handed out as files: CSV and XLSX, the same way for every export.

Every export (progress, donor report, distribution list) goes through here so
that each gets the same care: text a spreadsheet could take for a formula is
neutralised, CSV carries a BOM (Excel then reads Cyrillic as UTF-8), and XLSX
sheets have a bold, frozen header row and columns wide enough for what they hold.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text a spreadsheet will not take for a formula (CSV/XLSX injection)."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """A row with every text cell made safe; numbers and dates stay as they are."""
    return [safe_text(v) if isinstance(v, str) else v for v in row]


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as CSV, UTF-8 with a BOM, every text cell safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(safe_row(row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def new_workbook() -> Workbook:
    """An empty workbook (the default sheet removed: ``add_sheet`` makes them)."""
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    return book


def add_sheet(book: Workbook, title: str, rows: Iterable[Sequence[Any]]) -> Any:
    """A sheet of ``rows`` (the first is the header), every text cell safe; returns it."""
    sheet = book.create_sheet(title[:31])  # Excel's limit on sheet names
    for row in rows:
        sheet.append(safe_row(row))
    return sheet


def xlsx_bytes(book: Workbook) -> bytes:
    """The workbook, tidied: bold frozen header rows, columns as wide as their text."""
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
            longest = max((len(str(v)) for v in column if v is not None), default=8)
            sheet.column_dimensions[get_column_letter(index)].width = min(max(longest, 8) + 2, 60)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
