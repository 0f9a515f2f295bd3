"""The compiled course read back (``course.compiled``) is the course that was compiled."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course.build import build, check
from course.compile import module_version
from course.compiled import (
    COURSE_FILE,
    CompiledCourse,
    CourseUnavailable,
    Heading,
    Reading,
    Rule,
    Specialism,
    read_compiled,
)
from course.model import CompletionRule, Course, Document
from tests.conftest import copy_course
from tests.course.test_specialisms import GOOD, with_audiences


@pytest.fixture(params=["minimal", "webapp-mini", "minimal+specialisms"])
def compiled(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Course, CompiledCourse]:
    """A fixture course as checked, and the same course compiled and read back."""
    name, _, variant = request.param.partition("+")
    root = copy_course(name, tmp_path)
    if variant == "specialisms":
        with_audiences(root, GOOD)
    course, problems = check(root)
    assert not any(p.is_error for p in problems), problems
    build(root, tmp_path / "out", jobs=1)
    return course, read_compiled(tmp_path / "out")


def rule(source: CompletionRule) -> Rule:
    return Rule(source.attended_hours, source.modules, source.final)


def headings(doc: Document) -> tuple[Heading, ...]:
    return tuple(Heading(h.level, h.text, h.anchor) for h in doc.rendered.headings)


def test_the_course_and_its_topics_come_back(compiled: tuple[Course, CompiledCourse]) -> None:
    course, read = compiled
    manifest = course.manifest
    assert manifest is not None
    assert (read.title, read.language) == (manifest.title, manifest.language)
    assert read.funders == manifest.funders
    assert ("USAID" in read.funders) == (manifest.id == "dobro-upravlenie")  # only ours has one
    assert read.audiences == {a.id: a.title for a in manifest.audiences}
    assert read.specialisms == {a.id: tuple(
        Specialism(s.id, s.title, a.id, s.description, tuple(r.target for r in s.first),
                   tuple(Reading(r.ref.target) if r.ref else Reading("", r.title, r.url)
                         for r in s.reading))
        for s in a.specialisms) for a in manifest.audiences if a.specialisms}
    intro = manifest.introduction.target if manifest.introduction else None
    assert (read.introduction.id if read.introduction else None) == intro
    assert [t.id for t in read.topics] == [t.id for t in manifest.topics]
    for topic, back in zip(manifest.topics, read.topics, strict=True):
        assert back.title == topic.title
        assert back.module_ids == tuple(r.target for r in topic.modules)
        assert (back.in_person_hours, back.online_hours) == (topic.in_person_hours,
                                                              topic.online_hours)
        assert (back.audiences, back.optional_for) == (topic.audiences, topic.optional_for)
        assert back.pretest == (topic.pretest.target if topic.pretest else "")
        assert back.final == (topic.final.target if topic.final else "")
        assert back.completion == rule(topic.completion)
        assert dict(back.completion_by_audience) == {
            a: rule(r) for a, r in topic.completion_by_audience.items()}


def test_modules_and_pages_come_back(compiled: tuple[Course, CompiledCourse]) -> None:
    course, read = compiled
    topics = {t.id: t for t in course.manifest.topics} if course.manifest else {}
    assert list(read.modules) == [d.id for d in course.modules]
    for doc in course.modules:
        back = read.modules[doc.id]
        assert (back.title, back.topic, back.minutes) == (doc.title, doc.topic, doc.minutes)
        assert back.objectives == doc.objectives
        assert back.audiences == (doc.audiences or topics[doc.topic].audiences)
        assert back.quiz == (doc.quiz.target if doc.quiz else "")
        assert back.requires == tuple(r.target for r in doc.requires)
        assert back.version == module_version(doc, course)
        assert back.headings == headings(doc)
        assert back.html.strip()
    assert {p: (read.pages[p].title, read.pages[p].headings) for p in read.pages} == {
        d.id: (d.title, headings(d)) for d in course.pages}
    assert [(e.id, e.title, e.headings) for e in read.search_entries] == [
        (d.id, d.title, tuple(h.text for h in d.rendered.headings))
        for d in course.modules + course.pages]


def test_quizzes_and_glossary_come_back(compiled: tuple[Course, CompiledCourse]) -> None:
    course, read = compiled
    quizzes = [q for q in course.quizzes if q.kind != "pool"]
    assert set(read.quizzes) == {q.id for q in quizzes}
    for quiz in quizzes:
        back = read.quizzes[quiz.id]
        assert (back.title, back.kind, back.topic) == (quiz.title, quiz.kind, quiz.topic)
        assert (back.pass_mark, back.attempts, back.time_limit) == (
            quiz.pass_mark, quiz.attempts, quiz.time_limit)
        assert back.questions == (quiz.draw or back.questions) and back.questions > 0
    assert sorted((t.term, t.key, t.definition, tuple(a for a, _ in t.aliases), t.see)
                  for t in read.glossary) == sorted(
        (e.term, e.key, e.definition, e.aliases, tuple(r.target for r in e.see))
        for e in course.glossary)


def test_a_foreign_or_missing_build_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CourseUnavailable, match="unreadable build"):
        read_compiled(tmp_path)
    (tmp_path / COURSE_FILE).write_text(json.dumps({"schema": 99}), encoding="utf-8")
    with pytest.raises(CourseUnavailable, match="unknown schema 99"):
        read_compiled(tmp_path)
