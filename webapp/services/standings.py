"""A status for every learner of the progress dashboard, from a few aggregate queries.

``standings`` reads narrow columns in bulk — never an attempt's questions or results —
so that the counts, the status filter and the summary per organisation cover thousands
of learners; ``webapp.services.dashboard.rows`` gives one page of them in full detail.
Both decide with ``status``, on the same facts; the statuses are defined in
``webapp.services.dashboard``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from course.grading import quiz_grade
from course.model import Quiz
from webapp.content import CompiledCourse
from webapp.models import (
    ATTENDED,
    Attempt,
    Attendance,
    Certificate,
    GroupMember,
    ModuleProgress,
    Organisation,
    TrainingSession,
    User,
    utcnow,
)
from webapp.services import attempts as attempts_service
from webapp.services import completion
from webapp.services.certificates import PROGRAMME

STUCK_AFTER = timedelta(days=14)
STATUSES = ("not_started", "in_progress", "stuck", "complete")

_USER = User.__table__  # type: ignore[attr-defined]
_PROGRESS = ModuleProgress.__table__  # type: ignore[attr-defined]
_ATTEMPT = Attempt.__table__  # type: ignore[attr-defined]
_ATTENDANCE = Attendance.__table__  # type: ignore[attr-defined]
_SESSION = TrainingSession.__table__  # type: ignore[attr-defined]
_CERTIFICATE = Certificate.__table__  # type: ignore[attr-defined]
_MEMBER = GroupMember.__table__  # type: ignore[attr-defined]


class Learner(NamedTuple):
    """A learner as the filters and the summary need them: four columns, no ORM object."""

    id: int
    name: str
    organisation_id: int | None
    audience: str | None


class Standing(NamedTuple):
    status: str
    certified: bool  # holds a valid certificate for the whole programme


@dataclass(frozen=True)
class OrganisationSummary:
    organisation: Organisation | None  # None: learners without an organisation
    learners: int
    counts: Mapping[str, int]  # by status
    certified: int


def naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo else value


def status(complete: bool, active: bool, recent: bool) -> str:
    """The learner's status from the facts: the one definition both passes use.

    ``recent``: the latest sign of activity is at most ``STUCK_AFTER`` before now.
    """
    if complete:
        return "complete"
    if not active:
        return "not_started"
    return "in_progress" if recent else "stuck"


# --- Who: the learners matching the filters --------------------------------------------------


def learners(db: Session, visible: sa.Select[Any], group: int | None = None,
             organisation: int | None = None, audience: str = "") -> list[Learner]:
    """The visible learners matching the filters, by name."""
    query = sa.select(_USER.c.id, _USER.c.name, _USER.c.organisation_id, _USER.c.audience) \
        .where(_USER.c.id.in_(visible))
    if group is not None:
        query = query.where(_USER.c.id.in_(
            sa.select(_MEMBER.c.user_id).where(_MEMBER.c.group_id == group)))
    if organisation is not None:
        query = query.where(_USER.c.organisation_id == organisation)
    if audience:
        query = query.where(_USER.c.audience == audience)
    return [Learner(*row) for row in db.connection().execute(
        query.order_by(_USER.c.name, _USER.c.id)).all()]


def organisation_ids(db: Session, visible: sa.Select[Any]) -> set[int]:
    """The organisations of the visible learners (for the organisation filter)."""
    return {row[0] for row in db.connection().execute(
        sa.select(_USER.c.organisation_id).where(_USER.c.id.in_(visible),
                                                 _USER.c.organisation_id.is_not(None))
        .distinct())}


# --- Pass one: a status for every learner ------------------------------------------------------


class Finals:
    """Which final tests each learner passed, by each quiz's grading method."""

    def __init__(self, build_dir: Path, course: CompiledCourse) -> None:
        self.quizzes: dict[str, Quiz | None] = {}
        for topic in course.topics:
            if topic.final:
                try:
                    self.quizzes[topic.final] = attempts_service.load_quiz(build_dir, topic.final)
                except attempts_service.QuizError:  # gone from the course: its passes stand
                    self.quizzes[topic.final] = None

    def passed(self, quiz_id: str, tries: Sequence[tuple[float | None, float, bool | None]]
               ) -> bool:
        """``tries``: the finished attempts' (percent, pass mark, passed), oldest first."""
        quiz = self.quizzes.get(quiz_id)
        if quiz is None:
            return any(passed for _, _, passed in tries)
        value = quiz_grade(quiz.grading, [p for p, _, _ in tries if p is not None])
        return value is not None and value >= tries[-1][1]


