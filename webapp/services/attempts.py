"""The quiz engine: attempts, saved answers, submission and the rules around them.

Every rule is enforced here, on the server: attempts allowed, time limits,
one open attempt per learner and quiz, one grade per attempt. Grading itself
is ``course.grading``; this module only decides *when* and stores the result.

An attempt stores a snapshot of the questions it drew (``Attempt.questions``),
so a later edit or rebuild of the quiz never changes its questions or grade.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, func, select

from course import rules
from course.attempts import Drawn, draw, to_source
from course.grading import AttemptGrade, Graded, Response, grade_attempt
from course.model import Question, Quiz
from course.questionkey import question_key
from course.rules import Try
from course.serial import question_from_dict, question_to_dict, quiz_from_dict
from webapp.models import (
    ATTEMPT_EXPIRED,
    ATTEMPT_OPEN,
    ATTEMPT_SUBMITTED,
    Answer,
    Attempt,
    QuestionScore,
    User,
    utcnow,
)
from webapp.services import xapi

# Answers that reach the server a little after the deadline (a slow phone
# network) still count; anything later is refused and the attempt is closed.
GRACE = timedelta(seconds=30)
MAX_TEXT_ANSWER = 500


class QuizError(Exception):
    """A quiz action that the rules refuse; ``code`` names the rule."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


@lru_cache(maxsize=256)
def _read_quiz(path: Path, mtime_ns: int, size: int) -> Quiz:
    return quiz_from_dict(json.loads(path.read_text(encoding="utf-8")))


def load_quiz(build_dir: Path, quiz_id: str) -> Quiz:
    """The compiled quiz with its answer key (server side only)."""
    path = build_dir / "quizzes" / f"{quiz_id}.json"
    try:
        stat = path.stat()
        return _read_quiz(path, stat.st_mtime_ns, stat.st_size)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise QuizError("no-quiz") from exc


@dataclass(frozen=True)
class Slot:
    """One question of an attempt as it was drawn."""

    question: Question
    drawn: Drawn


def slots(attempt: Attempt) -> list[Slot]:
    """The attempt's questions, from its snapshot, in display order."""
    return [Slot(question_from_dict(item["question"]),
                 Drawn(item["question"]["id"], tuple(item["order"])))
            for item in attempt.questions]


def history(db: Session, user: User, quiz_id: str) -> list[Attempt]:
    """The user's attempts at a quiz, first one first, their questions and results not read.

    The quiz's page and a review count and grade them from the small columns; the JSON
    snapshots (most of an attempt's bytes, one per try of a self-check taken many times)
    are read only if something asks for one.
    """
    return list(db.exec(_HISTORY, params={"user_id": user.id, "quiz_id": quiz_id}).all())


def open_attempt(db: Session, user: User, quiz_id: str) -> Attempt | None:
    return db.exec(_OPEN, params={"user_id": user.id, "quiz_id": quiz_id}).first()


# The queries of every quiz page, built once: building a statement (and its cache key) on
# each request cost more CPU than running it (bench/load.py). Parameters: user_id, quiz_id.
_MINE = (col(Attempt.user_id) == bindparam("user_id"),
         col(Attempt.quiz_id) == bindparam("quiz_id"))
_HISTORY = select(Attempt).where(*_MINE).order_by(col(Attempt.number)).options(
    defer(Attempt.questions), defer(Attempt.results))  # type: ignore[arg-type]
_OPEN = select(Attempt).where(*_MINE, col(Attempt.state) == ATTEMPT_OPEN)
_TAKEN = select(func.count()).select_from(Attempt).where(*_MINE)
_OVERDUE = select(Attempt).where(col(Attempt.user_id) == bindparam("user_id"),
                                 col(Attempt.state) == ATTEMPT_OPEN,
                                 col(Attempt.deadline_at).is_not(None))
_OVERDUE_AT = _OVERDUE.where(col(Attempt.quiz_id) == bindparam("quiz_id"))
_ANSWERS = select(Answer).where(col(Answer.attempt_id) == bindparam("attempt_id"))


def attempts_left(quiz: Quiz, attempts: list[Attempt]) -> int | None:
    """How many more attempts may start (None: unlimited)."""
    if not quiz.attempts:
        return None
    return max(0, quiz.attempts - len(attempts))


