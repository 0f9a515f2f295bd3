"""Tables handed out as files: CSV and XLSX, the same way for every export.

Every export (progress, donor report, distribution list) goes through here so
that each gets the same care: text a spreadsheet could take for a formula is
neutralised, CSV carries a BOM (Excel then reads Cyrillic as UTF-8), and XLSX
sheets have a bold, frozen header row and columns wide enough for what they hold.

CSV needs more than a check of each cell's first character. Excel on a Bulgarian
Windows splits a line on ``;`` (the list separator), not on the commas we write,
and does not honour our quotes the way a CSV reader does: a cell ``x;=cmd`` then
becomes two cells, the second a formula. So every field is quoted, and inside
each text cell whatever follows a ``;``, a tab or a line break is neutralised too,
so no cell Excel can cut out of a line starts a formula, whichever separator it uses.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"
# The full-width forms count too: some spreadsheet locales read them as their ASCII twins.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# A separator Excel may split a CSV line on (or a line break), then what could start a
# formula once split off: blanks and quotes are skipped, as Excel skips them.
_SPLIT_FORMULA = re.compile(r'([;\t\r\n])(?=[\s"]*[=+\-@＝＋－＠])')


def safe_text(value: str) -> str:
    """Text a spreadsheet will not take for a formula (CSV/XLSX injection)."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def safe_csv_text(value: str) -> str:
    """Text no piece of which starts a formula, however Excel splits the CSV line."""
    return safe_text(_SPLIT_FORMULA.sub(r"\1'", value))


def safe_row(row: Iterable[Any]) -> list[Any]:
    """A row with every text cell made safe; numbers and dates stay as they are."""
    return [safe_text(v) if isinstance(v, str) else v for v in row]


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows as CSV, UTF-8 with a BOM, every field quoted and every text cell safe."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    for row in rows:
        writer.writerow([safe_csv_text(v) if isinstance(v, str) else v for v in row])
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