def standings(db: Session, course: CompiledCourse, build_dir: Path,
              found: Sequence[Learner], now: datetime | None = None) -> dict[int, Standing]:
    """A status for each learner in ``found``, from aggregates: no per-learner query."""
    now = naive(now or utcnow())
    if not found:
        return {}
    wanted = [f.id for f in found]

    def among(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        # A few hundred ids go in the query; for thousands, reading every learner's
        # aggregate is cheaper than binding the list (the others are skipped below).
        return column.in_(wanted) if len(wanted) <= 500 else sa.true()

    connection = db.connection()
    recent = _recent(connection, among, now - STUCK_AFTER, now)
    passed = _passed_finals(connection, among, Finals(build_dir, course))
    needs = {audience: completion.requirements(course, audience)
             for audience in {f.audience for f in found}}
    finals_needed = {audience: frozenset(n.final_quiz for n in found_needs
                                         if n.required and n.final_quiz)
                     for audience, found_needs in needs.items()}
    # Completion needs every required final passed: only for the learners who passed them
    # are the hours attended and the modules studied read.
    none: frozenset[str] = frozenset()
    may_complete = {audience: any(n.required for n in found_needs)
                    for audience, found_needs in needs.items()}
    candidates = [f for f in found if may_complete[f.audience]
                  and finals_needed[f.audience] <= passed.get(f.id, none)]
    hours = _hours(connection, [f.id for f in candidates])
    # The rest of ``course.completion.evaluate`` for every required topic: the hours
    # attended, and every module needed studied (counted in the database).
    gates = {audience: [(n.topic_id, n.hours_needed) for n in found_needs if n.required]
             for audience, found_needs in needs.items()}
    modules = {audience: sorted({m for n in found_needs if n.required for m in n.modules_needed})
               for audience, found_needs in needs.items()}
    studied = _studied(connection, candidates, modules)
    complete = {f.id for f in candidates
                if studied.get(f.id, 0) == len(modules[f.audience]) and all(
                    need <= 0 or round(hours.get(f.id, {}).get(topic_id, 0.0), 2) >= need
                    for topic_id, need in gates[f.audience])}
    certified = {row[0] for row in connection.execute(
        sa.select(_CERTIFICATE.c.user_id).where(among(_CERTIFICATE.c.user_id),
                                                _CERTIFICATE.c.kind == PROGRAMME,
                                                _CERTIFICATE.c.status == "valid").distinct())}
    # Eight possible standings: shared, rather than one new object per learner.
    shared = {(s, c): Standing(s, c) for s in STATUSES for c in (False, True)}
    return {f.id: shared[status(f.id in complete, f.id in recent, recent.get(f.id, False)),
                         f.id in certified] for f in found}


def _recent(connection: sa.Connection, among: Any, since: datetime, until: datetime
            ) -> dict[int, bool]:
    """Per active learner: whether their latest sign of activity is ``since`` or later.

    Active: a module opened, a quiz attempt, or a session attended (its start counting
    once it has begun). The comparisons run in the database: only a flag per learner
    is read, never a moment.
    """
    since, until = since.replace(tzinfo=UTC), until.replace(tzinfo=UTC)

    def flag(*conditions: Any) -> Any:
        return sa.func.max(sa.case((sa.or_(*conditions), 1), else_=0))

    flags = sa.union_all(
        sa.select(_PROGRESS.c.user_id.label("uid"), flag(
            _PROGRESS.c.last_opened_at >= since, _PROGRESS.c.studied_at >= since)
            .label("recent"))
        .where(among(_PROGRESS.c.user_id)).group_by(_PROGRESS.c.user_id),
        sa.select(_ATTEMPT.c.user_id, flag(_ATTEMPT.c.started_at >= since,
                                           _ATTEMPT.c.submitted_at >= since))
        .where(among(_ATTEMPT.c.user_id)).group_by(_ATTEMPT.c.user_id),
        sa.select(_ATTENDANCE.c.user_id, flag(_SESSION.c.starts_at.between(since, until)))
        .join(_SESSION, _SESSION.c.id == _ATTENDANCE.c.session_id)
        .where(among(_ATTENDANCE.c.user_id), _ATTENDANCE.c.status.in_(ATTENDED))
        .group_by(_ATTENDANCE.c.user_id),
    ).subquery()
    return {uid: bool(found) for uid, found in connection.execute(
        sa.select(flags.c.uid, sa.func.max(flags.c.recent)).group_by(flags.c.uid)).all()}


def _passed_finals(connection: sa.Connection, among: Any, finals: Finals
                   ) -> dict[int, frozenset[str]]:
    """Per learner, the final tests passed (by each quiz's grading method)."""
    finished = (_ATTEMPT.c.state != "open", _ATTEMPT.c.percent.is_not(None))
    found: dict[int, set[str]] = defaultdict(set)
    # "highest" (the usual method) is decided in the database: the best result against
    # the pass marks; only a learner whose pass mark changed in between is read in full.
    highest = [q for q, quiz in finals.quizzes.items() if quiz and quiz.grading == "highest"]
    unsure: set[int] = set()
    for uid, quiz_id, best, highest_mark in connection.execute(
            sa.select(_ATTEMPT.c.user_id, _ATTEMPT.c.quiz_id, sa.func.max(_ATTEMPT.c.percent),
                      sa.func.max(_ATTEMPT.c.pass_mark))
            .where(_ATTEMPT.c.quiz_id.in_(highest), among(_ATTEMPT.c.user_id), *finished)
            .group_by(_ATTEMPT.c.user_id, _ATTEMPT.c.quiz_id)
            .having(sa.func.max(_ATTEMPT.c.percent) >= sa.func.min(_ATTEMPT.c.pass_mark))).all():
        if best >= highest_mark:
            found[uid].add(quiz_id)
        else:
            unsure.add(uid)
    others = [q for q in finals.quizzes if q not in highest]
    if others or unsure:
        in_full = _ATTEMPT.c.quiz_id.in_(others)
        if unsure:
            in_full = sa.or_(in_full, sa.and_(_ATTEMPT.c.quiz_id.in_(highest),
                                              _ATTEMPT.c.user_id.in_(sorted(unsure))))
        rows = connection.execute(
            sa.select(_ATTEMPT.c.user_id, _ATTEMPT.c.quiz_id, _ATTEMPT.c.percent,
                      _ATTEMPT.c.pass_mark, _ATTEMPT.c.passed)
            .where(in_full, among(_ATTEMPT.c.user_id), *finished)
            .order_by(_ATTEMPT.c.user_id, _ATTEMPT.c.quiz_id, _ATTEMPT.c.started_at))
        for (uid, quiz_id), tries in groupby(rows, key=lambda row: (row[0], row[1])):
            if finals.passed(quiz_id, [(p, mark, ok) for _u, _q, p, mark, ok in tries]):
                found[uid].add(quiz_id)
    return {uid: frozenset(quizzes) for uid, quizzes in found.items()}


def _hours(connection: sa.Connection, user_ids: Sequence[int]) -> dict[int, dict[str, float]]:
    """Per learner, the hours of sessions attended, by topic."""
    if not user_ids:
        return {}
    length = {sid: (topic_id, max((ends - starts).total_seconds(), 0) / 3600)
              for sid, topic_id, starts, ends in connection.execute(sa.select(
                  _SESSION.c.id, _SESSION.c.topic_id, _SESSION.c.starts_at, _SESSION.c.ends_at))}
    found: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for start in range(0, len(user_ids), 1000):
        for uid, session_id in connection.execute(
                sa.select(_ATTENDANCE.c.user_id, _ATTENDANCE.c.session_id)
                .where(_ATTENDANCE.c.user_id.in_(user_ids[start:start + 1000]),
                       _ATTENDANCE.c.status.in_(ATTENDED))).all():
            topic_id, spent = length[session_id]
            found[uid][topic_id] += spent
    return found


def _studied(connection: sa.Connection, found: Sequence[Learner],
             modules: Mapping[str | None, Sequence[str]]) -> dict[int, int]:
    """Per learner, how many of ``modules[their audience]`` they have studied."""
    counts: dict[int, int] = {}
    by_audience: dict[str | None, list[int]] = defaultdict(list)
    for learner in found:
        by_audience[learner.audience].append(learner.id)
    for audience, ids in by_audience.items():
        for start in range(0, len(ids), 1000):
            counts.update((uid, count) for uid, count in connection.execute(
                sa.select(_PROGRESS.c.user_id, sa.func.count())
                .where(_PROGRESS.c.user_id.in_(ids[start:start + 1000]),
                       _PROGRESS.c.module_id.in_(modules[audience]),
                       _PROGRESS.c.studied_at.is_not(None))
                .group_by(_PROGRESS.c.user_id)))
    return counts


def summary(db: Session, found: Sequence[Learner], standing: Mapping[int, Standing]
            ) -> list[OrganisationSummary]:
    """Per organisation (by name; learners without one last): learners and their statuses."""
    counts: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATUSES, 0))
    certified: dict[int | None, int] = defaultdict(int)
    for learner in found:
        state = standing[learner.id]
        counts[learner.organisation_id][state.status] += 1
        certified[learner.organisation_id] += state.certified
    wanted = [k for k in counts if k is not None]
    organisations = {o.id: o for o in db.exec(select(Organisation).where(
        col(Organisation.id).in_(wanted)))} if wanted else {}
    keys = sorted(counts, key=lambda k: (k is None or k not in organisations,
                                         organisations[k].name if k in organisations else ""))
    return [OrganisationSummary(organisations.get(k) if k is not None else None,
                                sum(counts[k].values()), counts[k], certified[k]) for k in keys]
