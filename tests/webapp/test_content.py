"""The course store: loading, reloading, and what it refuses to read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from course.compiled import CourseUnavailable, Heading, outline
from webapp.content import CourseStore


def test_the_store_loads_the_course_and_reloads_when_it_changes(build_dir: Path) -> None:
    store = CourseStore(build_dir)
    course = store.course()
    assert course.title == "Мини курс по местно самоуправление"
    assert list(course.modules) == ["obshtinata", "savetat"]
    assert course.introduction is not None and course.introduction.id == "vavedenie"
    assert store.course() is course  # unchanged build: the same snapshot

    data = json.loads((build_dir / "course.json").read_text(encoding="utf-8"))
    data["title"] = "Нов курс"
    (build_dir / "course.json").write_text(json.dumps(data), encoding="utf-8")
    stamp = (build_dir / "course.json").stat()
    os.utime(build_dir / "course.json", ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))
    assert store.course().title == "Нов курс"


def test_the_store_explains_a_missing_or_foreign_build(tmp_path: Path) -> None:
    store = CourseStore(tmp_path)
    with pytest.raises(CourseUnavailable, match="no compiled course"):
        store.course()
    assert store.peek() is None
    (tmp_path / "course.json").write_text('{"schema": 99}', encoding="utf-8")
    with pytest.raises(CourseUnavailable, match="unknown schema"):
        store.course()


def test_neighbours_and_lookups(build_dir: Path) -> None:
    course = CourseStore(build_dir).course()
    first, second = course.modules["obshtinata"], course.modules["savetat"]
    assert course.neighbours(first) == (None, second)
    assert course.neighbours(second) == (first, None)
    assert course.find("savetat#kvorum") == ("module", "savetat", "kvorum")
    assert course.find("vavedenie") == ("page", "vavedenie", "")
    assert course.find("nyama") is None
    assert course.title_of("savetat#kvorum") == "Общинският съвет – Кворум"
    assert course.title_of("nyama") == "nyama"


def test_the_glossary_gives_aliases_anchors_unless_taken(build_dir: Path) -> None:
    course = CourseStore(build_dir).course()
    council = next(t for t in course.glossary if t.key == "общински-съвет")
    assert council.aliases == (("ОбС", "обс"),)


def test_outline_nests_level_three_under_level_two() -> None:
    h = [Heading(3, "Преди", "a"), Heading(2, "Едно", "b"), Heading(3, "Под", "c"),
         Heading(4, "Дълбоко", "d"), Heading(2, "Две", "e")]
    assert outline(tuple(h)) == ((h[0], ()), (h[1], (h[2],)), (h[4], ()))
