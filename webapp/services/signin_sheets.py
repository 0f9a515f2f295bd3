"""Sign-in sheets: the paper list a session's learners sign, printed from the roster, and
its signed scan kept with the session.

A donor-funded programme proves attendance with signatures. The sheet (A4 portrait,
WeasyPrint) names the programme and its funders, the session, its date, place and
trainer, and lists everyone enrolled with a column to sign in, then blank rows for those
who come without being enrolled (walk-ins), and "page N of M" on every page. After the
session the trainer uploads the signed scan (a PDF or a photo of each page); it is kept
in the database (``stored_file``, so every app server serves it and a backup carries it),
one per session — a new upload replaces it. The donor report lists the sessions held
without one.

The scan is checked by what it is, not by what its name says: its first bytes must be
those of a PDF, a JPEG or a PNG, and it may not be larger than ``MAX_SCAN``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from webapp.models import StoredFile, TrainingSession, utcnow
from webapp.services import stored_files

KIND = "signin-scan"
MAX_SCAN = 10 * 1024 * 1024  # a phone's photos of three pages, or a scanner's PDF
BLANK_ROWS = 8  # at least this many empty rows for walk-ins, and enough to end the page
ROWS_PER_PAGE = 18  # rows of the table on an A4 page (the header takes the first page's top)

# What a scan may be, by its first bytes: media type → (magic prefix, file extension).
SCAN_TYPES: dict[str, tuple[bytes, str]] = {
    "application/pdf": (b"%PDF-", "pdf"),
    "image/jpeg": (b"\xff\xd8\xff", "jpg"),
    "image/png": (b"\x89PNG\r\n\x1a\n", "png"),
}


class ScanRefused(Exception):
    """An upload that is not a scan Dobro keeps; ``code`` says why."""

    def __init__(self, code: str) -> None:
        self.code = code  # "empty" | "too-large" | "type"
        super().__init__(code)


@dataclass(frozen=True)
class Scan:
    """What is known of a session's stored scan without reading its bytes."""

    media_type: str
    size: int
    uploaded_at: datetime

    @property
    def extension(self) -> str:
        return SCAN_TYPES.get(self.media_type, (b"", "bin"))[1]


def key_of(found: TrainingSession) -> str:
    return f"session:{found.id}"


def media_type_of(data: bytes) -> str:
    """The scan's media type from its first bytes; refused when it is none of SCAN_TYPES."""
    if not data:
        raise ScanRefused("empty")
    if len(data) > MAX_SCAN:
        raise ScanRefused("too-large")
    for media_type, (magic, _extension) in SCAN_TYPES.items():
        if data.startswith(magic):
            return media_type
    raise ScanRefused("type")


def keep_scan(db: Session, found: TrainingSession, data: bytes) -> Scan:
    """Store ``data`` as the session's signed sheet (replacing an earlier one) and commit."""
    media_type = media_type_of(data)
    row = stored_files.replace(db, KIND, key_of(found), media_type, data)
    return Scan(row.media_type, row.size, row.created_at)


def scan_of(db: Session, found: TrainingSession) -> Scan | None:
    """The session's stored scan (its size and type, not its bytes), or None."""
    row = db.exec(select(StoredFile.media_type, StoredFile.size, StoredFile.created_at).where(
        StoredFile.kind == KIND, StoredFile.key == key_of(found))).first()
    return Scan(*row) if row is not None else None


def scan_bytes(db: Session, found: TrainingSession) -> tuple[str, bytes] | None:
    """The session's stored scan: its media type and bytes; None when there is none."""
    row = stored_files.find(db, KIND, key_of(found))
    return (row.media_type, row.content) if row is not None else None


def blank_rows(enrolled: int) -> int:
    """Empty rows after the enrolled learners: at least ``BLANK_ROWS``, and as many more as
    fill the last page, so a walk-in never has to write in the margin."""
    rows = enrolled + BLANK_ROWS
    return BLANK_ROWS + (-rows) % ROWS_PER_PAGE


def held_without_scan(db: Session, since: datetime | None = None,
                      until: datetime | None = None,
                      now: datetime | None = None) -> list[TrainingSession]:
    """The sessions that have ended (not cancelled) and have no signed sheet, oldest first;
    ``since``/``until`` bound their start as the donor report's period does."""
    keys = select(StoredFile.key).where(StoredFile.kind == KIND)
    query = select(TrainingSession).where(
        col(TrainingSession.ends_at) <= (now or utcnow()),
        col(TrainingSession.cancelled_at).is_(None),
        ~(sa.literal("session:") + sa.cast(TrainingSession.id, sa.String)).in_(keys))
    if since is not None:
        query = query.where(col(TrainingSession.starts_at) >= since)
    if until is not None:
        query = query.where(col(TrainingSession.starts_at) < until)
    return list(db.exec(query.order_by(col(TrainingSession.starts_at), col(TrainingSession.id))))


def scanned_ids(db: Session, sessions: Sequence[TrainingSession]) -> set[int]:
    """Which of ``sessions`` have a signed sheet."""
    keys = {key_of(s): s.id for s in sessions if s.id is not None}
    if not keys:
        return set()
    found = db.exec(select(StoredFile.key).where(StoredFile.kind == KIND,
                                                 col(StoredFile.key).in_(keys)))
    return {keys[k] for k in found if keys.get(k) is not None}


def render_pdf(html: str) -> bytes:
    """The sheet's HTML as a PDF (WeasyPrint, fonts embedded)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # late: slow, only needed here

    from webapp.services.certificate_pdf import SHIPPED

    pdf: bytes = HTML(string=html, base_url=str(SHIPPED)).write_pdf()
    return pdf
