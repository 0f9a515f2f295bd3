"""The Handbook: the course as one print-ready document (PDF, or one self-contained HTML file).

One HTML document is built from the checked course — cover, front matter, table
of contents, a chapter per topic and a section per module (ending with the module's
self-check questions), the answers to those questions, the glossary and the index of
legal references — and WeasyPrint lays it out. Only self-checks are printed: never a
final test, a pre-test or a pool. Page numbers in the table
of contents and the index come from CSS ``target-counter``, so they are always
the pages the chapters really start on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from course.build import check
from course.errors import ContentError, Problem, UsageError, has_errors
from course.inline import inline_text
from course.model import Course, Document, GlossaryEntry, Question, Quiz
from course.publish.common import (
    TEMPLATES,
    Linker,
    data_uri,
    document_html,
    environment,
    short_title,
)
from course.register import LawEntry, read_register

PageSize = Literal["a4", "a5"]
PAGE_SIZES: tuple[PageSize, ...] = ("a4", "a5")
# Letters of printed choices (а, б, в …): the Bulgarian alphabet without ъ and ь.
LETTERS = "абвгдежзийклмнопрстуфхцчшщюя"


@dataclass(frozen=True)
class HandbookOptions:
    topics: tuple[str, ...] = ()  # empty: every topic
    page_size: PageSize = "a4"
    edition: str = field(default_factory=lambda: str(date.today().year))


@dataclass(frozen=True)
class PrintedQuestion:
    """A self-check question as the Handbook prints it, and its answer for the appendix.

    Texts keep their Markdown (the template renders it inline); ``key`` is plain text:
    letters, „Вярно“/„Невярно“, a number, the first accepted text answer.
    """

    number: int
    type: str
    text: str
    lettered: tuple[tuple[str, str], ...] = ()  # (letter, text): choices, match options, items
    lefts: tuple[str, ...] = ()  # a match question's left side, numbered
    key: str = ""
    explanation: str = ""


@dataclass(frozen=True)
class Section:
    """A module as the Handbook prints it."""

    id: str
    title: str
    short: str
    minutes: int
    objectives: tuple[str, ...]
    html: str
    reviewed: date | None = None  # printed as "Актуално към …"
    questions: tuple[PrintedQuestion, ...] = ()  # its self-check


@dataclass(frozen=True)
class Chapter:
    id: str
    number: int
    title: str
    short: str
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class GlossaryItem:
    anchor: str
    term: str
    definition: str
    aliases: tuple[str, ...]
    alias_anchors: tuple[str, ...]
    see: tuple[tuple[str, str], ...]  # (href, title)


def load(root: Path) -> tuple[Course, list[LawEntry], list[Problem]]:
    """Check the course and read the legal register; raise ``ContentError`` on errors."""
    course, problems = check(root)
    known = {d.id for d in course.modules + course.pages}
    laws, register_problems = read_register(root, known)
    problems = sorted(problems + register_problems)
    if has_errors(problems) or course.manifest is None:
        raise ContentError(problems)
    return course, laws, problems


def handbook_html(course: Course, root: Path, laws: list[LawEntry],
                  options: HandbookOptions = HandbookOptions(), *,
                  standalone: bool = False) -> str:
    """The Handbook as HTML: for WeasyPrint, or (``standalone``) one file for a phone."""
    manifest = course.manifest
    assert manifest is not None, "a checked course has a manifest"
    chosen = _chosen_topics(course, options.topics)
    docs = {d.id: d for d in course.modules + course.pages}
    front = [docs[r.target] for r in manifest.handbook_front_matter if r.target in docs]
    included = {d.id for d in front} | {m for t in chosen for m in t[1]}
    linker = _linker(root, included, standalone)

    def body(doc: Document) -> str:
        return document_html(doc, course, linker, prefix=f"m-{doc.id}--", shift=1,
                             print_footnotes=not standalone)

    quizzes = {q.id: q for q in course.quizzes}
    chapters = tuple(
        Chapter(topic_id, number, title, short_title(title),
                tuple(_section(docs[m], body(docs[m]), _self_check(docs[m], quizzes))
                      for m in modules if m in docs))
        for number, (topic_id, modules, title) in enumerate(chosen, start=1))
    used_laws = [LawEntry(law.law, tuple(c for c in (
        type(cit)(cit.article, tuple(d for d in cit.documents if d in included))
        for cit in law.citations) if c.documents)) for law in laws]
    titles = {d.id: d.title for d in course.modules + course.pages}
    css = (TEMPLATES / "handbook.css").read_text(encoding="utf-8")
    return environment().get_template("handbook.html.j2").render(
        manifest=manifest, title=manifest.handbook_title or manifest.title,
        front=[(d, body(d)) for d in front], chapters=chapters,
        answers=any(s.questions for c in chapters for s in c.sections),
        glossary=_glossary(course, linker, included), laws=[x for x in used_laws if x.citations],
        titles=titles, options=options, css=css, standalone=standalone)


def handbook_pdf(course: Course, root: Path, laws: list[LawEntry],
                 options: HandbookOptions = HandbookOptions()) -> bytes:
    """Lay the Handbook out as PDF with WeasyPrint (fonts embedded and subset)."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    html = handbook_html(course, root, laws, options)
    pdf: bytes = HTML(string=html, base_url=str(root.resolve())).write_pdf()
    return pdf


