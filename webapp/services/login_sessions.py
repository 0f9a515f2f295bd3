"""Signed-in browsers: one row per sign-in, so that signing out ends it on the server.

The session cookie carries a random id; the database keeps only its SHA-256, so
a copy of the database lets no one in. A session ends when it is signed out,
when it has been idle too long or is older than its lifetime, when the user
signs out everywhere, and when the password changes or the account closes (the
row remembers the ``session_version`` it began with; ``User.active`` is checked
on every request).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, update
from sqlmodel import Session, col, delete, func, select

from webapp.models import LoginSession, User, utcnow

# Every signed-in request would otherwise write a row (three round trips to PostgreSQL):
# the last activity is written again once it is a 24th of the idle timeout old, five
# minutes at most, so a session may end that much before its idle time is quite up.
TOUCH_AT_MOST = timedelta(minutes=5)
ID_LENGTH = 43  # secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Limits:
    """How long a session may stay idle, and how long it may last at all."""

    idle: timedelta
    lifetime: timedelta


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def begin(db: Session, user: User, limits: Limits) -> str:
    """Start a session for ``user`` and return its id (for the cookie only)."""
    now = utcnow()
    purge(db, limits, now)
    session_id = secrets.token_urlsafe(32)
    assert user.id is not None
    db.add(LoginSession(id_hash=hash_id(session_id), user_id=user.id,
                        version=user.session_version, created_at=now, last_seen_at=now))
    return session_id


# Built once: every signed-in request runs it, user and session in one query.
_RESUME = (select(User, LoginSession)
           .join(LoginSession, col(LoginSession.user_id) == col(User.id))
           .where(col(LoginSession.id_hash) == bindparam("id_hash")))


def resume(db: Session, session_id: str, limits: Limits,
           now: datetime) -> tuple[User, LoginSession] | None:
    """The user and session of a cookie's id, or None when it has ended."""
    if len(session_id) != ID_LENGTH:
        return None  # an old "user:version" cookie, or a forged one: no query needed
    found = db.exec(_RESUME, params={"id_hash": hash_id(session_id)}).first()
    if found is None:
        return None
    user, row = found
    if not user.active or row.version != user.session_version or expired(row, limits, now):
        return None
    return user, row


def expired(row: LoginSession, limits: Limits, now: datetime) -> bool:
    return now - row.last_seen_at > limits.idle or now - row.created_at > limits.lifetime


def due_touch(row: LoginSession, now: datetime, limits: Limits) -> bool:
    """Whether the session's last activity is old enough to be written again."""
    return now - row.last_seen_at >= min(TOUCH_AT_MOST, limits.idle / 24)


def touch(db: Session, id_hash: str, now: datetime) -> None:
    db.exec(update(LoginSession).where(col(LoginSession.id_hash) == id_hash)
            .values(last_seen_at=now))


def end(db: Session, session_id: str) -> None:
    """End one session (signing out)."""
    db.exec(delete(LoginSession).where(col(LoginSession.id_hash) == hash_id(session_id)))


def end_all(db: Session, user_id: int) -> None:
    """End every session of a user (sign out everywhere, new password)."""
    db.exec(delete(LoginSession).where(col(LoginSession.user_id) == user_id))


def purge(db: Session, limits: Limits, now: datetime) -> None:
    """Forget sessions that have ended by time (run at each sign-in: no timer needed)."""
    db.exec(delete(LoginSession).where(or_(col(LoginSession.last_seen_at) < now - limits.idle,
                                           col(LoginSession.created_at) < now - limits.lifetime)))


def active(db: Session, user_id: int, limits: Limits, now: datetime) -> int:
    """How many sessions of a user are still running (the current one included)."""
    return db.exec(select(func.count()).select_from(LoginSession).where(
        col(LoginSession.user_id) == user_id,
        col(LoginSession.last_seen_at) >= now - limits.idle,
        col(LoginSession.created_at) >= now - limits.lifetime)).one()
