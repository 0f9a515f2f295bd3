"""A learner's track through the course and their progress along it.

The track comes from ``modules/course.yaml`` (via the compiled course): a
topic is required for the audiences it names, optional for ``optional_for``;
a module is required for the audiences in its front matter. Staff without an
audience see every topic, as optional.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from course.compiled import CompiledCourse, Module, Topic
from course.rules import Outcome
from webapp.models import Attempt, ModuleProgress, User, utcnow
from webapp.services import xapi

# Time between two signs of life on a page counts as study time up to this much:
# a tab left open overnight is not a night of study.
MAX_GAP = timedelta(minutes=5)
MAX_POSITION = 200


class ProgressError(Exception):
    """A progress action the rules refuse; ``code`` names the rule."""

    def __init__(self, code: str, missing: tuple[str, ...] = ()) -> None:
        self.code = code
        self.missing = missing
        super().__init__(code)


@dataclass(frozen=True)
class TopicTrack:
    topic: Topic
    required: bool  # the topic is required (else optional) for the learner
    modules: tuple[Module, ...]
    required_modules: frozenset[str]


def track(course: CompiledCourse, audience: str | None) -> list[TopicTrack]:
    """The topics a learner of ``audience`` takes, with their modules, in course order."""
    result = []
    for topic in course.topics:
        if audience in topic.audiences:
            required = True
        elif audience is None or audience in topic.optional_for:
            required = False
        else:
            continue
        modules = tuple(course.modules[m] for m in topic.module_ids if m in course.modules)
        required_ids = frozenset(m.id for m in modules if audience in m.audiences) \
            if required else frozenset()
        result.append(TopicTrack(topic, required, modules, required_ids))
    return result


def records(db: Session, user: User) -> dict[str, ModuleProgress]:
    """The user's progress records, by module id."""
    rows = db.exec(_RECORDS, params={"user_id": user.id}).all()
    return {r.module_id: r for r in rows}


# Built once (each home page and heartbeat runs them): see attempts._HISTORY.
_RECORDS = select(ModuleProgress).where(col(ModuleProgress.user_id) == sa.bindparam("user_id"))
_RECORD = _RECORDS.where(col(ModuleProgress.module_id) == sa.bindparam("module_id"))


def missing_prerequisites(module: Module,
                          done: Mapping[str, ModuleProgress | Seen]) -> tuple[str, ...]:
    """The prerequisites of ``module`` not yet studied."""
    return tuple(m for m in module.requires if not (m in done and done[m].studied_at))


def _record(db: Session, user: User, module: Module) -> ModuleProgress:
    row = db.exec(_RECORD, params={"user_id": user.id, "module_id": module.id}).first()
    if row is None:
        assert user.id is not None  # a signed-in user is a saved row
        row = ModuleProgress(user_id=user.id, module_id=module.id, topic_id=module.topic)
    return row


def _count_time(row: ModuleProgress, now: datetime) -> None:
    gap = now - row.last_opened_at
    if timedelta(0) < gap:
        row.seconds_spent += int(min(gap, MAX_GAP).total_seconds())
    row.last_opened_at = now


# A page opened again within this time needs no write: the reading script's
# heartbeats keep the clock, and a page view should not queue on the database.
REOPEN_QUIET = timedelta(seconds=60)


@dataclass(frozen=True)
class Seen:
    """What the module page needs of a progress record, read without the ORM."""

    module_id: str
    last_opened_at: datetime
    studied_at: datetime | None


_PROGRESS = ModuleProgress.__table__  # type: ignore[attr-defined]
# Built once: a module page runs it on every view.
_SEEN = sa.select(_PROGRESS.c.module_id, _PROGRESS.c.last_opened_at, _PROGRESS.c.studied_at).where(
    _PROGRESS.c.user_id == sa.bindparam("user"),
    _PROGRESS.c.module_id.in_(sa.bindparam("modules", expanding=True)))


def seen(db: Session, user: User, modules: Sequence[str]) -> dict[str, Seen]:
    """The learner's records of ``modules``: one light query for every module page."""
    rows = db.connection().execute(_SEEN, {"user": user.id, "modules": list(modules)})
    return {row.module_id: Seen(*row) for row in rows}


