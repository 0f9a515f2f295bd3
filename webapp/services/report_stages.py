"""Who reached each stage of the learners' funnel by a date, from facts read in bulk.

The facts — attendance marks, modules marked studied, attempts at the final tests,
programme certificates — are read with a few queries over narrow columns, cut at
the end date; ``course.rules`` decides each learner's stages from them, as it
decides their checklist: *studied* is ``rules.modules_done``, *passed* is
``rules.finals_passed``. Each function returns user ids; no query runs per learner
and no attempt's questions or answers are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from course import rules
from course.compiled import CompiledCourse
from course.rules import PROGRAMME
from webapp.models import (
    ATTENDED,
    CERTIFICATE_ERASED_REASON,
    CERTIFICATE_VALID,
    Attendance,
    Certificate,
    ModuleProgress,
    TrainingSession,
)
from webapp.services import completion

_PROGRESS = ModuleProgress.__table__  # type: ignore[attr-defined]


def rows(db: Session, query: Any) -> Sequence[Any]:
    """Plain rows from the connection: thousands of them, without the ORM's cost per row."""
    return db.connection().execute(query).all()


def in_period(column: Any, low: datetime | None, high: datetime | None) -> list[Any]:
    """Conditions keeping ``column`` from ``low`` (included) to ``high`` (excluded)."""
    found = []
    if low is not None:
        found.append(column >= low)
    if high is not None:
        found.append(column < high)
    return found


def attended(db: Session, high: datetime | None) -> set[int]:
    """The users present or late at a session that started before ``high``."""
    query = select(Attendance.user_id).distinct().join(
        TrainingSession, col(TrainingSession.id) == Attendance.session_id).where(
        col(Attendance.status).in_(ATTENDED),
        *in_period(col(TrainingSession.starts_at), None, high))
    return {uid for (uid,) in rows(db, query)}


def studied_and_passed(db: Session, course: CompiledCourse, build_dir: Path,
                       audiences: Mapping[int, str], high: datetime | None
                       ) -> tuple[set[int], set[int]]:
    """The learners who, by the end date, studied every module their track's rules need,
    and those who passed every final test it needs (``course.rules``, on facts read in bulk).
    """
    checklists = rules.Checklists({a: completion.requirements(course, a)
                                   for a in set(audiences.values())})
    finals = {q: g for q, g in completion.gradings(build_dir, course).items()
              if q in {t.final for t in course.topics}}
    connection = db.connection()
    passed_by = completion.passed_in_bulk(connection, finals, until=high)
    modules = sorted({m for found in checklists.requirements.values() for n in found
                      for m in n.modules_needed})
    studied_by = completion.studied_in_bulk(connection, modules,
                                            *in_period(_PROGRESS.c.studied_at, None, high))
    none: frozenset[str] = frozenset()
    # Most learners share their facts with others: each set of facts is decided once.
    sharing: dict[tuple[str, frozenset[str], frozenset[str]], list[int]] = defaultdict(list)
    for uid, audience in audiences.items():
        sharing[(audience, studied_by.get(uid, none), passed_by.get(uid, none))].append(uid)
    done: set[int] = set()
    passed: set[int] = set()
    for (audience, studied, finals_passed), uids in sharing.items():
        found = checklists.verdict(audience, studied, finals_passed)
        if found.modules_done:
            done.update(uids)
        if found.finals_passed:
            passed.update(uids)
    return done, passed


def certified(db: Session, high: datetime | None) -> set[int]:
    """The users holding a valid programme certificate issued before ``high`` (or one revoked
    only because its holder's data was erased: they earned it)."""
    return {uid for (uid,) in rows(db, select(Certificate.user_id).distinct().where(
        Certificate.kind == PROGRAMME, or_(
            col(Certificate.status) == CERTIFICATE_VALID,
            col(Certificate.revoked_reason) == CERTIFICATE_ERASED_REASON),
        *in_period(col(Certificate.issued_at), None, high)))}
