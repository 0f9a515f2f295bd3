"""What each course edit changes: the new texts of every file it touches.

Each function reads the current sources, asks ``course_edit`` for the new texts
and returns them as one change (path → text, or None to remove), for
``course_changes.apply`` to check and write. Nothing is written here.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from course.build import check
from course.model import Course, Document
from course.sources import MANIFEST
from webapp.services import authoring
from webapp.services.authoring import Paths
from webapp.services.course_edit import (
    EditError,
    FrontMatter,
    Incoming,
    Manifest,
    QuizPlan,
    clean_title,
    links_to,
    module_text,
    next_file_name,
    page_text,
    quiz_text,
    relink,
    slugify,
)

Changes = dict[str, str | None]
MAX_MINUTES = 600


@dataclass(frozen=True)
class Plan:
    """A change and the file a trainer should open next."""

    changes: Changes
    opens: str


def current(paths: Paths) -> Course:
    """The course as the sources have it now."""
    course, _ = check(paths.root, jobs=1, build_dir=paths.build)
    return course


def _text(paths: Paths, rel: str) -> str:
    """A file's text; one that is not UTF-8 is refused (the editor converts it first)."""
    try:
        return authoring.decode((paths.root / rel).read_bytes())
    except authoring.NotUtf8:
        raise EditError("not-utf8", rel) from None


def _manifest(paths: Paths) -> Manifest:
    return Manifest(_text(paths, MANIFEST))


def module(course: Course, module_id: str) -> Document:
    """A module by id, or ``EditError``."""
    found = next((d for d in course.modules if d.id == module_id), None)
    if found is None:
        raise EditError("unknown-module", module_id)
    return found


def _taken(course: Course, new_id: str) -> None:
    ids = {d.id for d in course.modules + course.pages} | {q.id for q in course.quizzes}
    if new_id in ids:
        raise EditError("duplicate-id", new_id)


def _folder_names(paths: Paths, folder: str) -> list[str]:
    base = paths.root / folder
    return sorted(p.name for p in base.iterdir()) if base.is_dir() else []


def new_module(paths: Paths, topic: str, title: str, minutes: int, audiences: list[str],
               position: int) -> Plan:
    """A new module file in ``topic``'s folder, listed at ``position`` in the topic."""
    title = clean_title(title)
    if not 1 <= minutes <= MAX_MINUTES:
        raise EditError("bad-minutes", str(MAX_MINUTES))
    course, manifest = current(paths), _manifest(paths)
    manifest.topic(topic)
    module_id = slugify(title)
    _taken(course, module_id)
    folder = f"modules/{topic}"
    rel = f"{folder}/{next_file_name(_folder_names(paths, folder), module_id)}"
    manifest.insert(topic, module_id, position)
    return Plan({rel: module_text(module_id, title, minutes, audiences),
                 MANIFEST: manifest.dump()}, rel)


def new_page(paths: Paths, title: str) -> Plan:
    """A new page under modules/pages/."""
    title = clean_title(title)
    page_id = slugify(title)
    _taken(current(paths), page_id)
    rel = f"modules/pages/{page_id}.md"
    return Plan({rel: page_text(page_id, title)}, rel)


def new_quiz(paths: Paths, topic: str, kind: str, title: str, module_id: str = "",
             pool_id: str = "") -> Plan:
    """A new quiz of ``kind`` in ``topic``, attached where that kind belongs."""
    title = clean_title(title)
    course, manifest = current(paths), _manifest(paths)
    spec = manifest.topic(topic)
    quiz_id = slugify(title)
    _taken(course, quiz_id)
    rel = f"quizzes/{topic}/{quiz_id}.yaml"
    changes: Changes = {}
    doc, size = None, 0
    if kind == "self-check":
        doc = module(course, module_id)
        if doc.quiz is not None:
            raise EditError("has-self-check", doc.quiz.target)
        matter = FrontMatter(_text(paths, doc.path))
        matter.set("quiz", quiz_id)
        changes[doc.path] = matter.dump()
    elif kind in ("pre-test", "final"):
        pool = next((q for q in course.quizzes if q.id == pool_id and q.kind == "pool"), None)
        if pool is None:
            raise EditError("unknown-pool", pool_id)
        size = len(pool.questions)
        key = "pretest" if kind == "pre-test" else "final"
        if not spec.get(key):
            manifest.set_test(topic, key, quiz_id)
            changes[MANIFEST] = manifest.dump()
    elif kind != "pool":
        raise EditError("unknown-kind", kind)
    changes[rel] = quiz_text(QuizPlan(quiz_id, title, kind, doc, pool_id, size))
    return Plan(changes, rel)


def shift(paths: Paths, topic: str, module_id: str, delta: int) -> Plan:
    """Move a module one place up or down in its topic."""
    manifest = _manifest(paths)
    manifest.shift(topic, module_id, delta)
    return Plan({MANIFEST: manifest.dump()}, MANIFEST)


def set_tracks(paths: Paths, topic: str, required: list[str], optional: list[str]) -> Plan:
    """Whom a topic is for: required, optional (anyone else: not offered)."""
    manifest = _manifest(paths)
    manifest.set_tracks(topic, required, optional)
    return Plan({MANIFEST: manifest.dump()}, MANIFEST)


