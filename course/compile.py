"""Stage 4: turn a checked course into the compiled course the app loads.

The output folder holds plain files: ``course.json`` (the structure and all
metadata), one HTML fragment per module and page, one JSON per quiz (with its
answer key: the app must never send these files to a browser as they are),
``search.json`` and the images under content-hashed names. Everything is
gathered in memory first; then only files whose content changed are written,
and files no longer produced are removed.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from pathlib import Path
from typing import Any

from course.model import Course, Document, Question, Quiz, Topic, term_key
from course.render import resolve_placeholders
from course.serial import quiz_to_dict
from course.urls import COMPILED_SCHEMA, UrlScheme

__all__ = ["COMPILED_SCHEMA", "UrlScheme", "compiled_files", "write_changed"]



def asset_name(path: str, digest: str) -> str:
    """The content-hashed file name an image is published under."""
    return digest[:16] + posixpath.splitext(path)[1].lower()


def link_urls(doc: Document, course: Course, scheme: UrlScheme,
              by_path: dict[str, Document] | None = None) -> list[str]:
    """Compute the URL of each placeholder link of ``doc``."""
    if by_path is None:
        by_path = {d.path: d for d in course.modules + course.pages}
    urls = []
    for link in doc.rendered.links:
        fragment = f"#{link.anchor}" if link.anchor else ""
        if link.kind == "anchor":
            urls.append(fragment or "#")
        elif link.kind == "glossary":
            urls.append(scheme.glossary.format(term=term_key(link.target)))
        elif link.kind == "image":
            digest = course.images.get(link.target, "")
            urls.append(scheme.asset.format(name=asset_name(link.target, digest)))
        else:
            target = by_path.get(link.target)
            if target is None:
                urls.append("#")
            else:
                template = scheme.module if target.topic else scheme.page
                urls.append(template.format(id=target.id) + fragment)
    return urls


def module_version(doc: Document, course: Course) -> str:
    """The module's content hash, including the images it shows."""
    images = sorted(course.images.get(link.target, "") for link in doc.rendered.links
                    if link.kind == "image")
    if not images:
        return doc.version
    return hashlib.sha256("".join([doc.version, *images]).encode()).hexdigest()[:16]


def quiz_source(quiz: Quiz, quizzes: dict[str, Quiz]) -> tuple[tuple[Question, ...], str]:
    """The questions a quiz draws from and its version (which covers its pool's content)."""
    if quiz.pool is None or quiz.pool.target not in quizzes:
        return quiz.questions, quiz.version
    pool = quizzes[quiz.pool.target]
    version = hashlib.sha256((quiz.version + pool.version).encode()).hexdigest()[:16]
    return pool.questions, version


