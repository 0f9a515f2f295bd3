"""Benchmark the trainer's reports at scale: progress dashboard, quiz statistics, donor report.

What it measures
----------------
For each database of ``--databases`` (SQLite, a file in the work folder; PostgreSQL,
``--postgres``, whose tables are dropped and re-created) the script creates the
schema with the app's migrations (``webapp.db.upgrade``), compiles the repository
course (or takes ``--build``) and generates a programme in full swing:

* the 25 seeded organisations (``webapp.services.seed``), ``--learners`` learners
  spread over them, the four audiences of ``modules/course.yaml`` and both sexes,
  ~100 groups (one per 100 learners) with two trainers each, a coordinator;
* per learner an ability and an engagement (how far into their track they got, or
  not started at all), and from them: module progress, a session per group and topic
  with attendance, pre-tests, self-checks (some taken twice) and final tests (up to
  the quiz's three attempts), a few attempts left open, and the certificates earned;
* every attempt as the app makes it (``course.attempts.draw`` with a random seed,
  the questions' snapshot, responses graded by ``course.grading``, ``results``,
  ``score``, ``percent``, ``passed``), each question answered right with the
  probability of a two-parameter logistic model (learner ability, question
  difficulty; higher at the final than at the pre-test, so knowledge gain is real),
  some left unanswered, until the ``answer`` table holds ``--answers`` rows.

Rows go in with SQLAlchemy Core ``executemany`` (on PostgreSQL the two big tables,
``attempt`` and ``answer``, with ``COPY``), then PostgreSQL gets ``VACUUM ANALYZE``,
as autovacuum would do on a live server. Then, through the Flask test client signed
in as the coordinator, it times each page cold (the first request after the app
started) and warm (the median of ``--repeat`` more):

* the progress dashboard ``/trainer/progress``: all learners, one organisation (the
  largest) and one group;
* the quiz statistics of the first topic's final test and the knowledge gain page; and the
  same statistics as a *first view* (issue 15): before each request the shared cache
  (``shared_cache``) and any per-process cache are emptied, so every request computes
  the report from the attempts;
* the donor report ``/trainer/reports/donor`` (reported "not available" while the app
  has no such page);
* the staff home ``/trainer/`` (issue 14: sessions, stuck learners, the week's
  certificates, what waits), which for a coordinator looks at every learner.

Goal (issue 6): every page under 300 ms warm on a 2-core machine. The exit status
is 1 when a page available in the app misses it (or answers anything but 200).
``cpu ms`` is the CPU time of the benchmark's own process per warm request (Flask,
the templates and, on SQLite, the database too; not the PostgreSQL server's): what a
request costs whatever else the machine runs.

Why a reference is measured in the same run
-------------------------------------------
Milliseconds depend on the machine and its load, so the script also times
``/healthz`` (the same Flask request cycle and one database round trip) and a plain
``SELECT count(*) FROM answer`` on the same engine, and prints each page as a
multiple of the ``/healthz`` median. The goal itself is absolute (a coordinator
waits for the page whatever the machine): read it with the load average printed.

Usage::

    .venv/bin/python bench/reports.py [--learners 10000] [--answers 1000000]
        [--databases sqlite,postgresql] [--postgres URL] [--repeat 5]
        [--workdir DIR [--reuse]] [--build DIR] [--pages 'quiz statistics,...']

``--workdir`` keeps the SQLite file and the compiled course; with ``--reuse`` a
database that already holds generated data is only migrated to the newest revision
(the migration's time is printed) and measured again: before and after a change.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import JSON, Table, Text, column, func, insert, select, table, text
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session
from werkzeug.exceptions import NotFound

from course.attempts import draw
from course.compiled import CompiledCourse
from course.grading import Graded, correct_response, grade
from course.model import Question, Quiz
from course.questionkey import question_key
from course.rules import PROGRAMME, Facts, Try, certificates_due, checklist, passed_quizzes
from course.serial import question_to_dict
from webapp import create_app
from webapp.content import load_course
from webapp.db import make_engine, upgrade
from webapp.models import (
    Answer,
    Attempt,
    Attendance,
    Certificate,
    CertificateEvent,
    Group,
    GroupMember,
    GroupTrainer,
    ModuleProgress,
    Organisation,
    QuestionScore,
    SessionGroup,
    TrainingSession,
    User,
    utcnow,
)
from webapp.services import accounts, completion, progress, seed
from webapp.services.attempts import _result_json, encode, load_quiz

REPO = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql+psycopg://dobro:dobro@127.0.0.1:5432/dobro_bench"
GOAL_MS = 300.0
COORDINATOR = "bench-coordinator"
PASSWORD = "bench-password-123"  # noqa: S105 - a throwaway account in a benchmark database
LEARNERS_PER_GROUP = 100
TRAINERS = 20
NOT_STARTED = 0.08  # share of learners who never began
UNANSWERED = 0.03  # chance that a question of a submitted attempt is left blank
OPEN_LAST = 0.15  # chance that a learner's last attempt is still open
SESSION_HOURS = 8
BATCH = 2_000  # attempts written at a time
ISSUER = "Асоциация на родопските общини"
CSRF = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"')

FEMALE = ("Мария Иванка Елена Йорданка Пенка Даниела Силвия Десислава Румяна Надежда Галя "
          "Милена Валентина Николина Снежана Веселина Радка Петя Теодора Стефка").split()
MALE = ("Георги Иван Димитър Николай Петър Христо Тодор Стоян Атанас Васил Костадин Ангел "
        "Красимир Любомир Емил Асен Росен Севдалин Младен Кирил").split()
SURNAMES = ("Иванов Петров Георгиев Димитров Николов Стоянов Атанасов Христов Тодоров "
            "Маринов Кехайов Чолаков Хаджиев Бояджиев Пашов Карамфилов Шишков Узунов "
            "Родопски Чавдаров Миладинов Гюров").split()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The course, as the generator needs it ----------------------------------------------------


@dataclass(frozen=True)
class TopicPlan:
    id: str
    required: bool
    modules: tuple[str, ...]
    self_checks: dict[str, str]  # module id → its self-check quiz id
    pretest: str
    final: str


@dataclass
class CourseData:
    course: CompiledCourse
    quizzes: dict[str, Quiz]
    tracks: dict[str, list[TopicPlan]]  # by audience
    question_json: dict[tuple[str, str], str]  # (quiz id, question id) → its snapshot as JSON
    difficulty: dict[str, float]  # by question id
    keys: dict[tuple[str, str], str]  # (quiz id, question id) → course.questionkey fingerprint

    @classmethod
    def load(cls, build_dir: Path) -> CourseData:
        course = load_course(build_dir)
        quizzes = {q: load_quiz(build_dir, q) for q in course.quizzes
                   if course.quizzes[q].kind != "pool"}
        tracks = {}
        for audience in course.audiences:
            tracks[audience] = [
                TopicPlan(t.topic.id, t.required, tuple(m.id for m in t.modules),
                          {m.id: m.quiz for m in t.modules if m.quiz in quizzes},
                          t.topic.pretest if t.topic.pretest in quizzes else "",
                          t.topic.final if t.topic.final in quizzes else "")
                for t in progress.track(course, audience)]
        question_json = {(quiz.id, q.id): json.dumps(question_to_dict(q))
                         for quiz in quizzes.values() for q in quiz.questions}
        difficulty = {q.id: random.Random(f"difficulty:{q.id}").gauss(-0.3, 1.0)
                      for quiz in quizzes.values() for q in quiz.questions}
        keys = {(quiz.id, q.id): question_key(q)
                for quiz in quizzes.values() for q in quiz.questions}
        return cls(course, quizzes, tracks, question_json, difficulty, keys)

    def questions_drawn(self, quiz_id: str) -> int:
        quiz = self.quizzes[quiz_id]
        return min(quiz.draw, len(quiz.questions)) if quiz.draw else len(quiz.questions)


# --- One learner's story: what they did, when (no grading yet) ----------------------------------


@dataclass(frozen=True)
class PlannedAttempt:
    quiz_id: str
    topic_id: str
    number: int
    ability: float  # the learner's ability at that moment (learning raises it)
    started_at: datetime
    open: bool = False


@dataclass
class Story:
    modules: list[tuple[str, str, datetime, datetime | None]] = field(default_factory=list)
    attempts: list[PlannedAttempt] = field(default_factory=list)
    topics_reached: list[str] = field(default_factory=list)  # for attendance

    def planned_answers(self, data: CourseData) -> int:
        return sum(data.questions_drawn(a.quiz_id) for a in self.attempts)


def story(rng: random.Random, data: CourseData, audience: str, ability: float,
          engagement: float, now: datetime) -> Story:
    """The learner's path through their track: ``engagement`` topics deep, in order."""
    told = Story()
    if engagement <= 0:
        return told
    topics = [t for t in data.tracks[audience] if t.required]
    topics += [t for t in data.tracks[audience] if not t.required and rng.random() < 0.15]
    moment = now - timedelta(days=rng.uniform(1, 330))

    def later(low: float = 0.5, high: float = 60.0) -> datetime:
        nonlocal moment
        moment = min(moment + timedelta(hours=rng.uniform(low, high)), now - timedelta(minutes=5))
        return moment

    def attempt(quiz_id: str, topic_id: str, number: int, boost: float) -> None:
        told.attempts.append(PlannedAttempt(quiz_id, topic_id, number, ability + boost, later()))

    for index, topic in enumerate(topics):
        portion = min(1.0, engagement - index)
        if portion <= 0:
            break
        told.topics_reached.append(topic.id)
        if topic.pretest and rng.random() < 0.95:
            attempt(topic.pretest, topic.id, 1, 0.0)
        studied = len(topic.modules) if portion >= 1 else int(portion * len(topic.modules))
        for position, module_id in enumerate(topic.modules):
            if position > studied or (position == studied and rng.random() < 0.4):
                break
            opened = later()
            done = later(0.2, 3.0) if position < studied else None
            told.modules.append((module_id, topic.id, opened, done))
            quiz_id = topic.self_checks.get(module_id)
            if done and quiz_id and rng.random() < 0.8:
                attempt(quiz_id, topic.id, 1, 0.3 + 0.1 * position)
                if rng.random() < 0.25:
                    attempt(quiz_id, topic.id, 2, 0.6 + 0.1 * position)
        if portion >= 1 and topic.final:
            quiz = data.quizzes[topic.final]
            for number in range(1, (quiz.attempts or 3) + 1):
                attempt(topic.final, topic.id, number, 0.9 + 0.35 * number)
                # Who fails tries again, the weaker more often (the grade itself comes later).
                if rng.random() > 1 / (1 + math.exp(-1.7 * (ability + 0.8 * number - 0.2))) - 0.1:
                    continue
                break
    if told.attempts and rng.random() < OPEN_LAST:
        last = told.attempts[-1]
        told.attempts[-1] = PlannedAttempt(last.quiz_id, last.topic_id, last.number,
                                           last.ability, last.started_at, open=True)
    return told


