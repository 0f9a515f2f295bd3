"""Web-authored versions on several app servers: the database holds them, each server's
files follow.

The latest version of a path saved, restored or removed in the browser (``SYNCED``) is
the truth for that path; the git repository stays the source of every file no one edited
in the browser. Each app server keeps its own copy of the course: ``catch_up`` writes
there the web versions it has not applied yet (the poller of ``webapp.websync`` calls it
every two seconds and then rebuilds; every authoring page calls it before it reads a
source, and a save under ``saving``, so no editor ever offers a stale text).

A web version replaces a server's file only when that file holds a text the database
knows for the path from before the version: its baseline (the text from git that the
first web save replaced) or an older web version; a removal likewise removes only such a
file. A missing file is written only when the database knows why it is missing: the path
was born in the browser (it has no baseline) or was last removed there. Any other text
was put there by git after the web save — a pull of a newer text — and git wins: the
file is kept and the skip is logged (``SyncReport.kept``). A web save of that file then
records git's text as a new baseline, as the first save after any change outside the app
does.

Images uploaded in the editor are kept in ``stored_file`` (``COURSE_FILE``) in the same
transaction as the save that shows them, and written with it.

``web-revision`` in the build folder records the newest web version this server's files
have applied; a new server (no marker) and every process that starts compare all paths.
"""

from __future__ import annotations

import codecs
import logging
import mimetypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import text
from sqlmodel import Session, col, delete, func, select

from webapp.models import SourceVersion, StoredFile
from webapp.services.authoring import (
    BASELINE,
    REMOVED,
    RESTORED,
    SAVED,
    WRITTEN,
    Paths,
    digest,
    encode,
    write_atomically,
    writing,
)

SYNCED = (SAVED, RESTORED, REMOVED)  # what every server applies: what the browser changed
MARKER = "web-revision"
# An image uploaded in the editor, kept in ``stored_file`` under its path in the course, so
# the servers that did not take the upload write it beside the module that shows it.
COURSE_FILE = "course-file"
# The one "save at a time" across servers: a PostgreSQL advisory lock's key (any constant
# of our own; "dobroSRC" as an integer).
SAVE_LOCK_KEY = 0x646F62726F535243  # below 2**63: a bigint
# A version's path as the database keeps it: under modules/ or quizzes/, no "..".
SAFE_PATH = re.compile(r"(modules|quizzes)(/[\w-][\w.-]*)+")

log = logging.getLogger(__name__)
Decision = Literal["same", "write", "remove", "keep"]


@dataclass(frozen=True)
class SyncReport:
    """What one catch-up did: files written, and files whose newer git text was kept."""

    upto: int  # the newest web version id looked at
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()  # git holds a text the database does not know: it wins

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


@dataclass(frozen=True)
class Known:
    """A path's written and removed versions (id, sha, status), oldest first: what its
    file may hold, and whether its absence is the database's doing."""

    rows: tuple[tuple[int, str, str], ...]

    def before(self, version_id: int) -> set[str]:
        return {sha for number, sha, status in self.rows
                if number < version_id and status != REMOVED}

    def absence_known(self, version_id: int) -> bool:
        """Whether a missing file is the database's doing: the path was born in the
        browser (git never had it: no baseline), or it was last removed in the browser."""
        earlier = [status for number, _, status in self.rows if number < version_id]
        return BASELINE not in earlier or earlier[-1] == REMOVED


def newest_id(session: Session) -> int:
    """The id of the newest web version (0 when there is none): one walk down the key."""
    found = session.exec(select(SourceVersion.id)
                         .where(col(SourceVersion.status).in_(SYNCED))
                         .order_by(col(SourceVersion.id).desc()).limit(1)).first()
    return found or 0