def compiled_files(course: Course, root: Path, scheme: UrlScheme) -> dict[str, bytes]:
    """Gather every output file of the compiled course, by relative path."""
    files: dict[str, bytes] = {}
    quizzes = {q.id: q for q in course.quizzes}
    by_path = {d.path: d for d in course.modules + course.pages}
    for doc in course.modules + course.pages:
        folder = "modules" if doc.topic else "pages"
        html = resolve_placeholders(doc.rendered.html, link_urls(doc, course, scheme, by_path))
        files[f"{folder}/{doc.id}.html"] = html.encode()
    for quiz in course.quizzes:
        if quiz.kind == "pool":
            continue
        questions, version = quiz_source(quiz, quizzes)
        files[f"quizzes/{quiz.id}.json"] = _json(quiz_to_dict(quiz, questions, version))
    for path, digest in course.images.items():
        files[f"assets/{asset_name(path, digest)}"] = (root / path).read_bytes()
    files["search.json"] = _json(_search_index(course))
    # course.json goes last: ``write_changed`` writes in this order, and the app
    # reloads when course.json changes, so by then every other file is in place.
    files["course.json"] = _json(_course_json(course, quizzes))
    return files


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _course_json(course: Course, quizzes: dict[str, Quiz]) -> dict[str, Any]:
    manifest = course.manifest
    assert manifest is not None, "compile runs only on a course without errors"
    topics = {t.id: t for t in manifest.topics}
    return {
        "schema": COMPILED_SCHEMA,
        "id": manifest.id,
        "title": manifest.title,
        "language": manifest.language,
        "introduction": manifest.introduction.target if manifest.introduction else "",
        "handbook": {"title": manifest.handbook_title,
                     "front_matter": [r.target for r in manifest.handbook_front_matter]},
        "audiences": [{"id": a.id, "title": a.title} for a in manifest.audiences],
        "topics": [_topic_json(t) for t in manifest.topics],
        "modules": {d.id: _module_json(d, course, topics[d.topic]) for d in course.modules},
        "pages": {d.id: {"title": d.title, "version": d.version,
                         "headings": _headings(d)} for d in course.pages},
        "quizzes": {q.id: _quiz_meta(q, quizzes) for q in course.quizzes if q.kind != "pool"},
        "glossary": [{"term": e.term, "key": e.key, "definition": e.definition,
                      "aliases": list(e.aliases),
                      "alias_keys": [term_key(a) for a in e.aliases],
                      "see": [r.target for r in e.see]}
                     for e in sorted(course.glossary, key=lambda e: e.term.lower())],
    }


def _topic_json(topic: Topic) -> dict[str, Any]:
    def rule(r: Any) -> dict[str, Any]:
        return {"attended_hours": r.attended_hours, "modules": r.modules, "final": r.final}
    return {
        "id": topic.id, "title": topic.title, "audiences": list(topic.audiences),
        "optional_for": list(topic.optional_for),
        "hours": {"in_person": topic.in_person_hours, "online": topic.online_hours},
        "modules": [r.target for r in topic.modules],
        "pretest": topic.pretest.target if topic.pretest else "",
        "final": topic.final.target if topic.final else "",
        "completion": rule(topic.completion),
        "completion_by_audience": {a: rule(r) for a, r in topic.completion_by_audience.items()},
    }


def _module_json(doc: Document, course: Course, topic: Topic) -> dict[str, Any]:
    return {
        "title": doc.title, "topic": doc.topic, "source": doc.path, "minutes": doc.minutes,
        "audiences": list(doc.audiences or topic.audiences),
        "objectives": list(doc.objectives), "quiz": doc.quiz.target if doc.quiz else "",
        "requires": [r.target for r in doc.requires], "version": module_version(doc, course),
        "headings": _headings(doc), "words": len(doc.rendered.text.split()),
    }


def _headings(doc: Document) -> list[dict[str, Any]]:
    return [{"level": h.level, "text": h.text, "anchor": h.anchor}
            for h in doc.rendered.headings]


def _quiz_meta(quiz: Quiz, quizzes: dict[str, Quiz]) -> dict[str, Any]:
    questions, version = quiz_source(quiz, quizzes)
    return {"title": quiz.title, "kind": quiz.kind, "topic": quiz.topic, "version": version,
            "questions": quiz.draw or len(questions), "pool_size": len(questions),
            "pass_mark": quiz.pass_mark, "attempts": quiz.attempts,
            "time_limit": quiz.time_limit}


def _search_index(course: Course) -> list[dict[str, Any]]:
    return [{"id": d.id, "title": d.title, "topic": d.topic,
             "headings": [h.text for h in d.rendered.headings], "text": d.rendered.text}
            for d in course.modules + course.pages]


def write_changed(files: dict[str, bytes], out: Path, previous: dict[str, str]) -> dict[str, str]:
    """Write the files whose content changed, remove stale ones; return the new digests."""
    digests = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    for path, data in files.items():
        target = out / path
        if previous.get(path) != digests[path] or not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(target)  # atomic: the app never reads a half-written file
    for path in set(previous) - set(files):
        (out / path).unlink(missing_ok=True)
    return digests
