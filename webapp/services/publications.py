"""Publications in the app: the Handbook and the Bulletin built on demand, and the
distribution list with its exports.

The Handbook is built the first time someone asks for it after the course
changed, into ``<build>/publications/``, named by the compiled course's version
(the hash of ``course.json``) — so ``dobro build`` stays fast and a correction
reaches the download with the next request. A lock keeps two workers of one
process from building the same file at once; the file is written atomically.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from course.errors import ContentError
from course.publish.bulletin import Bulletin, bulletin_pdf, load_bulletins
from course.publish.handbook import HandbookOptions, PageSize, handbook_html, handbook_pdf, load
from webapp import spreadsheets
from webapp.models import BulletinRecipient, Organisation

HANDBOOK_KINDS: dict[str, tuple[str, str]] = {  # kind → (file suffix, MIME type)
    "a4": ("pdf", "application/pdf"),
    "a5": ("pdf", "application/pdf"),
    "html": ("html", "text/html; charset=utf-8"),
}
_LOCK = threading.Lock()


class PublicationUnavailable(Exception):
    """The sources have errors (or are missing), so the publication cannot be built now."""


def publications_dir(build_dir: Path) -> Path:
    return build_dir / "publications"


def handbook_file(content_root: Path, build_dir: Path, kind: str) -> Path:
    """The current Handbook as ``kind`` (a4, a5 or html), built if not cached yet."""
    suffix, _ = HANDBOOK_KINDS[kind]
    version = _digest(build_dir / "course.json")
    target = publications_dir(build_dir) / f"handbook-{version}-{kind}.{suffix}"
    if target.is_file():
        return target
    with _LOCK:
        if target.is_file():
            return target
        try:
            course, laws, _ = load(content_root)
        except ContentError as exc:
            raise PublicationUnavailable(f"{len(exc.problems)} problems in the sources") from exc
        if kind == "html":
            data = handbook_html(course, content_root, laws, standalone=True).encode()
        else:
            page_size: PageSize = "a5" if kind == "a5" else "a4"
            data = handbook_pdf(course, content_root, laws, HandbookOptions(page_size=page_size))
        _write(target, data)
        for old in target.parent.glob(f"handbook-*-{kind}.{suffix}"):
            if old != target:
                old.unlink(missing_ok=True)
    return target


def published_bulletins(content_root: Path) -> list[Bulletin]:
    """The issues marked ``published: true`` that have no errors, newest first."""
    bulletins, _ = load_bulletins(content_root)
    return sorted((b for b in bulletins if b.published), key=lambda b: -b.number)


def bulletin_file(content_root: Path, build_dir: Path, issue: Bulletin) -> Path:
    """The issue's PDF, built once per version of its source file."""
    version = _digest(content_root / issue.path)
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
