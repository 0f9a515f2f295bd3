"""In-person sessions: scheduling, enrolled groups, the roster, check-in and attendance.

A trainer sees the sessions they lead, and those of the groups they look after
(coordinators and admins see all), by the same rule as ``services.groups``.
Every attendance change is appended to ``AttendanceChange`` with who made it
and when; ``Attendance`` holds only the current state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import bindparam
from sqlmodel import Session, col, func, or_, select

from course.compiled import CompiledCourse
from webapp.content import current_course
from webapp.models import (
    ATTENDANCE_STATUSES,
    ATTENDED,
    COORDINATORS,
    STAFF,
    Attendance,
    AttendanceChange,
    CalendarFeed,
    Certificate,
    Group,
    GroupMember,
    GroupTrainer,
    Organisation,
    SessionGroup,
    TrainingSession,
    User,
    utcnow,
)
from webapp.services import accounts, dashboard, ical, xapi
from webapp.services.dashboard import TopicRow

CHECKIN_ALPHABET = accounts.CODE_ALPHABET
SEAL_SEPARATOR = "."  # never in a token_urlsafe token
URLSAFE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what token_urlsafe and the seal are made of
CHECKIN_LENGTH = 6
# Learners may check in from a little before the start (they arrive early) to the end.
CHECKIN_OPENS = timedelta(minutes=30)
# Checked in later than this after the start: "late" (the hours still count).
LATE_AFTER = timedelta(minutes=15)


class SessionNotFound(Exception):
    """No such session, or not one this user may look after."""


class CheckInError(Exception):
    """A check-in the rules refuse; ``code`` names the rule, ``session`` the one concerned."""

    def __init__(self, code: str, session: TrainingSession | None = None) -> None:
        self.code = code
        self.session = session
        super().__init__(code)


@dataclass(frozen=True)
class RosterLine:
    user: User
    organisation: Organisation | None
    status: str  # "" when not marked yet


def new_checkin_code() -> str:
    """A short code the trainer shows (or a QR of it): six letters and digits, no look-alikes."""
    return "".join(secrets.choice(CHECKIN_ALPHABET) for _ in range(CHECKIN_LENGTH))


def hours(found: TrainingSession) -> float:
    """The session's length in hours."""
    return max((found.ends_at - found.starts_at).total_seconds(), 0) / 3600


def aware(moment: datetime) -> datetime:
    """``moment`` as an aware UTC time (SQLite hands back naive ones; both store UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def create(db: Session, author: User, **fields: Any) -> TrainingSession:
    """Schedule a session (the form has checked the fields)."""
    found = TrainingSession(**fields, checkin_code=new_checkin_code(), created_by=author.id)
    db.add(found)
    db.flush()
    return found


# What an edit may change; a change of any of these is told to everyone enrolled.
EDITABLE = ("title", "municipality", "venue", "starts_at", "ends_at", "trainer_id", "capacity")
TOLD = ("title", "municipality", "venue", "starts_at", "ends_at")


class SessionCancelled(Exception):
    """The session is cancelled: it can no longer be changed, enrolled in or checked in to."""


def update(db: Session, found: TrainingSession, **fields: Any) -> bool:
    """Change the session (the form has checked the fields); whether its learners must be
    told (its time, place or title changed)."""
    if found.cancelled_at is not None:
        raise SessionCancelled(found.id)
    before = {name: getattr(found, name) for name in TOLD}
    for name, value in fields.items():
        if name not in EDITABLE:
            raise ValueError(name)
        setattr(found, name, value)
    db.add(found)
    db.flush()
    return any(_differs(before[name], getattr(found, name)) for name in TOLD)


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return aware(old) != aware(new)
    return bool(old != new)


def cancel(db: Session, found: TrainingSession, now: datetime | None = None) -> bool:
    """Call the session off (it stays on record, marked); False when it already was."""
    if found.cancelled_at is not None:
        return False
    found.cancelled_at = now or utcnow()
    db.add(found)
    db.flush()
    return True


def sequence(found: TrainingSession, at: datetime) -> int:
    """The event's SEQUENCE for a change made at ``at``: seconds since it was scheduled, so
    that each later change carries a higher number (no column counts the changes)."""
    return max(int((aware(at) - aware(found.created_at)).total_seconds()), 1)


def calendar_event(found: TrainingSession, sequence_number: int | None = None) -> ical.Event:
    """The session as a calendar event: one UID for its download, feed and e-mails; a
    cancelled one marked so, with the SEQUENCE of its cancellation."""
    if sequence_number is None:
        sequence_number = (sequence(found, found.cancelled_at)
                           if found.cancelled_at is not None else 0)
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    host = base.split("://", 1)[-1].split("/", 1)[0]
    topic = current_course().topic(found.topic_id)
    return ical.Event(f"session-{found.id}@{host}", found.starts_at, found.ends_at,
                      found.title, ", ".join(p for p in (found.venue, found.municipality) if p),
                      topic.title if topic is not None else "", base + "/", sequence_number,
                      "CANCELLED" if found.cancelled_at is not None else "")


def group_learner_ids(db: Session, group_id: int) -> list[int]:
    """The ids of the group's members."""
    return list(db.exec(select(GroupMember.user_id).where(GroupMember.group_id == group_id)))


