"""Question scores: written with each grade, backfilled by migration 0007, read by the
quiz statistics — and the statistics are the same from them as from the snapshots."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from sqlmodel import Session, delete, select

from tests.webapp.conftest import People
from tests.webapp.test_stats import PRETEST, everyone_takes_the_pretest
from webapp import db
from webapp.db import make_engine, upgrade
from webapp.models import Attempt, QuestionScore, User
from webapp.services import attempts, shared_cache, statistics


def rows(app: Flask) -> list[tuple[int, int, str, float, float]]:
    with app.app_context():
        return [(r.attempt_id, r.position, r.question_id, r.score, r.points)
                for r in db.session().exec(select(QuestionScore).order_by(
                    QuestionScore.attempt_id, QuestionScore.position))]


def test_each_graded_question_is_kept_in_display_order(app: Flask, build_dir: Path,
                                                       people: People) -> None:
    taken = everyone_takes_the_pretest(app, build_dir, people)
    expected = []
    for attempt in sorted(taken.values(), key=lambda a: a.id or 0):
        assert attempt.results is not None
        for position, (slot, result) in enumerate(zip(attempt.questions, attempt.results,
                                                      strict=True)):
            expected.append((attempt.id, position, slot["question"]["id"],
                             float(result["score"]), float(result["points"])))
    assert rows(app) == expected and len(expected) > 3
    assert any(score == 0 for *_rest, score, _points in expected)  # unanswered ones too


def report(app: Flask, admin: User, build_dir: Path) -> statistics.QuizReport:
    with app.app_context():
        shared_cache.forget(db.engine())  # computed afresh each time
        quiz = attempts.load_quiz(build_dir, PRETEST)
        return statistics.quiz_report(db.session(), admin, quiz)


def test_statistics_agree_with_and_without_question_scores(app: Flask, build_dir: Path,
                                                          people: People) -> None:
    everyone_takes_the_pretest(app, build_dir, people)
    fast = report(app, people.admin, build_dir)
    with app.app_context():
        database = db.session()
        database.exec(delete(QuestionScore))  # type: ignore[call-overload]
        database.commit()
    slow = report(app, people.admin, build_dir)  # read from the attempts' snapshots
    assert fast.stats == slow.stats and fast.learners == slow.learners == 3
    assert [r.frequencies for r in fast.rows] == [r.frequencies for r in slow.rows]


def test_migration_0007_backfills_finished_attempts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0006")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO user (id, name, role, session_version, created_at, position, sex, "
            "phone, active) VALUES (1, 'А', 'learner', 1, '2027-01-01', '', '', '', 1)"))
        attempt = sa.table("attempt", *(sa.column(c) for c in (
            "id", "user_id", "quiz_id", "quiz_version", "topic_id", "kind", "number", "seed",
            "pass_mark", "questions", "started_at", "state", "percent", "results")))
        common = {"user_id": 1, "quiz_id": "t", "quiz_version": "v", "topic_id": "", "kind":
                  "final", "seed": "s", "pass_mark": 50, "started_at": "2027-01-01"}
        connection.execute(sa.insert(attempt), [
            {**common, "id": 1, "number": 1, "state": "submitted", "percent": 50,
             "questions": '[{"question": {"id": "q1"}, "order": []}, '
                          '{"question": {"id": "q2"}, "order": []}]',
             "results": '[{"score": 2, "points": 2}, {"score": 0, "points": 2}]'},
            {**common, "id": 2, "number": 2, "state": "open", "percent": None,
             "questions": '[{"question": {"id": "q1"}, "order": []}]', "results": "null"}])
    engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as database:
            found = [(r.attempt_id, r.position, r.question_id, r.score, r.points)
                     for r in database.exec(select(QuestionScore).order_by(
                         QuestionScore.attempt_id, QuestionScore.position))]
            assert database.exec(select(Attempt)).all()  # the attempts are still there
    finally:
        engine.dispose()
    assert found == [(1, 0, "q1", 2.0, 2.0), (1, 1, "q2", 0.0, 2.0)]