def content_key(root: Path, course: Course, options: HandbookOptions) -> str:
    """A short hash of everything the Handbook is made from, to name cached copies."""
    digest = hashlib.sha256(repr(options).encode())
    for doc in sorted(course.modules + course.pages, key=lambda d: d.id):
        digest.update(f"{doc.id}:{doc.version};".encode())
    for quiz in sorted(course.quizzes, key=lambda q: q.id):  # the self-checks are printed
        if quiz.kind == "self-check":
            digest.update(f"{quiz.id}:{quiz.version};".encode())
    for entry in course.glossary:
        digest.update(repr(entry).encode())
    register = root / "docs/legal-references.md"
    if register.is_file():
        digest.update(register.read_bytes())
    for path, image in sorted(course.images.items()):
        digest.update(f"{path}:{image};".encode())
    if course.manifest is not None:
        digest.update(repr(course.manifest.topics).encode() + course.manifest.title.encode())
    return digest.hexdigest()[:16]


def _chosen_topics(course: Course,
                   wanted: tuple[str, ...]) -> list[tuple[str, tuple[str, ...], str]]:
    assert course.manifest is not None
    topics = {t.id: t for t in course.manifest.topics}
    unknown = [t for t in wanted if t not in topics]
    if unknown:
        raise UsageError(f"непознати теми: {', '.join(unknown)} "
                         f"(има: {', '.join(topics)})")
    order = [t.id for t in course.manifest.topics if not wanted or t.id in wanted]
    return [(t, tuple(r.target for r in topics[t].modules), topics[t].title) for t in order]


def _linker(root: Path, included: set[str], standalone: bool) -> Linker:
    def module(doc_id: str, anchor: str) -> str:
        if doc_id not in included:
            return "#"
        return f"#m-{doc_id}--{anchor}" if anchor else f"#m-{doc_id}"

    def image(path: str) -> str:
        file = (root / path).resolve()
        # An image uploaded in the browser keeps a larger copy for print beside the web one.
        printed = file.parent / "print" / file.name
        file = printed if printed.is_file() else file
        return data_uri(file) if standalone else file.as_uri()

    return Linker(module=module, glossary=lambda key: f"#g-{key}", image=image)


def _section(doc: Document, html: str, questions: tuple[PrintedQuestion, ...]) -> Section:
    return Section(doc.id, doc.title, short_title(doc.title), doc.minutes, doc.objectives, html,
                   doc.reviewed, questions)


def _self_check(doc: Document, quizzes: dict[str, Quiz]) -> tuple[PrintedQuestion, ...]:
    """The questions of the module's self-check, if it has one of its own.

    Only a quiz of kind self-check is printed, and only its own questions: one that draws
    from a pool could share them with a final test.
    """
    quiz = quizzes.get(doc.quiz.target) if doc.quiz else None
    if quiz is None or quiz.kind != "self-check" or quiz.pool is not None:
        return ()
    return tuple(printed_question(n, q) for n, q in enumerate(quiz.questions, start=1))


