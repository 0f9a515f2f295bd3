"""A learner's outcomes: facts from the database, decisions from ``course.rules``.

This module only gathers; ``course.rules`` decides. The bulk reports
(``standings``, ``dashboard``, ``report_stages``) gather the same facts for
many learners at once and hand them to the same rules.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlmodel import Session

from course import rules
from course.compiled import CompiledCourse
from course.model import Grading
from course.rules import Attended, History, Outcome, Requirement, Try
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


@functools.cache
def _history_queries() -> tuple[sa.Select[Any], sa.Select[Any], sa.Select[Any]]:
    """history's three queries, built once: the home page and every review page run them,
    and building a statement (and its cache key) each time cost more than running it."""
    user_id: sa.BindParameter[int] = sa.bindparam("user_id")
    return (sa.select(*TRY_COLUMNS).where(_ATTEMPT.c.user_id == user_id),
            sa.select(_PROGRESS.c.module_id).where(_PROGRESS.c.user_id == user_id,
                                                   _PROGRESS.c.studied_at.is_not(None)),
            attended_query().where(_ATTENDANCE.c.user_id == user_id))


def history(db: Session, user: User) -> History:
    """What the learner has done: attempts, modules studied, sessions attended."""
    connection = db.connection()
    tried, studied_query, attended_of = _history_queries()
    who = {"user_id": user.id}
    tries = tuple(to_try(*row[1:]) for row in connection.execute(tried, who))
    studied = frozenset(m for (m,) in connection.execute(studied_query, who))
    attended = tuple(Attended(topic_id, minutes(starts, ends))
                     for _u, topic_id, starts, ends in connection.execute(attended_of, who))
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


def _finished(quizzes: Iterable[str], conditions: Sequence[Any], until: datetime | None
              ) -> list[Any]:
    """Where-conditions for the finished attempts at ``quizzes`` (and ``conditions``),
    finished before ``until`` if it is given."""
    quiz: Any = _ATTEMPT.c.quiz_id
    found = [_ATTEMPT.c.state != ATTEMPT_OPEN, _ATTEMPT.c.percent.is_not(None), *conditions]
    if until is not None:
        found.append(sa.func.coalesce(_ATTEMPT.c.submitted_at, _ATTEMPT.c.started_at) < until)
        # Only ix_attempt_user_progress holds submitted_at; ``coalesce`` (quiz_id is never
        # null) keeps SQLite off ix_attempt_quiz_scores, which would make it read each
        # attempt's row, past its large questions JSON. Without a time cut that index is
        # the cheaper read (a third of the time on SQLite, a quarter on PostgreSQL).
        quiz = sa.func.coalesce(_ATTEMPT.c.quiz_id, "")
    return [quiz.in_(sorted(quizzes)), *found]


def best_query(connection: sa.Connection, finals: Iterable[str], *conditions: Any,
               until: datetime | None = None) -> sa.Select[Any]:
    """The finished attempts at ``finals`` summed up per learner and quiz as ``rules.Best``
    (``conditions`` narrow the attempts; ``until``: only those finished before it), then
    grouped: one row per quiz and distinct sums — quiz id, best percent, lowest and
    highest pass mark — with the learners who have them (``ids_of`` reads them). At
    10,000 learners that is some 700 rows for 8,500 learners' sums: the rules decide once
    per row, and no row is made per learner.
    """
    sums = (sa.select(_ATTEMPT.c.user_id.label("uid"), _ATTEMPT.c.quiz_id.label("quiz"),
                      sa.func.max(_ATTEMPT.c.percent).label("best"),
                      sa.func.min(_ATTEMPT.c.pass_mark).label("low"),
                      sa.func.max(_ATTEMPT.c.pass_mark).label("high"))
            .where(*_finished(finals, conditions, until))
            .group_by(_ATTEMPT.c.user_id, _ATTEMPT.c.quiz_id).subquery())
    return (sa.select(sums.c.quiz, sums.c.best, sums.c.low, sums.c.high,
                      _ids(connection, sums.c.uid))
            .group_by(sums.c.quiz, sums.c.best, sums.c.low, sums.c.high))


def _ids(connection: sa.Connection, column: Any) -> Any:
    """An aggregate of user ids: an array on PostgreSQL, a comma-joined text on SQLite."""
    if connection.dialect.name == "postgresql":
        return sa.func.array_agg(column)
    return sa.func.group_concat(column, ",")


def ids_of(value: Sequence[int] | str) -> Sequence[int]:
    """The user ids of an ``_ids`` aggregate, as read back."""
    return [int(uid) for uid in value.split(",")] if isinstance(value, str) else value


def passed_in_bulk(connection: sa.Connection, finals: Mapping[str, Grading | None],
                   *conditions: Any, until: datetime | None = None) -> dict[int, frozenset[str]]:
    """Per learner, the quizzes of ``finals`` passed (``conditions`` narrow the attempts;
    ``until``: only those finished before it).

    The database sums each learner's finished attempts at each quiz up and groups the
    learners by their sums (``best_query``); ``passed_of_best`` hands them to the rules.
    """
    rows = connection.execute(best_query(connection, finals, *conditions, until=until)).all()
    return passed_of_best(connection, finals, rows, *conditions, until=until)


def passed_of_best(connection: sa.Connection, finals: Mapping[str, Grading | None],
                   rows: Iterable[Sequence[Any]], *conditions: Any,
                   until: datetime | None = None) -> dict[int, frozenset[str]]:
    """Per learner, the quizzes passed, from ``best_query``'s rows (read with the same
    ``conditions`` and ``until``).

    ``rules.passes_by_best`` decides from each row's sums; where it needs the attempts
    themselves (it says None), those are read, and ``rules.quiz_result`` decides.
    Learners who passed the same quizzes share one frozenset (``rules.Checklists`` then
    hashes it once).
    """
    passes = rules.passes_by_best
    passed: dict[str, set[int]] = defaultdict(set)  # by quiz
    unsure: set[tuple[int, str]] = set()
    for quiz_id, best, low, high, uids in rows:
        verdict = passes(finals[quiz_id], best, low, high)
        if verdict:
            passed[quiz_id].update(ids_of(uids))
        elif verdict is None:
            unsure.update((uid, quiz_id) for uid in ids_of(uids))
    if unsure:
        tries: dict[tuple[int, str], list[Try]] = defaultdict(list)
        users = sorted({uid for uid, _q in unsure})
        query = sa.select(*TRY_COLUMNS).where(
            *_finished({q for _u, q in unsure}, conditions, until))
        if len(users) <= 1000:
            query = query.where(user_in(connection, _ATTEMPT.c.user_id, users))
        for uid, *row in connection.execute(query).all():
            if (uid, row[0]) in unsure:
                tries[(uid, row[0])].append(to_try(*row))
        for (uid, quiz_id), taken in tries.items():
            if rules.quiz_result(finals[quiz_id], taken).passed:
                passed[quiz_id].add(uid)
    # The learners split by the quizzes they passed, with set operations rather than a
    # step per learner: at most one group per combination of quizzes.
    groups: dict[frozenset[str], set[int]] = {frozenset(): set().union(*passed.values())}
    for quiz_id, ids in passed.items():
        split: dict[frozenset[str], set[int]] = {}
        for quizzes, members in groups.items():
            if inside := members & ids:
                split[quizzes | {quiz_id}] = inside
            if outside := members - ids:
                split[quizzes] = outside
        groups = split
    found: dict[int, frozenset[str]] = {}
    for quizzes, members in groups.items():
        found.update(dict.fromkeys(members, quizzes))
    return found


def user_in(connection: sa.Connection, column: sa.ColumnElement[Any], ids: Sequence[int]
            ) -> sa.ColumnElement[bool]:
    """``column IN ids`` for up to a thousand user ids, as cheaply as the database allows.

    PostgreSQL takes them as one array (``= ANY``): an IN list of 900 ids costs the
    app about four times the CPU (each a bound parameter, compiled and sent). SQLite
    takes the plain list.
    """
    if connection.dialect.name == "postgresql":
        return column == sa.func.any(sa.bindparam(None, list(ids), type_=ARRAY(sa.Integer)))
    return column.in_(ids)


def studied_in_bulk(connection: sa.Connection, modules: Sequence[str],
                    *conditions: Any) -> dict[int, frozenset[str]]:
    """Per learner, which of ``modules`` they marked studied (``conditions`` narrow the rows).

    The database joins each learner's module ids (ids never hold a comma), then groups
    the learners who studied the same modules (most of a programme's learners follow the
    same order): one row per distinct set with its learners' ids, so each set is made
    once, and shared.
    """
    postgresql = connection.dialect.name == "postgresql"
    # ``coalesce`` (module_id is never null): given learners, SQLite then reads each one's
    # rows in order instead of probing every (learner, module) pair; half the time.
    module = sa.func.coalesce(_PROGRESS.c.module_id, "")
    # In one order, so that learners who studied the same modules get the same text:
    # PostgreSQL is told; SQLite (before 3.44 it cannot be told) joins them in the order
    # it reads a learner's rows, which is theirs.
    joined = (sa.func.string_agg(_PROGRESS.c.module_id,
                                 aggregate_order_by(sa.literal_column("','"),
                                                    _PROGRESS.c.module_id))
              if postgresql else sa.func.group_concat(_PROGRESS.c.module_id, ","))
    per_learner = (sa.select(_PROGRESS.c.user_id.label("uid"), joined.label("studied"))
                   .where(_PROGRESS.c.studied_at.is_not(None), module.in_(modules), *conditions)
                   .group_by(_PROGRESS.c.user_id).subquery())
    learners = (sa.func.array_agg(per_learner.c.uid) if postgresql
                else sa.func.group_concat(per_learner.c.uid, ","))
    shared: dict[frozenset[str], frozenset[str]] = {}
    found: dict[int, frozenset[str]] = {}
    for text, uids in connection.execute(
            sa.select(per_learner.c.studied, learners).group_by(per_learner.c.studied)).all():
        made = frozenset(text.split(","))
        studied = shared.setdefault(made, made)
        found.update(dict.fromkeys(uids if postgresql else map(int, uids.split(",")), studied))
    return found
