"""Spaced review between sessions (issue 18 item 3): FSRS cards of the self-check questions.

Which questions: every question of the self-check (``kind: self-check``) of each module the
learner has *studied* — marked studied at the module's end (``module_progress.studied_at``,
the same "studied" every completion rule counts). A module only opened is not reviewed: its
self-check may not have been met yet.

Cards are made lazily, when the home page or the review page counts them (``sync``: two
light queries when nothing changed). A question is known by its quiz, id and the
fingerprint of its key (``course.questionkey.question_key``): when an author changes what a
question grades, its card is retired and a new one starts; the other questions of the quiz
keep theirs. A new card is due ``FIRST_REVIEW`` after the module was studied: the
self-check has just been taken then, and the review is for the days between sessions.

The schedule is the ``fsrs`` package's (``SCHEDULER``: default parameters, no fuzzing, so a
date can be checked against the package). The rating: the learner chooses one after seeing
the result; if they go on without choosing, ``derived_rating`` gives it from correctness and
time. Either way the card moves as ``Scheduler.review_card`` says at the time of the answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fsrs import Card, Rating, Scheduler, State
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from course.attempts import Drawn, draw
from course.compiled import CompiledCourse
from course.grading import Graded, Response, grade
from course.model import Question, Quiz
from course.questionkey import question_key
from webapp.models import (
    GroupMember,
    ModuleProgress,
    ReviewCard,
    ReviewLog,
    User,
    utcnow,
)
from webapp.services.attempts import QuizError, decode, encode, load_quiz

SCHEDULER = Scheduler(enable_fuzzing=False)
FIRST_REVIEW = timedelta(days=1)
BATCH_SIZES = (5, 20)
# Derived ratings: a right answer this quick was easy, this slow hard.
EASY_WITHIN = timedelta(seconds=10)
HARD_AFTER = timedelta(seconds=60)
MAX_DURATION = timedelta(minutes=30)  # a tab left open is not half an hour of thought
RATINGS: tuple[Rating, ...] = (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)

_CARD = ReviewCard.__table__  # type: ignore[attr-defined]
_LOG = ReviewLog.__table__  # type: ignore[attr-defined]


# --- The rule ---------------------------------------------------------------------------------


def derived_rating(result: str, duration: timedelta | None) -> Rating:
    """The rating of an answer whose learner did not choose one.

    Wrong or unanswered: Again. Partly right: Hard. Right: Easy within ``EASY_WITHIN``,
    Hard after ``HARD_AFTER``, else (or with no time known) Good.
    """
    if result == "correct":
        if duration is None or EASY_WITHIN < duration <= HARD_AFTER:
            return Rating.Good
        return Rating.Easy if duration <= EASY_WITHIN else Rating.Hard
    return Rating.Hard if result == "partial" else Rating.Again


# --- Which cards a learner has ------------------------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    """A self-check question a learner should have a card for."""

    module_id: str
    quiz_id: str
    question_id: str
    key: str
    due: datetime  # when a new card for it is first due


_KEYS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}  # (quiz, version) → keys


def question_keys(build_dir: Path, quiz_id: str) -> tuple[tuple[str, str], ...]:
    """The (question id, key fingerprint) of each question of a compiled quiz; () if none."""
    try:
        quiz = load_quiz(build_dir, quiz_id)
    except QuizError:
        return ()
    found = _KEYS.get((quiz.id, quiz.version))
    if found is None:
        if len(_KEYS) > 1000:  # old versions of edited quizzes: start again
            _KEYS.clear()
        found = _KEYS[(quiz.id, quiz.version)] = tuple(
            (q.id, question_key(q)) for q in quiz.questions)
    return found


def wanted(course: CompiledCourse, build_dir: Path,
           studied: Mapping[str, datetime]) -> list[Wanted]:
    """The cards that the modules studied (module id → when) call for."""
    found = []
    for module_id, when in studied.items():
        module = course.modules.get(module_id)
        info = course.quizzes.get(module.quiz) if module and module.quiz else None
        if module is None or info is None or info.kind != "self-check":
            continue
        for question_id, key in question_keys(build_dir, info.id):
            found.append(Wanted(module_id, info.id, question_id, key, when + FIRST_REVIEW))
    return found


def studied_dates(db: Session, user_id: int) -> dict[str, datetime]:
    """When the learner marked each module studied."""
    rows = db.exec(select(ModuleProgress.module_id, ModuleProgress.studied_at).where(
        ModuleProgress.user_id == user_id, col(ModuleProgress.studied_at).is_not(None)))
    return {module_id: when for module_id, when in rows if when is not None}


@dataclass(frozen=True)
class Deck:
    """A learner's cards: how many are in review and how many are due now."""

    cards: int
    due: int


_MINE = sa.select(_CARD.c.id, _CARD.c.quiz_id, _CARD.c.question_id, _CARD.c.question_key,
                  _CARD.c.retired_at, _CARD.c.due).where(_CARD.c.user_id == sa.bindparam("user"))