def _visible(user: User) -> object:
    trained_groups = select(GroupTrainer.group_id).where(GroupTrainer.user_id == user.id)
    return or_(col(TrainingSession.trainer_id) == user.id,
               col(TrainingSession.id).in_(select(SessionGroup.session_id).where(
                   col(SessionGroup.group_id).in_(trained_groups))))


def sessions_for(db: Session, user: User) -> list[TrainingSession]:
    """The sessions ``user`` looks after, soonest first."""
    query = select(TrainingSession).order_by(col(TrainingSession.starts_at).desc())
    if user.role not in COORDINATORS:
        query = query.where(_visible(user))  # type: ignore[arg-type]
    return list(db.exec(query).all())


def session_for(db: Session, user: User, session_id: int) -> TrainingSession:
    """The session ``session_id`` if ``user`` may look after it."""
    found = db.get(TrainingSession, session_id)
    if found is None:
        raise SessionNotFound(session_id)
    if user.role in COORDINATORS or found.trainer_id == user.id:
        return found
    allowed = db.exec(select(SessionGroup).join(
        GroupTrainer, col(GroupTrainer.group_id) == SessionGroup.group_id).where(
        SessionGroup.session_id == found.id, GroupTrainer.user_id == user.id)).first()
    if allowed is None:
        raise SessionNotFound(session_id)
    return found


def enrolled_groups(db: Session, found: TrainingSession) -> list[Group]:
    return list(db.exec(select(Group).join(SessionGroup, col(SessionGroup.group_id) == Group.id)
                        .where(SessionGroup.session_id == found.id).order_by(Group.name)))


class OverCapacity(Exception):
    """Enrolling the group would put more learners in the session than it has places."""

    def __init__(self, learners: int, capacity: int) -> None:
        super().__init__(learners, capacity)
        self.learners, self.capacity = learners, capacity


def learners_with(db: Session, found: TrainingSession, group_ids: Sequence[int]) -> int:
    """How many different active learners the groups ``group_ids`` hold together."""
    if not group_ids:
        return 0
    return db.exec(select(func.count(func.distinct(GroupMember.user_id)))
                   .join(User, col(User.id) == GroupMember.user_id)
                   .where(col(GroupMember.group_id).in_(group_ids),
                          User.role == "learner", col(User.active).is_(True))).one()


def enrolled_ids(db: Session, found: TrainingSession) -> list[int]:
    return list(db.exec(select(SessionGroup.group_id).where(SessionGroup.session_id == found.id)))


def enrol(db: Session, found: TrainingSession, group: Group) -> bool:
    """Enrol ``group`` in the session; False when it already was.

    Refused (``OverCapacity``) when the enrolled groups' learners, counted once
    each, would then be more than the session's places.
    """
    if found.cancelled_at is not None:
        raise SessionCancelled(found.id)
    if db.get(SessionGroup, (found.id, group.id)) is not None:
        return False
    assert group.id is not None
    total = learners_with(db, found, [*enrolled_ids(db, found), group.id])
    if total > found.capacity:
        raise OverCapacity(total, found.capacity)
    db.add(SessionGroup(session_id=found.id, group_id=group.id))  # type: ignore[arg-type]
    db.flush()
    return True


def is_enrolled(db: Session, found: TrainingSession, user_id: int) -> bool:
    """Whether ``user_id`` belongs to a group enrolled in the session."""
    return db.exec(select(GroupMember).join(
        SessionGroup, col(SessionGroup.group_id) == GroupMember.group_id).where(
        SessionGroup.session_id == found.id, GroupMember.user_id == user_id)).first() is not None


