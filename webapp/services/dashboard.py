"""The progress dashboard: each learner × topic of their track, and a status per learner.

Who is shown follows ``statistics.visible_learners``: a trainer sees the learners
of the groups they look after, coordinators and admins every learner.

Everything is loaded in bulk for all the learners at once (progress records,
attempts, attended sessions, certificates, organisations, group names): a
handful of queries whatever the number of learners.

A learner's status is one of:

* ``complete`` — every required topic of their track meets its completion rule
  (``course.completion.programme_complete``; a learner without a required topic
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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from course.completion import Facts, checklist, programme_complete
from course.model import Quiz
from webapp.content import CompiledCourse
from webapp.models import (
    ATTENDED,
    Attempt,
    Attendance,
    Certificate,
    Group,
    GroupMember,
    ModuleProgress,
    Organisation,
    TrainingSession,
    User,
    utcnow,
)
from webapp.services import attempts as attempts_service
from webapp.services import completion, progress, sessions

STUCK_AFTER = timedelta(days=14)
STATUSES = ("not_started", "in_progress", "stuck", "complete")


@dataclass(frozen=True)
class TopicRow:
    topic_id: str
    title: str
    required: bool  # the topic is required for the learner (else optional)
    studied: int  # required modules studied (every module for an optional topic)
    total: int
    pretest_done: bool
    final_percent: float | None  # the best finished final test
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


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo else value


def rows(db: Session, course: CompiledCourse, build_dir: Path, learners: Sequence[User],
         now: datetime | None = None) -> list[LearnerRow]:
    """One row per learner, with a row per topic of their track, in course order."""
    now = _naive(now or utcnow())
    ids = [u.id for u in learners if u.id is not None]
    if not ids:
        return []
    done: dict[int, dict[str, ModuleProgress]] = defaultdict(dict)
    for record in db.exec(select(ModuleProgress).where(col(ModuleProgress.user_id).in_(ids))):
        done[record.user_id][record.module_id] = record
    tries: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in db.exec(select(Attempt).where(col(Attempt.user_id).in_(ids))
                           .order_by(col(Attempt.started_at))):
        tries[attempt.user_id].append(attempt)
    hours: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    attended: dict[int, list[datetime]] = defaultdict(list)
    for found, user_id in db.exec(
            select(TrainingSession, Attendance.user_id)
            .join(Attendance, col(Attendance.session_id) == TrainingSession.id)
            .where(col(Attendance.user_id).in_(ids), col(Attendance.status).in_(ATTENDED))):
        hours[user_id][found.topic_id] += sessions.hours(found)
        attended[user_id].append(found.starts_at)
    certificates: dict[tuple[int, str], str] = {}
    for cert in db.exec(select(Certificate).where(col(Certificate.user_id).in_(ids),
                                                  Certificate.kind == "topic")):
        key = (cert.user_id, cert.topic_id)
        if cert.status == "valid" or key not in certificates:
            certificates[key] = cert.status
    organisations = {o.id: o for o in db.exec(select(Organisation))}
    groups: dict[int, list[str]] = defaultdict(list)
    for name, user_id in db.exec(select(Group.name, GroupMember.user_id)
                                 .join(GroupMember, col(GroupMember.group_id) == Group.id)
                                 .where(col(GroupMember.user_id).in_(ids))
                                 .order_by(Group.name)):
        groups[user_id].append(name)
    finals: dict[str, Quiz | None] = {}  # each final test loaded once, for everyone
    for topic in course.topics:
        if topic.final:
            try:
                finals[topic.final] = attempts_service.load_quiz(build_dir, topic.final)
            except attempts_service.QuizError:
                finals[topic.final] = None

    result = []
    for user in learners:
        uid = user.id or 0
        history = tries.get(uid, [])
        passed = set()
        for quiz_id, quiz in finals.items():
            taken = [a for a in history if a.quiz_id == quiz_id]
            if taken and (attempts_service.quiz_result(quiz, taken)[1] if quiz is not None
                          else any(a.passed for a in taken)):
                passed.add(quiz_id)
        records = done.get(uid, {})
        facts = Facts(dict(hours.get(uid, {})),
                      frozenset(m for m, r in records.items() if r.studied_at),
                      frozenset(passed))
        tracks = progress.track(course, user.audience)
        statuses = checklist(completion.requirements(course, user.audience), facts)
        complete = {s.requirement.topic_id: s.complete for s in statuses}
        topics = []
        for item in progress.topic_progress(course, tracks, records, history):
            topic = item.track.topic
            topics.append(TopicRow(
                topic.id, topic.title, item.track.required, item.studied, item.total,
                item.pretest_done, item.final_percent, topic.final in passed,
                round(facts.attended_hours.get(topic.id, 0.0), 2),
                certificates.get((uid, topic.id), "none"), complete.get(topic.id, False)))
        moments = [t for r in records.values() for t in (r.last_opened_at, r.studied_at) if t]
        moments += [t for a in history for t in (a.started_at, a.submitted_at) if t]
        moments += [t for t in attended.get(uid, []) if _naive(t) <= now]
        last = max((_naive(t) for t in moments), default=None)
        if programme_complete(statuses):
            status = "complete"
        elif not records and not history and not attended.get(uid):
            status = "not_started"
        elif last is None or now - last > STUCK_AFTER:
            status = "stuck"
        else:
            status = "in_progress"
        result.append(LearnerRow(user, organisations.get(user.organisation_id),
                                 tuple(groups.get(uid, [])), tuple(topics), last, status))
    return result


def group_members(db: Session, group_id: int) -> set[int]:
    """The user ids in a group."""
    return set(db.exec(select(GroupMember.user_id).where(GroupMember.group_id == group_id)))