def settings(paths: Paths, module_id: str, audiences: list[str], requires: list[str],
             topic: str, position: int) -> Plan:
    """A module's audiences and prerequisites, and its topic and place in it.

    Moving to another topic moves the file to that topic's folder: the links and
    image paths in it, and the links to it from other modules and pages, are
    rewritten to point where they did (its images stay in the old topic's ``img/``).
    """
    course, manifest = current(paths), _manifest(paths)
    doc = module(course, module_id)
    manifest.topic(topic)
    if module_id in requires:
        raise EditError("self-prerequisite", module_id)
    rel = doc.path
    text = _text(paths, rel)
    changes: Changes = {}
    if topic != doc.topic:
        folder = f"modules/{topic}"
        slug = re.sub(r"^\d+-", "", Path(rel).stem)
        rel = f"{folder}/{next_file_name(_folder_names(paths, folder), slug)}"
        changes.update(_relinked(paths, course, doc, rel))
        text = relink(text, doc.rendered.links, posixpath.dirname(doc.path), folder,
                      {doc.path: rel})
        changes[doc.path] = None
    matter = FrontMatter(text)
    matter.set_list("audiences", audiences)
    matter.set_list("requires", requires, after="quiz" if "quiz" in matter.data else "minutes")
    old_topic = manifest.topic_of(module_id) or doc.topic
    manifest.remove(old_topic, module_id)
    manifest.insert(topic, module_id, position)
    changes[MANIFEST] = manifest.dump()
    changes[rel] = matter.dump()
    return Plan(changes, rel)


def _relinked(paths: Paths, course: Course, doc: Document, new_rel: str) -> Changes:
    """The modules and pages that link to ``doc``, their links pointing to ``new_rel``."""
    linking = {i.path for i in links_to(course, doc) if i.what == "link"}
    changes: Changes = {}
    for other in course.modules + course.pages:
        if other.path in linking:
            folder = posixpath.dirname(other.path)
            changes[other.path] = relink(_text(paths, other.path), other.rendered.links,
                                         folder, folder, {doc.path: new_rel})
    return changes


def _own_quiz(course: Course, doc: Document) -> str | None:
    """The path of ``doc``'s self-check, which goes (or is renamed) with it."""
    own = next((q for q in course.quizzes if doc.quiz and q.id == doc.quiz.target), None)
    return own.path if own is not None else None


def blockers(course: Course, doc: Document) -> list[Incoming]:
    """What links to ``doc`` from elsewhere than its own self-check."""
    own = _own_quiz(course, doc)
    return [i for i in links_to(course, doc) if i.path != own]


def remove(paths: Paths, module_id: str) -> tuple[Plan, list[Incoming]]:
    """Remove a module and its self-check, unless something else links to it."""
    course, manifest = current(paths), _manifest(paths)
    doc = module(course, module_id)
    found = blockers(course, doc)
    if found:
        return Plan({}, doc.path), found
    manifest.remove(manifest.topic_of(module_id) or doc.topic, module_id)
    changes: Changes = {doc.path: None, MANIFEST: manifest.dump()}
    own = _own_quiz(course, doc)
    if own:
        changes[own] = None
    return Plan(changes, MANIFEST), []


def rename(paths: Paths, module_id: str, title: str, new_id: bool) -> tuple[Plan, list[Incoming]]:
    """A module's new title; with ``new_id`` also a new id and file name from it."""
    title = clean_title(title)
    course, manifest = current(paths), _manifest(paths)
    doc = module(course, module_id)
    matter = FrontMatter(_text(paths, doc.path))
    matter.set("title", title)
    target = slugify(title)
    if not new_id or target == module_id:
        return Plan({doc.path: matter.dump()}, doc.path), []
    found = blockers(course, doc)
    if found:
        return Plan({}, doc.path), found
    _taken(course, target)
    matter.set("id", target)
    topic = manifest.topic_of(module_id) or doc.topic
    index = manifest.remove(topic, module_id)
    manifest.insert(topic, target, index)
    name = Path(doc.path).name
    prefix = name[:3] if re.match(r"^\d{2}-", name) else ""
    rel = f"modules/{doc.topic}/{prefix}{target}.md"
    changes: Changes = {doc.path: None, rel: matter.dump(), MANIFEST: manifest.dump()}
    own = _own_quiz(course, doc)
    if own:
        pattern = re.compile(rf"^(\s*ref:\s*){re.escape(module_id)}(?=#|\s*$)", re.M)
        changes[own] = pattern.sub(rf"\g<1>{target}", _text(paths, own))
    return Plan(changes, rel), []


def recreate(paths: Paths, rel: str, text: str, last_text: Callable[[str], str | None]) -> Plan:
    """A removed file back with ``text``; a module listed again at the end of its topic,
    with its self-check back too (``last_text`` gives a removed file's last text).

    A module and its self-check are removed together and name each other: one without
    the other would not pass the checks.
    """
    if (paths.root / rel).exists():
        raise EditError("exists", rel)
    changes: Changes = {rel: text}
    parts = rel.split("/")
    if len(parts) != 3 or parts[0] != "modules" or not rel.endswith(".md"):
        return Plan(changes, rel)
    try:
        matter = FrontMatter(text)
    except EditError:
        return Plan(changes, rel)  # the checks say what is wrong with it
    manifest, topic = _manifest(paths), parts[1]
    module_id, quiz_id = str(matter.data.get("id") or ""), str(matter.data.get("quiz") or "")
    if module_id and topic in topic_ids(manifest) and manifest.topic_of(module_id) is None:
        manifest.insert(topic, module_id, len(manifest.modules(topic)))
        changes[MANIFEST] = manifest.dump()
    quiz_rel = f"quizzes/{topic}/{quiz_id}.yaml"
    if re.fullmatch(r"[a-z0-9-]+", quiz_id) and not (paths.root / quiz_rel).exists():
        quiz = last_text(quiz_rel)
        if quiz is not None:
            changes[quiz_rel] = quiz
    return Plan(changes, rel)


def topic_ids(manifest: Manifest) -> list[str]:
    return [str(t.get("id")) for t in manifest.data.get("topics") or [] if isinstance(t, dict)]
