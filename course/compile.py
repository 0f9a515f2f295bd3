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
import os
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from course.model import Audience, Course, Document, Question, Quiz, Topic, term_key
from course.render import resolve_placeholders
from course.serial import quiz_to_dict
from course.surveymodel import survey_to_dict
from course.urls import COMPILED_SCHEMA, UrlScheme

__all__ = ["COMPILED_SCHEMA", "Fragments", "UrlScheme", "compile_plan", "compiled_files",
           "write_changed"]


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


Output = tuple[str, Callable[[], bytes]]  # the key of an output's inputs, and how to make it


@dataclass
class Fragments:
    """Pieces of the compiled course kept between builds, by the content they came from.

    A module's word count, its search-index entry and its entry in course.json depend
    only on its file (and its images and topic), so a rebuild reuses them for every
    unchanged module instead of recounting and re-encoding all of them.
    """

    words: dict[str, int] = field(default_factory=dict)
    search: dict[str, bytes] = field(default_factory=dict)
    modules: dict[str, bytes] = field(default_factory=dict)  # encoded course.json entries

    def pruned(self, course: Course) -> Fragments:
        """Only the fragments of the course's current documents, for the next build."""
        docs = course.modules + course.pages
        versions, keys = {d.version for d in docs}, {_search_key(d) for d in docs}
        entries = set(_module_keys(course).values())
        return Fragments({v: n for v, n in self.words.items() if v in versions},
                         {k: e for k, e in self.search.items() if k in keys},
                         {k: e for k, e in self.modules.items() if k in entries})

    def added_to(self, base: Fragments) -> Fragments:
        """The fragments ``base`` does not hold (what a cache delta keeps)."""
        return Fragments({k: v for k, v in self.words.items() if k not in base.words},
                         {k: v for k, v in self.search.items() if k not in base.search},
                         {k: v for k, v in self.modules.items() if k not in base.modules})

    def updated(self, delta: Fragments) -> Fragments:
        """These fragments with those of ``delta`` added."""
        return Fragments({**self.words, **delta.words}, {**self.search, **delta.search},
                         {**self.modules, **delta.modules})


def compiled_files(course: Course, root: Path, scheme: UrlScheme) -> dict[str, bytes]:
    """Gather every output file of the compiled course, by relative path."""
    return {path: make() for path, (_, make) in compile_plan(course, root, scheme).items()}


def compile_plan(course: Course, root: Path, scheme: UrlScheme,
                 fragments: Fragments | None = None) -> dict[str, Output]:
    """Name every output file with a key of what it is made from, and a way to make it.

    A build makes only the outputs whose key changed since the last build; the key
    covers every input, so an output with the same key has the same bytes.
    """
    fragments = fragments if fragments is not None else Fragments()
    plan: dict[str, Output] = {}
    quizzes = {q.id: q for q in course.quizzes}
    by_path = {d.path: d for d in course.modules + course.pages}
    for doc in course.modules + course.pages:
        folder = "modules" if doc.topic else "pages"
        urls = link_urls(doc, course, scheme, by_path)
        key = _key(doc.path, doc.version, *urls)
        plan[f"{folder}/{doc.id}.html"] = (key, partial(_document_html, doc, urls))
    for quiz in course.quizzes:
        if quiz.kind == "pool":
            continue
        pool = quizzes.get(quiz.pool.target) if quiz.pool else None
        key = _key(quiz.path, quiz.version, *((pool.path, pool.version) if pool else ()))
        plan[f"quizzes/{quiz.id}.json"] = (key, partial(_quiz_json, quiz, quizzes))
    for path, digest in course.images.items():
        plan[f"assets/{asset_name(path, digest)}"] = (digest, (root / path).read_bytes)
    search = _search_fragments(course, fragments)
    plan["search.json"] = (_key(*search), partial(_join_list, search.values()))
    # course.json goes last: ``write_changed`` writes in this order, and the app
    # reloads when course.json changes, so by then every other file is in place.
    plan["course.json"] = ("", partial(_course_bytes, course, quizzes, fragments))
    return plan