@dataclass(frozen=True)
class Person:
    id: int
    audience: str
    organisation_id: int
    organisation_name: str
    name: str
    sex: str
    ability: float
    engagement: float
    group_id: int


def people(rng: random.Random, count: int, first_id: int, organisations: list[tuple[int, str, str]],
           groups: int, scale: float) -> list[Person]:
    """The learners: audience, organisation, sex, ability and engagement."""
    municipalities = [o for o in organisations if o[2] == "municipality"]
    regional = [o for o in organisations if o[2] != "municipality"]
    audiences = ("employees", "councillors", "ngo", "regional")
    found = []
    for n in range(count):
        audience = rng.choices(audiences, weights=(45, 30, 12, 13))[0]
        org_id, org_name, _kind = rng.choice(regional if audience == "regional"
                                             else municipalities)
        sex = rng.choices(("f", "m", ""), weights=(55, 43, 2))[0]
        first = rng.choice(MALE if sex == "m" else FEMALE)
        last = rng.choice(SURNAMES) + ("" if sex == "m" else "а")
        engagement = 0.0 if rng.random() < NOT_STARTED else rng.expovariate(1 / scale)
        found.append(Person(first_id + n, audience, org_id, org_name, f"{first} {last}", sex,
                            rng.gauss(0, 1), engagement, 1 + n % groups))
    return found


