"""Web authoring: trainers edit the course's sources in the browser.

A candidate text is checked with the same checks as ``dobro check``, over the
whole course, the candidate standing in for its file (``course.build.check``
with ``overrides``). A text is written — atomically — when its own file has no
errors and it adds none elsewhere: errors other files already had on disk are
named, but do not block someone else's save. Every text a trainer saves or tries
to save is kept as a ``SourceVersion``, so nothing typed is ever lost, and a
refused draft is offered again when its author comes back.

Files are decoded strictly: a file that is not UTF-8 (a Windows-1251 module from
Word or Notepad) is never shown as if it were fine; it opens read-only with a
conversion the trainer sees before it is saved, and its original bytes are kept.

Files are only ever reached through the course's own list of sources
(``known_sources``): a path from a request is looked up in that list, never
joined to the disk as it is.
"""

from __future__ import annotations

import codecs
import fcntl
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from course.build import check
from course.compile import UrlScheme, link_urls
from course.encoding import WINDOWS_1251, guess_encoding, is_utf8
from course.errors import Problem
from course.model import Course, Document, Quiz
from course.render import resolve_placeholders
from course.sources import MANIFEST, source_files
from webapp.models import SourceVersion, User

MAX_BYTES = 1_000_000  # one source file, as UTF-8; the largest real module is ~40 KB
COMMENT_LENGTH = 200
BASELINE, SAVED, REJECTED, RESTORED = "baseline", "saved", "rejected", "restored"
WRITTEN = (BASELINE, SAVED, RESTORED)  # statuses whose content was on disk at some time
# A file removed in the browser (no text): every app server removes it too (web_versions).
# Not shown in the histories, whose removed file shows its last text.
REMOVED = "removed"
_held = threading.local()  # the authoring locks this thread holds (``writing``)


class AuthoringError(Exception):
    """Base class of what this service raises."""


class UnknownSource(AuthoringError):
    """The path is not one of the course's source files."""


class TooLarge(AuthoringError):
    """The text is over ``MAX_BYTES``."""


class NotUtf8(AuthoringError):
    """The file on disk is not UTF-8: it may only be read, or converted."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.sha = digest(data)
        self.codec = guess_encoding(data)
        super().__init__("the file is not UTF-8")

    @property
    def converted(self) -> str | None:
        """The text read in the guessed encoding (Windows-1251 when unclear), if it reads."""
        try:
            return normalise(self.data.decode(self.codec or WINDOWS_1251))
        except UnicodeDecodeError:
            return None


class Conflict(AuthoringError):
    """The file changed on disk since the editor loaded it."""

    def __init__(self, current: str, draft: SourceVersion) -> None:
        self.current = current
        self.draft = draft
        super().__init__("the file changed on disk")


@dataclass(frozen=True)
class Paths:
    """Where the service reads and writes: the course, its build, and a lock file."""

    root: Path
    build: Path
    lock: Path


@dataclass(frozen=True)
class Source:
    """One editable source file, as the list page shows it."""

    path: str
    kind: str  # course | module | page | glossary | quiz
    group: str  # a topic id, or "course", "pages", "glossary"
    title: str


@dataclass(frozen=True)
class CheckResult:
    """The problems of the course with a candidate text, split by where they come from."""

    course: Course
    own: tuple[Problem, ...]  # in the edited file
    caused: tuple[Problem, ...]  # in other files, and only with the candidate text
    others: tuple[Problem, ...]  # in other files, there already

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.own + self.caused + self.others)

    @property
    def blocking(self) -> tuple[Problem, ...]:
        """The errors that refuse a save: in the edited file, or new in other files."""
        return tuple(p for p in self.own + self.caused if p.is_error)

    @property
    def ok(self) -> bool:
        return not self.blocking

    @property
    def blocked_files(self) -> list[str]:
        """Other files with errors already on disk: the course is not rebuilt until fixed."""
        return list(dict.fromkeys(p.path for p in self.others if p.is_error))


@dataclass(frozen=True)
class Outcome:
    """What a save did: ``written`` only when the file was replaced."""

    version: SourceVersion | None
    result: CheckResult
    written: bool
    unchanged: bool = False


def known_sources(root: Path) -> list[str]:
    """Every editable source: what ``dobro check`` reads, the manifest included."""
    return source_files(root, [], with_manifest=True)


def resolve(root: Path, rel: str) -> Path:
    """The file of a known source; ``UnknownSource`` for anything else."""
    if rel not in known_sources(root):
        raise UnknownSource(rel)
    return root / rel


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes) -> str:
    """The text of a file as the editor shows it: BOM dropped, newlines as ``\\n``.

    Strict: bytes that are not UTF-8 raise ``NotUtf8``; replacing them with "�" would
    turn every Cyrillic letter of a Windows-1251 file into "�" at the next save.
    """
    try:
        return normalise(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise NotUtf8(data) from None


def shown(data: bytes) -> str:
    """A text to show (a diff, the history) for any bytes; never one to write back."""
    try:
        return decode(data)
    except NotUtf8 as undecodable:
        return undecodable.converted or normalise(data.decode("utf-8", "replace"))


def read(root: Path, rel: str) -> tuple[str, str]:
    """A known source's text and the SHA-256 of its bytes; ``NotUtf8`` if it is not UTF-8."""
    data = resolve(root, rel).read_bytes()
    return decode(data), digest(data)