def start(db: Session, user: User, quiz: Quiz, now: datetime | None = None) -> Attempt:
    """Resume the open attempt, or start a new one if the rules allow it."""
    now = now or utcnow()
    expire_overdue(db, user, quiz.id, now)
    current = open_attempt(db, user, quiz.id)
    if current is not None:
        return current
    taken = db.exec(_TAKEN, params={"user_id": user.id, "quiz_id": quiz.id}).one()
    if quiz.attempts and taken >= quiz.attempts:
        raise QuizError("no-attempts-left")
    seed = secrets.token_hex(8)
    plan = draw(quiz, seed)
    by_id = {q.id: q for q in quiz.questions}
    assert user.id is not None  # a signed-in user is a saved row
    attempt = Attempt(
        user_id=user.id, quiz_id=quiz.id, quiz_version=quiz.version, topic_id=quiz.topic,
        kind=quiz.kind, number=taken + 1, seed=seed, pass_mark=quiz.pass_mark, started_at=now,
        deadline_at=now + timedelta(minutes=quiz.time_limit) if quiz.time_limit else None,
        questions=[{"question": question_to_dict(by_id[d.id]), "order": list(d.order)}
                   for d in plan.questions])
    db.add(attempt)
    try:
        db.commit()
    except IntegrityError:  # another tab started one a moment ago: use that one
        db.rollback()
        current = open_attempt(db, user, quiz.id)
        if current is None:
            raise
        return current
    return attempt


def saved_responses(db: Session, attempt: Attempt) -> dict[str, Response]:
    """The attempt's saved responses by question id, in source order."""
    answers = db.exec(_ANSWERS, params={"attempt_id": attempt.id}).all()
    return {a.question_id: decode(a.response) for a in answers}


def save(db: Session, attempt: Attempt, display: Mapping[str, Response],
         now: datetime | None = None) -> int:
    """Save responses given in display positions; return how many were saved."""
    now = now or utcnow()
    _ensure_open(db, attempt, now)
    _hold(db, attempt)
    saved, _responses = _write(db, attempt, display, now)
    db.commit()
    return saved


def _hold(db: Session, attempt: Attempt) -> None:
    """Hold the open attempt's row for this transaction, or raise ``closed``.

    A submit or expiry running at the same moment either closes the attempt
    before we write (we refuse) or waits until we are done (and grades what we
    wrote). Either way the grade matches the stored answers.
    """
    held = db.exec(update(Attempt).where(col(Attempt.id) == attempt.id,
                                         col(Attempt.state) == ATTEMPT_OPEN)
                   .values(state=ATTEMPT_OPEN))
    if held.rowcount == 0:
        db.rollback()
        db.refresh(attempt)
        raise QuizError("closed")


def _write(db: Session, attempt: Attempt, display: Mapping[str, Response],
           now: datetime) -> tuple[int, dict[str, Response]]:
    """Write the usable responses (not committed); return how many, and every response
    the attempt now has, in source order — what grading reads."""
    by_id = {s.question.id: s for s in slots(attempt)}
    stored = {a.question_id: a for a in db.exec(
        _ANSWERS, params={"attempt_id": attempt.id}).all()}
    responses = {question_id: decode(a.response) for question_id, a in stored.items()}
    saved = 0
    for question_id, response in display.items():
        slot = by_id.get(question_id)
        source = to_source(slot.question, slot.drawn, response) if slot else None
        if slot is None or source is None:
            continue  # unknown question, or nothing usable: keep what was saved before
        if isinstance(source, str):
            source = source[:MAX_TEXT_ANSWER]
        value = encode(source)
        answer = stored.get(question_id)
        if answer is None:
            assert attempt.id is not None  # answers are saved to an attempt already stored
            answer = Answer(attempt_id=attempt.id, question_id=question_id)
        answer.response, answer.saved_at = value, now
        db.add(answer)
        responses[question_id] = decode(value)
        saved += 1
    return saved, responses


def _ensure_open(db: Session, attempt: Attempt, now: datetime) -> None:
    if attempt.state != ATTEMPT_OPEN:
        raise QuizError("closed")
    if attempt.deadline_at is not None and now > attempt.deadline_at + GRACE:
        finish(db, attempt, ATTEMPT_EXPIRED, now)
        raise QuizError("time-up")


def submit(db: Session, attempt: Attempt, display: Mapping[str, Response],
           now: datetime | None = None) -> Attempt:
    """Save the last responses and grade the attempt, once; a repeated submit is harmless.

    One transaction: hold the row, write the answers, close and grade with the
    responses just written, commit.
    """
    now = now or utcnow()
    if attempt.state != ATTEMPT_OPEN:
        return attempt
    try:
        _ensure_open(db, attempt, now)
        _hold(db, attempt)
    except QuizError:
        db.refresh(attempt)
        return attempt
    _saved, responses = _write(db, attempt, display, now)
    db.flush()
    return _close(db, attempt, ATTEMPT_SUBMITTED, now, responses)


