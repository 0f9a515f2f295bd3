"""Benchmark the «Преговор» pages with 10,000 learners' cards in the database.

What it measures
----------------
On a fresh database (SQLite in the work folder, or ``--postgres URL``, whose tables are
dropped and re-created) with the mini course of the tests compiled — its two self-checks
grown to ``--questions`` questions each — ``--learners`` learners (10,000) who have studied
both modules, each with a card per question (40,000 × … cards: 2 × ``--questions`` per
learner) at spread-out FSRS states, and ``--logs`` answers each in the review log.

Then, server-side and in-process (the Flask test client, signed in as one of them), the
median of ``--repeat`` requests of:

* **review page**: ``GET /review`` (the cards synced with the modules studied, and counted);
* **question**: ``GET /review/next?left=20`` (the most overdue card, its question shuffled);
* **answer**: ``POST /review/card/<id>`` (graded, rated, the card moved by FSRS, the log
  written, committed);
* **result**: ``GET /review/answer/<id>`` (right or wrong, feedback, the rating buttons);

and, as the reference measured in the same run on the same database, the learner's home
page (``GET /``, which counts the due cards too) and a module page. Wall and CPU
(``process_time``) milliseconds are printed, and each as a multiple of the module page.

Goal (issue 18): each review request under 50 ms of server time; exit status 1 when one
is missed.

Usage::

    .venv/bin/python bench/review.py [--learners 10000] [--questions 10] [--logs 5]
        [--postgres URL] [--repeat 20] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from benchdb import fresh_database, load  # bench/ is the script's own folder
from flask import Flask
from sqlalchemy import text

from course.build import build
from course.questionkey import question_key
from webapp import create_app, db
from webapp.content import store
from webapp.models import (
    ModuleProgress,
    Organisation,
    ReviewCard,
    ReviewLog,
    User,
    utcnow,
)
from webapp.services import accounts, privacy
from webapp.services.attempts import load_quiz

REPO = Path(__file__).resolve().parent.parent
MINI = REPO / "tests" / "fixtures" / "courses" / "webapp-mini"
PASSWORD = "bench-парола-2027"
GOAL_MS = 50.0
SELF_CHECKS = {"obshtinata": "quizzes/osnovi/obshtinata-proverka.yaml",
               "savetat": "quizzes/osnovi/savetat-proverka.yaml"}
CHUNK = 5000


def grow_self_checks(content: Path, questions: int) -> None:
    """Give each self-check ``questions`` single-choice questions (plus its own first)."""
    for path in SELF_CHECKS.values():
        file = content / path
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        data["questions"] = data["questions"][:1] + [
            {"id": f"b{n}", "type": "single", "text": f"Въпрос {n}: кой приема бюджета?",
             "choices": [{"text": "Общинският съвет", "correct": True, "feedback": "Да."},
                         {"text": "Кметът", "feedback": "Не: кметът го внася."},
                         {"text": "Областният управител"}]}
            for n in range(1, questions)]
        file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")


def populate(app: Flask, learners: int, logs: int) -> list[int]:
    """The learners, their modules studied, cards and review log; the ids of the first few,
    who can sign in."""
    rng = random.Random(18)
    now = utcnow()
    with app.app_context():
        session = db.session()
        org = Organisation(name="Община Смолян", kind="municipality", oblast="Смолян")
        session.add(org)
        session.commit()
        engine = session.get_bind()
        users = User.__table__  # type: ignore[attr-defined]
        with engine.begin() as connection:
            for start in range(0, learners, CHUNK):
                connection.execute(sa.insert(users), [
                    {"username": f"l{n:05d}", "name": f"Участник {n}", "role": "learner",
                     "audience": "employees", "organisation_id": org.id, "position": "",
                     "sex": "", "phone": "", "active": True, "session_version": 1,
                     "created_at": now, "language": ""}
                    for n in range(start, min(start + CHUNK, learners))])
        ids = [row[0] for row in session.exec(sa.select(users.c.id).order_by(users.c.id))]
        signing = ids[:3]
        version = privacy.notice_version(app.jinja_env, privacy.notice_settings(app.config))
        for user_id in signing:
            user = session.get(User, user_id)
            assert user is not None
            accounts.set_password(user, PASSWORD)
            session.add(user)
            privacy.record(session, user, version, "join")
        session.commit()
        build_dir = store().build_dir
        keys = {module: [(q.id, question_key(q)) for q in load_quiz(
            build_dir, Path(path).stem).questions] for module, path in SELF_CHECKS.items()}
        progress = ModuleProgress.__table__  # type: ignore[attr-defined]
        cards = ReviewCard.__table__  # type: ignore[attr-defined]
        review_log = ReviewLog.__table__  # type: ignore[attr-defined]
        studied = now - timedelta(days=40)
        with engine.begin() as connection:
            for start in range(0, len(ids), CHUNK // 10):
                chunk = ids[start:start + CHUNK // 10]
                connection.execute(sa.insert(progress), [
                    {"user_id": u, "module_id": m, "topic_id": "osnovi",
                     "first_opened_at": studied, "last_opened_at": studied,
                     "seconds_spent": 600, "position": "", "studied_at": studied,
                     "studied_version": ""} for u in chunk for m in SELF_CHECKS])
                rows = []
                for u in chunk:
                    for module, questions in keys.items():
                        for qid, key in questions:
                            reviewed = rng.random() < 0.8
                            # Those who sign in have every card due: each answer takes one.
                            due = now + timedelta(days=rng.uniform(-20, -1 if u in signing
                                                                   else 20))
                            rows.append({
                                "user_id": u, "module_id": module,
                                "quiz_id": Path(SELF_CHECKS[module]).stem, "question_id": qid,
                                "question_key": key, "state": 2 if reviewed else 1,
                                "step": None if reviewed else 0,
                                "stability": rng.uniform(1, 60) if reviewed else None,
                                "difficulty": rng.uniform(1, 10) if reviewed else None,
                                "due": due, "last_review": due - timedelta(days=5)
                                if reviewed else None, "reps": 3 if reviewed else 0,
                                "created_at": studied, "retired_at": None})
                connection.execute(sa.insert(cards), rows)
            card_ids = [row[0] for row in connection.execute(
                sa.select(cards.c.id, cards.c.user_id).order_by(cards.c.id))]
            owners = dict(connection.execute(sa.select(cards.c.id, cards.c.user_id)).all())
            picked = [rng.choice(card_ids) for _ in range(logs * len(ids))]
            for start in range(0, len(picked), CHUNK):
                connection.execute(sa.insert(review_log), [
                    {"card_id": c, "user_id": owners[c],
                     "reviewed_at": now - timedelta(days=rng.uniform(0, 40)),
                     "duration_ms": 12000, "rating": 3, "rated_by": "derived",
                     "result": "correct", "score": 1.0, "points": 1.0, "response": 0,
                     "before_state": 2, "before_step": None, "before_stability": 5.0,
                     "before_difficulty": 5.0, "before_due": now, "before_last_review": None}
                    for c in picked[start:start + CHUNK]])
        if engine.dialect.name == "postgresql":
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("ANALYZE"))
        return signing


def signed_in(app: Flask, username: str) -> Any:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*? value="([^"]+)"', page)
    assert token is not None
    response = client.post("/login", data={"csrf_token": token.group(1), "username": username,
                                           "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    return client


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``call`` (one warm-up first)."""
    call()
    walls, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(1000 * (time.perf_counter() - started))
        cpus.append(1000 * (time.process_time() - cpu))
    return statistics.median(walls), statistics.median(cpus)


