"""Retention (issue 16 item 9): learners whose data has been kept for the configured period
are erased — after a coordinator confirms.

The period (``DOBRO_RETENTION_MONTHS``; unset: no period, nothing is ever due) counts from
the programme's end (``DOBRO_PROGRAMME_END``) when that is set, and otherwise from each
learner's last activity: the later of their last sign-in, the last module they opened and
their last quiz attempt (their account's creation when there is none).

The scheduled part does not erase: the issue asks for a coordinator's confirmation. A
periodic job (``privacy.retention``, every few hours) *marks* each learner whose period has
run out with a pending request of channel ``retention`` — the coordinators' home and the
requests page then say how many wait — and withdraws the mark of one who became active
again. The coordinator reviews the list on the retention page and confirms it with one button;
the job runner then erases it (``erase_job``: some 30 ms a person, a minute or two for
thousands — too long for a request), each person recorded as an approved request.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func
from sqlmodel import Session, col, select

from webapp import db, jobs
from webapp.localtime import SOFIA
from webapp.models import Attempt, ErasureRequest, ModuleProgress, Organisation, User, utcnow
from webapp.services import audit, erasure

JOB = "privacy.retention"
EVERY = timedelta(hours=6)
ERASE_JOB = "privacy.retention-erase"  # the coordinator's confirmed list
ERASE_KEY = "erase"  # one confirmed erasure at a time
BATCH = 100
NO_LONGER_DUE = "Срокът за съхранение вече не е изтекъл (нова активност)."


@dataclass(frozen=True)
class Policy:
    months: int | None  # None: no retention period
    programme_end: date | None

    @property
    def on(self) -> bool:
        return self.months is not None


def policy(config: Mapping[str, Any]) -> Policy:
    return Policy(config.get("RETENTION_MONTHS"), config.get("PROGRAMME_END"))


@dataclass(frozen=True)
class Expired:
    user: User
    organisation: str
    last_activity: datetime


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` ``months`` calendar months later (the 31st becomes the month's last day)."""
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _latest(rows: Any) -> dict[int, datetime]:
    return {uid: at for uid, at in rows if uid is not None and at is not None}


def last_activity(db: Session) -> dict[int, tuple[User, datetime]]:
    """Every learner not erased yet, with the time of their last activity."""
    progress = _latest(db.exec(select(ModuleProgress.user_id,
                                      func.max(ModuleProgress.last_opened_at))
                               .group_by(col(ModuleProgress.user_id))))
    tried = _latest(db.exec(select(Attempt.user_id, func.max(Attempt.started_at))
                            .group_by(col(Attempt.user_id))))
    found: dict[int, tuple[User, datetime]] = {}
    for user in db.exec(select(User).where(User.role == "learner",
                                           col(User.pseudonymised_at).is_(None))):
        assert user.id is not None
        times = [t for t in (user.created_at, user.joined_at, user.last_login_at,
                             progress.get(user.id), tried.get(user.id)) if t is not None]
        found[user.id] = (user, max(_aware(t) for t in times))
    return found


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def expired(db: Session, rules: Policy, now: datetime | None = None) -> list[Expired]:
    """The learners whose retention period has run out at ``now``, oldest activity first."""
    if rules.months is None:
        return []
    now = now or utcnow()
    if rules.programme_end is not None:
        end = datetime.combine(rules.programme_end + timedelta(days=1), time(), SOFIA)
        if add_months(end, rules.months) > now:
            return []
    organisations = {o.id: o.name for o in db.exec(select(Organisation))}
    found = [Expired(user, organisations.get(user.organisation_id, ""), at)
             for user, at in last_activity(db).values()
             if rules.programme_end is not None or add_months(at, rules.months) <= now]
    return sorted(found, key=lambda e: (e.last_activity, e.user.id or 0))


def by_organisation(found: Sequence[Expired]) -> list[tuple[str, int]]:
    """How many of ``found`` each organisation has, the largest first."""
    return sorted(Counter(e.organisation for e in found).items(), key=lambda p: (-p[1], p[0]))


def _marks(db: Session) -> dict[int, ErasureRequest]:
    return {r.user_id: r for r in db.exec(select(ErasureRequest).where(
        ErasureRequest.channel == "retention", ErasureRequest.status == erasure.PENDING))}


def mark(db: Session, rules: Policy, now: datetime | None = None) -> int:
    """Mark everyone now due with a pending retention request and withdraw the marks of those
    no longer due (committed); how many are marked now."""
    now = now or utcnow()
    due = {e.user.id for e in expired(db, rules, now)}
    marks = _marks(db)
    for user_id in due - set(marks):
        assert user_id is not None
        db.add(ErasureRequest(user_id=user_id, channel="retention", requested_at=now))
    for user_id, request in marks.items():
        if user_id not in due:
            request.status, request.decided_at, request.reason = (
                erasure.REFUSED, now, NO_LONGER_DUE)
            db.add(request)
    db.commit()
    return len(due)


def marked_count(db: Session) -> int:
    return int(db.exec(select(func.count()).select_from(ErasureRequest).where(
        ErasureRequest.channel == "retention", ErasureRequest.status == erasure.PENDING)).one())


def erase(db: Session, users: Sequence[User], by: User) -> int:
    """Erase ``users`` in one transaction, each recorded as an approved retention request."""
    marks = _marks(db)
    now = utcnow()
    for user in users:
        assert user.id is not None
        request = marks.get(user.id) or ErasureRequest(user_id=user.id, channel="retention",
                                                       recorded_by=by.id, requested_at=now)
        erasure.pseudonymise(db, user, by, "retention")
        request.status, request.decided_by, request.decided_at = erasure.APPROVED, by.id, now
        db.add(request)
    if users:
        audit.record(db, by, "retention_erased", None, "", count=len(users))
    db.commit()
    erasure.scrub(db)
    return len(users)


def queue_erase(db: Session, users: Sequence[User], by: User) -> bool:
    """Have ``users`` erased by the job runner (committed): thousands take minutes, too long
    for a request. False when an erasure is under way already."""
    ids = [u.id for u in users if u.id is not None]
    queued = jobs.enqueue(db, ERASE_JOB, {"ids": ids, "by": by.id}, key=ERASE_KEY)
    db.commit()
    return queued is not None


def erasing(db: Session) -> bool:
    """Whether a confirmed erasure waits for the job runner or runs now."""
    return jobs.pending(db, ERASE_JOB, ERASE_KEY)


@jobs.handler(ERASE_JOB)
def erase_job(payload: dict[str, Any]) -> None:
    """Erase the confirmed list, ``BATCH`` people per transaction; idempotent: whoever is
    erased already is skipped."""
    database = db.session()
    by = database.get(User, int(payload.get("by") or 0))
    ids = [int(i) for i in payload.get("ids", [])]
    if by is None:
        return
    for start in range(0, len(ids), BATCH):
        users = list(database.exec(select(User).where(
            col(User.id).in_(ids[start:start + BATCH]), User.role == "learner",
            col(User.pseudonymised_at).is_(None))))
        if users:
            erase(database, users, by)


@jobs.periodic(JOB, every=EVERY)
def mark_job(payload: dict[str, Any]) -> None:
    """The scheduled part: mark who is due (never erase: a coordinator confirms)."""
    # With no period (turned off since), every mark is withdrawn.
    mark(db.session(), policy(current_app.config))
