"""The compiled course read back: what ``course.compile`` writes, as typed objects.

The writer (``course.compile``) and this reader are the two ends of one format, kept
side by side in the core so that a change to one is tested against the other
(tests/course/test_compiled.py compiles a course and reads it back). Only
``course.json``, ``search.json`` and the module and page HTML are read:
``quizzes/*.json`` hold answer keys and are opened by the quiz service alone. The
web app's ``webapp.content`` adds only the Flask glue (a store per app, reloading).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from course.errors import CourseError
from course.model import term_key
from course.surveymodel import Survey, survey_from_dict
from course.urls import COMPILED_SCHEMA

COURSE_FILE = "course.json"
SEARCH_FILE = "search.json"
ASSETS_DIR = "assets"


class CourseUnavailable(CourseError):
    """There is no usable compiled course (never built, or unreadable)."""

    def __init__(self, build_dir: Path, reason: str) -> None:
        self.build_dir = build_dir
        self.reason = reason
        super().__init__(f"{build_dir}: {reason}")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


TocEntry = tuple[Heading, tuple[Heading, ...]]


def outline(headings: tuple[Heading, ...]) -> tuple[TocEntry, ...]:
    """Nest level-3 headings under their level-2 heading; deeper levels stay out of the TOC."""
    entries: list[tuple[Heading, list[Heading]]] = []
    for heading in headings:
        if heading.level == 3 and entries:
            entries[-1][1].append(heading)
        elif heading.level <= 3:
            entries.append((heading, []))
    return tuple((heading, tuple(children)) for heading, children in entries)


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    topic: str
    minutes: int
    objectives: tuple[str, ...]
    headings: tuple[Heading, ...]
    html: Markup
    audiences: tuple[str, ...] = ()  # the audiences that must study it
    quiz: str = ""  # its self-check
    requires: tuple[str, ...] = ()
    version: str = ""
    reviewed: date | None = None  # when its facts were last checked ("Актуално към")

    @property
    def toc(self) -> tuple[TocEntry, ...]:
        return outline(self.headings)


@dataclass(frozen=True)
class Page:
    id: str
    title: str
    headings: tuple[Heading, ...]
    html: Markup

    @property
    def toc(self) -> tuple[TocEntry, ...]:
        return outline(self.headings)


@dataclass(frozen=True)
class Rule:
    """A topic's completion rule (for one audience)."""

    attended_hours: float = 0
    modules: str = "required"  # required | all | none
    final: str = "passed"  # passed | none


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    module_ids: tuple[str, ...]
    in_person_hours: float
    online_hours: float
    audiences: tuple[str, ...]
    optional_for: tuple[str, ...]
    pretest: str = ""
    final: str = ""
    completion: Rule = Rule()
    completion_by_audience: tuple[tuple[str, Rule], ...] = ()
    session_survey: str = ""  # the survey after each in-person session ("" none)
    topic_survey: str = ""  # the topic's survey, once it is complete ("" none)

    def rule_for(self, audience: str | None) -> Rule:
        """The completion rule that applies to ``audience``."""
        return dict(self.completion_by_audience).get(audience or "", self.completion)


@dataclass(frozen=True)
class QuizInfo:
    """What the app may show of a quiz before it is taken: settings, never questions."""

    id: str
    title: str
    kind: str
    topic: str
    version: str
    questions: int
    pass_mark: float
    attempts: int
    time_limit: int


@dataclass(frozen=True)
class Term:
    term: str
    key: str
    definition: str
    aliases: tuple[tuple[str, str], ...]  # (alias, its anchor), the anchor "" when taken
    see: tuple[str, ...]  # module or page ids, optionally with "#anchor"

    @property
    def letter(self) -> str:
        """The letter the term is filed under in the glossary's index."""
        return self.term[:1].upper()


@dataclass(frozen=True)
class SearchEntry:
    id: str
    title: str
    topic: str
    headings: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Reading:
    """Extra reading: a module or page of the course (``target``, ``id`` or ``id#anchor``),
    or a web page (``title`` and ``url``)."""

    target: str = ""
    title: str = ""
    url: str = ""


