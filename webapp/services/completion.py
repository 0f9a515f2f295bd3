"""A learner's outcomes: facts from the database, decisions from ``course.rules``.

This module only gathers; ``course.rules`` decides. The bulk reports
(``standings``, ``dashboard``, ``report_stages``) gather the same facts for
many learners at once and hand them to the same rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from course import rules
from course.compiled import CompiledCourse
from course.model import Grading
from course.rules import Attended, Best, History, Outcome, Requirement, Try
from webapp.models import (
    ATTEMPT_OPEN,
    ATTENDED,
    Attempt,
    Attendance,
    ModuleProgress,
    TrainingSession,
    User,
)
from webapp.services import attempts, progress

_ATTEMPT = Attempt.__table__  # type: ignore[attr-defined]
_PROGRESS = ModuleProgress.__table__  # type: ignore[attr-defined]
_ATTENDANCE = Attendance.__table__  # type: ignore[attr-defined]
_SESSION = TrainingSession.__table__  # type: ignore[attr-defined]

# What the rules read of an attempt, of a session attended: narrow columns, no ORM object.
TRY_COLUMNS = (_ATTEMPT.c.user_id, _ATTEMPT.c.quiz_id, _ATTEMPT.c.started_at, _ATTEMPT.c.number,
               _ATTEMPT.c.percent, _ATTEMPT.c.pass_mark, _ATTEMPT.c.passed, _ATTEMPT.c.state)
ATTENDED_COLUMNS = (_ATTENDANCE.c.user_id, _SESSION.c.topic_id, _SESSION.c.starts_at,
                    _SESSION.c.ends_at)


def to_try(quiz_id: str, started_at: datetime, number: int, percent: float | None,
           pass_mark: float, passed: bool | None, state: str) -> Try:
    """An attempt's columns (``TRY_COLUMNS`` after the user id) as the rules' fact."""
    return Try(quiz_id, started_at, number, percent, pass_mark, passed, state != ATTEMPT_OPEN)


def minutes(starts_at: datetime, ends_at: datetime) -> float:
    """A session's length in minutes."""
    return (ends_at - starts_at).total_seconds() / 60


def attended_query() -> sa.Select[Any]:
    """The sessions attended (present or late): ``ATTENDED_COLUMNS``."""
    return sa.select(*ATTENDED_COLUMNS).join(
        _SESSION, _SESSION.c.id == _ATTENDANCE.c.session_id).where(
        _ATTENDANCE.c.status.in_(ATTENDED))


def gradings(build_dir: Path, course: CompiledCourse) -> dict[str, Grading | None]:
    """The grading method of every pre-test and final test (None: gone from the build)."""
    found: dict[str, Grading | None] = {}
    for topic in course.topics:
        for quiz_id in (topic.pretest, topic.final):
            if quiz_id and quiz_id not in found:
                try:
                    found[quiz_id] = attempts.load_quiz(build_dir, quiz_id).grading
                except attempts.QuizError:  # the quiz left the course: its passes still stand
                    found[quiz_id] = None
    return found


def requirements(course: CompiledCourse, audience: str | None) -> list[Requirement]:
    """What each topic of the learner's track asks of them, under the current rules."""
    return [rules.requirement(item.topic.id, item.topic.rule_for(audience),
                              [m.id for m in item.modules], item.required_modules,
                              item.topic.final, item.required, item.topic.pretest)
            for item in progress.track(course, audience)]


def history(db: Session, user: User) -> History:
    """What the learner has done: attempts, modules studied, sessions attended."""
    connection = db.connection()
    tries = tuple(to_try(*row[1:]) for row in connection.execute(
        sa.select(*TRY_COLUMNS).where(_ATTEMPT.c.user_id == user.id)))
    studied = frozenset(m for (m,) in connection.execute(
        sa.select(_PROGRESS.c.module_id).where(_PROGRESS.c.user_id == user.id,
                                               _PROGRESS.c.studied_at.is_not(None))))
    attended = tuple(Attended(topic_id, minutes(starts, ends))
                     for _u, topic_id, starts, ends in connection.execute(
                         attended_query().where(_ATTENDANCE.c.user_id == user.id)))
    return History(tries, studied, attended)


