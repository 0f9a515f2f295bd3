"""Who reached each stage of the learners' funnel by a date, in a few aggregate queries.

The stages follow the app's own rules: attendance counts ``ATTENDED`` marks; a
track's required modules and final tests come from ``completion.requirements``;
a final test is passed by the quiz's grading method against the pass mark of the
latest finished attempt (``attempts.quiz_result``); a programme certificate is the
one issued when the whole track is complete. Each function returns user ids; no
query runs per learner and no attempt's questions or answers are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import case, func, or_
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from course.model import Quiz
from webapp.content import CompiledCourse
from webapp.models import (
    ATTENDED,
    Attempt,
    Attendance,
    Certificate,
    ModuleProgress,
    TrainingSession,
)
from webapp.services import attempts as attempts_service
from webapp.services import completion
from webapp.services.certificates import PROGRAMME


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


@dataclass(frozen=True)
class Track:
    required: bool  # the audience has a required topic at all
    modules: frozenset[str]
    finals: frozenset[str]


def tracks_of(course: CompiledCourse, audiences: Iterable[str]) -> dict[str, Track]:
    """What each audience's track requires, under the course's completion rules."""
    found = {}
    for audience in audiences:
        needs = [r for r in completion.requirements(course, audience) if r.required]
        found[audience] = Track(bool(needs),
                                frozenset(m for r in needs for m in r.modules_needed),
                                frozenset(r.final_quiz for r in needs if r.final_quiz))
    return found


def studied(db: Session, audiences: Mapping[int, str], tracks: dict[str, Track],
            high: datetime | None) -> set[int]:
    """The learners who studied every required module of their track, by the end date."""
    sharing: dict[frozenset[str], list[str]] = defaultdict(list)  # modules → audiences
    for audience, track in tracks.items():
        if track.required:
            sharing[track.modules].append(audience)
    done: dict[str, set[int] | None] = {}  # None: the track requires no module at all
    # One query per distinct set of modules (audiences often share one), no join: cheap.
    for modules, names in sharing.items():
        ids: set[int] | None = None
        if modules:
            query = (select(ModuleProgress.user_id)
                     .where(col(ModuleProgress.studied_at).is_not(None),
                            *in_period(col(ModuleProgress.studied_at), None, high),
                            col(ModuleProgress.module_id).in_(sorted(modules)))
                     .group_by(col(ModuleProgress.user_id))
                     # (user_id, module_id) is unique: a plain count is a distinct one.
                     .having(func.count() == len(modules)))
            ids = {uid for (uid,) in rows(db, query)}
        for name in names:
            done[name] = ids
    return {uid for uid, audience in audiences.items() if audience in done
            and ((ids := done[audience]) is None or uid in ids)}


def _finished(high: datetime | None) -> list[Any]:
    return [Attempt.state != "open", col(Attempt.percent).is_not(None),
            *in_period(func.coalesce(Attempt.submitted_at, Attempt.started_at), None, high)]


def _passed_exactly(db: Session, quiz: Quiz, high: datetime | None,
                    users: set[int] | None) -> set[int]:
    """Decide attempt by attempt (first/last grading, or a pass mark that changed)."""
    query = (select(Attempt).options(defer(Attempt.questions), defer(Attempt.results))  # type: ignore[arg-type]
             .where(Attempt.quiz_id == quiz.id, *_finished(high))
             .order_by(col(Attempt.user_id), col(Attempt.started_at), col(Attempt.id)))
    if users is not None:
        query = query.where(col(Attempt.user_id).in_(sorted(users)))
    tries: dict[int, list[Attempt]] = defaultdict(list)
    for attempt in db.exec(query):
        tries[attempt.user_id].append(attempt)
    return {uid for uid, taken in tries.items()
            if attempts_service.quiz_result(quiz, taken)[1]}


def _passed_by_quiz(db: Session, build_dir: Path, finals: Sequence[str],
                    high: datetime | None) -> dict[str, set[int]]:
    """For each final test, the learners who passed it by its grading method, by the end date."""
    found: dict[str, set[int]] = {quiz_id: set() for quiz_id in finals}
    graded: dict[str, Quiz] = {}
    for quiz_id in finals:
        try:
            graded[quiz_id] = attempts_service.load_quiz(build_dir, quiz_id)
        except attempts_service.QuizError:  # the quiz left the course: its passes still stand
            pass
    gone = [q for q in finals if q not in graded]
    if gone:
        for uid, quiz_id in rows(db, select(Attempt.user_id, Attempt.quiz_id).distinct().where(
                col(Attempt.quiz_id).in_(gone), col(Attempt.passed).is_(True),
                *_finished(high))):
            found[quiz_id].add(uid)
    simple = [q for q, quiz in graded.items() if quiz.grading in ("highest", "mean")]
    for quiz_id in graded:
        if quiz_id not in simple:  # first or last attempt: decided attempt by attempt
            found[quiz_id] = _passed_exactly(db, graded[quiz_id], high, None)
    if not simple:
        return found
    # One pass over the attempts for every final graded by the best or the mean result.
    means = [q for q in simple if graded[q].grading == "mean"]
    grade: Any = func.max(Attempt.percent)
    if means:  # the mean is rounded to 2 places before it is compared
        grade = case((col(Attempt.quiz_id).in_(means), func.avg(Attempt.percent) + 0.005),
                     else_=func.max(Attempt.percent))
    same_mark = func.min(Attempt.pass_mark) == func.max(Attempt.pass_mark)
    # ``coalesce`` (quiz_id is never null) keeps SQLite off the index that starts with
    # quiz_id: that one would make it read each attempt's row, past its large questions
    # JSON, for the pass mark and dates; this way it scans the covering
    # ix_attempt_user_progress (user, quiz, times, state, percent, pass mark) in order.
    query = (select(Attempt.user_id, Attempt.quiz_id, same_mark)
             .where(func.coalesce(Attempt.quiz_id, "").in_(simple), *_finished(high))
             .group_by(col(Attempt.user_id), col(Attempt.quiz_id))
             .having(or_(~same_mark, grade >= func.max(Attempt.pass_mark))))
    changed: dict[str, set[int]] = defaultdict(set)
    for uid, quiz_id, same in rows(db, query):
        if same:
            found[quiz_id].add(uid)
        else:  # the pass mark changed between the learner's attempts: the latest decides
            changed[quiz_id].add(uid)
    for quiz_id, users in changed.items():
        found[quiz_id] |= _passed_exactly(db, graded[quiz_id], high, users)
    return found


def passed(db: Session, build_dir: Path, audiences: Mapping[int, str],
           tracks: dict[str, Track], high: datetime | None) -> set[int]:
    """The learners who passed every required final test of their track, by the end date."""
    finals = sorted({q for t in tracks.values() for q in t.finals})
    by_quiz = _passed_by_quiz(db, build_dir, finals, high)
    return {uid for uid, audience in audiences.items()
            if (track := tracks.get(audience)) and track.required
            and all(uid in by_quiz[q] for q in track.finals)}


def certified(db: Session, high: datetime | None) -> set[int]:
    """The users holding a valid programme certificate issued before ``high``."""
    return {uid for (uid,) in rows(db, select(Certificate.user_id).distinct().where(
        Certificate.kind == PROGRAMME, Certificate.status == "valid",
        *in_period(col(Certificate.issued_at), None, high)))}
