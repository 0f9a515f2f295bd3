"""``dobro bulletin-new N``: the scaffold from the database, and no overwriting."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli import run


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, course_root: Path,
                database_url: str, build_dir: Path) -> Path:
    monkeypatch.setenv("DOBRO_INSTANCE", str(tmp_path / "cli-instance"))
    monkeypatch.setenv("DOBRO_CONTENT", str(course_root))
    monkeypatch.setenv("DOBRO_DATABASE_URL", database_url)
    return course_root


def test_new_issue_is_written_then_refused(environment: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "bulletin-new", "2", "--date", "2027-03-01")
    assert code == 0, err
    issue = environment / "bulletins" / "02-broi.md"
    assert str(issue) in out and "dobro check" in out
    text = issue.read_text(encoding="utf-8")
    assert "number: 2\ndate: 2027-03-01\n" in text and "Още няма проведени занятия." in text
    assert (environment / "bulletins" / "img" / "02-obucheni.svg").is_file()
    assert run(capsys, "check", str(environment))[0] == 0
    code, _out, err = run(capsys, "bulletin-new", "2")
    assert code == 2 and "брой 2 вече съществува: bulletins/02-broi.md" in err
    assert issue.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(("argv", "message"), [
    (("bulletin-new", "7"), "от 1 до 5"),
    (("bulletin-new", "1", "--date", "1 март"), "не е дата във вида ГГГГ-ММ-ДД"),
])
def test_bad_input_is_refused_in_bulgarian(environment: Path, argv: tuple[str, ...],
                                          message: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, *argv)
    assert code == 2 and message in err
    assert not (environment / "bulletins").exists()