def _key(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _document_html(doc: Document, urls: list[str]) -> bytes:
    return resolve_placeholders(doc.rendered.html, urls).encode()


def _quiz_json(quiz: Quiz, quizzes: dict[str, Quiz]) -> bytes:
    questions, version = quiz_source(quiz, quizzes)
    return _json(quiz_to_dict(quiz, questions, version))


def _course_bytes(course: Course, quizzes: dict[str, Quiz], fragments: Fragments) -> bytes:
    """``course.json``: the bytes ``_json`` gives for ``_course_json``, with each module's
    entry taken from ``fragments`` when its inputs did not change."""
    whole = _course_json(course, quizzes, fragments, with_modules=False)
    keys = list(whole)
    at = keys.index("modules")
    head = _json({k: whole[k] for k in keys[:at]})
    tail = _json({k: whole[k] for k in keys[at + 1:]})
    modules = b",".join(_json(doc_id) + b":" + entry
                        for doc_id, entry in _module_entries(course, fragments).items())
    return head[:-1] + b',"modules":{' + modules + b"}," + tail[1:]


def _module_keys(course: Course) -> dict[str, str]:
    """Each module's id → a key of everything its course.json entry is made from."""
    assert course.manifest is not None, "compile runs only on a course without errors"
    audiences = {t.id: t.audiences for t in course.manifest.topics}
    return {d.id: _key(d.path, module_version(d, course), *audiences.get(d.topic, ()))
            for d in course.modules}


def _module_entries(course: Course, fragments: Fragments) -> dict[str, bytes]:
    """Each module's encoded course.json entry, reused from ``fragments`` when it can be."""
    assert course.manifest is not None, "compile runs only on a course without errors"
    topics = {t.id: t for t in course.manifest.topics}
    keys = _module_keys(course)
    entries = {}
    for doc in course.modules:
        entry = fragments.modules.get(keys[doc.id])
        if entry is None:
            entry = fragments.modules[keys[doc.id]] = _json(
                _module_json(doc, course, topics[doc.topic], fragments))
        entries[doc.id] = entry
    return entries


def _join_list(items: Iterable[bytes]) -> bytes:
    """The JSON list of already encoded items: the same bytes ``_json`` gives for the list."""
    return b"[" + b",".join(items) + b"]"


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _course_json(course: Course, quizzes: dict[str, Quiz], fragments: Fragments,
                 with_modules: bool = True) -> dict[str, Any]:
    manifest = course.manifest
    assert manifest is not None, "compile runs only on a course without errors"
    topics = {t.id: t for t in manifest.topics}
    return {
        "schema": COMPILED_SCHEMA,
        "id": manifest.id,
        "title": manifest.title,
        "funders": manifest.funders,
        "language": manifest.language,
        "introduction": manifest.introduction.target if manifest.introduction else "",
        "handbook": {"title": manifest.handbook_title,
                     "front_matter": [r.target for r in manifest.handbook_front_matter]},
        "audiences": [_audience_json(a) for a in manifest.audiences],
        "topics": [_topic_json(t) for t in manifest.topics],
        "modules": {d.id: _module_json(d, course, topics[d.topic], fragments)
                    for d in course.modules} if with_modules else {},
        "pages": {d.id: {"title": d.title, "version": d.version,
                         "headings": _headings(d)} for d in course.pages},
        "quizzes": {q.id: _quiz_meta(q, quizzes) for q in course.quizzes if q.kind != "pool"},
        # Surveys hold no answer key: the whole of each goes into course.json.
        "surveys": {s.id: survey_to_dict(s) for s in course.surveys},
        "glossary": [{"term": e.term, "key": e.key, "definition": e.definition,
                      "aliases": list(e.aliases),
                      "alias_keys": [term_key(a) for a in e.aliases],
                      "see": [r.target for r in e.see]}
                     for e in sorted(course.glossary, key=lambda e: e.term.lower())],
    }


def _audience_json(audience: Audience) -> dict[str, Any]:
    """An audience, with its specialisms: the modules to study first and extra reading
    (a module or page as ``id#anchor`` in ``ref``, or a web page's ``title`` and ``url``)."""
    return {"id": audience.id, "title": audience.title, "specialisms": [
        {"id": s.id, "title": s.title, "description": s.description,
         "first": [r.target for r in s.first],
         "reading": [{"ref": r.ref.target} if r.ref else {"title": r.title, "url": r.url}
                     for r in s.reading]}
        for s in audience.specialisms]}


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
        "surveys": {"session": topic.session_survey.target if topic.session_survey else "",
                    "topic": topic.topic_survey.target if topic.topic_survey else ""},
    }


def _module_json(doc: Document, course: Course, topic: Topic,
                 fragments: Fragments) -> dict[str, Any]:
    words = fragments.words.get(doc.version)
    if words is None:
        words = fragments.words[doc.version] = len(doc.rendered.text.split())
    return {
        "title": doc.title, "topic": doc.topic, "source": doc.path, "minutes": doc.minutes,
        "audiences": list(doc.audiences or topic.audiences),
        "objectives": list(doc.objectives), "quiz": doc.quiz.target if doc.quiz else "",
        "requires": [r.target for r in doc.requires], "version": module_version(doc, course),
        "headings": _headings(doc), "words": words,
        "reviewed": doc.reviewed.isoformat() if doc.reviewed else "",
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


def _search_key(doc: Document) -> str:
    return f"{doc.path}\0{doc.version}"


def _search_fragments(course: Course, fragments: Fragments) -> dict[str, bytes]:
    """Each document's encoded search-index entry, by a key of its path and content."""
    entries = {}
    for doc in course.modules + course.pages:
        key = _search_key(doc)
        entry = fragments.search.get(key)
        if entry is None:
            entry = fragments.search[key] = _json(
                {"id": doc.id, "title": doc.title, "topic": doc.topic,
                 "headings": [h.text for h in doc.rendered.headings],
                 "text": doc.rendered.text})
        entries[key] = entry
    return entries


def write_changed(plan: dict[str, Output], out: Path, digests: dict[str, str],
                  keys: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Write the outputs whose content changed, remove stale ones; return digests and keys.

    ``digests`` and ``keys`` are the last build's: an output whose key is unchanged and
    whose file is still there is not even made again.
    """
    new_digests, new_keys = {}, {}
    present = _present(out, plan)
    for path, (key, make) in plan.items():
        if key and keys.get(path) == key and path in digests and path in present:
            new_digests[path], new_keys[path] = digests[path], key
            continue
        target = out / path
        data = make()
        new_digests[path], new_keys[path] = hashlib.sha256(data).hexdigest(), key
        if digests.get(path) != new_digests[path] or not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(target)  # atomic: the app never reads a half-written file
    for path in set(digests) - set(plan):
        (out / path).unlink(missing_ok=True)
    return new_digests, new_keys


def _present(out: Path, paths: Iterable[str]) -> set[str]:
    """Which of ``paths`` exist under ``out``: one listing per folder, not a look per file."""
    present: set[str] = set()
    for folder in {posixpath.dirname(path) for path in paths}:
        try:
            names = os.listdir(os.path.join(out, folder))
        except OSError:
            continue
        present.update(posixpath.join(folder, name) for name in names)
    return present