@dataclass(frozen=True)
class Specialism:
    """A line of work within an audience, and the modules its people study first, in order."""

    id: str
    title: str
    audience: str
    description: str = ""
    first: tuple[str, ...] = ()
    reading: tuple[Reading, ...] = ()


@dataclass(frozen=True)
class CompiledCourse:
    """One consistent snapshot of a build."""

    title: str
    language: str
    introduction: Page | None
    audiences: dict[str, str]
    topics: tuple[Topic, ...]
    modules: dict[str, Module]
    pages: dict[str, Page]
    glossary: tuple[Term, ...]
    search_entries: tuple[SearchEntry, ...]
    built_at: datetime
    quizzes: dict[str, QuizInfo] = field(default_factory=dict)
    # Each audience's specialisms, in the order of course.yaml (audiences without: absent).
    specialisms: dict[str, tuple[Specialism, ...]] = field(default_factory=dict)
    surveys: dict[str, Survey] = field(default_factory=dict)  # evaluation surveys, by id
    funders: str = ""  # course.yaml's funders line: the Handbook, sign-in sheets

    def specialisms_of(self, audience: str | None) -> tuple[Specialism, ...]:
        """The specialisms a learner of ``audience`` may choose from (none without one)."""
        return self.specialisms.get(audience or "", ())

    def specialism(self, audience: str | None, specialism_id: str | None) -> Specialism | None:
        """The specialism ``specialism_id`` of ``audience``; None if it is not one of them."""
        return next((s for s in self.specialisms_of(audience) if s.id == specialism_id), None)

    def topic(self, topic_id: str) -> Topic | None:
        return next((t for t in self.topics if t.id == topic_id), None)

    def neighbours(self, module: Module) -> tuple[Module | None, Module | None]:
        """The previous and next module in the module's topic."""
        topic = self.topic(module.topic)
        ids = topic.module_ids if topic else ()
        index = ids.index(module.id) if module.id in ids else -1
        before = self.modules.get(ids[index - 1]) if index > 0 else None
        after = self.modules.get(ids[index + 1]) if 0 <= index < len(ids) - 1 else None
        return before, after

    def find(self, target: str) -> tuple[str, str, str] | None:
        """Resolve ``module-or-page-id[#anchor]`` to (kind, id, anchor), kind module or page."""
        doc_id, _, anchor = target.partition("#")
        if doc_id in self.modules:
            return "module", doc_id, anchor
        if doc_id in self.pages:
            return "page", doc_id, anchor
        return None

    def title_of(self, target: str) -> str:
        """A readable name for ``module-or-page-id[#anchor]``: the title, and the section."""
        doc_id, _, anchor = target.partition("#")
        doc: Module | Page | None = self.modules.get(doc_id) or self.pages.get(doc_id)
        if doc is None:
            return target
        section = next((h.text for h in doc.headings if h.anchor == anchor), "")
        return f"{doc.title} – {section}" if section else doc.title


def read_compiled(build_dir: Path) -> CompiledCourse:
    """Read the course ``course.compile`` wrote to ``build_dir``; ``CourseUnavailable`` if none."""
    try:
        data = json.loads((build_dir / COURSE_FILE).read_text(encoding="utf-8"))
        if data.get("schema") != COMPILED_SCHEMA:
            raise CourseUnavailable(build_dir, f"unknown schema {data.get('schema')!r}")
        index = json.loads((build_dir / SEARCH_FILE).read_text(encoding="utf-8"))
        built_at = (build_dir / COURSE_FILE).stat().st_mtime
        return _parse(build_dir, data, index, datetime.fromtimestamp(built_at, UTC))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CourseUnavailable(build_dir, f"unreadable build: {exc}") from exc