def roster(db: Session, found: TrainingSession) -> list[RosterLine]:
    """Everyone enrolled (through their groups), by name, with their current attendance."""
    marks = {a.user_id: a.status for a in db.exec(
        select(Attendance).where(Attendance.session_id == found.id))}
    rows = db.exec(select(User, Organisation).distinct()
                   .join(GroupMember, col(GroupMember.user_id) == User.id)
                   .join(SessionGroup, col(SessionGroup.group_id) == GroupMember.group_id)
                   .join(Organisation, col(Organisation.id) == User.organisation_id, isouter=True)
                   .where(SessionGroup.session_id == found.id, User.role == "learner")
                   .order_by(User.name, col(User.id)))
    return [RosterLine(user, org, marks.get(user.id or 0, "")) for user, org in rows]


def topic_standing(db: Session, found: TrainingSession, roster: Sequence[RosterLine],
                   course: CompiledCourse, build_dir: Path) -> dict[int, TopicRow]:
    """Where each learner on the roster stands in the session's topic (whether its
    completion rule is met, their certificate), by user id; learners whose track does
    not take the topic are left out. Read in bulk and decided by ``course.rules``, as on
    the dashboard."""
    standing = {}
    for row in dashboard.rows(db, course, build_dir, [line.user for line in roster]):
        for topic in row.topics:
            if topic.topic_id == found.topic_id and row.user.id is not None:
                standing[row.user.id] = topic
    return standing


def certificates_among(db: Session, ids: Sequence[int], user_ids: Sequence[int]
                       ) -> list[Certificate]:
    """The certificates ``ids`` that belong to ``user_ids`` (the learners on a roster)."""
    if not ids or not user_ids:
        return []
    return list(db.exec(select(Certificate).where(col(Certificate.id).in_(ids),
                                                  col(Certificate.user_id).in_(user_ids))
                        .order_by(col(Certificate.id))))


def mark(db: Session, found: TrainingSession, user_id: int, status: str, by: User | None,
         via: str = "roster", now: datetime | None = None) -> bool:
    """Set a learner's attendance; log the change. False when nothing changed.

    A cancelled session never took place: nobody attended it (``SessionCancelled``)."""
    if found.cancelled_at is not None:
        raise SessionCancelled(found.id)
    if status not in ATTENDANCE_STATUSES:
        raise CheckInError("bad-status", found)
    if not is_enrolled(db, found, user_id):
        raise CheckInError("not-enrolled", found)
    now = now or utcnow()
    current = db.get(Attendance, (found.id, user_id))
    old = current.status if current else ""
    if old == status:
        return False
    if current is None:
        current = Attendance(session_id=found.id, user_id=user_id, status=status)  # type: ignore[arg-type]
    current.status, current.updated_at = status, now
    current.updated_by = by.id if by else None
    db.add(current)
    db.add(AttendanceChange(session_id=found.id, user_id=user_id, old_status=old,  # type: ignore[arg-type]
                            new_status=status, via=via, changed_by=by.id if by else None,
                            changed_at=now))
    if status in ATTENDED and old not in ATTENDED:
        xapi.session_attended(db, user_id, found, now)
    db.flush()
    return True


Change = tuple[AttendanceChange, User, User | None]


def history(db: Session, found: TrainingSession) -> list[Change]:
    """Every attendance change of the session, newest first: whom it concerns, who made it."""
    changes = db.exec(select(AttendanceChange).where(AttendanceChange.session_id == found.id)
                      .order_by(col(AttendanceChange.changed_at).desc(),
                                col(AttendanceChange.id).desc())).all()
    people = {u.id: u for u in db.exec(select(User).where(col(User.id).in_(
        {c.user_id for c in changes} | {c.changed_by for c in changes if c.changed_by})))}
    return [(c, people[c.user_id], people.get(c.changed_by)) for c in changes]


def window(found: TrainingSession) -> tuple[datetime, datetime]:
    """When learners may check themselves in."""
    return found.starts_at - CHECKIN_OPENS, found.ends_at