def calibrate(data: CourseData, count: int, answers: int, seed_value: int,
              organisations: list[tuple[int, str, str]], groups: int, now: datetime) -> float:
    """The engagement scale whose stories need a little more than ``answers`` answers."""
    target = answers / (1 - UNANSWERED) * 1.04
    low, high = 0.05, 20.0
    for _ in range(18):
        scale = (low + high) / 2
        rng = random.Random(seed_value)
        total = sum(story(random.Random(f"{seed_value}:{p.id}"), data, p.audience, p.ability,
                          p.engagement, now).planned_answers(data)
                    for p in people(rng, count, 0, organisations, groups, scale))
        low, high = (scale, high) if total < target else (low, scale)
    return high


# --- Responses as learners give them ------------------------------------------------------------


def wrong_response(question: Question, rng: random.Random) -> Any:
    """A plausible wrong (or half-right) response, in source order."""
    right = correct_response(question)
    if question.type == "single":
        others = [i for i, c in enumerate(question.choices) if c.weight <= 0] or [0]
        return rng.choice(others)
    if question.type == "multiple":
        flipped = rng.randrange(len(question.choices))
        return set(right) ^ {flipped} or {flipped}
    if question.type == "true-false":
        return not question.answer
    if question.type == "text":
        return rng.choice(("не знам", "общинският съвет", "кметът", "10"))
    if question.type == "number":
        best = max(question.number_answers, key=lambda a: a.weight)
        return best.high + rng.choice((1, 5, 10, 100)) * (abs(best.high) + 1)
    if question.type == "match":
        pairs = len(question.pairs)
        if pairs < 2:
            return {0: len(question.pairs) + len(question.distractors) - 1}
        a, b = rng.sample(range(pairs), 2)
        swapped = dict(right)
        swapped[a], swapped[b] = swapped[b], swapped[a]
        return swapped
    items = list(right)
    if len(items) >= 2:
        a, b = rng.sample(range(len(items)), 2)
        items[a], items[b] = items[b], items[a]
    return items