def _parse(build_dir: Path, data: dict[str, Any], index: list[dict[str, Any]],
           built_at: datetime) -> CompiledCourse:
    modules = {mid: _module(build_dir, mid, m) for mid, m in data["modules"].items()}
    pages = {pid: Page(pid, p["title"], _headings(p), _read_html(build_dir, "pages", pid))
             for pid, p in data["pages"].items()}
    return CompiledCourse(
        title=data["title"], language=data.get("language") or "bg",
        funders=data.get("funders") or "",
        introduction=pages.get(data.get("introduction") or ""),
        audiences={a["id"]: a["title"] for a in data.get("audiences", [])},
        topics=tuple(_topic(t) for t in data["topics"]),
        modules=modules, pages=pages, glossary=_glossary(data.get("glossary", [])),
        search_entries=tuple(SearchEntry(e["id"], e["title"], e.get("topic", ""),
                                         tuple(e.get("headings", [])), e.get("text", ""))
                             for e in index),
        built_at=built_at,
        quizzes={qid: QuizInfo(qid, q["title"], q["kind"], q["topic"], q["version"],
                               int(q["questions"]), float(q["pass_mark"]), int(q["attempts"]),
                               int(q["time_limit"]))
                 for qid, q in data.get("quizzes", {}).items()},
        specialisms={a["id"]: tuple(_specialism(a["id"], s) for s in a["specialisms"])
                     for a in data.get("audiences", []) if a.get("specialisms")},
        surveys={sid: survey_from_dict(s) for sid, s in data.get("surveys", {}).items()},
    )


def _specialism(audience: str, data: dict[str, Any]) -> Specialism:
    return Specialism(data["id"], data["title"], audience, data.get("description") or "",
                      tuple(data.get("first", [])),
                      tuple(Reading(r.get("ref") or "", r.get("title") or "", r.get("url") or "")
                            for r in data.get("reading", [])))


def _module(build_dir: Path, module_id: str, data: dict[str, Any]) -> Module:
    return Module(module_id, data["title"], data["topic"], int(data.get("minutes") or 0),
                  tuple(data.get("objectives", [])), _headings(data),
                  _read_html(build_dir, "modules", module_id),
                  audiences=tuple(data.get("audiences", [])), quiz=data.get("quiz") or "",
                  requires=tuple(data.get("requires", [])), version=data.get("version", ""),
                  reviewed=_date(data.get("reviewed")))


def _date(value: Any) -> date | None:
    """An ISO date written by the compiler ("" or absent: none)."""
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _topic(data: dict[str, Any]) -> Topic:
    hours = data.get("hours", {})
    return Topic(data["id"], data["title"], tuple(data["modules"]),
                 float(hours.get("in_person") or 0), float(hours.get("online") or 0),
                 tuple(data.get("audiences", [])), tuple(data.get("optional_for", [])),
                 pretest=data.get("pretest") or "", final=data.get("final") or "",
                 completion=_rule(data.get("completion") or {}),
                 completion_by_audience=tuple(
                     (a, _rule(r)) for a, r in (data.get("completion_by_audience") or {}).items()),
                 session_survey=(data.get("surveys") or {}).get("session") or "",
                 topic_survey=(data.get("surveys") or {}).get("topic") or "")


def _rule(data: dict[str, Any]) -> Rule:
    return Rule(float(data.get("attended_hours") or 0), data.get("modules") or "required",
                data.get("final") or "passed")


def _headings(data: dict[str, Any]) -> tuple[Heading, ...]:
    return tuple(Heading(h["level"], h["text"], h["anchor"]) for h in data.get("headings", []))


def _glossary(entries: list[dict[str, Any]]) -> tuple[Term, ...]:
    # An alias gets its own anchor so that links to glossary:<alias> land on the entry;
    # an alias whose key is some term's own key keeps no anchor (ids must be unique).
    taken = {e["key"] for e in entries}
    terms = []
    for entry in entries:
        aliases = []
        for alias in entry.get("aliases", []):
            key = term_key(alias)
            aliases.append((alias, "" if key in taken else key))
            taken.add(key)
        terms.append(Term(entry["term"], entry["key"], entry["definition"], tuple(aliases),
                          tuple(entry.get("see", []))))
    return tuple(terms)


def _read_html(build_dir: Path, folder: str, doc_id: str) -> Markup:
    text = (build_dir / folder / f"{doc_id}.html").read_text(encoding="utf-8")
    # The compiled HTML comes from the course's own renderer, which has raw HTML off.
    return Markup(text)
