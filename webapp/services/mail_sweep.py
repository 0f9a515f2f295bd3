"""The periodic sweep that sends the messages nobody's action causes: reminders before a
session, the trainers' weekly digest and the inactivity nudge.

The job runner runs ``mail.sweep`` every five minutes (``jobs.periodic``). Each pass
looks at what is due at ``now`` and queues it through ``mail_messages`` / the outbox;
every message's key names its event, so a second pass (or a second server) queues
nothing twice. Tests call ``sweep`` with a given ``now``.

- Reminders (``MAIL_REMINDERS``, "2d,2h"): a reminder of offset ``o`` goes once the
  session is ``o`` away or nearer, but only while no nearer reminder is due (a session
  scheduled an hour ahead gets the "2h" one, not both). A moved session has a new start,
  so new keys: it gets its reminders again; a cancelled one gets none.
- Digest (``MAIL_DIGEST_DAY``, monday): from 7:00 Bulgarian time on that day, once per
  ISO week, to each active trainer with something to tell (who is stuck, who earned a
  certificate this past week, sessions in the coming week) — the trainer home's facts.
- Nudge (``MAIL_NUDGE_DAYS``, off by default): a learner with no activity for that many
  days and a session in the next 14 days, once per session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlmodel import Session, col, select

from webapp import db as database
from webapp import jobs
from webapp.config import WEEKDAYS
from webapp.content import current_course, store
from webapp.localtime import SOFIA
from webapp.models import (
    Attempt,
    GroupMember,
    ModuleProgress,
    SessionGroup,
    TrainingSession,
    User,
    utcnow,
)
from webapp.services import mail_messages, sessions, trainer_home
from webapp.services.outbox import queue

SWEEP_JOB = "mail.sweep"
DIGEST_FROM_HOUR = 7  # Bulgarian time: not in the middle of the night
NUDGE_AHEAD = timedelta(days=14)
DIGEST_AHEAD = timedelta(days=7)
UNITS = {"d": "days", "h": "hours", "m": "minutes"}


@dataclass(frozen=True)
class Swept:
    reminders: int
    digests: int
    nudges: int


@jobs.periodic(SWEEP_JOB)
def sweep_job(_payload: dict[str, Any]) -> None:
    """The periodic job: one sweep at the current time."""
    sweep(database.session())


def sweep(db: Session, now: datetime | None = None) -> Swept:
    """Queue every reminder, digest and nudge due at ``now`` (each committed)."""
    now = sessions.aware(now or utcnow())
    config = current_app.config
    counts = Swept(reminders(db, now, config.get("MAIL_REMINDERS", ())),
                   digests(db, now, config.get("MAIL_DIGEST_DAY", "off")),
                   nudges(db, now, int(config.get("MAIL_NUDGE_DAYS", 0) or 0)))
    db.commit()
    return counts


def offset(text: str) -> timedelta:
    """"2d" → two days, "2h" → two hours, "90m" → ninety minutes."""
    found = re.fullmatch(r"(\d+)([dhm])", text.strip().lower())
    if found is None:
        raise ValueError(text)
    return timedelta(**{UNITS[found.group(2)]: int(found.group(1))})


def reminders(db: Session, now: datetime, offsets: tuple[str, ...] | list[str]) -> int:
    """Queue the reminders due at ``now``; how many."""
    ordered = sorted(((offset(o), o) for o in offsets), reverse=True)
    queued = 0
    for index, (before, label) in enumerate(ordered):
        nearer = ordered[index + 1][0] if index + 1 < len(ordered) else timedelta(0)
        due = db.exec(select(TrainingSession).where(
            col(TrainingSession.cancelled_at).is_(None),
            col(TrainingSession.starts_at) > now + nearer,
            col(TrainingSession.starts_at) <= now + before)).all()
        for found in due:
            queued += mail_messages.reminder(db, found, mail_messages.recipients(db, found),
                                             label)
    return queued


def digest_due(now: datetime, day: str) -> bool:
    """Whether ``now`` is on the digest's day, late enough (Bulgarian time)."""
    local = now.astimezone(SOFIA)
    return day in WEEKDAYS and WEEKDAYS.index(day) == local.weekday() \
        and local.hour >= DIGEST_FROM_HOUR