def sync(db: Session, user_id: int, course: CompiledCourse, build_dir: Path,
         studied: Mapping[str, datetime], now: datetime | None = None) -> Deck:
    """Make, retire and revive the learner's cards to match the modules studied; count them.

    The caller commits. Two learners' tabs syncing at once insert each card once (ON
    CONFLICT DO NOTHING on the card's identity).
    """
    now = now or utcnow()
    want = {(w.quiz_id, w.question_id, w.key): w for w in wanted(course, build_dir, studied)}
    rows = db.connection().execute(_MINE, {"user": user_id}).all()
    have = {(r.quiz_id, r.question_id, r.question_key): r for r in rows}
    retire = [r.id for k, r in have.items() if r.retired_at is None and k not in want]
    revive = [r.id for k, r in have.items() if r.retired_at is not None and k in want]
    new = [w for k, w in want.items() if k not in have]
    if retire:
        db.connection().execute(sa.update(_CARD).where(_CARD.c.id.in_(retire))
                                .values(retired_at=now))
    if revive:
        db.connection().execute(sa.update(_CARD).where(_CARD.c.id.in_(revive))
                                .values(retired_at=None))
    if new:
        _insert_new(db, user_id, new, now)
    if not (retire or revive or new):
        live = [r for r in rows if r.retired_at is None]
        return Deck(len(live), sum(1 for r in live if r.due <= now))
    return count(db, user_id, now)


def _insert_new(db: Session, user_id: int, new: Sequence[Wanted], now: datetime) -> None:
    insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.connection().execute(insert(_CARD).values([{
        "user_id": user_id, "module_id": w.module_id, "quiz_id": w.quiz_id,
        "question_id": w.question_id, "question_key": w.key, "state": int(State.Learning),
        "step": 0, "stability": None, "difficulty": None, "due": w.due, "last_review": None,
        "reps": 0, "created_at": now, "retired_at": None} for w in new]).on_conflict_do_nothing(
        index_elements=["user_id", "quiz_id", "question_id", "question_key"]))


def count(db: Session, user_id: int, now: datetime | None = None) -> Deck:
    """How many of the learner's cards are in review, and due by ``now``."""
    now = now or utcnow()
    cards, due = db.connection().execute(sa.select(
        sa.func.count(), sa.func.count(sa.case((_CARD.c.due <= now, 1)))).where(
        _CARD.c.user_id == user_id, _CARD.c.retired_at.is_(None))).one()
    return Deck(int(cards), int(due or 0))


def sync_user(db: Session, user: User, course: CompiledCourse, build_dir: Path,
              now: datetime | None = None) -> Deck:
    """``sync`` with the learner's modules studied read from the database."""
    assert user.id is not None
    return sync(db, user.id, course, build_dir, studied_dates(db, user.id), now)


# --- Reviewing one card ---------------------------------------------------------------------


def next_due(db: Session, user_id: int, now: datetime | None = None) -> ReviewCard | None:
    """The learner's most overdue card, if one is due."""
    return db.exec(select(ReviewCard).where(
        ReviewCard.user_id == user_id, col(ReviewCard.retired_at).is_(None),
        col(ReviewCard.due) <= (now or utcnow())).order_by(
        col(ReviewCard.due), col(ReviewCard.id)).limit(1)).first()


def question_of(build_dir: Path, card: ReviewCard) -> tuple[Question, Drawn] | None:
    """The card's question as the course holds it now, shuffled for this review; None if the
    question has gone or its key changed (the next ``sync`` retires the card)."""
    try:
        quiz = load_quiz(build_dir, card.quiz_id)
    except QuizError:
        return None
    question = next((q for q in quiz.questions if q.id == card.question_id), None)
    if question is None or question_key(question) != card.question_key:
        return None
    return question, drawn_for(quiz, question, card)


def drawn_for(quiz: Quiz, question: Question, card: ReviewCard) -> Drawn:
    """The question's display order for this review of the card: the quiz's shuffle rules,
    seeded by the card and its count of answers (the same for the page and its answer)."""
    alone = replace(quiz, questions=(question,), draw=0)
    return draw(alone, f"review:{card.id}:{card.reps}").questions[0]


def fsrs_card(card: ReviewCard) -> Card:
    """The card's FSRS state as an ``fsrs.Card``."""
    return Card(card_id=card.id or 0, state=State(card.state), step=card.step,
                stability=card.stability, difficulty=card.difficulty, due=card.due,
                last_review=card.last_review)


def duration_since(shown_at: datetime | None, now: datetime) -> timedelta | None:
    """How long the learner took, from when the question was shown; None if unknown."""
    if shown_at is None or not timedelta(0) <= now - shown_at <= MAX_DURATION:
        return None
    return now - shown_at


