"""The progress dashboard: each learner × topic of their track, and a status per learner.

Who is shown follows ``statistics.visible_learner_ids``: a trainer sees the learners
of the groups they look after, coordinators and admins every learner.

A programme has thousands of learners, so the page works in two passes:

* ``standings.standings`` gives every learner that matches the filters a status, from a few
  aggregate queries over narrow columns (never an attempt's questions or results):
  enough for the counts, the status filter and the summary per organisation;
* ``rows`` gives the learners of one page (or of an export) the full learner × topic
  detail, loaded in bulk: a handful of queries whatever the number of learners.

Both decide the status with ``standings.status``, from the same facts. A learner's status
is one of:

* ``complete`` — every required topic of their track meets its completion rule
  (``course.rules.programme_complete``; a learner without a required topic
  is never complete);
* ``not_started`` — no module page ever opened, no quiz attempt (open or finished)
  and no session attended (present or late);
* ``stuck`` — neither of the above, and the latest sign of activity is more than
  ``STUCK_AFTER`` (14 days) before now. Activity is a module opened or studied, a
  quiz attempt started or submitted, or the start of a session attended;
* ``in_progress`` — everyone else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from course import rules
from course.compiled import CompiledCourse
from course.rules import Attended, History, Try
from webapp.models import (
    CERTIFICATE_VALID,
    Attempt,
    Attendance,
    Certificate,
    Group,
    GroupMember,
    ModuleProgress,
    Organisation,
    User,
    utcnow,
)
from webapp.services import completion, progress, standings
from webapp.services.standings import STUCK_AFTER, Learner, naive

PAGE_SIZE = 50

_ATTEMPT = Attempt.__table__  # type: ignore[attr-defined]
_ATTENDANCE = Attendance.__table__  # type: ignore[attr-defined]
_PROGRESS = ModuleProgress.__table__  # type: ignore[attr-defined]
_CERTIFICATE = Certificate.__table__  # type: ignore[attr-defined]
_MEMBER = GroupMember.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class TopicRow:
    topic_id: str
    title: str
    required: bool  # the topic is required for the learner (else optional)
    studied: int  # required modules studied (every module for an optional topic)
    total: int
    pretest_done: bool
    final_percent: float | None  # the final test's grade by its grading method
    final_passed: bool  # by the quiz's grading method
    hours: float  # hours of sessions attended on the topic
    certificate: str  # valid | revoked | none
    complete: bool  # the topic's completion rule is met


@dataclass(frozen=True)
class LearnerRow:
    user: User
    organisation: Organisation | None
    groups: tuple[str, ...]
    topics: tuple[TopicRow, ...]
    last_activity: datetime | None
    status: str


def _latest(moments: Iterable[datetime | None]) -> datetime | None:
    return max((naive(t) for t in moments if t is not None), default=None)


# --- Pass two: the detail of one page of learners --------------------------------------------


def rows(db: Session, course: CompiledCourse, build_dir: Path, learners: Sequence[User],
         now: datetime | None = None) -> list[LearnerRow]:
    """One row per learner, with a row per topic of their track, in course order.

    The facts of every learner are read in bulk; ``course.rules.outcome`` decides.
    """
    now = naive(now or utcnow())
    ids = [u.id for u in learners if u.id is not None]
    if not ids:
        return []
    connection = db.connection()

    def among(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        return completion.user_in(connection, column, ids)

    done: dict[int, dict[str, progress.Seen]] = defaultdict(dict)
    for uid, module_id, opened, studied in connection.execute(
            sa.select(_PROGRESS.c.user_id, _PROGRESS.c.module_id, _PROGRESS.c.last_opened_at,
                      _PROGRESS.c.studied_at).where(among(_PROGRESS.c.user_id))).all():
        done[uid][module_id] = progress.Seen(module_id, opened, studied)
    tries: dict[int, list[Try]] = defaultdict(list)
    moments: dict[int, list[datetime | None]] = defaultdict(list)
    # Only the columns the rules need (an attempt's questions and results are large).
    for uid, *row in connection.execute(
            sa.select(*completion.TRY_COLUMNS, _ATTEMPT.c.submitted_at)
            .where(among(_ATTEMPT.c.user_id))).all():
        tries[uid].append(completion.to_try(*row[:-1]))
        moments[uid] += [row[1], row[-1]]
    attended: dict[int, list[Attended]] = defaultdict(list)
    for uid, topic_id, starts, ends in connection.execute(
            completion.attended_query().where(among(_ATTENDANCE.c.user_id))).all():
        attended[uid].append(Attended(topic_id, completion.minutes(starts, ends)))
        if naive(starts) <= now:
            moments[uid].append(starts)
    certificates: dict[tuple[int, str], str] = {}
    for uid, topic_id, status in connection.execute(
            sa.select(_CERTIFICATE.c.user_id, _CERTIFICATE.c.topic_id, _CERTIFICATE.c.status)
            .where(among(_CERTIFICATE.c.user_id), _CERTIFICATE.c.kind == "topic")).all():
        key = (uid, topic_id)
        if status == CERTIFICATE_VALID or key not in certificates:
            certificates[key] = status
    organisations = {o.id: o for o in db.exec(select(Organisation))}
    groups: dict[int, list[str]] = defaultdict(list)
    for name, user_id in db.exec(select(Group.name, GroupMember.user_id)
                                 .join(GroupMember, col(GroupMember.group_id) == Group.id)
                                 .where(among(_MEMBER.c.user_id))
                                 .order_by(Group.name)):
        groups[user_id].append(name)
    gradings = completion.gradings(build_dir, course)
    audiences = {u.audience for u in learners}
    needs = {a: completion.requirements(course, a) for a in audiences}
    tracks = {a: progress.track(course, a) for a in audiences}

    result = []
    for user in learners:
        uid = user.id or 0
        records = done.get(uid, {})
        history = History(tuple(tries.get(uid, ())),
                          frozenset(m for m, r in records.items() if r.studied_at),
                          tuple(attended.get(uid, ())))
        decided = rules.outcome(needs[user.audience], history, gradings)
        by_topic = {t.topic_id: t for t in decided.topics}
        topics = []
        for item in progress.topic_progress(tracks[user.audience], records, decided):
            topic = item.track.topic
            found = by_topic[topic.id]
            topics.append(TopicRow(
                topic.id, topic.title, item.track.required, item.studied, item.total,
                item.pretest_done, item.final_percent, item.final_passed, found.hours,
                certificates.get((uid, topic.id), "none"), found.status.complete))
        moments[uid] += [t for r in records.values() for t in (r.last_opened_at, r.studied_at)]
        last = _latest(moments[uid])
        found_status = standings.status(
            decided.complete, bool(records or history.tries or history.attended),
            last is not None and now - last <= STUCK_AFTER)
        result.append(LearnerRow(user, organisations.get(user.organisation_id),
                                 tuple(groups.get(uid, [])), tuple(topics), last,
                                 found_status))
    return result


def users(db: Session, found: Sequence[Learner]) -> list[User]:
    """The learners as User objects, in the order given (for the detail rows and exports)."""
    by_id: dict[int | None, User] = {}
    wanted = [f.id for f in found]
    for start in range(0, len(wanted), 1000):
        by_id.update((u.id, u) for u in db.exec(select(User).where(
            col(User.id).in_(wanted[start:start + 1000]))))
    return [by_id[f.id] for f in found if f.id in by_id]


def group_members(db: Session, group_id: int) -> set[int]:
    """The user ids in a group."""
    return set(db.exec(select(GroupMember.user_id).where(GroupMember.group_id == group_id)))