def respond(question: Question, ability: float, difficulty: float, rng: random.Random) -> Any:
    if rng.random() < UNANSWERED:
        return None
    chance = 1 / (1 + math.exp(-1.7 * (ability - difficulty)))
    return correct_response(question) if rng.random() < chance else wrong_response(question, rng)


# --- Writing rows -------------------------------------------------------------------------------


def loose(model_table: Table) -> Any:
    """The table with its JSON columns as text: values go in already serialised."""
    return table(model_table.name, *[column(c.name, Text() if isinstance(c.type, JSON)
                                            else c.type) for c in model_table.columns])


class Writer:
    """Bulk inserts: Core executemany; COPY for the big tables on PostgreSQL."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"

    def rows(self, model: Any, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.connection.execute(insert(model.__table__), rows)

    def bulk(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """Rows whose JSON columns are already text."""
        if not rows:
            return
        model_table: Table = model.__table__
        if not self.postgres:
            self.connection.execute(insert(loose(model_table)), rows)
            return
        names = list(rows[0])
        quoted = ", ".join(f'"{n}"' for n in names)
        raw = self.connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(
                f'COPY "{model_table.name}" ({quoted}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([row[n] for n in names])


@dataclass
class Generated:
    learners: int = 0
    attempts: int = 0
    answers: int = 0
    certificates: int = 0
    statuses: Counter[str] = field(default_factory=Counter)


class Generator:
    """Writes one database's programme; see the module's docstring."""

    def __init__(self, data: CourseData, writer: Writer, args: argparse.Namespace,
                 now: datetime) -> None:
        self.data, self.writer, self.args, self.now = data, writer, args, now
        self.rng = random.Random(args.seed)
        self.attempt_id = 0
        self.result_json: dict[tuple[str, str], str] = {}
        self.attempt_rows: list[dict[str, Any]] = []
        self.answer_rows: list[dict[str, Any]] = []
        self.score_rows: list[dict[str, Any]] = []
        self.pending: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        self.done = Generated()

    def run(self, session: Session) -> Generated:
        seed.seed_organisations(session)
        session.commit()
        organisations = [(int(i), str(n), str(k)) for i, n, k in self.writer.connection.execute(
            select(Organisation.id, Organisation.name, Organisation.kind)
            .order_by(Organisation.id))]
        groups = max(1, self.args.learners // LEARNERS_PER_GROUP)
        scale = calibrate(self.data, self.args.learners, self.args.answers, self.args.seed,
                          organisations, groups, self.now)
        staff = self.staff(session)
        learners = people(random.Random(self.args.seed), self.args.learners, len(staff) + 1,
                          organisations, groups, scale)
        trainers = [uid for uid, role in staff if role == "trainer"]
        self.users(learners)
        sessions = self.groups(groups, trainers, organisations)
        budget = self.args.answers
        for person in learners:
            told = story(random.Random(f"{self.args.seed}:{person.id - len(staff) - 1}"),
                         self.data, person.audience, person.ability, person.engagement, self.now)
            budget -= self.learner(person, told, sessions, budget)
            if len(self.attempt_rows) >= BATCH:
                self.flush()
        self.flush()
        self.done.learners = len(learners)
        return self.done

    def staff(self, session: Session) -> list[tuple[int, str]]:
        coordinator = User(id=1, username=COORDINATOR, name="Координатор (бенчмарк)",
                           role="coordinator")
        accounts.set_password(coordinator, PASSWORD)
        session.add(coordinator)
        found = [(1, "coordinator")]
        for n in range(TRAINERS):
            session.add(User(id=2 + n, username=f"bench-trainer-{n + 1:02d}",
                             name=f"Обучител {n + 1:02d}", role="trainer"))
            found.append((2 + n, "trainer"))
        session.commit()
        return found

    def users(self, learners: list[Person]) -> None:
        password = "scrypt:32768:8:1$bench$" + "0" * 128  # never matches: nobody signs in
        self.writer.rows(User, [{
            "id": p.id, "username": f"learner-{p.id:06d}", "name": p.name, "email": None,
            "password_hash": password, "role": "learner", "audience": p.audience,
            "organisation_id": p.organisation_id, "position": "", "sex": p.sex, "phone": "",
            "active": True, "session_version": 1, "created_at": self.now - timedelta(days=365),
            "joined_at": self.now - timedelta(days=360), "last_login_at": None,
        } for p in learners])

    def groups(self, count: int, trainers: list[int], organisations: list[tuple[int, str, str]]
               ) -> dict[int, dict[str, tuple[int, datetime]]]:
        """Groups with two trainers and a session per topic; return group → topic → session."""
        rng = random.Random(f"{self.args.seed}:groups")
        towns = [name.removeprefix("Община ") for _id, name, kind in organisations
                 if kind == "municipality"]
        topics = [t.id for t in self.data.course.topics]
        group_rows, trainer_rows, session_rows, link_rows = [], [], [], []
        sessions: dict[int, dict[str, tuple[int, datetime]]] = {}
        session_id = 0
        for group_id in range(1, count + 1):
            town = towns[group_id % len(towns)]
            group_rows.append({"id": group_id, "name": f"Група {group_id:03d} – {town}, 2027",
                               "description": "", "created_at": self.now - timedelta(days=365)})
            pair = rng.sample(trainers, 2) if len(trainers) >= 2 else trainers
            trainer_rows += [{"group_id": group_id, "user_id": t} for t in pair]
            start = self.now - timedelta(days=rng.uniform(20, 330))
            sessions[group_id] = {}
            for k, topic_id in enumerate(topics):
                session_id += 1
                starts = (start + timedelta(days=21 * k)).replace(hour=7, minute=0, second=0,
                                                                   microsecond=0)
                session_rows.append({
                    "id": session_id, "topic_id": topic_id,
                    "title": f"Присъствено обучение {k + 1}", "municipality": town,
                    "venue": "Заседателна зала", "starts_at": starts,
                    "ends_at": starts + timedelta(hours=SESSION_HOURS), "trainer_id": pair[0],
                    "capacity": 120, "checkin_code": f"{session_id:08d}", "created_by": 1,
                    "created_at": start - timedelta(days=14)})
                link_rows.append({"session_id": session_id, "group_id": group_id})
                sessions[group_id][topic_id] = (session_id, starts)
        self.writer.rows(Group, group_rows)
        self.writer.rows(GroupTrainer, trainer_rows)
        self.writer.rows(TrainingSession, session_rows)
        self.writer.rows(SessionGroup, link_rows)
        return sessions

    def learner(self, person: Person, told: Story,
                sessions: dict[int, dict[str, tuple[int, datetime]]], budget: int) -> int:
        """Write one learner's rows; return the answers written (never more than ``budget``)."""
        rng = random.Random(f"{self.args.seed}:answers:{person.id}")
        self.pending[GroupMember].append({"group_id": person.group_id, "user_id": person.id})
        self.pending[ModuleProgress].extend([{
            "user_id": person.id, "module_id": module_id, "topic_id": topic_id,
            "first_opened_at": opened, "last_opened_at": studied or opened,
            "seconds_spent": rng.randint(300, 3600), "position": "",
            "studied_at": studied, "studied_version": "bench" if studied else ""}
            for module_id, topic_id, opened, studied in told.modules])
        hours: dict[str, float] = defaultdict(float)
        attendance = []
        for topic_id, (session_id, starts) in sessions[person.group_id].items():
            if starts > self.now:
                continue
            if topic_id in told.topics_reached:
                status = rng.choices(("present", "late", "absent", "excused"), (80, 7, 8, 5))[0]
            elif told.attempts or told.modules:
                status = "absent" if rng.random() < 0.3 else ""
            else:
                status = ""
            if status:
                attendance.append({"session_id": session_id, "user_id": person.id,
                                   "status": status, "updated_at": starts, "updated_by": 1})
                if status in ("present", "late"):
                    hours[topic_id] += SESSION_HOURS
        self.pending[Attendance].extend(attendance)
        written = 0
        finals: list[Try] = []
        for planned in told.attempts:
            if written >= budget:
                break
            percent, pass_mark, count = self.attempt(person, planned, rng, budget - written)
            written += count
            if percent is not None:
                finals.append(Try(planned.quiz_id, planned.started_at, planned.number,
                                  percent, pass_mark))
        self.certificates(person, told, hours, finals)
        return written

    def attempt(self, person: Person, planned: PlannedAttempt, rng: random.Random,
                budget: int) -> tuple[float | None, float, int]:
        quiz = self.data.quizzes[planned.quiz_id]
        by_id = {q.id: q for q in quiz.questions}
        attempt_seed = f"{rng.getrandbits(64):016x}"
        drawn = draw(quiz, attempt_seed).questions
        self.attempt_id += 1
        slots, results, answers = [], [], []
        scored: list[dict[str, Any]] = []
        score = points = 0.0
        is_open = planned.open or len(drawn) > budget  # the budget runs out: left open
        saved = planned.started_at + timedelta(minutes=rng.uniform(3, 25))
        for position, item in enumerate(drawn):
            question = by_id[item.id]
            slots.append(f'{{"question": {self.data.question_json[(quiz.id, question.id)]}, '
                         f'"order": {json.dumps(list(item.order))}}}')
            response = respond(question, planned.ability, self.data.difficulty[question.id], rng)
            if is_open and position >= min(budget, len(drawn) // 2 + 1):
                response = None
            if response is not None:
                answers.append({"attempt_id": self.attempt_id, "question_id": question.id,
                                "response": json.dumps(encode(response)), "saved_at": saved})
            graded = grade(question, response)
            score += graded.score
            points += graded.points
            results.append(self.result(question, response, graded))
            scored.append({"attempt_id": self.attempt_id, "position": position,
                           "question_id": question.id,
                           "question_key": self.data.keys[(quiz.id, question.id)],
                           "score": graded.score, "points": graded.points})
        percent = round(100 * score / points, 2) if points else 0.0
        finished = not is_open
        self.attempt_rows.append({
            "id": self.attempt_id, "user_id": person.id, "quiz_id": quiz.id,
            "quiz_version": quiz.version, "topic_id": planned.topic_id, "kind": quiz.kind,
            "number": planned.number, "seed": attempt_seed, "pass_mark": quiz.pass_mark,
            "questions": "[" + ", ".join(slots) + "]", "started_at": planned.started_at,
            "deadline_at": None, "submitted_at": saved if finished else None,
            "state": "submitted" if finished else "open",
            "score": score if finished else None, "points": points if finished else None,
            "percent": percent if finished else None,
            "passed": percent >= quiz.pass_mark if finished else None,
            "results": "[" + ", ".join(results) + "]" if finished else None})
        self.answer_rows += answers
        if finished:  # as webapp.services.attempts writes them with the grade
            self.score_rows += scored
        self.done.attempts += 1
        self.done.answers += len(answers)
        is_final = any(t.final == quiz.id for t in self.data.course.topics)
        return (percent if finished and is_final else None), quiz.pass_mark, len(answers)

    def result(self, question: Question, response: Any, graded: Graded) -> str:
        """The result as ``webapp.services.attempts`` stores it (memoised: few distinct ones)."""
        key = (question.id, json.dumps(encode(response), sort_keys=True))
        found = self.result_json.get(key)
        if found is None:
            found = self.result_json[key] = json.dumps(_result_json(graded))
        return found

    def certificates(self, person: Person, told: Story, hours: dict[str, float],
                     finals: list[Try]) -> None:
        """The certificates the app would have issued, decided by ``course.rules`` as in the app."""
        course = self.data.course
        gradings = {t.final: self.data.quizzes[t.final].grading
                    for t in course.topics if t.final in self.data.quizzes}
        passed = passed_quizzes(gradings, finals)
        facts = Facts(dict(hours), frozenset(m for m, _t, _o, s in told.modules if s), passed)
        statuses = checklist(completion.requirements(course, person.audience), facts)
        when = max((a.started_at for a in told.attempts), default=self.now)
        rows = []
        for due in certificates_due(statuses, (), ()):
            if due == PROGRAMME:
                rows.append(("programme", "", course.title,
                             sum(t.in_person_hours for t in course.topics if t.id in hours),
                             sum(t.online_hours for t in course.topics if t.id in hours)))
            elif (topic := course.topic(due)) is not None:
                rows.append(("topic", topic.id, topic.title, topic.in_person_hours,
                             topic.online_hours))
        certificates, events = [], []
        for kind, topic_id, title, in_person, online in rows:
            self.done.certificates += 1
            number = self.done.certificates
            certificates.append({
                "id": number, "code": uuid.UUID(int=random.Random(number).getrandbits(128)).hex,
                "number": f"ARO-2027-{number:06d}", "user_id": person.id, "kind": kind,
                "topic_id": topic_id, "audience": person.audience, "holder_name": person.name,
                "organisation_name": person.organisation_name, "title": title,
                "programme_title": course.title, "in_person_hours": in_person,
                "online_hours": online, "issuer_name": ISSUER, "signatory_name": "",
                "signatory_title": "", "issued_at": when, "issued_by": None, "reason": "",
                "status": "valid", "revoked_at": None, "revoked_by": None,
                "revoked_reason": "", "replaces_id": None, "replaced_by_id": None})
            events.append({"certificate_id": number, "action": "issued", "actor_id": None,
                           "reason": "", "at": when})
        self.pending[Certificate].extend(certificates)
        self.pending[CertificateEvent].extend(events)

    def flush(self) -> None:
        for model in (GroupMember, ModuleProgress, Attendance):
            self.writer.rows(model, self.pending.pop(model, []))
        self.writer.bulk(Attempt, self.attempt_rows)
        self.writer.bulk(Answer, self.answer_rows)
        self.writer.bulk(QuestionScore, self.score_rows)
        for model in (Certificate, CertificateEvent):
            self.writer.rows(model, self.pending.pop(model, []))
        self.attempt_rows, self.answer_rows, self.score_rows = [], [], []


# --- Databases ------------------------------------------------------------------------------------


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def holds_data(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            return bool(connection.execute(text("SELECT count(*) FROM answer")).scalar())
    except Exception:  # no such table: a new database
        return False


def generate(url: str, data: CourseData, args: argparse.Namespace) -> Generated:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA synchronous=OFF")
            session = Session(bind=connection)
            generator = Generator(data, Writer(connection), args, utcnow())
            done = generator.run(session)
            if connection.dialect.name == "postgresql":
                for name in ("user", "learner_group", "training_session", "attempt",
                             "certificate"):
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                        f"(SELECT max(id) FROM \"{name}\"))"))
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
        return done
    finally:
        engine.dispose()


