"""The offline copy: the whole course as static HTML files in one ZIP.

For municipalities with a poor connection: modules, pages, the glossary and the
self-checks, which grade answers in the page (the answer key travels with the
page — self-checks count for nothing, so that is acceptable here; the pre-tests
and final tests are left out). No accounts, no server: unzip and open index.html.

Questions, answers, feedback and explanations show their inline Markdown: the page
renders the texts with ``course.inline.render_inline``, and the key carries the feedback
already rendered by it, which the script inserts as markup (and nothing else as markup).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Container, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course.build import check
from course.compile import asset_name, quiz_source
from course.errors import ContentError, has_errors
from course.inline import inline_text, render_inline
from course.model import Course, Document, Question, Quiz, Topic
from course.publish.common import TEMPLATES, Linker, document_html, environment, glossary_keys
from course.textmatch import normalise_text

_EPOCH = (2026, 1, 1, 0, 0, 0)  # fixed timestamps: the same course gives the same ZIP


@dataclass(frozen=True)
class PageLink:
    href: str
    title: str


def offline_zip(root: Path) -> tuple[bytes, int]:
    """Check the course and pack its offline copy; return the ZIP and its file count."""
    course, problems = check(root)
    if has_errors(problems) or course.manifest is None:
        raise ContentError(problems)
    files = offline_files(course, root)
    return package_zip(files, "dobro-offline/"), len(files)


def package_zip(files: dict[str, bytes], folder: str = "") -> bytes:
    """Pack ``files`` (under ``folder``) in name order, with fixed timestamps: same in, same out."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}{name}", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def offline_files(course: Course, root: Path) -> dict[str, bytes]:
    """Every file of the offline copy, by path relative to its folder."""
    manifest = course.manifest
    assert manifest is not None, "a checked course has a manifest"
    linker = file_linker(course)
    docs = {d.id: d for d in course.modules + course.pages}
    quizzes = {q.id: q for q in course.quizzes}
    order = [docs[r.target] for t in manifest.topics for r in t.modules if r.target in docs]
    env = environment()
    common = {"course_title": manifest.title, "language": manifest.language}
    files: dict[str, bytes] = {}
    for index, doc in enumerate(order):
        topic = next(t for t in manifest.topics if t.id == doc.topic)
        quiz = quizzes.get(doc.quiz.target) if doc.quiz else None
        files[f"{doc.id}.html"] = env.get_template("offline/module.html.j2").render(
            **common, doc=doc, topic=topic, html=document_html(doc, course, linker),
            previous=_link(order[index - 1]) if index else None,
            next=_link(order[index + 1]) if index + 1 < len(order) else None,
            quiz=quiz_view(quiz, quiz_source(quiz, quizzes)[0])
            if quiz and quiz.kind == "self-check" else None,
        ).encode()
    for page in course.pages:
        files[f"{page.id}.html"] = env.get_template("offline/page.html.j2").render(
            **common, doc=page, html=document_html(page, course, linker)).encode()
    files["glossary.html"] = env.get_template("offline/glossary.html.j2").render(
        **common, entries=glossary_entries(course, linker)).encode()
    intro = docs.get(manifest.introduction.target) if manifest.introduction else None
    files["index.html"] = env.get_template("offline/index.html.j2").render(
        **common, topics=[(t, _topic_modules(t, docs)) for t in manifest.topics],
        intro=_link(intro) if intro else None,
        pages=[_link(p) for p in course.pages if p is not intro]).encode()
    return files | static_assets(course, root)


def static_assets(course: Course, root: Path,
                  images: Container[str] | None = None) -> dict[str, bytes]:
    """The stylesheet, the self-check script and the images (default all), under ``assets/``."""
    files = {"assets/offline.css": (TEMPLATES / "offline" / "offline.css").read_bytes(),
             "assets/selfcheck.js": (TEMPLATES / "offline" / "selfcheck.js").read_bytes()}
    for path, digest in course.images.items():
        if images is None or path in images:
            files[f"assets/{asset_name(path, digest)}"] = (root / path).read_bytes()
    return files


