"""The review's due dates move exactly as the ``fsrs`` package's Scheduler says (issue 18, Must
show): a recorded sequence of answers — right and wrong, quick and slow, with and without the
learner's own rating — is replayed through the service at fixed times, and after each answer
the card equals what ``fsrs.Scheduler.review_card`` gives for the same ratings and times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from fsrs import Card, Rating, Scheduler, State
from sqlmodel import select

from tests.webapp.conftest import People
from webapp import db
from webapp.content import current_course, store
from webapp.models import ModuleProgress, ReviewCard, ReviewLog
from webapp.services import review
from webapp.services.review import derived_rating

STUDIED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
# (days after studying, answered right, seconds taken, the learner's own rating or None)
SEQUENCE: list[tuple[float, bool, int, Rating | None]] = [
    (1.0, True, 20, None),  # right in 20 s: Good
    (1.01, False, 30, None),  # wrong: Again
    (1.02, True, 5, Rating.Hard),  # quick, but the learner says it was hard
    (2.5, True, 8, None),  # quick: Easy
    (9.0, True, 90, None),  # slow: Hard
    (30.0, False, 15, Rating.Good),  # wrong, rated Good by the learner all the same
    (31.0, True, 40, None),
]


def test_due_dates_follow_the_fsrs_scheduler(app: Flask, people: People) -> None:
    assert not review.SCHEDULER.enable_fuzzing  # else no date could be foretold
    reference = Scheduler(enable_fuzzing=False)
    with app.test_request_context():
        database = db.session()
        database.add(ModuleProgress(user_id=people.learner.id, module_id="obshtinata",
                                    topic_id="osnovi", studied_at=STUDIED))
        database.commit()
        review.sync(database, people.learner.id or 0, current_course(), store().build_dir,
                    {"obshtinata": STUDIED}, now=STUDIED)
        database.commit()
        card = database.exec(select(ReviewCard)).one()
        assert card.due == STUDIED + review.FIRST_REVIEW and card.state == int(State.Learning)
        expected = Card(card_id=1, state=State.Learning, step=0, due=card.due)
        found = review.question_of(store().build_dir, card)
        assert found is not None
        question = found[0]
        for days, right, seconds, chosen in SEQUENCE:
            at = STUDIED + timedelta(days=days)
            shown = at - timedelta(seconds=seconds)
            log = review.answer(database, card, question, right, shown_at=shown, now=at)
            assert log is not None
            rating = derived_rating("correct" if right else "wrong", timedelta(seconds=seconds))
            assert log.rating == int(rating)
            if chosen is not None:
                assert review.rate(database, log, chosen)
                rating = chosen
            database.commit()
            expected, _log = reference.review_card(expected, rating, at)
            database.refresh(card)
            assert (card.due, card.state, card.step, card.last_review) == (
                expected.due, int(expected.state), expected.step, expected.last_review)
            assert card.stability == pytest.approx(expected.stability, rel=1e-12)
            assert card.difficulty == pytest.approx(expected.difficulty, rel=1e-12)
        logs = database.exec(select(ReviewLog).order_by(ReviewLog.id)).all()
        assert [log.rated_by for log in logs] == [
            "learner" if chosen else "derived" for *_rest, chosen in SEQUENCE]
        assert card.reps == len(SEQUENCE)


@pytest.mark.parametrize(("result", "seconds", "rating"), [
    ("wrong", 3, Rating.Again), ("unanswered", 3, Rating.Again),
    ("partial", 3, Rating.Hard), ("partial", 300, Rating.Hard),
    ("correct", 10, Rating.Easy), ("correct", 11, Rating.Good), ("correct", 60, Rating.Good),
    ("correct", 61, Rating.Hard), ("correct", None, Rating.Good),
])
def test_the_derived_rating(result: str, seconds: int | None, rating: Rating) -> None:
    took = None if seconds is None else timedelta(seconds=seconds)
    assert derived_rating(result, took) is rating


def test_a_time_that_cannot_be_true_counts_as_unknown() -> None:
    now = datetime(2027, 3, 1, tzinfo=UTC)
    assert review.duration_since(now + timedelta(seconds=5), now) is None  # in the future
    assert review.duration_since(now - timedelta(hours=2), now) is None  # a tab left open
    assert review.duration_since(None, now) is None
    assert review.duration_since(now - timedelta(seconds=7), now) == timedelta(seconds=7)


def test_the_schedule_is_the_packages_default() -> None:
    assert review.SCHEDULER.parameters == Scheduler().parameters
    assert review.SCHEDULER.desired_retention == Scheduler().desired_retention
