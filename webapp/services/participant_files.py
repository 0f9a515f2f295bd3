"""Reading a participants file (CSV or XLSX) into a plain table of text cells.

No database and no request here: ``read_table`` takes the file name and its bytes
and returns every non-empty row with its number as in the file (the header is row 1),
or raises ``ParticipantFileError`` with one message for the whole file.
CSV may be UTF-8 (with or without a BOM) or Windows-1251, with commas or semicolons.

An XLSX is a zip of XML parts, and ``MAX_BYTES`` limits only the zip: a 150 KB upload
can inflate to 150 MB. So the parts' sizes are checked before any XML parser sees
them (``check_xlsx_archive``), and the XML is parsed through defusedxml (openpyxl uses
it when it is installed), which refuses entity expansion and external entities.
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

MAX_BYTES = 2 * 1024 * 1024
# An XLSX's parts once inflated: 5,000 rows of 30 columns take a few MB of XML.
MAX_UNPACKED = 20 * 1024 * 1024
MAX_PARTS = 1000  # a workbook from Excel has about a dozen
MAX_RATIO = 100  # inflated : compressed; real sheets stay well under 30
RATIO_FLOOR = 1024 * 1024  # a part smaller than this may compress as well as it likes
_CHUNK = 64 * 1024
MAX_ROWS = 5000  # data rows, the header not counted
MAX_CELL = 500  # characters in any one cell
MAX_COLUMNS = 30
EXTENSIONS = (".csv", ".xlsx")
# A lazily translated message (``lazy_gettext``): ``str()`` gives it in the reader's language.
Message = object


class ParticipantFileError(Exception):
    """The file as a whole cannot be read (its type, size, encoding or shape).

    The message is translated when it is shown (``str``), in the reader's language:
    each says what is wrong and what to do about it.
    """

    def __init__(self, message: Message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


def not_xlsx(why: Message) -> ParticipantFileError:
    """An XLSX upload that cannot be read, with the reason and what to do."""
    return ParticipantFileError(_l("The file is not a readable XLSX (Excel) file: %(why)s",
                                   why=why))


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
        raise ParticipantFileError(_l(
            "The file is too big (%(size)s KB; at most %(limit)s KB): split the list into "
            "smaller files and import them one after the other.",
            size=len(data) // 1024, limit=MAX_BYTES // 1024))
    name = filename.lower()
    if name.endswith(".xlsx"):
        kind, grid = "xlsx", _xlsx_grid(data)
    elif name.endswith(".csv"):
        kind, grid = "csv", _csv_grid(data)
    else:
        raise ParticipantFileError(_l(
            "Unknown file type: only .csv and .xlsx files are accepted. In Excel choose "
            "“Save as” and the type “Excel workbook (.xlsx)” or “CSV UTF-8”."))
    numbered = [(number, tuple(cell.strip() for cell in cells))
                for number, cells in enumerate(grid, start=1)]
    numbered = [(number, cells) for number, cells in numbered if any(cells)]
    if not numbered:
        raise ParticipantFileError(_l(
            "The file is empty: write the column names in the first row and a participant "
            "in each row below it."))
    (header_number, header), body = numbered[0], numbered[1:]
    if header_number != 1:
        raise ParticipantFileError(_l(
            "The first row must hold the column names: delete the empty rows above them."))
    if len(header) > MAX_COLUMNS:
        raise ParticipantFileError(_l(
            "Too many columns (%(num)s; at most %(limit)s): delete the columns that are not "
            "in the list above.", num=len(header), limit=MAX_COLUMNS))
    if len(body) > MAX_ROWS:
        raise ParticipantFileError(_l(
            "Too many rows (%(num)s; at most %(limit)s): split the list into smaller files.",
            num=len(body), limit=MAX_ROWS))
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
        raise ParticipantFileError(_l(
            "The CSV file cannot be read (%(error)s): open it in Excel or LibreOffice and "
            "save it again as “CSV UTF-8”.", error=str(exc))) from None


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
        raise ParticipantFileError(_l(
            "Unknown text encoding: save the file again as “CSV UTF-8”.")) from None


def check_xlsx_archive(data: bytes) -> None:
    """Refuse an XLSX whose parts would inflate past the limits, before anything parses them."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise not_xlsx(_l("open it in Excel and save it again as an Excel workbook.")) \
            from None
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise not_xlsx(_l("it has too many parts (%(num)s); open it in Excel and save "
                              "it again.", num=len(parts)))
        declared = sum(part.file_size for part in parts)
        if declared > MAX_UNPACKED:
            raise _too_big_inside(declared)
        for part in parts:
            if part.file_size > RATIO_FLOOR and part.file_size > MAX_RATIO * part.compress_size:
                raise not_xlsx(_l("its part %(part)s unpacks to over %(ratio)s times its "
                                  "size; open it in Excel and save it again.",
                                  part=part.filename[:100], ratio=MAX_RATIO))
        _inflate_within_limit(archive, parts)


def _inflate_within_limit(archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo]) -> None:
    # The sizes above are what the headers claim. Inflate every part once, counting, so
    # a header that lies (or a damaged part, which fails its CRC) is caught here and not
    # in the middle of openpyxl; the count stops at the limit whatever the headers said.
    inflated = 0
    try:
        for part in parts:
            with archive.open(part) as stream:
                while chunk := stream.read(_CHUNK):
                    inflated += len(chunk)
                    if inflated > MAX_UNPACKED:
                        raise _too_big_inside(inflated)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
            ValueError, OSError):
        # A bad CRC, an unknown compression method, a password: not a file we can read.
        raise not_xlsx(_l("the file is damaged; open it in Excel and save it again.")) \
            from None


def _too_big_inside(size: int) -> ParticipantFileError:
    mb = 1024 * 1024
    return not_xlsx(_l("unpacked, its content is too big (%(size)s MB or more; at most "
                       "%(limit)s MB); split the list into smaller files.",
                       size=size // mb, limit=MAX_UNPACKED // mb))


def _xlsx_grid(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # imported late: only XLSX uploads need it

    check_xlsx_archive(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure to open an uploaded file is the file's fault
        raise _unreadable(exc) from None
    try:
        return _sheet_grid(book)
    except Exception as exc:  # rows are parsed lazily: bad XML inside the sheet shows here
        raise _unreadable(exc) from None
    finally:
        book.close()


def _unreadable(error: BaseException) -> ParticipantFileError:
    from defusedxml import DefusedXmlException

    # openpyxl wraps what the XML parser raised; the cause says whether it was refused.
    cause: BaseException | None = error
    for _ in range(10):  # chains are short, and a cycle must not hang the request
        if cause is None or isinstance(cause, DefusedXmlException):
            break
        cause = cause.__cause__ or cause.__context__
    if isinstance(cause, DefusedXmlException):
        return not_xlsx(_l("its XML holds forbidden definitions (DOCTYPE, ENTITY); open "
                           "it in Excel and save it again."))
    return not_xlsx(_l("its content is damaged; open it in Excel and save it again."))


def _sheet_grid(book: Any) -> list[list[str]]:
    sheet = book.worksheets[0]
    grid: list[list[str]] = []
    # Bounded: openpyxl pads every row to the width the sheet claims (up to 16,384 columns)
    # and fills the rows it skips, so a few bytes of XML could ask for a billion cells.
    for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
        cells = [_cell_text(value) for value in values]
        while cells and not cells[-1]:
            cells.pop()
        grid.append(cells)
        if len(grid) > MAX_ROWS + 1 + 1000:  # stop reading long before memory runs out
            break
    return grid


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed as a number
    return str(value)
