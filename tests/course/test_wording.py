"""Counts in Bulgarian, and the "did you mean" suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.build import BuildResult
from course.cli import main
from course.commands import build as build_command
from course.commands.common import print_problems
from course.errors import ContentError, Problem
from course.wording import count, did_you_mean, problem_summary


@pytest.mark.parametrize(("number", "expected"), [
    (0, "0 грешки"), (1, "1 грешка"), (2, "2 грешки"), (11, "11 грешки"), (21, "21 грешки"),
])
def test_count_uses_the_singular_for_one_only(number: int, expected: str) -> None:
    assert count(number, "грешка", "грешки") == expected


@pytest.mark.parametrize(("errors", "warnings", "expected"), [
    (1, 2, "1 грешка, 2 предупреждения"),
    (2, 1, "2 грешки, 1 предупреждение"),
    (0, 1, "0 грешки, 1 предупреждение"),
    (1, 1, "1 грешка, 1 предупреждение"),
])
def test_problem_summary(errors: int, warnings: int, expected: str) -> None:
    assert problem_summary(errors, warnings) == expected


def _problem(severity: str) -> Problem:
    return Problem("f.yaml", 1, 1, severity, "x", "x")  # type: ignore[arg-type]


def test_check_summary_says_one_error_and_one_warning(capsys: pytest.CaptureFixture[str]) -> None:
    print_problems([_problem("error"), _problem("warning")], strict=False)
    assert capsys.readouterr().out.splitlines()[-1] == "1 грешка, 1 предупреждение"


def test_strict_summary_keeps_the_plural_right(capsys: pytest.CaptureFixture[str]) -> None:
    print_problems([_problem("warning")], strict=True)
    assert capsys.readouterr().out.splitlines()[-1] == (
        "0 грешки, 1 предупреждение (--strict: предупрежденията са грешки)")


def test_build_counts_one_module_one_quiz_one_file(minimal: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    def one_of_each(*_args: object, **_kwargs: object) -> BuildResult:
        return BuildResult(problems=[], written=1, reused=0, modules=1, quizzes=1)

    monkeypatch.setattr(build_command, "build", one_of_each)
    assert main(["build", str(minimal), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "Компилирани 1 модул и 1 тест в " in out and "(1 записан файл, " in out, out


def test_build_counts_the_minimal_course(minimal: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(minimal), "--out", str(tmp_path / "out")]) == 0
    assert "Компилирани 2 модула и 5 теста в " in capsys.readouterr().out


def test_did_you_mean_names_the_closest() -> None:
    assert did_you_mean("secnd", ["second", "first"]) == " — може би „second“?"
    assert did_you_mean("budjet", ["budget"], "„#{}“") == " — може би „#budget“?"


def test_did_you_mean_says_nothing_when_nothing_is_close() -> None:
    assert did_you_mean("xyz", ["second", "first"]) == ""
    assert did_you_mean("second", []) == ""


def test_content_error_counts_in_bulgarian() -> None:
    assert str(ContentError([_problem("error")])) == "1 грешка в съдържанието на курса"
    assert str(ContentError([_problem("error")] * 2 + [_problem("warning")])) == (
        "2 грешки в съдържанието на курса")
