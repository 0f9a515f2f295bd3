"""An XLSX upload is a zip of XML: bombs, lying headers and bad XML are refused, never a crash."""

from __future__ import annotations

import time

import openpyxl.xml
import pytest

from tests.webapp.xlsx_crafted import (
    ENTITY_BOMB,
    HEADER,
    SHEET,
    lying_sizes,
    padded_sheet,
    rezip,
    sheet_xml,
    workbook,
)
from webapp.services.participant_files import (
    MAX_BYTES,
    MAX_UNPACKED,
    ParticipantFileError,
    read_table,
)


def refused(data: bytes, name: str = "хора.xlsx") -> str:
    assert len(data) <= MAX_BYTES, "the attack fits the upload limit"
    started = time.perf_counter()
    with pytest.raises(ParticipantFileError) as caught:
        read_table(name, data)
    assert time.perf_counter() - started < 5
    message = str(caught.value)
    assert "XLSX" in message and len(message) < 300
    return message


def test_a_real_workbook_is_read() -> None:
    table = read_table("хора.xlsx", workbook())
    assert table.header == HEADER and table.rows[0].cells == ("Анна Иванова", "Смолян",
                                                               "employees")


def test_a_sheet_that_inflates_past_the_limit_is_refused_unread() -> None:
    bomb = padded_sheet(MAX_UNPACKED + 10 * 1024 * 1024)  # 30 MB of XML in ~40 KB
    assert len(bomb) < 200_000
    assert "unpacked, its content is too big" in refused(bomb)


def test_a_part_that_inflates_a_thousandfold_is_refused() -> None:
    bomb = rezip(workbook(), add={"xl/media/padding.bin": b"\0" * (5 * 1024 * 1024)})
    assert "100" in refused(bomb)


def test_many_parts_adding_up_past_the_limit_are_refused() -> None:
    parts = {f"xl/media/p{i}.bin": bytes(range(256)) * 4096 for i in range(25)}  # 25 × 1 MB
    assert "unpacked, its content is too big" in refused(rezip(workbook(), add=parts))


def test_a_part_lying_about_its_size_is_refused() -> None:
    big = padded_sheet(3 * 1024 * 1024)
    assert "the file is damaged; open it in Excel" in refused(lying_sizes(big, SHEET, 1000))


def test_malformed_xml_inside_is_a_clear_error() -> None:
    broken = rezip(workbook(), replace={SHEET: sheet_xml(workbook())[:-40]})
    assert "its content is damaged; open it in Excel" in refused(broken)


def test_openpyxl_parses_through_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


def test_an_entity_bomb_is_refused() -> None:
    assert "ENTITY" in refused(rezip(workbook(), replace={SHEET: ENTITY_BOMB}))


def test_an_external_entity_is_refused(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("тайна", encoding="utf-8")
    xxe = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://%s">]>'
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&s;</t></is></c></row>'
           b"</sheetData></worksheet>" % str(secret).encode())
    assert "ENTITY" in refused(rezip(workbook(), replace={SHEET: xxe}))


@pytest.mark.parametrize("data", [b"just text, not a zip", b"PK\x03\x04broken", b"",
                                  b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500])
def test_not_a_zip_named_xlsx_is_refused(data: bytes) -> None:
    refused(data)


def test_a_zip_without_a_workbook_is_refused() -> None:
    assert refused(rezip(workbook(), replace={"xl/workbook.xml": b"<nope/>"}))


def test_a_sheet_claiming_every_column_is_read_by_its_cells() -> None:
    # The <dimension> element claims 16,384 columns; openpyxl pads every row to it.
    xml = sheet_xml(workbook()).replace(b'<dimension ref="A1:C2"', b'<dimension ref="A1:XFD2"')
    table = read_table("хора.xlsx", rezip(workbook(), replace={SHEET: xml}))
    assert table.header == HEADER and len(table.rows[0].cells) == 3
