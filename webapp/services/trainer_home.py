"""The facts of a trainer's home page: their sessions, who is stuck, certificates of the
week, and what waits for them to act.

Everything is read for the groups ``user`` looks after (coordinators and admins: every
group), by the same visibility rules as the group, session and dashboard pages. Who is
stuck is decided by ``standings`` (the dashboard's statuses), never here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlmodel import Session, col, func, select

from course.compiled import CompiledCourse
from webapp.localtime import SOFIA, local_day
from webapp.models import (
    CERTIFICATE_VALID,
    Attendance,
    Certificate,
    Group,
    GroupMember,
    SessionGroup,
    TrainingSession,
    User,
    utcnow,
)
from webapp.services import groups, sessions, standings, statistics
from webapp.services.groups import GroupSummary

NEXT_SESSIONS = 3  # upcoming sessions after today's
SHOWN = 5  # stuck learners and certificates listed by name; the rest are counted
ISSUED_SINCE = timedelta(days=7)
STUCK_DAYS = standings.STUCK_AFTER.days  # as the page says it
UNMARKED_SINCE = timedelta(days=30)  # older sessions left unmarked are not nagged about


@dataclass(frozen=True)
class SessionLine:
    session: TrainingSession
    groups: list[Group]


@dataclass(frozen=True)
class Unmarked:
    """A session that has ended with learners on its roster whose attendance is not marked."""

    session: TrainingSession
    unmarked: int


@dataclass(frozen=True)
class Home:
    today: list[SessionLine]
    upcoming: list[SessionLine]
    stuck: list[standings.Learner]  # the first ``SHOWN``, by name
    stuck_total: int
    issued: list[Certificate]  # the first ``SHOWN``, newest first
    issued_total: int
    unmarked: list[Unmarked]
    not_joined: list[GroupSummary]  # groups with learners who have not joined yet
    groups: list[GroupSummary]

    @property
    def todo(self) -> int:
        """How many things wait for the trainer."""
        return len(self.unmarked) + len(self.not_joined)


def aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; both databases store UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def home(db: Session, user: User, course: CompiledCourse, build_dir: Path,
         now: datetime | None = None) -> Home:
    """What ``user``'s home page shows, for the groups they look after."""
    now = aware(now or utcnow())
    summaries = groups.groups_for(db, user)
    # A cancelled session waits for nothing (it stays, marked, on the sessions page).
    mine = [s for s in sessions.sessions_for(db, user) if s.cancelled_at is None]
    today, upcoming = _sessions(db, mine, now)
    visible = statistics.visible_learner_ids(user)
    found = standings.learners(db, visible)
    standing = standings.standings(db, course, build_dir, found, now)
    stuck = [f for f in found if standing[f.id].status == "stuck"]
    this_week = (col(Certificate.user_id).in_(visible), Certificate.status == CERTIFICATE_VALID,
                 col(Certificate.issued_at) >= now - ISSUED_SINCE)
    # The first few by name and a count: a busy week of a whole programme is thousands.
    issued = list(db.exec(select(Certificate).where(*this_week).order_by(
        col(Certificate.issued_at).desc(), col(Certificate.id).desc()).limit(SHOWN)))
    issued_total = db.exec(select(func.count()).select_from(Certificate).where(*this_week)).one()
    return Home(today, upcoming, stuck[:SHOWN], len(stuck), issued, issued_total,
                _unmarked(db, mine, now), [s for s in summaries if s.joined < s.learners],
                summaries)


def _sessions(db: Session, mine: Sequence[TrainingSession], now: datetime
              ) -> tuple[list[SessionLine], list[SessionLine]]:
    """Today's sessions (by the Bulgarian calendar), and the next few after today."""
    day = now.astimezone(SOFIA).date()
    start = datetime.combine(day, time(), SOFIA).astimezone(UTC)
    ahead = sorted((s for s in mine if aware(s.ends_at) >= start),
                   key=lambda s: aware(s.starts_at))
    today = [s for s in ahead if local_day(s.starts_at) <= day]
    later = [s for s in ahead if local_day(s.starts_at) > day][:NEXT_SESSIONS]
    return _lines(db, today), _lines(db, later)


def _lines(db: Session, found: Sequence[TrainingSession]) -> list[SessionLine]:
    return [SessionLine(s, sessions.enrolled_groups(db, s)) for s in found]


def _unmarked(db: Session, mine: Sequence[TrainingSession], now: datetime) -> list[Unmarked]:
    """The recent sessions that have ended with learners whose attendance is not marked."""
    ended = [s for s in mine if now - UNMARKED_SINCE <= aware(s.ends_at) < now]
    if not ended:
        return []
    ids = [s.id for s in ended]
    enrolled = dict(db.exec(
        select(SessionGroup.session_id, func.count(func.distinct(GroupMember.user_id)))
        .join(GroupMember, col(GroupMember.group_id) == SessionGroup.group_id)
        .join(User, col(User.id) == GroupMember.user_id)
        .where(col(SessionGroup.session_id).in_(ids), User.role == "learner")
        .group_by(col(SessionGroup.session_id))).all())
    # Marks of learners still on the roster only (one may have left the group since).
    marked = dict(db.exec(
        select(Attendance.session_id, func.count(func.distinct(Attendance.user_id)))
        .join(GroupMember, col(GroupMember.user_id) == Attendance.user_id)
        .join(SessionGroup, (col(SessionGroup.group_id) == GroupMember.group_id)
              & (col(SessionGroup.session_id) == Attendance.session_id))
        .where(col(Attendance.session_id).in_(ids)).group_by(col(Attendance.session_id))).all())
    missing = {s.id: enrolled.get(s.id, 0) - marked.get(s.id, 0) for s in ended
               if s.id is not None}
    return [Unmarked(s, missing[s.id]) for s in ended if s.id is not None and missing[s.id] > 0]