def prepare(label: str, url: str, data: CourseData, args: argparse.Namespace) -> None:
    """A database holding the generated programme, migrated to the newest revision."""
    engine = make_engine(url)
    reuse = args.reuse and holds_data(engine)
    engine.dispose()
    if reuse:
        started = time.perf_counter()
        upgrade(url)
        print(f"[{label}] reusing the generated data; migrations to head in "
              f"{time.perf_counter() - started:.1f} s")
        return
    if label == "postgresql":
        reset_postgres(url)
    started = time.perf_counter()
    upgrade(url)
    log(f"[{label}] generating {args.learners} learners, {args.answers} answers …")
    done = generate(url, data, args)
    print(f"[{label}] generated {done.learners} learners, {done.attempts} attempts, "
          f"{done.answers} answers, {done.certificates} certificates in "
          f"{time.perf_counter() - started:.1f} s")


# --- Timing ---------------------------------------------------------------------------------------


@dataclass
class Timing:
    page: str
    path: str
    cold: float | None = None  # ms
    warm: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # this process's CPU ms per warm request
    status: str = ""  # "" fine, else what went wrong ("not available", "HTTP 500")

    @property
    def median(self) -> float | None:
        return statistics.median(self.warm) if self.warm else None

    @property
    def verdict(self) -> str:
        if self.status == "not available":
            return "n/a"
        if self.status or self.median is None:
            return "FAIL"
        return "PASS" if self.median <= GOAL_MS else "FAIL"


def timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return 1000 * (time.perf_counter() - started), result


def cpu_timed(call: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and this process's CPU milliseconds (Flask, SQLite; not PostgreSQL's)."""
    cpu = time.process_time()
    took, result = timed(call)
    return took, 1000 * (time.process_time() - cpu), result


def sign_in(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = CSRF.search(page)
    assert token, "no CSRF token on /login"
    response = client.post("/login", data={"csrf_token": token.group(1),
                                           "username": COORDINATOR, "password": PASSWORD})
    assert response.status_code == 302, f"sign-in failed ({response.status_code})"


def exists(app: Flask, path: str) -> bool:
    try:
        app.url_map.bind("localhost").match(path.partition("?")[0])
    except NotFound:
        return False
    except Exception:  # a redirect or a method mismatch: the page is there
        return True
    return True


def pages(engine: Engine, data: CourseData) -> list[tuple[str, str]]:
    """The pages to time, with the largest organisation and the first group as filters."""
    with engine.connect() as connection:
        organisation = connection.execute(
            select(User.organisation_id).where(User.role == "learner")
            .group_by(User.organisation_id).order_by(func.count().desc()).limit(1)).scalar()
        group = connection.execute(select(func.min(Group.id))).scalar()
    final = next(t.final for t in data.course.topics if t.final)
    return [
        ("dashboard", "/trainer/progress"),
        ("dashboard, one organisation", f"/trainer/progress?organisation={organisation}"),
        ("dashboard, one group", f"/trainer/progress?group={group}"),
        ("quiz statistics", f"/trainer/stats/quiz/{final}"),
        (COLD_STATS, f"/trainer/stats/quiz/{final}"),
        ("knowledge gain", "/trainer/stats/gain"),
        ("donor report", "/trainer/reports/donor"),
        ("staff home (all learners)", "/trainer/"),
    ]


COLD_STATS = "quiz statistics (cold first view)"


def forget_quiz_reports(app: Flask, engine: Engine) -> None:
    """Empty every cache of quiz reports: the shared table and any process cache."""
    app.extensions.pop("dobro.quiz_reports", None)  # the per-process cache before issue 15
    with engine.begin() as connection:
        if sa_inspect(connection).has_table("shared_cache"):
            connection.execute(text("DELETE FROM shared_cache"))


def measure(url: str, data: CourseData, args: argparse.Namespace, workdir: Path
            ) -> tuple[list[Timing], Timing, Timing]:
    app = create_app({"SECRET_KEY": "bench-" + os.urandom(8).hex(), "CONTENT_ROOT": REPO,
                      "COURSE_BUILD": args.build or workdir / "build", "DATABASE_URL": url,
                      "INSTANCE_PATH": workdir / "instance", "BASE_URL": "http://127.0.0.1"})
    engine: Engine = app.extensions["dobro.engine"]
    client = app.test_client()
    try:
        sign_in(client)
        health = Timing("/healthz", "/healthz")
        count = Timing("SELECT count(*) FROM answer", "")
        client.get("/trainer/")  # loads the course: every page below needs it

        def count_answers() -> Any:
            with engine.connect() as connection:
                return connection.execute(text("SELECT count(*) FROM answer")).scalar()

        for _ in range(args.repeat):
            health.warm.append(timed(lambda: client.get("/healthz"))[0])
            count.warm.append(timed(count_answers)[0])
        found = []
        for page, path in pages(engine, data):
            if args.pages and page not in args.pages:
                continue
            timing = Timing(page, path)
            found.append(timing)
            if not exists(app, path):
                timing.status = "not available"
                continue
            log(f"  {page}: {path} …")
            for run in range(args.repeat + 1):
                if page == COLD_STATS:  # every request is a first view
                    forget_quiz_reports(app, engine)
                took, cpu, response = cpu_timed(lambda path=path: client.get(path))
                if response.status_code != 200:
                    timing.status = f"HTTP {response.status_code}"
                    break
                if run == 0:
                    timing.cold = took
                else:
                    timing.warm.append(took)
                    timing.cpu.append(cpu)
        return found, health, count
    finally:
        engine.dispose()


def report(label: str, timings: list[Timing], health: Timing, count: Timing) -> list[str]:
    reference = health.median or 1.0

    def ms(value: float | None) -> str:
        return "—" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"

    lines = [f"{label}: {'page':<34} {'cold ms':>9} {'warm ms':>9} {'cpu ms':>7} "
             f"{'goal ms':>8} {'× healthz':>10}  verdict"]
    indent = " " * (len(label) + 2)
    for t in timings:
        ratio = f"{t.median / reference:,.0f}" if t.median is not None else "—"
        verdict = {"": t.verdict, "not available": "not available"}.get(
            t.status, f"FAIL ({t.status})")
        cpu = statistics.median(t.cpu) if t.cpu else None
        lines.append(f"{indent}{t.page:<34} {ms(t.cold):>9} {ms(t.median):>9} {ms(cpu):>7} "
                     f"{GOAL_MS:>8.0f} {ratio:>10}  {verdict}")
    lines.append(f"{indent}{'reference: /healthz':<34} {'':>9} {ms(health.median):>9}")
    lines.append(f"{indent}{'reference: count(*) answer':<34} {'':>9} {ms(count.median):>9}")
    return lines


def load_average() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES,
                        help="a PostgreSQL database the benchmark may wipe")
    parser.add_argument("--repeat", type=int, default=5, help="warm requests per page")
    parser.add_argument("--seed", type=int, default=20270601)
    parser.add_argument("--workdir", type=Path, help="keep the SQLite file and build here")
    parser.add_argument("--reuse", action="store_true",
                        help="measure again a database that already holds generated data")
    parser.add_argument("--build", type=Path, help="a compiled course (default: compile one)")
    parser.add_argument("--pages", default="",
                        help="comma-separated page names to time (default: all), e.g. "
                             f"'quiz statistics,{COLD_STATS}'")
    args = parser.parse_args(argv)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    args.pages = {p.strip() for p in args.pages.split(",") if p.strip()}
    unknown = set(args.databases) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown database {', '.join(sorted(unknown))}")
    if args.learners < LEARNERS_PER_GROUP or args.answers < 1:
        parser.error(f"--learners must be at least {LEARNERS_PER_GROUP}")
    return args


@contextmanager
def working_folder(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="dobro-bench-reports-") as tmp:
        yield Path(tmp)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    print("Dobro reports benchmark (bench/reports.py)")
    print(f"python {platform.python_version()}, {platform.platform()}, {os.cpu_count()} CPUs")
    print(f"load average before: {load_average()}")
    print(f"{args.learners} learners, {args.answers} answers; cold = first request, "
          f"warm = median of {args.repeat}; goal {GOAL_MS:.0f} ms warm", flush=True)
    ok = True
    with working_folder(args.workdir) as workdir:
        if args.build is None and not (workdir / "build" / "course.json").exists():
            from course.build import build
            log("compiling the course …")
            build(REPO, workdir / "build")
        data = CourseData.load(args.build or workdir / "build")
        for label in args.databases:
            url = f"sqlite:///{workdir / 'bench.sqlite3'}" if label == "sqlite" else args.postgres
            prepare(label, url, data, args)
            timings, health, count = measure(url, data, args, workdir)
            print()
            print("\n".join(report(label, timings, health, count)))
            print(f"load average: {load_average()}", flush=True)
            ok = ok and all(t.verdict != "FAIL" for t in timings)
    print()
    print(f"load average after: {load_average()}")
    print(f"verdict: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
