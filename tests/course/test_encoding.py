"""A source that is not UTF-8 is an error at the file, in Bulgarian, naming its likely
encoding; it is never read with its letters replaced."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from course.build import check
from course.encoding import encoding_name, guess_encoding, is_utf8

MODULE = "modules/t1/01-first.md"


@pytest.mark.parametrize(("data", "expected"), [
    ("Общината е юридическо лице — „цитат“ №5".encode("cp1251"), "cp1251"),
    (codecs.BOM_UTF16_LE + "Общината".encode("utf-16-le"), "utf-16"),
    (b"\xa9 2026 \xae", None),  # read as Windows-1251, no letter at all
    (b"\x98\x98", None),  # a byte Windows-1251 does not define
])
def test_the_likely_encoding_is_guessed(data: bytes, expected: str | None) -> None:
    assert not is_utf8(data)
    assert guess_encoding(data) == expected


def test_utf8_with_or_without_a_bom_is_utf8() -> None:
    assert is_utf8("Общината".encode()) and is_utf8(codecs.BOM_UTF8 + "Общината".encode())
    assert encoding_name("cp1251") == "Windows-1251" and encoding_name(None) == "непозната"


def test_check_reports_a_windows_1251_file_at_the_file_with_its_encoding(minimal: Path) -> None:
    path = minimal / MODULE
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1251"))
    _course, problems = check(minimal, jobs=1)
    found = [p for p in problems if p.path == MODULE and p.code == "encoding"]
    assert len(found) == 1 and found[0].is_error
    first_letter = next(i for i, c in enumerate(text) if ord(c) > 127)
    assert found[0].line == text[:first_letter].count("\n") + 1
    assert "не е в кодировка UTF-8" in found[0].message
    assert "Windows-1251" in found[0].message and "запишете го като UTF-8" in found[0].message
    assert "\ufffd" not in found[0].message


def test_check_says_when_the_encoding_is_unknown(minimal: Path) -> None:
    (minimal / MODULE).write_bytes(b"---\nid: first\n---\n\x98\n")
    _course, problems = check(minimal, jobs=1)
    found = [p for p in problems if p.path == MODULE and p.code == "encoding"]
    assert found and "не е разпозната" in found[0].message and found[0].line == 4
