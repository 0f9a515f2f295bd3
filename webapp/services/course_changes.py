"""One checked change to several course files: new files, edits and removals together.

A new module is two files (the module and ``course.yaml``); moving one is three.
They are checked together, over the whole course as it would be — in a scratch
copy of the course made of symbolic links, with the changed files as real files
and the removed ones left out — with the same checks as ``dobro check``. Only a
change that adds no error is written; each written file is recorded as a
``SourceVersion`` through the authoring service, as a web save is.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from course.build import check
from course.errors import Problem
from course.model import Course
from webapp.models import User
from webapp.services import authoring
from webapp.services.authoring import REMOVED, SAVED, Paths

# What a new file may be called: a folder and a name made by ``course_edit``, never
# a name typed by a user; checked again here so no path can leave the course.
NEW_FILE = re.compile(r"^(modules/[a-z0-9-]+/(\d{2,3}-)?[a-z0-9-]+\.md"
                      r"|quizzes/[a-z0-9-]+/[a-z0-9-]+\.yaml)$")


class BadPath(authoring.AuthoringError):
    """A new file's path is not one this service makes, or the file exists already."""


@dataclass(frozen=True)
class ChangeResult:
    """What a change did: ``written`` only when every file was written."""

    written: bool
    problems: tuple[Problem, ...]  # the errors the change would add
    course: Course | None = None


def _paths_ok(root: Path, changes: Mapping[str, str | None]) -> None:
    known = set(authoring.known_sources(root))
    for rel, text in changes.items():
        if rel in known:
            continue
        if text is None or not NEW_FILE.match(rel) or ".." in rel or (root / rel).exists():
            raise BadPath(rel)


def check_change(paths: Paths, changes: Mapping[str, str | None],
                 ) -> tuple[Course, list[Problem]]:
    """The errors the course would have with ``changes`` (text, or None to remove) and
    did not have before, with the course as it would be."""
    _paths_ok(paths.root, changes)
    _, before = check(paths.root, jobs=1, build_dir=paths.build)
    with tempfile.TemporaryDirectory(prefix="dobro-change-") as scratch:
        root = Path(scratch)
        _mirror(paths.root, root, changes)
        course, after = check(root, jobs=1, build_dir=paths.build)
    had = {(p.path, p.code, p.message) for p in before if p.is_error}
    added = [p for p in after if p.is_error and (p.path, p.code, p.message) not in had]
    return course, added


def _mirror(source: Path, target: Path, changes: Mapping[str, str | None]) -> None:
    for folder in ("modules", "quizzes"):
        base = source / folder
        for path in sorted(base.rglob("*")) if base.is_dir() else []:
            rel = path.relative_to(source).as_posix()
            if path.is_file() and rel not in changes:
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                os.symlink(path, target / rel)
        (target / folder).mkdir(exist_ok=True)
    for rel, text in changes.items():
        if text is not None:
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            (target / rel).write_bytes(_bytes(source / rel, text))


def _bytes(file: Path, text: str) -> bytes:
    return authoring.encode(text, file.read_bytes() if file.exists() else b"")


def apply(session: Session, paths: Paths, changes: Mapping[str, str | None],
          author: User | None, comment: str) -> ChangeResult:
    """Check ``changes`` and, when they add no error, write them all; the caller holds
    ``authoring.writing``.

    Every written file gets a version (the file's earlier text kept as a baseline
    first, so it can be restored); a removed file keeps its baseline, and its removal
    is recorded so that every app server removes it too.
    """
    course, added = check_change(paths, changes)
    if added:
        return ChangeResult(False, tuple(added), course)
    for rel, text in changes.items():
        file = paths.root / rel
        current = file.read_bytes() if file.exists() else None
        if current is not None:
            authoring.keep_baseline(session, rel, current)
        if text is None:
            file.unlink()
            authoring.record(session, rel, b"", REMOVED, author, comment)
            continue
        data = _bytes(file, text)
        file.parent.mkdir(parents=True, exist_ok=True)
        authoring.write_atomically(file, data)
        authoring.record(session, rel, data, SAVED, author, comment)
    session.commit()
    return ChangeResult(True, (), course)
