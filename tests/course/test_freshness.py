"""Review dates: stale files and stale rows of the register warn in ``dobro check``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from course.build import build, check
from course.cli import main
from course.compiled import read_compiled
from course.freshness import Dated, add_months, fresh_until, problems

MODULE = "modules/t1/01-first.md"
QUIZ = "quizzes/t1/first-check.yaml"
TODAY = date(2026, 12, 2)


def codes(found: list) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in found if p.code in {
        "no-reviewed", "stale", "review-due", "reviewed-future", "bad-date", "legal-no-date",
        "legal-stale", "legal-no-source", "legal-unknown-module"}]


def rewrite(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- The pure rules -----------------------------------------------------------------------


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 12, 2), 12, date(2027, 12, 2)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 5, 15), 0, date(2026, 5, 15)),
])
def test_add_months_keeps_the_day_or_the_month_end(day: date, months: int,
                                                    expected: date) -> None:
    assert add_months(day, months) == expected


def test_a_review_is_fresh_through_its_last_day_and_stale_the_day_after() -> None:
    item = Dated("m.md", 1, 1, "модулът", date(2025, 12, 2))
    assert fresh_until(date(2025, 12, 2), 12) == date(2026, 12, 2)
    assert problems([item], date(2026, 12, 2), 12) == []
    [stale] = problems([item], date(2026, 12, 3), 12)
    assert stale.code == "stale" and stale.severity == "warning"
    assert "2 декември 2025 г." in stale.message and "12 месеца" in stale.message


def test_missing_future_and_expired_dates_each_warn() -> None:
    found = problems([
        Dated("a.md", 1, 1, "модулът", None),
        Dated("b.md", 1, 1, "модулът", date(2027, 1, 1)),
        Dated("c.md", 1, 1, "модулът", TODAY, date(2026, 9, 1), (3, 11), (4, 12)),
        Dated("d.md", 1, 1, "модулът", TODAY, date(2027, 3, 1)),
    ], TODAY, 12)
    assert [(p.path, p.code) for p in found] == [
        ("a.md", "no-reviewed"), ("b.md", "reviewed-future"), ("c.md", "review-due")]
    assert (found[2].line, found[2].col) == (4, 12)  # at the ``review_by`` value
    assert "1 септември 2026 г." in found[2].message


# --- dobro check on a course --------------------------------------------------------------


def test_the_minimal_course_is_fresh(minimal: Path) -> None:
    _, found = check(minimal, today=TODAY)
    assert codes(found) == []


def test_a_stale_module_and_quiz_warn_at_their_reviewed_line(minimal: Path) -> None:
    rewrite(minimal, "modules/course.yaml", "fresh_months: 120", "fresh_months: 12")
    rewrite(minimal, MODULE, "reviewed: 2026-12-01", "reviewed: 2025-06-30")
    rewrite(minimal, QUIZ, "reviewed: 2026-12-01", "reviewed: 2025-06-30")
    _, found = check(minimal, today=TODAY)
    assert codes(found) == [(MODULE, "stale"), (QUIZ, "stale")]
    stale = next(p for p in found if p.path == MODULE)
    line = (minimal / MODULE).read_text(encoding="utf-8").splitlines()[stale.line - 1]
    assert line.startswith("reviewed:")
    # Checked as of the last day the review was fresh: not stale yet.
    _, earlier = check(minimal, today=date(2026, 6, 30))
    assert [p for p in earlier if p.code == "stale"] == []


def test_the_freshness_period_comes_from_course_yaml(minimal: Path) -> None:
    rewrite(minimal, MODULE, "reviewed: 2026-12-01", "reviewed: 2026-08-01")
    rewrite(minimal, "modules/course.yaml", "fresh_months: 120", "fresh_months: 3")
    _, found = check(minimal, today=TODAY)
    assert codes(found) == [(MODULE, "stale")]
    assert "3 месеца" in next(p for p in found if p.code == "stale").message


def test_review_by_passed_warns_even_when_the_review_is_recent(minimal: Path) -> None:
    rewrite(minimal, MODULE, "reviewed: 2026-12-01",
            "reviewed: 2026-12-01\nreview_by: 2026-12-02")
    _, found = check(minimal, today=TODAY)
    assert codes(found) == [(MODULE, "review-due")]


@pytest.mark.parametrize("value", ["2026-13-01", "вчера", "01.12.2026", "[2026]", "2026-02-30"])
def test_a_malformed_date_is_an_error_named_in_bulgarian(minimal: Path, value: str) -> None:
    rewrite(minimal, MODULE, "reviewed: 2026-12-01", f"reviewed: {value}")
    _, found = check(minimal, today=TODAY)
    [bad] = [p for p in found if p.code == "bad-date"]
    assert bad.severity == "error" and bad.path == MODULE and "reviewed" in bad.message


def test_a_file_without_reviewed_warns_and_fails_strict(minimal: Path, capsys) -> None:
    rewrite(minimal, QUIZ, "reviewed: 2026-12-01\n", "")
    assert main(["check", str(minimal), "--on", "2026-12-02"]) == 0
    assert main(["check", str(minimal), "--on", "2026-12-02", "--strict"]) == 1
    out = capsys.readouterr().out
    assert f"{QUIZ}:" in out and "[no-reviewed]" in out


def test_check_on_a_later_day_shows_what_will_be_stale(minimal: Path, capsys) -> None:
    assert main(["check", str(minimal), "--strict"]) == 0
    assert main(["check", str(minimal), "--strict", "--on", "2036-12-02"]) == 1
    assert "[stale]" in capsys.readouterr().out
    assert main(["check", str(minimal), "--on", "2.12.2036"]) == 2
    assert "ГГГГ-ММ-ДД" in capsys.readouterr().err


def test_a_stale_date_never_stops_a_build(minimal: Path, tmp_path: Path) -> None:
    rewrite(minimal, MODULE, "reviewed: 2026-12-01", "reviewed: 2001-01-01")
    result = build(minimal, tmp_path / "out", strict=True)
    assert result.modules == 2
    module = read_compiled(tmp_path / "out").modules["first"]
    assert module.reviewed == date(2001, 1, 1)


# --- The register of legal references -----------------------------------------------------

REGISTER_HEAD = ("| Закон | Член | Правило (накратко) | Модули и тестове (id) | Източник "
                 "| Проверено на |\n|---|---|---|---|---|---|\n")


def register(root: Path, rows: str, head: str = REGISTER_HEAD) -> None:
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs/legal-references.md").write_text(f"# Регистър\n\n{head}{rows}",
                                                   encoding="utf-8")


def test_register_rows_warn_when_stale_undated_unsourced_or_unknown(minimal: Path) -> None:
    rewrite(minimal, "modules/course.yaml", "fresh_months: 120", "fresh_months: 12")
    register(minimal, "".join([
        "| ЗМСМА | чл. 45, ал. 9 | мнозинство | first | https://lex.bg/x | 2026-11-30 |\n",
        "| ЗМСМА | чл. 27 | кворум | first | https://lex.bg/y | 2024-05-01 |\n",
        "| ЗОС | чл. 14 | наем | second | https://lex.bg/z | проверете |\n",
        "| ЗК | чл. 49 | срок | first | – | 2026-11-30 |\n",
        "| ЗК | чл. 50 | срок | no-such-module | https://lex.bg/w | 2026-11-30 |\n",
    ]))
    _, found = check(minimal, today=TODAY)
    by_line = sorted((p.line, p.code) for p in found if p.path == "docs/legal-references.md")
    assert by_line == [(6, "legal-stale"), (7, "legal-no-date"), (8, "legal-no-source"),
                       (9, "legal-unknown-module")]


def test_a_register_without_a_date_column_says_so_once(minimal: Path) -> None:
    register(minimal, "| ЗМСМА | чл. 45 | first | fact sheet |\n",
             head="| Закон | Член | Модул (id) | Проверено спрямо |\n|---|---|---|---|\n")
    _, found = check(minimal, today=TODAY)
    assert [(p.line, p.code) for p in found if p.path.startswith("docs/")] == [
        (3, "legal-no-date")]


def test_the_repository_register_is_dated_and_sourced() -> None:
    from tests.conftest import REPO

    _, found = check(REPO)
    assert [p.format() for p in found if p.path == "docs/legal-references.md"] == []