def file_sha(root: Path, rel: str) -> str:
    """The SHA-256 of a known source's bytes."""
    return digest(resolve(root, rel).read_bytes())


def encode(text: str, like: bytes = b"") -> bytes:
    """A text as UTF-8 file bytes, keeping the newlines (LF or CRLF) and BOM of ``like``."""
    text = normalise(text)
    if b"\r\n" in like:
        text = text.replace("\n", "\r\n")
    bom = codecs.BOM_UTF8 if like.startswith(codecs.BOM_UTF8) else b""
    data = bom + text.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise TooLarge(f"{len(data)} bytes, at most {MAX_BYTES}")
    return data


def check_text(paths: Paths, rel: str, text: str) -> CheckResult:
    """Check the whole course with ``text`` standing in for ``rel``."""
    return check_data(paths, rel, encode(text, resolve(paths.root, rel).read_bytes()))


def check_data(paths: Paths, rel: str, data: bytes) -> CheckResult:
    """Check the whole course with the bytes ``data`` standing in for ``rel``.

    The course as it is on disk is checked too: a problem another file already has
    is not the candidate's doing, so it is listed apart and does not refuse the save.
    """
    course, problems = check(paths.root, jobs=1, overrides={rel: data}, build_dir=paths.build)
    _, before = check(paths.root, jobs=1, build_dir=paths.build)
    already = set(before)
    own = tuple(p for p in problems if p.path == rel)
    caused = tuple(p for p in problems if p.path != rel and p not in already)
    others = tuple(p for p in problems if p.path != rel and p in already)
    return CheckResult(course, own, caused, others)


