"""Files made once and served many times, kept in the database (table ``stored_file``):
every app server serves the same bytes, and a backup carries them with the rest."""

from __future__ import annotations

import hashlib

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from webapp.models import StoredFile, utcnow


def find(session: Session, kind: str, key: str) -> StoredFile | None:
    """The stored file ``kind``/``key``, or None."""
    return session.exec(select(StoredFile).where(StoredFile.kind == kind,
                                                 StoredFile.key == key)).first()


def exists(session: Session, kind: str, key: str) -> bool:
    """Whether ``kind``/``key`` is stored (without reading its bytes)."""
    return session.exec(select(StoredFile.id).where(StoredFile.kind == kind,
                                                    StoredFile.key == key)).first() is not None


def keep(session: Session, kind: str, key: str, media_type: str, content: bytes) -> StoredFile:
    """Store ``content`` as ``kind``/``key`` and commit; when it is stored already (another
    runner was faster), the first one stays and is returned: everyone serves the same bytes."""
    row = StoredFile(kind=kind, key=key, media_type=media_type, content=content,
                     sha256=hashlib.sha256(content).hexdigest(), size=len(content))
    try:
        with session.begin_nested():
            session.add(row)
        session.commit()
    except IntegrityError:
        session.rollback()
        found = find(session, kind, key)
        if found is None:  # deleted in between: nothing left to keep
            raise
        return found
    return row


def replace(session: Session, kind: str, key: str, media_type: str,
            content: bytes) -> StoredFile:
    """Store ``content`` as ``kind``/``key`` in place of what is stored, and commit."""
    found = find(session, kind, key)
    if found is None:
        return keep(session, kind, key, media_type, content)
    found.media_type, found.content = media_type, content
    found.sha256, found.size = hashlib.sha256(content).hexdigest(), len(content)
    found.created_at = utcnow()
    session.add(found)
    session.commit()
    return found


def forget_others(session: Session, kind: str, prefix: str, key: str) -> int:
    """Delete the files of ``kind`` whose key starts with ``prefix``, except ``key``."""
    result = session.exec(delete(StoredFile).where(
        col(StoredFile.kind) == kind, col(StoredFile.key).startswith(prefix, autoescape=True),
        col(StoredFile.key) != key))
    session.commit()
    return int(result.rowcount)
