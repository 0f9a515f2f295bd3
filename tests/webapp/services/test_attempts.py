"""The quiz engine's rules, on every database backend."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from course.attempts import to_display
from course.grading import correct_response
from tests.course.builders import make_question, make_quiz
from webapp.models import Answer, Attempt, User, utcnow
from webapp.services import attempts
from webapp.services.attempts import QuizError


def right_answers(attempt: Attempt) -> dict[str, object]:
    """Display-order responses that earn full marks on every question of ``attempt``."""
    return {s.question.id: to_display(s.question, s.drawn, correct_response(s.question))
            for s in attempts.slots(attempt)}


def test_start_draws_and_freezes_the_questions(db: Session, learner: User) -> None:
    quiz = make_quiz(draw=5)
    attempt = attempts.start(db, learner, quiz)
    assert attempt.state == "open" and len(attempt.questions) == 5
    assert attempt.quiz_version == "v1" and attempt.pass_mark == quiz.pass_mark


def test_start_twice_resumes_the_open_attempt(db: Session, learner: User) -> None:
    quiz = make_quiz()
    first = attempts.start(db, learner, quiz)
    assert attempts.start(db, learner, quiz).id == first.id
    assert len(db.exec(select(Attempt)).all()) == 1


def test_only_one_open_attempt_even_when_inserted_directly(db: Session, learner: User) -> None:
    quiz = make_quiz()
    first = attempts.start(db, learner, quiz)
    db.add(Attempt(user_id=learner.id, quiz_id=quiz.id, quiz_version="v1", kind="final",
                   seed="x", questions=[]))
    with pytest.raises(IntegrityError):  # the partial unique index refuses a second open one
        db.commit()
    db.rollback()
    assert attempts.open_attempt(db, learner, quiz.id).id == first.id


def test_full_marks_and_one_grade_for_a_repeated_submit(db: Session, learner: User) -> None:
    quiz = make_quiz()
    attempt = attempts.start(db, learner, quiz)
    answers = right_answers(attempt)
    done = attempts.submit(db, attempt, answers)
    assert (done.state, done.percent, done.passed) == ("submitted", 100, True)
    again = attempts.submit(db, done, {})  # the back button, a second tab
    assert (again.percent, again.submitted_at) == (done.percent, done.submitted_at)


def test_answers_are_saved_as_the_learner_goes(db: Session, learner: User) -> None:
    quiz = make_quiz(questions=(make_question("single"), make_question("text")))
    attempt = attempts.start(db, learner, quiz)
    answers = right_answers(attempt)
    attempts.save(db, attempt, {"q-text": answers["q-text"]})
    attempts.save(db, attempt, {"q-single": answers["q-single"], "unknown": 3})
    assert attempts.saved_responses(db, attempt) == {"q-text": "общински съвет",
                                                      "q-single": 0}
    done = attempts.submit(db, attempt, {})
    assert done.percent == 100


def test_attempts_allowed_are_enforced(db: Session, learner: User) -> None:
    quiz = make_quiz(attempts=2)
    for _ in range(2):
        attempts.submit(db, attempts.start(db, learner, quiz), {})
    with pytest.raises(QuizError) as caught:
        attempts.start(db, learner, quiz)
    assert caught.value.code == "no-attempts-left"
    assert [a.number for a in attempts.history(db, learner, quiz.id)] == [1, 2]


def test_time_limit_closes_and_grades_what_was_saved(db: Session, learner: User) -> None:
    quiz = make_quiz(questions=(make_question("single"), make_question("true-false")),
                     time_limit=30)
    start = utcnow()
    attempt = attempts.start(db, learner, quiz, now=start)
    answers = right_answers(attempt)
    attempts.save(db, attempt, {"q-single": answers["q-single"]}, now=start)
    late = start + timedelta(minutes=31)
    with pytest.raises(QuizError) as caught:
        attempts.save(db, attempt, {"q-true-false": True}, now=late)
    assert caught.value.code == "time-up"
    assert (attempt.state, attempt.percent) == ("expired", 50)
    late_submit = attempts.submit(db, attempt, {"q-true-false": True}, now=late)
    assert late_submit.percent == 50


def test_overdue_attempts_expire_when_the_learner_comes_back(db: Session, learner: User) -> None:
    quiz = make_quiz(time_limit=10, attempts=3)
    start = utcnow()
    attempts.start(db, learner, quiz, now=start)
    fresh = attempts.start(db, learner, quiz, now=start + timedelta(hours=1))
    states = [a.state for a in attempts.history(db, learner, quiz.id)]
    assert states == ["expired", "open"] and fresh.number == 2


def test_a_rebuilt_quiz_never_changes_a_past_attempt(db: Session, learner: User) -> None:
    quiz = make_quiz(questions=(make_question("single"),))
    attempt = attempts.start(db, learner, quiz)
    attempt = attempts.submit(db, attempt, right_answers(attempt))
    assert attempt.percent == 100
    # The author now makes the other choice the right one and rebuilds (a new version).
    # The attempt regrades from its own snapshot, so its grade stands.
    edited = make_question("single", choices=tuple(reversed(make_question("single").choices)))
    assert edited.choices != attempts.slots(attempt)[0].question.choices
    assert attempts.grade_saved(db, attempt).percent == 100
    assert db.get(Attempt, attempt.id).percent == 100


def test_quiz_result_follows_the_grading_method(db: Session, learner: User) -> None:
    quiz = make_quiz(questions=(make_question("single"), make_question("true-false")),
                     attempts=3, grading="highest", pass_mark=70)
    first = attempts.start(db, learner, quiz)
    attempts.submit(db, first, right_answers(first))
    second = attempts.start(db, learner, quiz)
    attempts.submit(db, second, {})
    history = attempts.history(db, learner, quiz.id)
    assert attempts.quiz_result(quiz, history) == (100, True)
    assert attempts.quiz_result(replace(quiz, grading="last"), history) == (0, False)
    assert attempts.quiz_result(replace(quiz, grading="average"), history) == (50, False)


def test_review_policy_after_submit_and_after_close(db: Session, learner: User) -> None:
    quiz = make_quiz(attempts=1)
    assert attempts.review_items(quiz, []) == quiz.review.after_submit
    attempts.submit(db, attempts.start(db, learner, quiz), {})
    assert attempts.review_items(quiz, attempts.history(db, learner, quiz.id)) == (
        quiz.review.after_close)


def test_answers_round_trip_through_json(db: Session, learner: User) -> None:
    quiz = make_quiz(shuffle_choices=False)
    attempt = attempts.start(db, learner, quiz)
    display = {"q-multiple": [0, 1], "q-match": {0: 0, 1: 1}, "q-order": [0, 1, 2]}
    order = {s.question.id: s.drawn for s in attempts.slots(attempt)}
    attempts.save(db, attempt, display)
    saved = attempts.saved_responses(db, attempt)
    assert saved["q-multiple"] == [0, 1]
    assert saved["q-match"] == {0: 0, 1: 1}
    assert saved["q-order"] == [order["q-order"].order[i] for i in (0, 1, 2)]
    assert len(db.exec(select(Answer)).all()) == 3


def test_a_save_racing_a_submit_is_refused(db: Session, learner: User) -> None:
    quiz = make_quiz(questions=(make_question("single"), make_question("true-false")))
    attempt = attempts.start(db, learner, quiz)
    with Session(db.get_bind(), expire_on_commit=False) as other:  # a second request
        stale = other.get(Attempt, attempt.id)  # loaded before the submit
        attempts.submit(db, attempt, right_answers(attempt))
        with pytest.raises(QuizError) as caught:
            attempts.save(other, stale, {"q-true-false": False})
    assert caught.value.code == "closed"
    assert attempts.saved_responses(db, attempt)["q-true-false"] is True
    assert db.get(Attempt, attempt.id).percent == 100


def test_unusable_responses_keep_the_saved_answer(db: Session, learner: User) -> None:
    quiz = make_quiz(questions=(make_question("single"), make_question("text")),
                     shuffle_choices=False)
    attempt = attempts.start(db, learner, quiz)
    attempts.save(db, attempt, {"q-single": 0, "q-text": "съвет"})
    attempts.save(db, attempt, {"q-single": 99, "q-text": "х" * 10_000})
    saved = attempts.saved_responses(db, attempt)
    assert saved["q-single"] == 0 and len(saved["q-text"]) == attempts.MAX_TEXT_ANSWER


def test_the_pass_mark_is_the_one_the_attempt_was_taken_under(db: Session,
                                                              learner: User) -> None:
    quiz = make_quiz(questions=(make_question("single"), make_question("true-false")),
                     pass_mark=50)
    attempts.submit(db, attempts.start(db, learner, quiz),
                    {"q-single": 0} if not quiz.shuffle_choices else {})
    history = attempts.history(db, learner, quiz.id)
    raised = replace(quiz, pass_mark=90)  # the author raises the bar afterwards
    assert attempts.quiz_result(raised, history)[1] == attempts.quiz_result(quiz, history)[1]


def test_old_snapshots_with_unknown_keys_still_load() -> None:
    from course.serial import question_from_dict, question_to_dict

    data = {**question_to_dict(make_question("single")), "hint": "a field from the future"}
    assert question_from_dict(data).choices == make_question("single").choices
