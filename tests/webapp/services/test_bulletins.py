"""A new Bulletin issue's figures, from the same population the donor report test counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from course.build import check
from course.compiled import CompiledCourse
from course.publish.bulletin import load_bulletins
from tests.webapp.services.test_donor_report import (  # noqa: F401 (fixtures)
    NOW,
    Population,
    course,
    population,
)
from webapp.models import TrainingSession
from webapp.services import bulletins

ON = NOW.date()


def test_figures_as_at_a_date(db: Session, course: CompiledCourse,  # noqa: F811
                              build_dir: Path, population: Population) -> None:  # noqa: F811
    db.add(TrainingSession(topic_id="osnovi", title="Отменена", municipality="Баните",
                           starts_at=NOW.replace(month=4), ends_at=NOW.replace(month=4),
                           trainer_id=1, checkin_code="X", cancelled_at=NOW))
    db.commit()
    found = bulletins.figures(db, course, build_dir, ON)
    assert found.sessions == [("Смолян", 1)]  # the cancelled one and the later one are not
    assert [(t.audience, t.certified, t.target) for t in found.trained] == [
        ("Общински служители", 1, 100), ("Общински съветници", 0, 80)]
    assert found.certificates == 3
    assert [(u.starts_at.date(), u.place) for u in found.upcoming] == [
        (date(2027, 6, 6), "Смолян")]
    before = bulletins.figures(db, course, build_dir, date(2027, 3, 5))
    assert before.sessions == [] and before.certificates == 0
    assert [u.place for u in before.upcoming] == ["Смолян", "Смолян"]


def test_the_scaffold_passes_the_check_and_is_never_overwritten(
        db: Session, course: CompiledCourse, build_dir: Path,  # noqa: F811
        population: Population, course_root: Path) -> None:  # noqa: F811
    found = bulletins.figures(db, course, build_dir, ON)
    path = bulletins.write_issue(course_root, 3, found)
    assert path == course_root / "bulletins" / "03-broi.md"
    text = path.read_text(encoding="utf-8")
    assert "published: false" in text and "date: 2027-06-01" in text
    assert "| Смолян | 1 |" in text and "| Общински служители | 1 | 100 |" in text
    assert "Издадени сертификати: 3." in text and "Напишете тук" in text
    assert "![Обучени участници по целеви групи" in text and "(img/03-obucheni.svg)" in text
    svg = (course_root / "bulletins" / "img" / "03-obucheni.svg").read_text(encoding="utf-8")
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "Общински служители" in svg and "1 от 100" in svg and "sans-serif" in svg
    _, problems = check(course_root)
    assert [p for p in problems if p.path.startswith("bulletins/")] == []
    (issue,), _ = load_bulletins(course_root)
    assert issue.number == 3 and not issue.published
    path.write_text(text.replace("Напишете тук встъплението", "Текстът на редактора"), "utf-8")
    with pytest.raises(bulletins.IssueExists):
        bulletins.write_issue(course_root, 3, found)
    assert "Текстът на редактора" in path.read_text(encoding="utf-8")
    with pytest.raises(ValueError):
        bulletins.write_issue(course_root, 6, found)
