"""Publications in the app: the Handbook built in the background and stored, the Bulletin
built on demand, and the distribution list with its exports.

The Handbook (about 16 s of CPU) is never built inside a request. A job builds it after
the course changed — the job runners queue it when they see a new compiled course
version, and so does a request that finds it missing — and stores it in the database
(``stored_file``, kind "handbook", key ``<kind>-<version>``, the version being the hash of
``course.json``), so every app server serves the same bytes. Until then a request gets
a short page saying that it is being prepared (HTTP 503 with Retry-After).
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlmodel import Session, select

from course.errors import ContentError
from course.publish.bulletin import Bulletin, bulletin_images, bulletin_pdf, load_bulletins
from course.publish.handbook import HandbookOptions, PageSize, handbook_html, handbook_pdf, load
from webapp import db, jobs, spreadsheets
from webapp.models import BulletinDelivery, BulletinRecipient, Organisation, StoredFile
from webapp.services import stored_files

HANDBOOK_KINDS: dict[str, tuple[str, str]] = {  # kind → (file suffix, MIME type)
    "a4": ("pdf", "application/pdf"),
    "a5": ("pdf", "application/pdf"),
    "html": ("html", "text/html; charset=utf-8"),
}
HANDBOOK_FILE = "handbook"  # stored_file.kind
HANDBOOK_JOB = "handbook"  # job.kind
SEEN_KEY = "dobro.handbook_version"  # app.extensions: the course version last queued
_LOCK = threading.Lock()
_versions: dict[Path, tuple[tuple[int, int], str]] = {}


class PublicationUnavailable(Exception):
    """The sources have errors (or are missing), so the publication cannot be built now."""


def publications_dir(build_dir: Path) -> Path:
    return build_dir / "publications"


def course_version(build_dir: Path) -> str:
    """The compiled course's version: the hash of ``course.json`` (re-read when it changes)."""
    path = build_dir / "course.json"
    try:
        stat = path.stat()
    except OSError as exc:
        raise PublicationUnavailable(f"{path} cannot be read") from exc
    stamp = (stat.st_mtime_ns, stat.st_size)
    known = _versions.get(path)
    if known is None or known[0] != stamp:
        known = (stamp, _digest(path))
        _versions[path] = known
    return known[1]


def handbook_key(kind: str, version: str) -> str:
    return f"{kind}-{version}"


def stored_handbook(session: Session, build_dir: Path, kind: str) -> StoredFile | None:
    """The current course version's Handbook as ``kind``, if it has been built."""
    return stored_files.find(session, HANDBOOK_FILE, handbook_key(kind, course_version(build_dir)))


def handbooks_ready(session: Session, build_dir: Path) -> bool:
    """Whether every kind of the current course version's Handbook is stored."""
    version = course_version(build_dir)
    return all(stored_files.exists(session, HANDBOOK_FILE, handbook_key(kind, version))
               for kind in HANDBOOK_KINDS)


def queue_handbook(session: Session, build_dir: Path, kind: str) -> None:
    """Queue the build of the current version's Handbook as ``kind`` unless it is stored,
    waiting or being built (the caller commits)."""
    version = course_version(build_dir)
    key = handbook_key(kind, version)
    if stored_files.exists(session, HANDBOOK_FILE, key) or jobs.pending(session, HANDBOOK_JOB, key):
        return
    jobs.enqueue(session, HANDBOOK_JOB, {"kind": kind, "version": version}, key=key)


def queue_handbooks(app: Flask) -> None:
    """Queue every kind of the Handbook when ``app`` sees a course version it has not queued
    yet (a job runner's periodic hook)."""
    with app.app_context():
        try:
            version = course_version(Path(app.config["COURSE_BUILD"]))
        except PublicationUnavailable:  # no compiled course yet
            return
        if app.extensions.get(SEEN_KEY) == version:
            return
        session = db.session()
        for kind in HANDBOOK_KINDS:
            queue_handbook(session, Path(app.config["COURSE_BUILD"]), kind)
        session.commit()
        app.extensions[SEEN_KEY] = version


def build_handbook(content_root: Path, kind: str) -> bytes:
    """The Handbook as ``kind`` (a4, a5 or html), built from the sources (slow)."""
    try:
        course, laws, _ = load(content_root)
    except ContentError as exc:
        raise PublicationUnavailable(f"{len(exc.problems)} problems in the sources") from exc
    if kind == "html":
        return handbook_html(course, content_root, laws, standalone=True).encode()
    page_size: PageSize = "a5" if kind == "a5" else "a4"
    return handbook_pdf(course, content_root, laws, HandbookOptions(page_size=page_size))