def opened(db: Session, user: User, module: Module, row: Seen | None,
           now: datetime | None = None) -> None:
    """Record that the learner opened ``module`` (the clock starts, not yet counting).

    ``row`` is the learner's record as ``seen`` read it. Reopening within
    ``REOPEN_QUIET`` writes nothing; two first openings racing each other leave
    one record (the unique constraint refuses the second, which is then moot).
    """
    now = now or utcnow()
    if row is not None:
        if now - row.last_opened_at < REOPEN_QUIET:
            return
        db.connection().execute(sa.update(_PROGRESS).where(
            _PROGRESS.c.user_id == user.id, _PROGRESS.c.module_id == module.id,
        ).values(last_opened_at=now))
    else:
        try:
            db.connection().execute(sa.insert(_PROGRESS).values(
                user_id=user.id, module_id=module.id, topic_id=module.topic,
                first_opened_at=now, last_opened_at=now, seconds_spent=0, position="",
                studied_version=""))
        except IntegrityError:
            db.rollback()
            return
        assert user.id is not None
        xapi.module_experienced(db, user.id, module.id, module.title, module.topic, now)
    db.commit()


def heartbeat(db: Session, user: User, module: Module, position: str,
              now: datetime | None = None) -> ModuleProgress:
    """The page is still being read: count the time since the last sign, keep the position."""
    row = _record(db, user, module)
    _count_time(row, now or utcnow())
    row.position = position[:MAX_POSITION]
    db.add(row)
    db.commit()
    return row


def mark_studied(db: Session, user: User, module: Module, done: dict[str, ModuleProgress],
                 now: datetime | None = None) -> ModuleProgress:
    """Mark ``module`` studied at its end; refused while prerequisites are missing."""
    missing = missing_prerequisites(module, done)
    if missing:
        raise ProgressError("prerequisites", missing)
    now = now or utcnow()
    row = _record(db, user, module)
    _count_time(row, now)
    if row.studied_at is None:
        xapi.module_completed(db, row.user_id, module.id, module.title, module.topic, now)
    row.studied_at = row.studied_at or now
    row.studied_version = module.version
    db.add(row)
    db.commit()
    return row


@dataclass(frozen=True)
class TopicProgress:
    track: TopicTrack
    studied: int  # modules studied of those the topic counts (``course.rules.topic_progress``)
    total: int
    next_module: Module | None  # the first module not yet studied, in order
    final_percent: float | None  # the final test's grade by its grading method
    final_passed: bool
    pretest_done: bool

    @property
    def percent(self) -> int:
        return round(100 * self.studied / self.total) if self.total else 0


def topic_progress(tracks: list[TopicTrack], done: Mapping[str, ModuleProgress | Seen],
                   outcome: Outcome) -> list[TopicProgress]:
    """Progress per topic as ``course.rules`` decided it, with the next module to read."""
    decided = {t.topic_id: t for t in outcome.topics}
    result = []
    for item in tracks:
        found = decided[item.topic.id]
        upcoming = next((m for m in item.modules
                         if not (m.id in done and done[m.id].studied_at)), None)
        result.append(TopicProgress(item, found.progress.studied, found.progress.total, upcoming,
                                    found.final.grade, found.final.passed, found.pretest_done))
    return result


def user_attempts(db: Session, user: User) -> list[Attempt]:
    """All of the user's attempts, oldest first, without their questions and results.

    Those JSON snapshots are most of an attempt's bytes; a learner who took a self-check
    forty times made the home page decode forty of them for nothing. Reading either one
    from these objects raises instead of loading it row by row.
    """
    return list(db.exec(_USER_ATTEMPTS, params={"user_id": user.id}).all())


_USER_ATTEMPTS = select(Attempt).where(
    col(Attempt.user_id) == sa.bindparam("user_id")).order_by(col(Attempt.started_at)).options(
    defer(Attempt.questions, raiseload=True),  # type: ignore[arg-type]
    defer(Attempt.results, raiseload=True))  # type: ignore[arg-type]
