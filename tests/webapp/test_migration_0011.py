"""Migration 0011: question scores get their question's key fingerprint, backfilled from the
attempts' snapshots, so the statistics can tell two versions of a question apart."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from course.model import Choice, Question
from course.questionkey import question_key
from course.serial import question_to_dict
from webapp import db
from webapp.models import Attempt

OLD = Question(id="q1", type="single", text="Кой?", points=1.0,
               choices=(Choice("Кметът", 100), Choice("Съветът", 0)))
NEW = Question(id="q1", type="single", text="Кой?", points=1.0,
               choices=(Choice("Кметът", 0), Choice("Съветът", 100)))
OTHER = Question(id="q2", type="true-false", text="Да?", points=1.0, answer=True)


def test_upgrade_backfills_the_keys_of_existing_scores(tmp_path: Path) -> None:
    # A file of its own: the shared test database is the other tests' (and has no 0010 state).
    url = f"sqlite:///{tmp_path / 'dobro.db'}"
    db.upgrade(url, "0010")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        # Raw SQL: the model's User has columns added by later migrations (0012).
        connection.execute(sa.text(
            "INSERT INTO user (id, username, name, role, session_version, created_at, position, "
            "sex, phone, active) VALUES (1, 'ivan', 'Иван', 'learner', 1, '2026-12-01', '', '', "
            "'', 1)"))
    with Session(engine) as session:
        ids = []
        for questions in ([OLD, OTHER], [NEW, OTHER]):
            attempt = Attempt(user_id=1, quiz_id="t", quiz_version="v", kind="final",
                              seed="1", state="submitted", percent=50.0,
                              questions=[{"question": question_to_dict(q), "order": [0, 1]}
                                         for q in questions])
            session.add(attempt)
            session.commit()
            ids.append(attempt.id)
        open_attempt = Attempt(user_id=1, quiz_id="u", quiz_version="v",
                               kind="final", seed="2",
                               questions=[{"question": question_to_dict(OLD), "order": [0, 1]}])
        session.add(open_attempt)
        session.commit()
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO question_score (attempt_id, position, question_id, score, points) "
            "VALUES (:a, :p, :q, 1, 1)"),
            [{"a": a, "p": p, "q": q} for a in ids for p, q in enumerate(("q1", "q2"))])
    db.upgrade(url, "0011")
    with engine.connect() as connection:
        rows = connection.execute(sa.text(
            "SELECT attempt_id, question_id, question_key FROM question_score "
            "ORDER BY attempt_id, position")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (ids[0], "q1", question_key(OLD)), (ids[0], "q2", question_key(OTHER)),
        (ids[1], "q1", question_key(NEW)), (ids[1], "q2", question_key(OTHER))]
    assert question_key(OLD) != question_key(NEW)