@jobs.handler(HANDBOOK_JOB)
def handbook_job(payload: dict[str, Any]) -> None:
    """Build and store the Handbook as ``payload["kind"]`` for ``payload["version"]``
    (idempotent; nothing to do when stored already or the course has changed since)."""
    kind, version = str(payload.get("kind", "")), str(payload.get("version", ""))
    build_dir = Path(current_app.config["COURSE_BUILD"])
    if kind not in HANDBOOK_KINDS or course_version(build_dir) != version:
        return  # a job for the newer version builds it
    session = db.session()
    key = handbook_key(kind, version)
    if stored_files.exists(session, HANDBOOK_FILE, key):
        return
    data = build_handbook(Path(current_app.config["CONTENT_ROOT"]), kind)
    stored_files.keep(session, HANDBOOK_FILE, key, HANDBOOK_KINDS[kind][1], data)
    stored_files.forget_others(session, HANDBOOK_FILE, f"{kind}-", key)


def published_bulletins(content_root: Path) -> list[Bulletin]:
    """The issues marked ``published: true`` that have no errors, newest first."""
    bulletins, _ = load_bulletins(content_root)
    return sorted((b for b in bulletins if b.published), key=lambda b: -b.number)


def bulletin_file(content_root: Path, build_dir: Path, issue: Bulletin) -> Path:
    """The issue's PDF, built once per version of its source file and of the images
    under ``bulletins/`` (a chart redrawn is a new PDF)."""
    version = _digest(content_root / issue.path)
    images = sorted(bulletin_images(content_root))
    if images:
        version = hashlib.sha256("".join(
            [version, *(_digest(content_root / rel) for rel in images)]).encode()).hexdigest()[:16]
    target = publications_dir(build_dir) / f"{issue.slug}-{version}.pdf"
    if not target.is_file():
        with _LOCK:
            if not target.is_file():
                _write(target, bulletin_pdf(issue))
    return target


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError as exc:
        raise PublicationUnavailable(f"{path} cannot be read") from exc


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


# The distribution list ------------------------------------------------------------------

@dataclass(frozen=True)
class RecipientRow:
    id: int
    organisation: str
    oblast: str
    name: str
    copies: int


EXPORT_HEADER = ("Организация", "Област", "Получател", "Брой екземпляри")


def recipients(db: Session) -> list[RecipientRow]:
    """The distribution list, by organisation and then name."""
    rows = db.exec(select(BulletinRecipient, Organisation)
                   .join(Organisation, BulletinRecipient.organisation_id == Organisation.id)  # type: ignore[arg-type]
                   .order_by(Organisation.name, BulletinRecipient.name)).all()
    return [RecipientRow(r.id or 0, o.name, o.oblast, r.name, r.copies) for r, o in rows]


def organisation_choices(db: Session) -> list[tuple[int, str]]:
    """The organisations a recipient may belong to, for a select box."""
    return [(o.id or 0, o.name) for o in db.exec(select(Organisation).order_by(Organisation.name))]


def add_recipient(db: Session, organisation_id: int, name: str, copies: int) -> None:
    db.add(BulletinRecipient(organisation_id=organisation_id, name=name.strip(), copies=copies))
    db.commit()


def remove_recipient(db: Session, recipient_id: int) -> bool:
    found = db.get(BulletinRecipient, recipient_id)
    if found is None:
        return False
    # The line's record of issues received goes with it (docs/gdpr.md §3.6).
    for delivery in db.exec(select(BulletinDelivery).where(
            BulletinDelivery.recipient_id == recipient_id)):
        db.delete(delivery)
    db.flush()
    db.delete(found)
    db.commit()
    return True


def _export_rows(rows: list[RecipientRow]) -> list[tuple[Any, ...]]:
    return [EXPORT_HEADER, *((r.organisation, r.oblast, r.name, r.copies) for r in rows),
            ("Общо", "", "", sum(r.copies for r in rows))]


def export_csv(rows: list[RecipientRow]) -> bytes:
    """The list as CSV (UTF-8 with a BOM, so spreadsheet programs read the Cyrillic)."""
    return spreadsheets.csv_bytes(_export_rows(rows))


def export_xlsx(rows: list[RecipientRow]) -> bytes:
    """The list as an Excel workbook."""
    book = spreadsheets.new_workbook()
    spreadsheets.add_sheet(book, "Разпространение", _export_rows(rows))
    return spreadsheets.xlsx_bytes(book)
