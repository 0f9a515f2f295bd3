"""A status for every learner of the progress dashboard, from a few aggregate queries.

``standings`` reads narrow columns in bulk — never an attempt's questions or results —
so that the counts, the status filter and the summary per organisation cover thousands
of learners; ``webapp.services.dashboard.rows`` gives one page of them in full detail.
Both decide with ``course.rules`` and ``status``, on the same facts; the statuses are defined in
``webapp.services.dashboard``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from course import rules
from course.compiled import CompiledCourse
from course.rules import PROGRAMME, Attended
from webapp.models import (
    ATTENDED,
    CERTIFICATE_VALID,
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
from webapp.services import completion

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


def standings(db: Session, course: CompiledCourse, build_dir: Path,
              found: Sequence[Learner], now: datetime | None = None) -> dict[int, Standing]:
    """A status for each learner in ``found``, from aggregates: no per-learner query.

    The facts are read in bulk; ``course.rules`` decides. Completion needs every
    required final test passed, so the modules studied and hours attended are read
    only for the learners whose final tests the rules found passed (the property
    test ``tests/webapp/test_outcomes_agree.py`` holds this to the learner's pages).
    """
    now = naive(now or utcnow())
    if not found:
        return {}
    wanted = [f.id for f in found]

    connection = db.connection()

    def among(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        # A few hundred ids go in the query; for thousands, reading every learner's
        # aggregate is cheaper than binding the list (the others are skipped below).
        return completion.user_in(connection, column, wanted) if len(wanted) <= 500 \
            else sa.true()

    recent = _recent(connection, among, now - STUCK_AFTER, now, everyone=len(wanted) > 500)
    checklists = rules.Checklists({audience: completion.requirements(course, audience)
                                   for audience in {f.audience for f in found}})
    finals = {q: g for q, g in completion.gradings(build_dir, course).items()
              if q in {t.final for t in course.topics}}
    passed = completion.passed_in_bulk(connection, finals, among(_ATTEMPT.c.user_id))
    none: frozenset[str] = frozenset()
    # Learners of an audience who passed the same finals share a verdict: asked once.
    sharing: dict[tuple[str | None, frozenset[str]], list[Learner]] = defaultdict(list)
    for f in found:
        sharing[(f.audience, passed.get(f.id, none))].append(f)
    verdict = checklists.verdict
    candidates = [f for (audience, finals_passed), same in sharing.items()
                  if verdict(audience, passed_finals=finals_passed).finals_passed for f in same]
    modules = sorted({m for found_needs in checklists.requirements.values() for n in found_needs
                      for m in n.modules_needed})
    studied: dict[int, frozenset[str]] = {}
    ids = [f.id for f in candidates]
    for start in range(0, len(ids), 1000):
        studied.update(completion.studied_in_bulk(connection, modules, completion.user_in(
            connection, _PROGRESS.c.user_id, ids[start:start + 1000])))
    attended = _attended(connection, ids)
    complete = {f.id for f in candidates
                if verdict(f.audience, studied.get(f.id, none), passed.get(f.id, none),
                           rules.hours_attended(attended.get(f.id, ()))).complete}
    certified = {row[0] for row in connection.execute(
        sa.select(_CERTIFICATE.c.user_id).where(among(_CERTIFICATE.c.user_id),
                                                _CERTIFICATE.c.kind == PROGRAMME,
                                                _CERTIFICATE.c.status == CERTIFICATE_VALID)
        .distinct())}
    # Few possible standings: each decided by ``status`` once and shared, rather than one
    # call and one new object per learner. ``recent`` holds a flag for each active learner.
    shared = {(done, flag, holds): Standing(status(done, flag is not None, bool(flag)), holds)
              for done in (False, True) for flag in (None, False, True)
              for holds in (False, True)}
    return {f.id: shared[(f.id in complete, recent.get(f.id), f.id in certified)]
            for f in found}


def _recent(connection: sa.Connection, among: Any, since: datetime, until: datetime,
            everyone: bool = True) -> dict[int, bool]:
    """Per active learner: whether their latest sign of activity is ``since`` or later.

    Active: a module opened, a quiz attempt, or a session attended (its start counting
    once it has begun). The comparisons run in the database: only a flag per learner
    is read, never a moment. ``everyone``: thousands of learners, ``among`` narrows
    nothing (every user's flag is read, the caller skips the others).
    """
    since, until = since.replace(tzinfo=UTC), until.replace(tzinfo=UTC)
    attended = _ATTENDANCE.c.status.in_(ATTENDED)
    recent_progress = sa.or_(_PROGRESS.c.last_opened_at >= since, _PROGRESS.c.studied_at >= since)
    recent_attempt = sa.or_(_ATTEMPT.c.started_at >= since, _ATTEMPT.c.submitted_at >= since)
    recent_session = _SESSION.c.starts_at.between(since, until)
    parts: list[sa.Select[Any]]
    if everyone:
        def users(table: Any, *conditions: Any, recent: int) -> sa.Select[Any]:
            # One row per learner with rows in ``table`` (meeting ``conditions``), flagged.
            return (sa.select(table.c.user_id.label("uid"),
                              sa.literal(recent, sa.Integer).label("recent"))
                    .where(among(table.c.user_id), *conditions).group_by(table.c.user_id))

        # Who is active and who recently, each asked on its own: SQLite then reads the
        # narrow user_id indexes for the first and groups in index order (no sort), 15 %
        # less time than a flag per learner and table computed over every row.
        parts = [
            users(_PROGRESS, recent=0), users(_PROGRESS, recent_progress, recent=1),
            users(_ATTEMPT, recent=0), users(_ATTEMPT, recent_attempt, recent=1),
            users(_ATTENDANCE, attended, recent=0),
            users(_ATTENDANCE, attended, _ATTENDANCE.c.session_id.in_(
                sa.select(_SESSION.c.id).where(recent_session)), recent=1)]
    else:
        def flag(condition: Any) -> Any:
            return sa.func.max(sa.case((condition, 1), else_=0)).label("recent")

        # A few hundred learners: one flag per learner and table, their rows sought by index.
        parts = [
            sa.select(_PROGRESS.c.user_id.label("uid"), flag(recent_progress))
            .where(among(_PROGRESS.c.user_id)).group_by(_PROGRESS.c.user_id),
            sa.select(_ATTEMPT.c.user_id, flag(recent_attempt))
            .where(among(_ATTEMPT.c.user_id)).group_by(_ATTEMPT.c.user_id),
            sa.select(_ATTENDANCE.c.user_id, flag(recent_session))
            .join(_SESSION, _SESSION.c.id == _ATTENDANCE.c.session_id)
            .where(among(_ATTENDANCE.c.user_id), attended).group_by(_ATTENDANCE.c.user_id)]
    flags = sa.union_all(*parts).subquery()
    return {uid: bool(found) for uid, found in connection.execute(
        sa.select(flags.c.uid, sa.func.max(flags.c.recent)).group_by(flags.c.uid)).all()}


def _attended(connection: sa.Connection, user_ids: Sequence[int]
              ) -> dict[int, tuple[Attended, ...]]:
    """Per learner, the sessions attended (present or late), as topic and minutes."""
    length = {sid: Attended(topic_id, completion.minutes(starts, ends))
              for sid, topic_id, starts, ends in connection.execute(sa.select(
                  _SESSION.c.id, _SESSION.c.topic_id, _SESSION.c.starts_at, _SESSION.c.ends_at))}
    found: dict[int, list[Attended]] = defaultdict(list)
    for start in range(0, len(user_ids), 1000):
        for uid, session_id in connection.execute(
                sa.select(_ATTENDANCE.c.user_id, _ATTENDANCE.c.session_id)
                .where(completion.user_in(connection, _ATTENDANCE.c.user_id,
                                          user_ids[start:start + 1000]),
                       _ATTENDANCE.c.status.in_(ATTENDED))).all():
            found[uid].append(length[session_id])
    return {uid: tuple(sessions) for uid, sessions in found.items()}


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