def outcome(db: Session, user: User, course: CompiledCourse, build_dir: Path) -> Outcome:
    """Everything decided about the learner: checklist, progress and tests of each topic."""
    return rules.outcome(requirements(course, user.audience), history(db, user),
                         gradings(build_dir, course))


def statuses(db: Session, user: User, course: CompiledCourse,
             build_dir: Path) -> list[rules.TopicStatus]:
    """The learner's checklist for every topic of their track."""
    return outcome(db, user, course, build_dir).statuses


# --- In bulk: the same facts for thousands of learners, for the reports -----------------------


def passed_in_bulk(connection: sa.Connection, finals: Mapping[str, Grading | None],
                   *conditions: Any) -> dict[int, frozenset[str]]:
    """Per learner, the quizzes of ``finals`` passed (``conditions`` narrow the attempts).

    The database sums each learner's finished attempts at each quiz up (``rules.Best``);
    where the rules need the attempts themselves (``rules.result_of_best`` is None),
    those are read, and ``rules.quiz_result`` decides.
    """
    finished = (_ATTEMPT.c.state != ATTEMPT_OPEN, _ATTEMPT.c.percent.is_not(None), *conditions)
    # ``coalesce`` (quiz_id is never null) keeps SQLite off the index that starts with
    # quiz_id: that one would make it read each attempt's row, past its large questions
    # JSON; this way it scans the covering ix_attempt_user_progress in order.
    quiz = sa.func.coalesce(_ATTEMPT.c.quiz_id, "")
    passed: dict[int, set[str]] = defaultdict(set)
    unsure: set[tuple[int, str]] = set()
    for uid, quiz_id, best, low, high in connection.execute(
            sa.select(_ATTEMPT.c.user_id, _ATTEMPT.c.quiz_id, sa.func.max(_ATTEMPT.c.percent),
                      sa.func.min(_ATTEMPT.c.pass_mark), sa.func.max(_ATTEMPT.c.pass_mark))
            .where(quiz.in_(sorted(finals)), *finished)
            .group_by(_ATTEMPT.c.user_id, _ATTEMPT.c.quiz_id)
            # Only the facts that can matter: an attempt that reached no pass mark at all
            # passes by no grading method (the best one is below every mark), so those
            # learners are not read (tests/webapp/test_outcomes_agree.py holds this equal).
            .having(sa.func.max(_ATTEMPT.c.percent) >= sa.func.min(_ATTEMPT.c.pass_mark))):
        result = rules.result_of_best(finals[quiz_id], Best(best, low, high))
        if result is None:
            unsure.add((uid, quiz_id))
        elif result.passed:
            passed[uid].add(quiz_id)
    if unsure:
        tries: dict[tuple[int, str], list[Try]] = defaultdict(list)
        users = sorted({uid for uid, _q in unsure})
        query = sa.select(*TRY_COLUMNS).where(
            quiz.in_(sorted({q for _u, q in unsure})), *finished)
        if len(users) <= 1000:
            query = query.where(_ATTEMPT.c.user_id.in_(users))
        for uid, *row in connection.execute(query):
            if (uid, row[0]) in unsure:
                tries[(uid, row[0])].append(to_try(*row))
        for (uid, quiz_id), taken in tries.items():
            if rules.quiz_result(finals[quiz_id], taken).passed:
                passed[uid].add(quiz_id)
    return {uid: frozenset(quizzes) for uid, quizzes in passed.items()}


def studied_in_bulk(connection: sa.Connection, modules: Sequence[str],
                    *conditions: Any) -> dict[int, frozenset[str]]:
    """Per learner, which of ``modules`` they marked studied (``conditions`` narrow the rows).

    One row per learner, the module ids joined by the database (ids never hold a comma).
    """
    joined = (sa.func.string_agg(_PROGRESS.c.module_id, ",")
              if connection.dialect.name == "postgresql"
              else sa.func.group_concat(_PROGRESS.c.module_id, ","))
    return {uid: frozenset(found.split(",")) for uid, found in connection.execute(
        sa.select(_PROGRESS.c.user_id, joined)
        .where(_PROGRESS.c.studied_at.is_not(None), _PROGRESS.c.module_id.in_(modules),
               *conditions)
        .group_by(_PROGRESS.c.user_id))}