class Reviewer:
    """One learner answering due cards: each answer takes the next card shown."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.result = ""

    def question(self) -> str:
        response = self.client.get("/review/next?left=20")
        assert response.status_code == 200, response.status_code
        return str(response.get_data(as_text=True))

    def answer(self, page: str) -> None:
        form = {name: re.search(rf'name="{name}"[^>]*? value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
                for name in ("csrf_token", "reps", "left", "shown_at", "shown")}
        form[f"a.{form['shown']}"] = "0"
        card = re.search(r'action="/review/card/(\d+)"', page).group(1)  # type: ignore[union-attr]
        response = self.client.post(f"/review/card/{card}", data=form)
        assert response.status_code == 302, response.status_code
        self.result = response.headers["Location"]
        assert self.result.startswith("/review/answer/"), self.result


def measure(app: Flask, usernames: list[str], repeat: int, answers: int
            ) -> dict[str, tuple[float, float]]:
    """The median times of each page; ``answers`` answers posted (each takes a due card)."""
    client = signed_in(app, usernames[0])
    started_at = utcnow()
    found: dict[str, tuple[float, float]] = {}
    found["home page (reference)"] = timed(lambda: client.get("/"), repeat)
    found["module page (reference)"] = timed(lambda: client.get("/learn/obshtinata"), repeat)
    found["review page GET /review"] = timed(lambda: client.get("/review"), repeat)
    reviewer = Reviewer(client)
    found["question GET /review/next"] = timed(reviewer.question, repeat)
    walls, cpus = [], []
    for _ in range(answers + 1):
        page = reviewer.question()
        started, cpu = time.perf_counter(), time.process_time()
        reviewer.answer(page)
        walls.append(1000 * (time.perf_counter() - started))
        cpus.append(1000 * (time.process_time() - cpu))
    found["answer POST /review/card"] = statistics.median(walls[1:]), statistics.median(cpus[1:])
    result = reviewer.result
    found["result GET /review/answer"] = timed(lambda: client.get(result), repeat)
    with app.app_context():  # every answer was recorded, each once
        recorded = db.session().exec(sa.select(sa.func.count()).select_from(ReviewLog).where(
            ReviewLog.reviewed_at >= started_at)).one()[0]
    assert recorded == answers + 1, (recorded, answers)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=10, help="per self-check (two)")
    parser.add_argument("--logs", type=int, default=5, help="review answers per learner")
    parser.add_argument("--postgres", default=None, metavar="URL",
                        help="a PostgreSQL database whose tables may be dropped")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--workdir", default=None, metavar="DIR")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="dobro-bench-review-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"load before: {load()}")
    content = work / "course"
    shutil.rmtree(content, ignore_errors=True)
    shutil.copytree(MINI, content)
    grow_self_checks(content, args.questions)
    build(content, content / "build", jobs=1)
    url = fresh_database(args.postgres, work)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": work / "instance",
                      "CONTENT_ROOT": content, "SECRET_KEY": "bench"})
    started = time.perf_counter()
    populate(app, args.learners, args.logs)
    with app.app_context():
        cards = db.session().exec(sa.select(sa.func.count()).select_from(ReviewCard)).one()[0]
        logs = db.session().exec(sa.select(sa.func.count()).select_from(ReviewLog)).one()[0]
    print(f"{args.learners} learners, {cards} cards, {logs} review answers "
          f"(made in {time.perf_counter() - started:.0f} s)")
    answers = min(args.repeat, 2 * args.questions - 1)  # the cards due of the one who answers
    results = measure(app, ["l00000"], args.repeat, answers)
    app.extensions["dobro.engine"].dispose()
    database = "PostgreSQL" if args.postgres else "SQLite"
    module_page = results["module page (reference)"][0]
    print(f"{database}, median of {args.repeat} ({answers} answers), in-process "
          "(Flask test client):")
    for name, (wall, cpu) in results.items():
        print(f"  {name:30} {wall:6.1f} ms wall, {cpu:6.1f} ms CPU  — "
              f"{wall / module_page:.2f} × module page")
    print(f"load after: {load()}")
    missed = [name for name, (wall, _cpu) in results.items()
              if "reference" not in name and wall >= GOAL_MS]
    for name, (wall, _cpu) in results.items():
        if "reference" not in name:
            verdict = "MISSES" if name in missed else "meets"
            print(f"  {name}: {wall:.1f} ms {verdict} the goal of < {GOAL_MS:g} ms")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
