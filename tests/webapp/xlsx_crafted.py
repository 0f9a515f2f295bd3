"""Hostile XLSX files, built in the test: bombs, lies and broken XML inside a real workbook."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Sequence

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
HEADER = ("Име", "Организация", "Аудитория")


def workbook(rows: Sequence[Sequence[object]] = (HEADER, ("Анна Иванова", "Смолян",
                                                           "employees"))) -> bytes:
    """A small, valid workbook as Excel would save it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rezip(data: bytes, replace: dict[str, bytes] | None = None,
          add: dict[str, bytes] | None = None) -> bytes:
    """``data`` with some parts replaced or added, every part deflated at the highest level."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, part in add.items():
            target.writestr(name, part)
    return out.getvalue()


def sheet_xml(data: bytes) -> bytes:
    return zipfile.ZipFile(io.BytesIO(data)).read(SHEET)


def padded_sheet(size: int) -> bytes:
    """A valid workbook whose sheet XML inflates to ``size`` bytes (blank space in it)."""
    data = workbook()
    xml = sheet_xml(data)
    closing = xml.rindex(b"</worksheet>")
    padding = b" " * max(0, size - len(xml))
    return rezip(data, replace={SHEET: xml[:closing] + padding + xml[closing:]})


def lying_sizes(data: bytes, name: str, claimed: int) -> bytes:
    """``data`` with the part ``name`` claiming to inflate to ``claimed`` bytes, in both headers."""
    patched = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    struct.pack_into("<I", patched, info.header_offset + 22, claimed)  # the local header
    at = patched.index(b"PK\x01\x02")
    while at >= 0:  # the central directory
        name_length = struct.unpack_from("<H", patched, at + 28)[0]
        if patched[at + 46:at + 46 + name_length] == name.encode():
            struct.pack_into("<I", patched, at + 24, claimed)
        at = patched.find(b"PK\x01\x02", at + 46)
    return bytes(patched)


ENTITY_BOMB = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
               + b"".join(b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1)) * 10
                                                          if i > 1 else b"&lol;" * 10)
                          for i in range(1, 10))
               + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
               b'main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is>'
               b"</c></row></sheetData></worksheet>")