def digests(db: Session, now: datetime, day: str) -> int:
    """Queue this week's digest to each active trainer who has something to be told."""
    if not digest_due(now, day):
        return 0
    year, week, _weekday = now.astimezone(SOFIA).isocalendar()
    trainers = db.exec(select(User).where(User.role == "trainer", col(User.active),
                                          col(User.email).is_not(None))
                       .order_by(col(User.id))).all()
    course, build_dir = current_course(), store().build_dir
    queued = 0
    for trainer in trainers:
        home = trainer_home.home(db, trainer, course, build_dir, now)
        ahead = [s for s in sessions.sessions_for(db, trainer) if s.cancelled_at is None
                 and now <= sessions.aware(s.starts_at) < now + DIGEST_AHEAD]
        ahead.sort(key=lambda s: sessions.aware(s.starts_at))
        if not (home.stuck_total or home.issued_total or ahead):
            continue
        context = {"stuck": home.stuck, "stuck_total": home.stuck_total,
                   "stuck_days": trainer_home.STUCK_DAYS, "issued": home.issued,
                   "issued_total": home.issued_total, "sessions": ahead}
        if queue(db, kind="trainer_digest", key=f"digest:{trainer.id}:{year}-W{week}",
                 user=trainer, template="trainer_digest", context=context) is not None:
            queued += 1
    return queued


def nudges(db: Session, now: datetime, days: int) -> int:
    """Nudge the learners inactive for ``days`` days who have a session in the next 14
    days (0: off); once per learner and session."""
    if days <= 0:
        return 0
    since = now - timedelta(days=days)
    rows = db.exec(select(User, TrainingSession)
                   .join(GroupMember, col(GroupMember.user_id) == User.id)
                   .join(SessionGroup, col(SessionGroup.group_id) == GroupMember.group_id)
                   .join(TrainingSession, col(TrainingSession.id) == SessionGroup.session_id)
                   .where(User.role == "learner", col(User.active),
                          col(User.email).is_not(None), col(User.joined_at).is_not(None),
                          col(TrainingSession.cancelled_at).is_(None),
                          col(TrainingSession.starts_at) > now,
                          col(TrainingSession.starts_at) <= now + NUDGE_AHEAD)
                   .order_by(col(TrainingSession.starts_at))).all()
    nearest: dict[int, tuple[User, TrainingSession]] = {}
    for user, found in rows:
        nearest.setdefault(user.id or 0, (user, found))
    active = recently_active(db, list(nearest), since)
    queued = 0
    for user_id, (user, found) in nearest.items():
        if user_id in active or sessions.aware(user.joined_at or now) >= since:
            continue
        if queue(db, kind="inactivity_nudge", key=f"nudge:{user_id}:{found.id}", user=user,
                 template="inactivity_nudge",
                 context={"session": found, "days": days}) is not None:
            queued += 1
    return queued


def recently_active(db: Session, user_ids: list[int], since: datetime) -> set[int]:
    """Which of ``user_ids`` opened a module or started or sent a quiz since ``since``."""
    if not user_ids:
        return set()
    naive = since.astimezone(UTC)
    studied = db.exec(select(ModuleProgress.user_id).where(
        col(ModuleProgress.user_id).in_(user_ids),
        col(ModuleProgress.last_opened_at) >= naive)).all()
    tried = db.exec(select(Attempt.user_id).where(
        col(Attempt.user_id).in_(user_ids),
        (col(Attempt.started_at) >= naive) | (col(Attempt.submitted_at) >= naive))).all()
    return set(studied) | set(tried)