def check_in(db: Session, user: User, code: str, now: datetime | None = None) -> TrainingSession:
    """Check ``user`` in with the code the trainer shows; refused outside the window or group."""
    now = now or utcnow()
    code = accounts.normalise_code(code)[:CHECKIN_LENGTH * 2]
    key = f"checkin:{user.id}"
    if accounts.throttled(db, key):
        raise CheckInError("throttled")
    candidates = list(db.exec(select(TrainingSession).where(
        TrainingSession.checkin_code == code, col(TrainingSession.cancelled_at).is_(None))
        ).all()) if len(code) == CHECKIN_LENGTH else []
    if not candidates:
        accounts.record_failure(db, key)
        db.commit()
        raise CheckInError("wrong-code")
    mine = [s for s in candidates if is_enrolled(db, s, user.id or 0)]
    if not mine:
        raise CheckInError("not-enrolled", candidates[0])
    open_now = [s for s in mine if window(s)[0] <= now <= window(s)[1]]
    if not open_now:
        raise CheckInError("outside-window", mine[0])
    found = open_now[0]
    current = db.get(Attendance, (found.id, user.id))
    if current is not None and current.status in ATTENDED:
        return found  # checked in already (or marked by the trainer): keep the first mark
    status = "late" if now > found.starts_at + LATE_AFTER else "present"
    mark(db, found, user.id or 0, status, user, via="checkin", now=now)
    return found


def upcoming_for(db: Session, user: User, now: datetime | None = None) -> list[TrainingSession]:
    """The sessions of the learner's groups that have not ended, soonest first (cancelled
    ones left out)."""
    now = now or utcnow()
    return list(db.exec(_UPCOMING, params={"user_id": user.id, "now": now}))


# Built once: every learner's home page runs it (see attempts._HISTORY).
_UPCOMING = (select(TrainingSession).distinct()
             .join(SessionGroup, col(SessionGroup.session_id) == TrainingSession.id)
             .join(GroupMember, col(GroupMember.group_id) == SessionGroup.group_id)
             .where(col(GroupMember.user_id) == bindparam("user_id"),
                    col(TrainingSession.ends_at) >= bindparam("now"),
                    col(TrainingSession.cancelled_at).is_(None))
             .order_by(col(TrainingSession.starts_at)))


def sessions_of_learner(db: Session, user: User) -> list[TrainingSession]:
    """Every session of the learner's groups, for the calendar feed."""
    return list(db.exec(select(TrainingSession).distinct()
                        .join(SessionGroup, col(SessionGroup.session_id) == TrainingSession.id)
                        .join(GroupMember, col(GroupMember.group_id) == SessionGroup.group_id)
                        .where(GroupMember.user_id == user.id)
                        .order_by(col(TrainingSession.starts_at))))


def feed_token(db: Session, user: User) -> str:
    """The learner's private calendar token, made on first use; a new password changes it."""
    feed = db.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, token=secrets.token_urlsafe(24))  # type: ignore[arg-type]
        db.add(feed)
        db.commit()
    return f"{feed.token}{SEAL_SEPARATOR}{feed_seal(feed.token, user)}"


def feed_seal(stored: str, user: User) -> str:
    """The stored token signed with the user's password hash (secret, salted, never shown).

    The link is the stored token and this seal: setting a new password, whoever sets it
    and wherever (change, reset code), gives a new seal, so every old link stops working
    without the password code having to know about calendars.
    """
    key = (user.password_hash or "").encode()
    digest = hmac.new(key, stored.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def user_of_feed(db: Session, token: str) -> User | None:
    """The owner of the feed link ``token``, if the link is still theirs."""
    stored, _, seal = token.partition(SEAL_SEPARATOR)
    if not (URLSAFE.fullmatch(stored) and URLSAFE.fullmatch(seal)):
        return None  # not a link we made; PostgreSQL refuses some characters (NUL) outright
    feed = db.exec(select(CalendarFeed).where(CalendarFeed.token == stored)).first()
    user = db.get(User, feed.user_id) if feed else None
    if user is None or not hmac.compare_digest(seal.encode(), feed_seal(stored, user).encode()):
        return None
    return user


def renew_feed(db: Session, user: User) -> str:
    """Give the learner a new feed link; the old one stops working at once."""
    feed = db.get(CalendarFeed, user.id)
    if feed is None:
        return feed_token(db, user)
    feed.token = secrets.token_urlsafe(24)
    feed.created_at = utcnow()
    db.add(feed)
    db.commit()
    return feed_token(db, user)


def trainers(db: Session) -> list[User]:
    """Who may lead a session."""
    return list(db.exec(select(User).where(col(User.role).in_(STAFF),
                                           col(User.active)).order_by(User.name)))