def finish(db: Session, attempt: Attempt, state: str, now: datetime) -> Attempt:
    """Close the attempt and grade it with what was saved — exactly once, even in a race."""
    return _close(db, attempt, state, now, None)


def _close(db: Session, attempt: Attempt, state: str, now: datetime,
           responses: dict[str, Response] | None) -> Attempt:
    """Close and grade; ``responses`` are the saved ones when this transaction just wrote them."""
    closed = db.exec(update(Attempt).where(col(Attempt.id) == attempt.id,
                                           col(Attempt.state) == ATTEMPT_OPEN)
                     .values(state=state, submitted_at=now))
    if closed.rowcount == 0:
        # Another request closed it first: its grade is the one grade.
        db.rollback()
        db.refresh(attempt)
        return attempt
    # Closed in this transaction, so no save can slip in between reading and grading.
    questions, result = _grade(attempt, saved_responses(db, attempt) if responses is None
                               else responses)
    values: dict[str, Any] = {
        "state": state, "submitted_at": now, "score": result.score, "points": result.points,
        "percent": result.percent, "passed": result.percent >= attempt.pass_mark,
        "results": [_result_json(r) for r in result.results]}
    db.exec(update(Attempt).where(col(Attempt.id) == attempt.id).values(
        {k: v for k, v in values.items() if k not in ("state", "submitted_at")}))
    scored = [{"attempt_id": attempt.id, "position": position, "question_id": question.id,
               "question_key": question_key(question), "score": graded.score,
               "points": graded.points}
              for position, (question, graded) in enumerate(zip(questions, result.results,
                                                                strict=True))]
    if scored:  # what the quiz statistics read (webapp.services.statistics)
        db.connection().execute(insert(QuestionScore.__table__), scored)  # type: ignore[attr-defined]
    xapi.quiz_finished(db, attempt, score=result.score, points=result.points,
                       passed=values["passed"], submitted_at=now)
    db.commit()
    for name, value in values.items():  # the row as committed, without reading it back
        set_committed_value(attempt, name, value)
    return attempt


def grade_saved(db: Session, attempt: Attempt) -> AttemptGrade:
    """Grade the attempt's snapshot questions against its saved responses."""
    return _grade(attempt, saved_responses(db, attempt))[1]


def _grade(attempt: Attempt, responses: Mapping[str, Response]
           ) -> tuple[list[Question], AttemptGrade]:
    """The attempt's questions (display order) and their grade against ``responses``."""
    questions = [s.question for s in slots(attempt)]
    return questions, grade_attempt(questions, [responses.get(q.id) for q in questions])


def expire_overdue(db: Session, user: User, quiz_id: str | None = None,
                   now: datetime | None = None) -> None:
    """Close and grade the user's open attempts whose time ran out."""
    now = now or utcnow()
    found = (db.exec(_OVERDUE, params={"user_id": user.id}) if quiz_id is None
             else db.exec(_OVERDUE_AT, params={"user_id": user.id, "quiz_id": quiz_id}))
    for attempt in found.all():
        assert attempt.deadline_at is not None
        if now > attempt.deadline_at + GRACE:
            finish(db, attempt, ATTEMPT_EXPIRED, now)


def fact(attempt: Attempt) -> Try:
    """The attempt as ``course.rules`` reads it."""
    return Try(attempt.quiz_id, attempt.started_at, attempt.number, attempt.percent,
               attempt.pass_mark, attempt.passed, attempt.state != ATTEMPT_OPEN)


def quiz_result(quiz: Quiz, attempts: list[Attempt]) -> tuple[float | None, bool]:
    """The learner's grade for the quiz and whether it passes (``course.rules.quiz_result``)."""
    result = rules.quiz_result(quiz.grading, [fact(a) for a in attempts])
    return result.grade, result.passed


def review_items(quiz: Quiz, attempts: list[Attempt]) -> tuple[str, ...]:
    """What the learner may see of a finished attempt under the quiz's review policy."""
    return quiz.review.items(quiz.attempts, len(attempts),
                             any(a.state == ATTEMPT_OPEN for a in attempts))


def encode(response: Response) -> Any:
    """A source-order response as JSON (sets become sorted lists, dict keys text)."""
    if isinstance(response, set | frozenset):
        return sorted(response)
    if isinstance(response, dict):
        return {str(k): v for k, v in response.items()}
    return response


def decode(value: Any) -> Response:
    """The inverse of ``encode`` (the question type decides what lists mean)."""
    if isinstance(value, dict):
        return {int(k): v for k, v in value.items() if str(k).isdigit()}
    return value


def _result_json(result: Graded) -> dict[str, Any]:
    return {"score": result.score, "points": result.points, "state": result.state,
            "feedback": list(result.feedback), "marks": list(result.marks)}
