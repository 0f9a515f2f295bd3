"""The quiz statistics aggregated in SQL equal the old computation in Python (every attempt
read one by one, ``stats_oracle``) on random attempts, on SQLite and PostgreSQL; and the
report is kept in the shared cache, for every worker and server."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlmodel import select

from course.model import Question, Quiz
from course.serial import question_to_dict
from tests.webapp import stats_oracle
from tests.webapp.conftest import People
from tests.webapp.test_stats import PRETEST
from webapp import db
from webapp.models import Answer, Attempt, QuestionScore, SharedCache, User
from webapp.services import attempts, quiz_tallies, shared_cache, statistics
from webapp.services.attempts import encode
from webapp.services.quiz_reports import QuizReport


def response_for(question: Question, rng: random.Random) -> Any:
    """A plausible saved response, from a few values (so that answers repeat and tie)."""
    kind = question.type
    if kind == "single":
        return rng.choice([0, 1, 2, 5])
    if kind == "multiple":
        return rng.choice([[0], [1, 2], [0, 2], [], [7]])
    if kind == "true-false":
        return rng.choice([True, False])
    if kind == "number":
        return rng.choice([3, 3.0, 4.5, "x"])
    if kind == "match":
        return rng.choice([{0: 1, 1: 0}, {0: 0}, {}])
    if kind == "order":
        return rng.choice([[0, 1, 2], [2, 1, 0]])
    return rng.choice(["кмет", " кмет", "съвет", "Кмет", ""])


def make_attempts(app: Flask, quiz: Quiz, rng: random.Random, learners: list[int]) -> None:
    """Random attempts at ``quiz``: drawn questions, versions (two keys of some questions,
    a later text), scores, saved responses, some without question scores, some open."""
    keys = {q.id: rng.choice(["", "", "k2"]) for q in quiz.questions}
    with app.app_context():
        database = db.session()
        for uid in learners:
            tries = rng.randint(1, 3)
            for number in range(1, tries + 1):
                every = rng.random() < 0.5
                drawn = list(quiz.questions) if every else rng.sample(
                    list(quiz.questions), rng.randint(1, len(quiz.questions)))
                rng.shuffle(drawn)
                later = rng.random() < 0.3  # a new key for some questions, a new text
                slots, results, scores, answers = [], [], [], []
                for position, question in enumerate(drawn):
                    snapshot = question_to_dict(question)
                    if later:
                        snapshot["text"] = snapshot.get("text", "") + " (нова)"
                    points = rng.choice([1.0, 1.0, 2.0, 0.0])
                    score = points * rng.choice([0.0, 0.5, 1.0])
                    slots.append({"question": snapshot, "order": []})
                    results.append({"score": score, "points": points})
                    scores.append((position, question.id,
                                   keys[question.id] if later else "", score, points))
                    if rng.random() < 0.85:
                        answers.append((question.id, encode(response_for(question, rng))))
                state = rng.choice(["submitted"] * 8 + ["closed"]
                                   + (["open"] if number == tries else []))
                attempt = Attempt(
                    user_id=uid, quiz_id=quiz.id, quiz_version=quiz.version, kind=quiz.kind,
                    number=number, seed="s", questions=slots, results=results, state=state,
                    percent=None if state == "open" else rng.choice(
                        [0.0, 50.0, 75.0, 100.0, round(rng.uniform(0, 100), 1)]))
                database.add(attempt)
                database.flush()
                if rng.random() < 0.9:  # else: read from its snapshot, as a hand-made attempt
                    database.add_all(QuestionScore(attempt_id=attempt.id, position=p,
                                                   question_id=q, question_key=k, score=s,
                                                   points=w) for p, q, k, s, w in scores)
                database.add_all(Answer(attempt_id=attempt.id, question_id=q, response=r)
                                 for q, r in answers)
        database.commit()


def assert_same(new: QuizReport, old: QuizReport) -> None:
    assert new.learners == old.learners and new.first_only == old.first_only
    assert_close(new.stats, old.stats)
    assert [r.question.id for r in new.rows] == [r.question.id for r in old.rows]
    for mine, theirs in zip(new.rows, old.rows, strict=True):
        assert question_to_dict(mine.question) == question_to_dict(theirs.question)
        assert_close(mine.stats, theirs.stats)
        assert mine.frequencies == theirs.frequencies, mine.question.id
        assert (mine.unanswered, mine.version) == (theirs.unanswered, theirs.version)


def assert_close(new: Any, old: Any) -> None:
    for name, value in vars(old).items():
        mine = getattr(new, name)
        if name == "questions":
            assert [q.question_id for q in mine] == [q.question_id for q in value]
            for left, right in zip(mine, value, strict=True):
                assert_close(left, right)
        elif isinstance(value, float):
            assert mine == pytest.approx(value, rel=1e-9, abs=1e-9), name
        else:
            assert mine == value, name


@pytest.mark.parametrize("seed", range(6))
def test_sql_aggregation_equals_the_python_computation(app: Flask, build_dir: Path,
                                                       people: People, seed: int) -> None:
    rng = random.Random(seed)
    quiz = attempts.load_quiz(build_dir, PRETEST)
    with app.app_context():
        database = db.session()
        extra = [User(username=f"l{seed}-{i}", name=f"Учащ {i}", role="learner")
                 for i in range(rng.randint(0, 12))]
        database.add_all(extra)
        database.commit()
        learners = [people.learner.id, people.councillor.id, people.stranger.id,
                    *(u.id for u in extra)]
    make_attempts(app, quiz, rng, [uid for uid in learners if uid is not None])
    with app.test_request_context():
        database = db.session()
        for name in ("admin", "trainer"):
            user = database.exec(select(User).where(User.username == name)).one()
            for first_only in (True, False):
                old = stats_oracle.quiz_report(database, user, quiz, first_only, ("Да", "Не"))
                new = statistics.quiz_report(database, user, quiz, first_only, ("Да", "Не"))
                assert_same(new, old)
                kept = statistics.quiz_report(database, user, quiz, first_only, ("Да", "Не"))
                assert_same(kept, old)  # as read back from the shared cache


def test_the_report_is_shared_and_recomputed_when_attempts_change(
        app: Flask, build_dir: Path, people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    quiz = attempts.load_quiz(build_dir, PRETEST)
    rng = random.Random(7)
    make_attempts(app, quiz, rng, [people.learner.id or 0, people.councillor.id or 0])
    with app.test_request_context():
        admin = db.session().get(User, people.admin.id)
        assert admin is not None
        first = statistics.quiz_report(db.session(), admin, quiz, true_false=("Да", "Не"))
        rows = db.session().exec(select(SharedCache)).all()
        assert [r.key for r in rows] == [f"quiz-stats:{PRETEST}:all:first"]
        # Another worker (another app) reads it without aggregating anything.
        stamp = rows[0].stamp
    with monkeypatch.context() as patched:
        patched.setattr(quiz_tallies, "read", None)
        with app.test_request_context():
            admin = db.session().get(User, people.admin.id)
            assert admin is not None
            again = statistics.quiz_report(db.session(), admin, quiz, true_false=("T", "F"))
    assert again.stats == first.stats
    words = {f.label for r in again.rows if r.question.type == "true-false"
             for f in r.frequencies}
    assert words == {"T", "F"}  # the reader's words, not the writer's
    make_attempts(app, quiz, rng, [people.stranger.id or 0])
    with app.test_request_context():
        admin = db.session().get(User, people.admin.id)
        assert admin is not None
        statistics.quiz_report(db.session(), admin, quiz)
        assert db.session().exec(select(SharedCache)).one().stamp != stamp
        assert shared_cache.forget(db.engine(), "quiz-stats:") == 1


def test_a_report_that_cannot_be_kept_is_served_all_the_same(
        app: Flask, build_dir: Path, people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    quiz = attempts.load_quiz(build_dir, PRETEST)
    make_attempts(app, quiz, random.Random(3), [people.learner.id or 0])
    with app.test_request_context():
        admin = db.session().get(User, people.admin.id)
        assert admin is not None

        def locked() -> None:
            raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

        monkeypatch.setattr(db.engine(), "begin", locked)
        report = statistics.quiz_report(db.session(), admin, quiz)
        assert report.stats.attempts >= 1
        assert db.session().exec(select(SharedCache)).all() == []