def answer(db: Session, card: ReviewCard, question: Question, response: Response,
           shown_at: datetime | None = None, now: datetime | None = None) -> ReviewLog | None:
    """Grade ``response`` (source order) to the card's question, rate it by ``derived_rating``
    and move the card as FSRS says; None (nothing changed) if this review of the card was
    answered already. The caller commits."""
    now = now or utcnow()
    graded = grade(question, response)
    duration = duration_since(shown_at, now)
    rating = derived_rating(graded.state, duration)
    before = fsrs_card(card)
    moved, _log = SCHEDULER.review_card(fsrs_card(card), rating, now.astimezone(UTC))
    # Only if no other request answered it since the page was read: a resent form is moot.
    done = db.connection().execute(sa.update(_CARD).where(
        _CARD.c.id == card.id, _CARD.c.reps == card.reps).values(
        reps=card.reps + 1, **_fields(moved)))
    if done.rowcount != 1:
        return None
    assert card.id is not None
    log = ReviewLog(card_id=card.id, user_id=card.user_id, reviewed_at=now,
                    duration_ms=int(duration.total_seconds() * 1000) if duration else None,
                    rating=int(rating), rated_by="derived", result=graded.state,
                    score=graded.score, points=graded.points, response=encode(response),
                    before_state=int(before.state), before_step=before.step,
                    before_stability=before.stability, before_difficulty=before.difficulty,
                    before_due=before.due, before_last_review=before.last_review)
    db.add(log)
    db.flush()
    db.expire(card)
    return log


def _fields(card: Card) -> dict[str, Any]:
    return {"state": int(card.state), "step": card.step, "stability": card.stability,
            "difficulty": card.difficulty, "due": card.due, "last_review": card.last_review}


def rate(db: Session, log: ReviewLog, rating: Rating) -> bool:
    """Replace the derived rating of the card's latest answer by the learner's own, moving
    the card from where it was before that answer; False (nothing changed) if the learner
    rated it already or the card was answered again since. The caller commits."""
    latest = db.exec(select(sa.func.max(ReviewLog.id)).where(
        ReviewLog.card_id == log.card_id)).one()
    if log.rated_by != "derived" or latest != log.id:
        return False
    before = Card(card_id=log.card_id, state=State(log.before_state), step=log.before_step,
                  stability=log.before_stability, difficulty=log.before_difficulty,
                  due=log.before_due, last_review=log.before_last_review)
    # fsrs wants UTC itself (a driver may hand back another zone object for the same time).
    moved, _log = SCHEDULER.review_card(before, rating, log.reviewed_at.astimezone(UTC))
    claimed = db.connection().execute(sa.update(_LOG).where(
        _LOG.c.id == log.id, _LOG.c.rated_by == "derived").values(
        rating=int(rating), rated_by="learner"))
    if claimed.rowcount != 1:
        return False
    db.connection().execute(sa.update(_CARD).where(_CARD.c.id == log.card_id)
                            .values(**_fields(moved)))
    db.expire(log)
    return True


def latest_log(db: Session, card: ReviewCard) -> int | None:
    """The id of the card's latest answer, if it has one."""
    found: int | None = db.exec(select(sa.func.max(ReviewLog.id)).where(
        ReviewLog.card_id == card.id)).one()
    return found


def graded_of(question: Question, log: ReviewLog) -> Graded:
    """The grade of a recorded answer, with its feedback (graded again: the same question)."""
    return grade(question, decode(log.response))


# --- What trainers see ---------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    """A group's review activity."""

    reviews_7: int  # answers given in the review in the last 7 days
    reviews_30: int
    reviewers_7: int  # learners who reviewed in the last 7 days
    backlog: int  # cards due now, not yet reviewed


def group_activity(db: Session, group_ids: Iterable[int],
                   now: datetime | None = None) -> dict[int, Activity]:
    """The review activity of each group, by its id (three aggregate queries)."""
    now = now or utcnow()
    ids = list(group_ids)
    if not ids:
        return {}
    member = GroupMember.__table__  # type: ignore[attr-defined]
    week, month = now - timedelta(days=7), now - timedelta(days=30)
    logs = db.connection().execute(
        sa.select(member.c.group_id,
                  sa.func.count(sa.case((_LOG.c.reviewed_at >= week, 1))),
                  sa.func.count(),
                  sa.func.count(sa.distinct(sa.case((_LOG.c.reviewed_at >= week,
                                                     _LOG.c.user_id)))))
        .join(_LOG, _LOG.c.user_id == member.c.user_id)
        .where(member.c.group_id.in_(ids), _LOG.c.reviewed_at >= month)
        .group_by(member.c.group_id)).all()
    due: dict[int, int] = dict(db.connection().execute(
        sa.select(member.c.group_id, sa.func.count())
        .join(_CARD, _CARD.c.user_id == member.c.user_id)
        .where(member.c.group_id.in_(ids), _CARD.c.retired_at.is_(None), _CARD.c.due <= now)
        .group_by(member.c.group_id)).all())
    found = {g: Activity(0, 0, 0, int(due.get(g, 0))) for g in ids}
    for group_id, seven, thirty, reviewers in logs:
        found[group_id] = Activity(int(seven), int(thirty), int(reviewers),
                                   int(due.get(group_id, 0)))
    return found


# --- Erasure ---------------------------------------------------------------------------------


def erase(db: Session, user_id: int) -> None:
    """Delete the learner's cards and review log (what they reviewed, when, and their answers)."""
    db.connection().execute(sa.delete(_LOG).where(_LOG.c.user_id == user_id))
    db.connection().execute(sa.delete(_CARD).where(_CARD.c.user_id == user_id))