def file_linker(course: Course, shown: Container[str] | None = None) -> Linker:
    """Links between the HTML files of one folder; a module not ``shown`` links nowhere ("#")."""
    def module(doc_id: str, anchor: str) -> str:
        if shown is not None and doc_id not in shown:
            return "#"
        return f"{doc_id}.html" + (f"#{anchor}" if anchor else "")

    return Linker(module=module, glossary=lambda key: f"glossary.html#{key}",
                  image=lambda path: f"assets/{asset_name(path, course.images.get(path, ''))}")


def _link(doc: Document) -> PageLink:
    return PageLink(f"{doc.id}.html", doc.title)


def _topic_modules(topic: Topic, docs: dict[str, Document]) -> list[PageLink]:
    return [_link(docs[r.target]) for r in topic.modules if r.target in docs]


def glossary_entries(course: Course, linker: Linker,
                     shown: Container[str] | None = None) -> list[dict[str, Any]]:
    """The glossary page's entries; "see" links only to the documents ``shown`` (default all)."""
    keys = glossary_keys(course)
    titles = {d.id: d.title for d in course.modules + course.pages
              if shown is None or d.id in shown}
    entries = []
    for entry in sorted(course.glossary, key=lambda e: e.term.lower()):
        see = []
        for ref in entry.see:
            doc, _, anchor = ref.target.partition("#")
            if doc in titles:
                see.append(PageLink(linker.module(doc, anchor), titles[doc]))
        entries.append({"key": entry.key, "term": entry.term, "definition": entry.definition,
                        "aliases": entry.aliases, "see": see,
                        "alias_keys": sorted(k for k, v in keys.items()
                                             if v == entry.key and k != entry.key)})
    return entries


def quiz_view(quiz: Quiz, questions: Sequence[Question]) -> dict[str, Any]:
    """What ``offline/_quiz.html.j2`` shows of ``questions``, and the key selfcheck.js uses."""
    return {"id": quiz.id, "title": quiz.title, "questions": [_question_view(q) for q in questions],
            "key": json.dumps({"questions": [_answer_key(q) for q in questions],
                               "bands": [{"min": b.min, "text": render_inline(b.text)}
                                         for b in quiz.feedback]},
                              ensure_ascii=False).replace("</", "<\\/")}


def _question_view(question: Question) -> dict[str, Any]:
    """What the page shows: the text and the options, in a fixed order (no shuffling offline).

    Texts keep their Markdown (the template renders it); the options of a ``<select>`` are
    plain text, sorted as the reader sees them.
    """
    view: dict[str, Any] = {"id": question.id, "type": question.type, "text": question.text,
                            "choices": [c.text for c in question.choices]}
    if question.type == "match":
        options = [inline_text(right) for _, right in question.pairs]
        options += [inline_text(d) for d in question.distractors]
        view["lefts"] = [left for left, _ in question.pairs]
        view["options"] = sorted(enumerate(options), key=lambda item: item[1].lower())
    if question.type == "order":
        items = [inline_text(item) for item in question.items]
        view["order_items"] = sorted(enumerate(items), key=lambda item: item[1].lower())
        view["positions"] = len(question.items)
    return view


def _answer_key(question: Question) -> dict[str, Any]:
    """What selfcheck.js grades with. Feedback and explanations are HTML rendered here by
    ``render_inline`` (everything not its own markup escaped): the script inserts them as
    markup, and nothing else it shows."""
    html = render_inline
    return {
        "type": question.type, "points": question.points, "explanation": html(question.explanation),
        "choices": [{"weight": c.weight, "feedback": html(c.feedback)} for c in question.choices],
        "answer": question.answer, "feedback_true": html(question.feedback_true),
        "feedback_false": html(question.feedback_false),
        "feedback_other": html(question.feedback_other),
        "text": [{"text": normalise_text(a.text), "weight": a.weight, "feedback": html(a.feedback)}
                 for a in question.text_answers],
        "number": [{"low": a.low, "high": a.high, "weight": a.weight,
                    "feedback": html(a.feedback)} for a in question.number_answers],
        "pairs": len(question.pairs), "items": len(question.items),
    }
