"""A file that does not load is reported once, for its own fault, not again where it is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.build import check
from course.cli import main


def _codes(root: Path) -> list[tuple[str, str]]:
    _, problems = check(root)
    return [(p.path, p.code) for p in problems]


def test_undecodable_quiz_reports_its_encoding_and_nothing_else(minimal: Path) -> None:
    quiz = minimal / "quizzes" / "t1" / "second-check.yaml"
    quiz.write_bytes(quiz.read_text(encoding="utf-8").encode("cp1251"))
    assert _codes(minimal) == [("quizzes/t1/second-check.yaml", "encoding")]


def test_undecodable_module_is_found_by_its_id_line_not_its_file_name(minimal: Path) -> None:
    # The file name says nothing of the id: only the (ASCII) id line can explain the follow-ons.
    source = minimal / "modules" / "t1" / "02-second.md"
    text = source.read_text(encoding="utf-8")
    source.unlink()
    (minimal / "modules" / "t1" / "02-budget.md").write_bytes(text.encode("cp1251"))
    first = minimal / "modules" / "t1" / "01-first.md"
    first.write_text(first.read_text(encoding="utf-8").replace("02-second.md", "02-budget.md"),
                     encoding="utf-8")
    codes = _codes(minimal)
    assert codes[0] == ("modules/t1/02-budget.md", "encoding")
    assert not {c for _, c in codes} & {"missing-module", "unknown-module", "unused-quiz"}, codes


def test_broken_quiz_output_names_only_the_cause(minimal: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    quiz = minimal / "quizzes" / "t1" / "second-check.yaml"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("    answer:", "      answer:"),
                    encoding="utf-8")
    assert main(["check", str(minimal)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and "[yaml-indent]" in lines[0], lines
    assert lines[1] == "1 грешка, 0 предупреждения"


def test_a_really_missing_quiz_is_still_reported(minimal: Path) -> None:
    module = minimal / "modules" / "t1" / "02-second.md"
    module.write_text(module.read_text(encoding="utf-8").replace(
        "quiz: second-check", "quiz: no-such-quiz"), encoding="utf-8")
    assert ("modules/t1/02-second.md", "unknown-quiz") in _codes(minimal)
