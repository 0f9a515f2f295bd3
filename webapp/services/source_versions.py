"""The versions of the course sources: each file's history, and a refused draft offered
again to its author until it is saved over, continued or set aside."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, col, func, or_, select

from webapp.models import SourceVersion, User, utcnow
from webapp.services.authoring import (
    REJECTED,
    REMOVED,
    RESTORED,
    SAVED,
    WRITTEN,
    Paths,
    digest,
    encode,
    file_sha,
    known_sources,
    record,
    resolve,
    shown,
)

DISCARDED = "discarded"  # a draft its author chose not to go on with
UNSAVED = "unsaved"  # a text typed and checked in the editor, never sent with "Save"
DRAFTS = (REJECTED, UNSAVED)
# The shape of a course source's path, for one no longer on disk (a removed file's history).
STORED_PATH = re.compile(r"(modules|quizzes)(/[\w-][\w.-]*)+")


def history(session: Session, rel: str) -> list[tuple[SourceVersion, User | None]]:
    """Every version of ``rel``, newest first, with its author."""
    rows = session.exec(
        select(SourceVersion, User).join(User, isouter=True)
        .where(SourceVersion.path == rel, SourceVersion.status != REMOVED)
        .order_by(col(SourceVersion.id).desc())).all()
    return [(version, user) for version, user in rows]


@dataclass(frozen=True)
class Entry:
    """One line of a history: a version, its number within its file, its author, and
    whether its text is the file on disk now ("текуща")."""

    version: SourceVersion
    number: int
    author: User | None
    current: bool


def numbered(session: Session, rel: str, current_sha: str) -> list[Entry]:
    """Every version of ``rel``, newest first, numbered 1, 2, 3… from the oldest.

    Only one is current: the newest whose text is the file on disk.
    """
    rows = history(session, rel)
    return _entries(rows, {rel: current_sha})


def topic_history(session: Session, paths: Paths, rels: list[str]) -> list[Entry]:
    """Every version of the files ``rels`` (a topic's modules and quizzes), newest first."""
    if not rels:
        return []
    rows = session.exec(
        select(SourceVersion, User).join(User, isouter=True)
        .where(col(SourceVersion.path).in_(rels), SourceVersion.status != REMOVED)
        .order_by(col(SourceVersion.id).desc())).all()
    known = set(known_sources(paths.root))  # a removed file has no current version
    return _entries([(v, u) for v, u in rows],
                    {rel: file_sha(paths.root, rel) for rel in rels if rel in known})


def removed(session: Session, paths: Paths, folders: tuple[str, ...]) -> list[str]:
    """The files under ``folders`` that have versions but are no longer course sources."""
    rows = session.exec(select(SourceVersion.path).distinct().where(or_(
        *(col(SourceVersion.path).startswith(f"{folder}/", autoescape=True)
          for folder in folders)))).all()
    return sorted(set(rows) - set(known_sources(paths.root)))


def _entries(rows: list[tuple[SourceVersion, User | None]],
             current: dict[str, str]) -> list[Entry]:
    counts = Counter(version.path for version, _ in rows)
    seen: set[str] = set()
    entries = []
    for version, user in rows:  # newest first
        is_current = version.path not in seen and version.sha256 == current.get(version.path)
        if is_current:
            seen.add(version.path)
        entries.append(Entry(version, counts[version.path], user, is_current))
        counts[version.path] -= 1
    return entries


def number(session: Session, found: SourceVersion) -> int:
    """The number of ``found`` within its file's history (1 is the oldest)."""
    return session.exec(select(func.count()).select_from(SourceVersion).where(
        SourceVersion.path == found.path, col(SourceVersion.id) <= found.id,
        SourceVersion.status != REMOVED)).one()


def latest_written(session: Session, rel: str | None = None,
                   ) -> dict[str, tuple[SourceVersion, User | None]]:
    """Each edited path's (or just ``rel``'s) latest version saved from the web, with its author."""
    newest = (select(func.max(SourceVersion.id))
              .where(col(SourceVersion.status).in_((SAVED, RESTORED)))
              .group_by(SourceVersion.path))
    if rel is not None:
        newest = newest.where(SourceVersion.path == rel)
    rows = session.exec(select(SourceVersion, User).join(User, isouter=True)
                        .where(col(SourceVersion.id).in_(newest))).all()
    return {version.path: (version, user) for version, user in rows}


def version(session: Session, version_id: int) -> tuple[SourceVersion, User | None] | None:
    """One version with its author, or None."""
    row = session.exec(select(SourceVersion, User).join(User, isouter=True)
                       .where(SourceVersion.id == version_id,
                              SourceVersion.status != REMOVED)).first()
    return (row[0], row[1]) if row else None


def last_written(session: Session, rel: str) -> SourceVersion | None:
    """The newest version of ``rel`` that was on disk (for a removed file: its last text)."""
    return session.exec(select(SourceVersion).where(SourceVersion.path == rel,
                                                    col(SourceVersion.status).in_(WRITTEN))
                        .order_by(col(SourceVersion.id).desc()).limit(1)).first()


def pending_draft(session: Session, rel: str, author: User | None,
                  current_sha: str) -> SourceVersion | None:
    """``author``'s newest draft of ``rel`` (refused or unsaved), if no version was written
    after it and it is not the file's text."""
    if author is None:
        return None
    written = session.exec(select(func.max(SourceVersion.id))
                           .where(SourceVersion.path == rel,
                                  col(SourceVersion.status).in_(WRITTEN))).one()
    draft = session.exec(
        select(SourceVersion).where(SourceVersion.path == rel,
                                    col(SourceVersion.status).in_(DRAFTS),
                                    SourceVersion.author_id == author.id,
                                    col(SourceVersion.id) > (written or 0))
        .order_by(col(SourceVersion.id).desc()).limit(1)).first()
    return draft if draft is not None and draft.sha256 != current_sha else None


def discard_drafts(session: Session, draft: SourceVersion, author: User) -> int:
    """Mark ``author``'s drafts of the file, up to ``draft``, as not to be offered.

    The texts stay in the history: discarding only stops the editor offering them.
    """
    drafts = session.exec(select(SourceVersion).where(
        SourceVersion.path == draft.path, col(SourceVersion.status).in_(DRAFTS),
        SourceVersion.author_id == author.id, col(SourceVersion.id) <= draft.id)).all()
    for found in drafts:
        found.status = DISCARDED
        session.add(found)
    session.commit()
    return len(drafts)


def changed_after(paths: Paths, rel: str, when: datetime) -> bool:
    """Tell whether ``rel`` changed on disk after ``when`` (a git pull, another editor)."""
    modified = datetime.fromtimestamp(resolve(paths.root, rel).stat().st_mtime, UTC)
    moment = when if when.tzinfo else when.replace(tzinfo=UTC)
    return modified > moment


def keep_unsaved(session: Session, paths: Paths, rel: str, text: str,
                 author: User | None) -> None:
    """Keep the text being typed as ``author``'s unsaved draft of ``rel``.

    The live check sends the text every few seconds; it is kept in one row per author,
    updated in place while no one else's version comes after it, so a closed tab or a
    crashed browser loses at most the last seconds of typing.
    """
    current = resolve(paths.root, rel).read_bytes()
    data = encode(text, current)
    if author is None or data == current:
        return
    latest = session.exec(select(SourceVersion).where(SourceVersion.path == rel)
                          .order_by(col(SourceVersion.id).desc()).limit(1)).first()
    if latest is not None and latest.sha256 == digest(data):
        return
    if latest is not None and latest.status == UNSAVED and latest.author_id == author.id:
        latest.content, latest.sha256, latest.created_at = shown(data), digest(data), utcnow()
        session.add(latest)
    else:
        record(session, rel, data, UNSAVED, author, "")
    session.commit()