def latest(session: Session, after: int = 0, upto: int | None = None,
           since: datetime | None = None) -> list[SourceVersion]:
    """Each path's latest web version, for the paths with one newer than id ``after``
    (and, with ``since``, made at or after that moment)."""
    synced = col(SourceVersion.status).in_(SYNCED)
    changed = select(SourceVersion.path).where(synced, col(SourceVersion.id) > after)
    newest = select(func.max(SourceVersion.id)).where(
        synced, col(SourceVersion.path).in_(changed))
    if upto is not None:
        newest = newest.where(col(SourceVersion.id) <= upto)
    rows = session.exec(select(SourceVersion).where(
        col(SourceVersion.id).in_(newest.group_by(SourceVersion.path)))
        .order_by(SourceVersion.path)).all()
    return [row for row in rows if since is None or _naive(row.created_at) >= _naive(since)]


def _naive(moment: datetime) -> datetime:
    """A moment in UTC without its zone (SQLite gives naive UTC, PostgreSQL aware)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def known(session: Session, rels: list[str]) -> dict[str, Known]:
    """The written versions of ``rels`` (ids, shas and statuses, not their texts)."""
    found: dict[str, list[tuple[int, str, str]]] = {rel: [] for rel in rels}
    if rels:
        rows = session.exec(select(SourceVersion.path, SourceVersion.id, SourceVersion.sha256,
                                   SourceVersion.status)
                            .where(col(SourceVersion.path).in_(rels),
                                   col(SourceVersion.status).in_((*WRITTEN, REMOVED)))
                            .order_by(col(SourceVersion.id))).all()
        for rel, number, sha, status in rows:
            found[rel].append((number or 0, sha, status))
    return {rel: Known(tuple(rows)) for rel, rows in found.items()}


def decide(version: SourceVersion, disk: bytes | None, history: Known) -> Decision:
    """Whether a file holding ``disk`` (None: missing) takes ``version``; see the module."""
    number = version.id or 0
    if version.status == REMOVED:
        if disk is None:
            return "same"
        return "remove" if digest(disk) in history.before(number) else "keep"
    if disk is None:
        return "write" if history.absence_known(number) else "keep"
    sha = digest(disk)
    if sha == version.sha256:
        return "same"
    return "write" if sha in history.before(number) else "keep"


def version_bytes(version: SourceVersion, like: bytes = b"") -> bytes:
    """The very bytes a version had on disk: its raw bytes when kept, else its text
    encoded with the newlines and BOM that give its SHA-256 (those of ``like`` first)."""
    if version.raw is not None:
        return version.raw
    bom, crlf = codecs.BOM_UTF8, b"\r\n"
    candidates = [encode(version.content, like)] + [
        encode(version.content, shape) for shape in (b"", crlf, bom, bom + crlf)]
    return next((data for data in candidates if digest(data) == version.sha256), candidates[0])


def apply(session: Session, root: Path, versions: list[SourceVersion], upto: int) -> SyncReport:
    """Write ``versions`` into the course at ``root`` where ``decide`` says so."""
    histories = known(session, [v.path for v in versions])
    written: list[str] = []
    removed: list[str] = []
    kept: list[str] = []
    for version in versions:
        if not SAFE_PATH.fullmatch(version.path) or ".." in version.path.split("/"):
            log.warning("web version %s has a path outside the course: %r", version.id,
                        version.path)
            continue
        file = root / version.path
        disk = file.read_bytes() if file.is_file() else None
        decision = decide(version, disk, histories[version.path])
        if decision == "keep":
            kept.append(version.path)
            log.warning("%s: the file holds a text the database does not know (git changed it "
                        "after web version %s): the file is kept", version.path, version.id)
        elif decision == "write":
            file.parent.mkdir(parents=True, exist_ok=True)
            written += write_missing_files(session, root, f"{Path(version.path).parent}/img/")
            write_atomically(file, version_bytes(version, disk or b""))
            written.append(version.path)
        elif decision == "remove":
            file.unlink(missing_ok=True)
            removed.append(version.path)
    return SyncReport(upto, tuple(written), tuple(removed), tuple(kept))


def keep_files(session: Session, root: Path, rels: tuple[str, ...]) -> None:
    """Keep the files an upload wrote (``rels``, from the course root) in the database with
    the save that shows them (the caller commits). A path kept already stays as it is."""
    taken = set(session.exec(select(StoredFile.key).where(
        StoredFile.kind == COURSE_FILE, col(StoredFile.key).in_(rels))).all())
    for rel in rels:
        if rel in taken:
            log.warning("%s: another server kept a file by this name first", rel)
            continue
        data = (root / rel).read_bytes()
        session.add(StoredFile(kind=COURSE_FILE, key=rel, content=data, sha256=digest(data),
                               size=len(data), media_type=mimetypes.guess_type(rel)[0]
                               or "application/octet-stream"))


def forget_files(session: Session, rels: tuple[str, ...]) -> None:
    """Forget the files of an upload that was taken back (the caller commits)."""
    session.flush()
    session.exec(delete(StoredFile).where(col(StoredFile.kind) == COURSE_FILE,
                                          col(StoredFile.key).in_(rels)))


def write_missing_files(session: Session, root: Path, folder: str) -> list[str]:
    """Write the kept files under ``folder`` (``modules/<topic>/img/``) this course lacks."""
    keys = session.exec(select(StoredFile.key).where(
        StoredFile.kind == COURSE_FILE,
        col(StoredFile.key).startswith(folder, autoescape=True))).all()
    missing = [key for key in keys if SAFE_PATH.fullmatch(key) and ".." not in key.split("/")
               and not (root / key).exists()]
    for found in session.exec(select(StoredFile).where(
            StoredFile.kind == COURSE_FILE, col(StoredFile.key).in_(missing))).all():
        (root / found.key).parent.mkdir(parents=True, exist_ok=True)
        write_atomically(root / found.key, found.content)
    return sorted(missing)


def read_marker(build: Path) -> int:
    """The newest web version id this server's files have applied (0: none yet)."""
    try:
        return int((build / MARKER).read_text(encoding="ascii").strip() or 0)
    except (OSError, ValueError):
        return 0