def printed_question(number: int, question: Question) -> PrintedQuestion:
    """How ``question`` is printed, with its key in words and letters."""
    kind, text, explanation = question.type, question.text, question.explanation
    if kind in ("single", "multiple"):
        choices = question.choices
        if kind == "single":
            right = [max(range(len(choices)), key=lambda i: choices[i].weight)] if choices else []
        else:
            right = [i for i, c in enumerate(choices) if c.weight > 0]
        return PrintedQuestion(number, kind, text, _lettered([c.text for c in choices]),
                               key=", ".join(LETTERS[i] for i in right if i < len(LETTERS)),
                               explanation=explanation)
    if kind == "true-false":
        return PrintedQuestion(number, kind, text, key="Вярно" if question.answer else "Невярно",
                               explanation=explanation)
    if kind == "match":
        options = [right for _, right in question.pairs] + list(question.distractors)
        shown = _shown_order(options)
        where = {source: place for place, source in enumerate(shown)}
        key = "; ".join(f"{i + 1} – {LETTERS[where[i]]}" for i in range(len(question.pairs))
                        if where[i] < len(LETTERS))
        return PrintedQuestion(number, kind, text, _lettered([options[i] for i in shown]),
                               lefts=tuple(left for left, _ in question.pairs), key=key,
                               explanation=explanation)
    if kind == "order":
        items = list(question.items)
        shown = _shown_order(items)
        if len(shown) > 1 and shown == sorted(shown):  # printed in order, it would give it away
            shown.reverse()
        where = {source: place for place, source in enumerate(shown)}
        key = ", ".join(LETTERS[where[i]] for i in range(len(items)) if where[i] < len(LETTERS))
        return PrintedQuestion(number, kind, text, _lettered([items[i] for i in shown]), key=key,
                               explanation=explanation)
    if kind == "text" and question.text_answers:
        best = max(question.text_answers, key=lambda a: a.weight)
        return PrintedQuestion(number, kind, text, key=best.text, explanation=explanation)
    if kind == "number" and question.number_answers:
        best_number = max(question.number_answers, key=lambda a: a.weight)
        return PrintedQuestion(number, kind, text, key=_number_key(best_number.low,
                                                                   best_number.high),
                               explanation=explanation)
    return PrintedQuestion(number, kind, text, explanation=explanation)


def _lettered(texts: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple(zip(LETTERS, texts, strict=False))


def _shown_order(texts: list[str]) -> list[int]:
    """The source indices of ``texts`` in alphabetical order of what the reader sees."""
    return sorted(range(len(texts)), key=lambda i: (inline_text(texts[i]).lower(), i))


def _number_key(low: float, high: float) -> str:
    def shown(value: float) -> str:
        return f"{value:g}".replace(".", ",").replace("-", "−")

    if low == high:
        return shown(low)
    middle = (low + high) / 2
    return f"{shown(middle)} (приема се от {shown(low)} до {shown(high)})"


def _glossary(course: Course, linker: Linker, included: set[str]) -> list[GlossaryItem]:
    titles = {d.id: d.title for d in course.modules + course.pages}
    items = []
    for entry in sorted(course.glossary, key=lambda e: e.term.lower()):
        items.append(GlossaryItem(
            anchor=f"g-{entry.key}", term=entry.term, definition=entry.definition,
            aliases=entry.aliases, alias_anchors=_alias_anchors(entry),
            see=tuple((linker.module(*_split(ref.target)), titles[_split(ref.target)[0]])
                      for ref in entry.see
                      if _split(ref.target)[0] in included and _split(ref.target)[0] in titles)))
    return items


def _alias_anchors(entry: GlossaryEntry) -> tuple[str, ...]:
    from course.model import term_key

    return tuple(dict.fromkeys(f"g-{term_key(a)}" for a in entry.aliases
                               if term_key(a) != entry.key))


def _split(target: str) -> tuple[str, str]:
    doc, _, anchor = target.partition("#")
    return doc, anchor
