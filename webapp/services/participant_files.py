"""Reading a participants file (CSV or XLSX) into a plain table of text cells.

No database and no request here: ``read_table`` takes the file name and its bytes
and returns every non-empty row with its number as in the file (the header is row 1),
or raises ``ParticipantFileError`` with one message for the whole file.
CSV may be UTF-8 (with or without a BOM) or Windows-1251, with commas or semicolons.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000  # data rows, the header not counted
MAX_CELL = 500  # characters in any one cell
MAX_COLUMNS = 30
EXTENSIONS = (".csv", ".xlsx")


class ParticipantFileError(Exception):
    """The file as a whole cannot be read (its type, size, encoding or shape)."""


@dataclass(frozen=True)
class Row:
    number: int  # as in the file: the header is row 1
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    kind: str  # csv | xlsx
    header: tuple[str, ...]
    rows: tuple[Row, ...]


def column_letter(index: int) -> str:
    """The spreadsheet letter of the 0-based column ``index`` (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_table(filename: str, data: bytes) -> Table:
    """The header and the non-empty rows of a CSV or XLSX file."""
    if len(data) > MAX_BYTES:
        raise ParticipantFileError(
            f"файлът е твърде голям ({len(data) // 1024} KB); най-много {MAX_BYTES // 1024} KB")
    name = filename.lower()
    if name.endswith(".xlsx"):
        kind, grid = "xlsx", _xlsx_grid(data)
    elif name.endswith(".csv"):
        kind, grid = "csv", _csv_grid(data)
    else:
        raise ParticipantFileError("непознат вид файл; приемат се само .csv и .xlsx")
    numbered = [(number, tuple(cell.strip() for cell in cells))
                for number, cells in enumerate(grid, start=1)]
    numbered = [(number, cells) for number, cells in numbered if any(cells)]
    if not numbered:
        raise ParticipantFileError("файлът е празен: няма заглавен ред")
    (header_number, header), body = numbered[0], numbered[1:]
    if header_number != 1:
        raise ParticipantFileError("първият ред трябва да е заглавен (имената на колоните)")
    if len(header) > MAX_COLUMNS:
        raise ParticipantFileError(f"твърде много колони ({len(header)}); най-много {MAX_COLUMNS}")
    if len(body) > MAX_ROWS:
        raise ParticipantFileError(f"твърде много редове ({len(body)}); най-много {MAX_ROWS}")
    return Table(kind, header, tuple(Row(number, cells) for number, cells in body))


def _csv_grid(data: bytes) -> list[list[str]]:
    text = _decode(data)
    sample = text[:4096]
    first_line = sample.splitlines()[0] if sample else ""
    # The header decides: Excel in Bulgarian writes semicolons, everything else commas.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return [list(cells) for cells in csv.reader(io.StringIO(text, newline=""),
                                                    delimiter=delimiter)]
    except csv.Error as exc:
        raise ParticipantFileError(f"неправилен CSV: {exc}") from None


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: Excel on a Bulgarian Windows saves CSV in Windows-1251.
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise ParticipantFileError(
            "непознато кодиране на текста; запишете файла като CSV UTF-8") from None


def _xlsx_grid(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # imported late: only XLSX uploads need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ParticipantFileError("файлът не е четим XLSX (Excel) файл") from None
    try:
        sheet = book.worksheets[0]
        grid: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True):
            grid.append([_cell_text(value) for value in values])
            if len(grid) > MAX_ROWS + 1 + 1000:  # stop reading long before memory runs out
                break
        return grid
    finally:
        book.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed as a number
    return str(value)