@contextmanager
def writing(paths: Paths) -> Iterator[None]:
    """Hold the authoring lock: one save (check, write, rebuild) at a time, across processes.

    Taken again by the thread that holds it, it is held already: a second ``flock`` on
    the file from the same process would wait for itself.
    """
    held: set[Path] = _held.__dict__.setdefault("locks", set())
    if paths.lock in held:
        yield
        return
    paths.lock.parent.mkdir(parents=True, exist_ok=True)
    with open(paths.lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        held.add(paths.lock)
        try:
            yield
        finally:
            held.discard(paths.lock)
            fcntl.flock(handle, fcntl.LOCK_UN)


def save(session: Session, paths: Paths, rel: str, text: str, base_sha: str,
         author: User | None, comment: str = "", status: str = SAVED) -> Outcome:
    """Check ``text`` and, when the course has no errors with it, write it to ``rel``.

    ``base_sha`` is the SHA-256 of the file the editor started from: if the file
    changed since, ``Conflict`` is raised and nothing is written. A text the checks
    refuse is kept as a rejected version; the file stays as it was.
    """
    data = encode(text, resolve(paths.root, rel).read_bytes())
    return save_bytes(session, paths, rel, data, base_sha, author, comment, status)


def save_bytes(session: Session, paths: Paths, rel: str, data: bytes, base_sha: str,
               author: User | None, comment: str = "", status: str = SAVED,
               checked: bool = True) -> Outcome:
    """Save the exact bytes ``data`` as ``save`` does; ``checked=False`` only for a restore
    of original bytes that are not UTF-8, which no check can read (see ``restore``)."""
    file = resolve(paths.root, rel)
    current = file.read_bytes()
    comment = comment.strip()[:COMMENT_LENGTH]
    if data == current:
        return Outcome(None, check_data(paths, rel, data), written=False, unchanged=True)
    if digest(current) != base_sha:
        draft = record(session, rel, data, REJECTED, author, comment)
        session.commit()
        raise Conflict(shown(current), draft)
    result = check_data(paths, rel, data)
    if checked and not result.ok:
        version = record(session, rel, data, REJECTED, author, comment)
        session.commit()
        return Outcome(version, result, written=False)
    keep_baseline(session, rel, current)
    write_atomically(file, data)
    version = record(session, rel, data, status, author, comment)
    session.commit()
    return Outcome(version, result, written=True)


def keep_baseline(session: Session, rel: str, current: bytes) -> None:
    """Record the file as it is on disk unless the latest written version already holds it.

    So the first web save keeps the repository's text, and so does the first save
    after the file changed outside the app (a git pull, an editor on the server).
    """
    latest = session.exec(
        select(SourceVersion).where(SourceVersion.path == rel,
                                    col(SourceVersion.status).in_(WRITTEN))
        .order_by(col(SourceVersion.id).desc()).limit(1)).first()
    if latest is None or latest.sha256 != digest(current):
        record(session, rel, current, BASELINE, None, "")


def record(session: Session, rel: str, data: bytes, status: str, author: User | None,
           comment: str) -> SourceVersion:
    """Add a version of ``rel`` to the session (the caller commits).

    A rejected text identical to the latest version is not added twice (a form sent again).
    """
    if status == REJECTED:
        latest = session.exec(select(SourceVersion).where(SourceVersion.path == rel)
                              .order_by(col(SourceVersion.id).desc()).limit(1)).first()
        if latest is not None and latest.status == REJECTED and latest.sha256 == digest(data):
            return latest
    # The exact bytes of a baseline are kept, so "restore" gives back the very file; so
    # are any bytes that are not UTF-8, whose shown text cannot be turned back into them.
    raw = data if status == BASELINE or not is_utf8(data) else None
    version = SourceVersion(path=rel, content=shown(data), raw=raw, sha256=digest(data),
                            status=status, comment=comment,
                            author_id=author.id if author else None)
    session.add(version)
    session.flush()
    return version


def restore(session: Session, paths: Paths, found: SourceVersion, base_sha: str,
            author: User | None, comment: str) -> Outcome:
    """Write a version back: its exact bytes when they were kept, else its text.

    Original bytes that are not UTF-8 (a Windows-1251 file before its conversion) are
    written back unchecked: no check can read them, and the trainer asked for that very
    file. The build refuses such a file, so learners keep the last good course.
    """
    if found.raw is None:
        return save(session, paths, found.path, found.content, base_sha, author, comment,
                    RESTORED)
    return save_bytes(session, paths, found.path, found.raw, base_sha, author, comment,
                      RESTORED, checked=is_utf8(found.raw))


def write_atomically(file: Path, data: bytes) -> None:
    """Replace ``file`` with ``data``: a reader sees the old file or the new, never half."""
    handle, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        mode = file.stat().st_mode & 0o777 if file.exists() else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, file)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def document(result: CheckResult, rel: str) -> Document | None:
    """The module or page ``rel`` as loaded with the candidate text, if it could be read."""
    course = result.course
    return next((d for d in course.modules + course.pages if d.path == rel), None)


def quiz(result: CheckResult, rel: str) -> Quiz | None:
    """The quiz ``rel`` as loaded with the candidate text, if it could be read."""
    return next((q for q in result.course.quizzes if q.path == rel), None)


def document_html(result: CheckResult, doc: Document) -> str:
    """A document's HTML with its links resolved the way the compiled course has them."""
    return resolve_placeholders(doc.rendered.html, link_urls(doc, result.course, UrlScheme()))


def catalogue(paths: Paths) -> tuple[list[Source], dict[str, str]]:
    """The editable sources with their titles (course, topics, pages, glossary), and the
    topics' titles."""
    course, _ = check(paths.root, jobs=1, build_dir=paths.build)
    titles = {d.path: d.title for d in course.modules + course.pages}
    titles.update({q.path: q.title for q in course.quizzes})
    titles.update({s.path: s.title for s in course.surveys})
    found = [Source(rel, *_kind(rel), titles.get(rel, "")) for rel in known_sources(paths.root)]
    order = {"course": 0, **{t: i + 1 for i, t in enumerate(topic_ids(course))}}
    last = len(order)
    ranks = {"pages": last, "glossary": last + 1}
    found.sort(key=lambda s: (order.get(s.group, ranks.get(s.group, last + 2)),
                              s.group, s.kind == "quiz", s.path))
    return found, {t.id: t.title for t in course.manifest.topics} if course.manifest else {}


def topic_ids(course: Course) -> list[str]:
    return [t.id for t in course.manifest.topics] if course.manifest else []


def topic_sources(root: Path, topic: str) -> list[str]:
    """The module and quiz files of ``topic``: those grouped under it in the list of sources."""
    return [rel for rel in known_sources(root) if rel != MANIFEST
            and _kind(rel) in (("module", topic), ("quiz", topic))]


def _kind(rel: str) -> tuple[str, str]:
    parts = rel.split("/")
    if rel == MANIFEST:
        return "course", "course"
    if parts[0] == "quizzes":
        return "quiz", parts[1] if len(parts) > 2 else "course"
    if parts[1] in ("pages", "glossary"):
        return ("page" if parts[1] == "pages" else "glossary"), parts[1]
    return "module", parts[1]