def write_marker(build: Path, upto: int) -> None:
    build.mkdir(parents=True, exist_ok=True)
    write_atomically(build / MARKER, f"{upto}\n".encode("ascii"))


def apply_pending(session: Session, paths: Paths, full: bool = False) -> SyncReport | None:
    """Bring the course's files up to the database's web versions; the caller holds the
    authoring lock. ``full`` compares every edited path, not only the new versions.

    None when there was nothing new to look at.
    """
    upto, marker = newest_id(session), read_marker(paths.build)
    if upto == marker and not full:
        return None
    # A marker ahead of the database: the database was restored from a backup. Compare all.
    after = 0 if full or upto < marker else marker
    report = apply(session, paths.root, latest(session, after, upto), upto)
    write_marker(paths.build, upto)
    return report


def catch_up(session: Session, paths: Paths, full: bool = False) -> SyncReport | None:
    """``apply_pending`` under the authoring lock, taken only when something is new."""
    if not full and newest_id(session) == read_marker(paths.build):
        return None
    with writing(paths):
        return apply_pending(session, paths, full)


def one_save_at_a_time(session: Session) -> None:
    """On PostgreSQL, wait for any other server's save: the lock holds until the session
    commits or rolls back. (On SQLite the database has one server: its file lock does it.)"""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                     {"key": SAVE_LOCK_KEY})


@contextmanager
def saving(session: Session, paths: Paths) -> Iterator[None]:
    """Hold the lock for one save across servers, with this server's files brought up to
    the database first, so the save's conflict check compares with the truth."""
    with writing(paths):
        one_save_at_a_time(session)
        apply_pending(session, paths)
        yield


def export(session: Session, target: Path, since: datetime | None = None) -> SyncReport:
    """Write each path's latest web version into the course at ``target`` (a working tree
    to review and commit), unless the file there holds a text the database does not know."""
    upto = newest_id(session)
    return apply(session, target, latest(session, 0, upto, since), upto)

