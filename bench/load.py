"""Load test: simulated learners, ramped up until the p95 passes 300 ms or errors appear.

What it measures
----------------
Two setups, each on a fresh database, the first one judged:

* **postgres**: nginx (TLS) → two app servers (``dobro serve``, gunicorn) →
  PostgreSQL, started by ``tests/stack.py``'s ``Stack`` (``--database-url``
  names an empty database; ``--wipe`` empties it first);
* **sqlite**: ONE app server (``dobro serve``, its default workers) on SQLite, on
  plain HTTP, no proxy: the embedded default.

For each, the course is compiled, the schema created, ``max(--steps)`` learners
(audience "councillors") inserted in one statement with a password hash computed
once, and one learner in ``--certified`` given a topic certificate by a trainer (the
real service call), so that some learners have a PDF to download. Then simulated
learners join, each with its own connection and cookie jar (asyncio and aiohttp in
this one process), and live this cycle, pausing a think time of ``--think`` seconds
(5–15, at random) before each step as a person reading and answering does:

  sign in (GET /login, POST /login with the page's CSRF token) → home →
  a module page → 1–3 reading heartbeats (the JSON POST of ``static/js/reading.js``,
  ``X-CSRFToken`` from the page's meta tag) → the quiz's page → start (POST, then the
  attempt page it redirects to) → 1–3 autosaves (the JSON POST of ``static/js/quiz.js``)
  → submit (POST with every answer, then the review page) → for a certified learner,
  now and then, the certificates page and the PDF → home again …; after a cycle a share
  of the learners (``--resign``, 3 %: one sign-in per ~50 minutes of study) signs out
  (POST /logout) and in again, so sign-ins (and their scrypt hash) go on at a steady
  rate, not only while learners join.

Redirects are followed by hand, each a request of its own, as a browser makes them.
The modules are those of one topic, their self-checks unlimited: every learner can
loop for as long as the run lasts.

The ramp: ``--steps`` learner counts (default 200, 400, 800, … 2500). New learners
join at ``--join-rate`` a second (their sign-in costs the server a scrypt hash, about
90 ms of CPU here: joining faster would measure the ramp, not the learners); once the
last of them has signed in (each fills in the form for a think time first), ``--settle``
seconds pass, then ``--hold`` seconds are measured: requests started in that window
(those still waiting at its end count with the time they waited so far). A step whose
p95 is 300 ms or more, or that had any error (a status other than the one expected, a
failed connection, a 30 s time-out), ends the setup's ramp. The answer is the largest
step served at p95 < 300 ms with no error.

For each step it prints learners, requests/s, p50/p95/p99, errors, server CPU per
request (CPU time of the server processes read from ``/proc/<pid>/stat``: the app
servers' gunicorn masters and workers and nginx — this process's descendants — and
the PostgreSQL backends connected to the bench's database; PostgreSQL's shared
background processes are not counted), the machine's busy share, the load average, and
the generator's own CPU (``getrusage``) with the delay of its event loop: when the
generator uses ~90 % of a core or its loop runs late by more than 50 ms at the p95, it
is the bottleneck and the latencies say more about it than about the server, and the
row says so. Per kind of request, the last passing step and the failing one are printed
too, which shows what breaks first. At the end, on PostgreSQL, every table's rows and
bytes (``pg_total_relation_size``: with its indexes and TOAST) and bytes per row, the
figures docs/scaling.md sizes a database from.

Why nothing is compared with a fixed number but the goal
---------------------------------------------------------
The issue's goal is absolute (2,000 concurrent learners on 2 cores, p95 < 300 ms, no
errors): a learner waits for it whatever the machine. Read it with the machine line
and the load average printed beside each step; on a machine busy with other work the
figures are lower than the hardware allows.

Usage::

    .venv/bin/python bench/load.py --wipe
        --database-url postgresql+psycopg://dobro:dobro@127.0.0.1:5432/dobro_load
        [--setups postgres,sqlite] [--steps 200,400,800,1200,1600,2000,2500]
        [--hold 30] [--settle 5] [--join-rate 15] [--think 5-15] [--certified 10]
        [--goal 2000] [--budget 14]

The database must exist (``createdb -O dobro dobro_load``) and be empty, or ``--wipe``
drops everything in its public schema. The whole run takes at most ``--budget``
minutes, shared by the setups (PostgreSQL 3 : SQLite 2, what one leaves goes to the
next): a step that would end after its setup's share is skipped, and the report says
so. Exit status 1 when the first setup misses ``--goal`` learners. Everything listens
on loopback only, each learner's loop is bounded in time, and every server is stopped
at the end, on errors and on SIGTERM too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import resource
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
AUDIENCE = "councillors"
TOPIC = "samoupravlenie"
PASSWORD = "bench-password-123"  # noqa: S105 - throwaway accounts in a bench database
USER_AGENT = "dobro-load"  # one for all: Flask-Login's session protection watches it
P95_GOAL_MS = 300.0
DEFAULT_STEPS = "200,400,800,1200,1600,2000,2500"
REQUEST_TIMEOUT = 30.0
SETUP_WEIGHTS = {"postgres": 3, "sqlite": 2}  # how the --budget is shared
START_TIMEOUT = 90.0
# Learners who sign out and in again after a cycle: a cycle is nine 5–15 s pauses, about
# 1.5 minutes, so 0.03 is a sign-in per 50 minutes of study — a councillor's evening
# session (the sign-in sheet's counterpart). Each costs the server a scrypt hash (~90 ms):
# 0.1, the figure before 4 December 2026, was a sign-in every 15 minutes.
RESIGN_SHARE = 0.03
PDF_SHARE = 0.3  # certified learners who download their certificate in a cycle
GENERATOR_CPU_LIMIT = 0.9  # of one core
LOOP_LAG_LIMIT_MS = 50.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')
PDF_LINK = re.compile(rb'href="(/certificates/[^"/]+\.pdf)"')
PAGE_TITLE = re.compile(rb"<title>([^<]*)</title>")

ATTEMPT_PATH = re.compile(r"^/attempt/(\d+)$")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The course: modules with unlimited self-checks ------------------------------------------


@dataclass(frozen=True)
class Reading:
    """A module a learner reads, its headings' anchors, and its self-check."""

    module: str
    anchors: tuple[str, ...]
    quiz: str
    questions: tuple[dict[str, Any], ...]


def readings(build: Path) -> list[Reading]:
    """The modules of ``TOPIC`` whose self-check allows any number of attempts, untimed."""
    course = json.loads((build / "course.json").read_text(encoding="utf-8"))
    topic = next(t for t in course["topics"] if t["id"] == TOPIC)
    found = []
    for module_id in topic["modules"]:
        module = course["modules"][module_id]
        quiz_id = module.get("quiz") or ""
        if not quiz_id:
            continue
        quiz = json.loads((build / "quizzes" / f"{quiz_id}.json").read_text(encoding="utf-8"))
        if quiz.get("attempts") or quiz.get("time_limit"):
            continue
        anchors = tuple(h.get("anchor", "") for h in module.get("headings", []))
        found.append(Reading(module_id, tuple(a for a in anchors if a), quiz_id,
                             tuple(quiz["questions"])))
    if not found:
        raise RuntimeError(f"topic {TOPIC} has no module with an unlimited self-check")
    return found


def answers_for(questions: Sequence[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """An answer to every question, in display positions (right or wrong, by chance)."""
    form: dict[str, Any] = {}
    for question in questions:
        name, kind = f"a.{question['id']}", question["type"]
        if kind == "single":
            form[name] = str(rng.randrange(len(question["choices"])))
        elif kind == "multiple":
            count = len(question["choices"])
            form[name] = [str(p) for p in sorted(rng.sample(range(count), min(2, count)))]
        elif kind == "true-false":
            form[name] = rng.choice(["true", "false"])
        elif kind == "match":
            options = len(question["pairs"]) + len(question.get("distractors", []))
            for part in range(len(question["pairs"])):
                form[f"{name}.{part}"] = str(rng.randrange(options))
        elif kind == "order":
            places = list(range(1, len(question["items"]) + 1))
            rng.shuffle(places)
            for part, place in enumerate(places):
                form[f"{name}.{part}"] = str(place)
        elif kind == "number":
            form[name] = str(rng.randint(1, 9))
        else:
            form[name] = rng.choice(["кмет", "общински съвет", "закон"])
    return form


def autosave_body(questions: Sequence[dict[str, Any]], answers: dict[str, Any],
                  rng: random.Random) -> dict[str, Any]:
    """What quiz.js posts: the questions changed since the last save, and their fields."""
    changed = rng.sample([str(q["id"]) for q in questions], min(2, len(questions)))
    body: dict[str, Any] = {"shown": changed}
    for name, value in answers.items():
        if name.split(".")[1] in changed:
            body[name] = value
    return {"answers": body}


# --- Setting up: database, learners, certificates --------------------------------------------


def learner_name(number: int) -> str:
    return f"load-{number:05d}"


def seed(count: int, certified_every: int) -> None:
    """Insert ``count`` learners at once and certify every ``certified_every``-th.

    Runs in a child process configured by the servers' environment. One scrypt hash for
    every account: hashing 2,500 passwords one by one would take minutes, and the server
    checks each sign-in against its own row all the same.
    """
    from sqlalchemy import insert, select
    from sqlmodel import col
    from werkzeug.security import generate_password_hash

    from webapp import create_app, db
    from webapp.content import current_course, store
    from webapp.models import PrivacyConsent, User, utcnow
    from webapp.services import accounts, certificates, privacy

    app = create_app()
    with app.app_context():
        session = db.session()
        hashed = generate_password_hash(PASSWORD, method=accounts.PASSWORD_METHOD)
        now = utcnow()
        trainer = User(username="load-trainer", name="Load Trainer", role="trainer",
                       password_hash=hashed)
        session.add(trainer)
        session.commit()
        rows = [{"username": learner_name(n), "name": f"Участник {n}", "email": None,
                 "password_hash": hashed, "role": "learner", "audience": AUDIENCE,
                 "specialism": None, "organisation_id": None, "position": "", "sex": "",
                 "phone": "", "active": True, "session_version": 1, "created_at": now,
                 "joined_at": now, "last_login_at": None} for n in range(1, count + 1)]
        session.execute(insert(User), rows)
        # Each joined with a code, which records that they saw the privacy notice: else
        # every sign-in would stop at "the notice has changed" (a page no one sees twice).
        version = privacy.current_version(app.jinja_env, app.config)
        joined = session.execute(select(col(User.id)).where(col(User.role) == "learner")).scalars()
        session.execute(insert(PrivacyConsent), [
            {"user_id": user_id, "notice_version": version, "via": "join", "at": now}
            for user_id in joined])
        session.commit()
        if certified_every:
            course, build, issuer = current_course(), store().build_dir, \
                certificates.current_issuer()
            for n in range(certified_every, count + 1, certified_every):
                user = session.query(User).filter_by(username=learner_name(n)).one()
                certificates.issue_by_hand(session, user, TOPIC, trainer, "load test",
                                           course, build, issuer)
        db.engine().dispose()


def run(command: Sequence[str], env: dict[str, str], timeout: float = 600) -> None:
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n"
                           f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def psycopg_url(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as libpq takes it."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def pg_query(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(psycopg_url(url), autocommit=True) as connection:
        cursor = connection.execute(sql.encode())  # the bench's own SQL, no parameters
        return list(cursor.fetchall()) if cursor.description else []


def empty_database(url: str, wipe: bool) -> None:
    """Make sure the bench's PostgreSQL database has no tables (``wipe``: drop them)."""
    tables = pg_query(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")[0][0]
    if tables and not wipe:
        raise SystemExit(f"the database of --database-url has {tables} tables: give an empty "
                         "one, or --wipe to drop everything in its public schema")
    if tables:
        pg_query(url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")


def app_environment(workdir: Path, name: str, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DOBRO_CONTENT": str(REPO),
        "DOBRO_BUILD": str(workdir / "build"),
        "DOBRO_INSTANCE": str(workdir / f"instance-{name}"),
        "DOBRO_SECRET_KEY": "load-" + os.urandom(16).hex(),
        "DOBRO_BASE_URL": f"http://{HOST}",
    })
    if database_url:
        env["DOBRO_DATABASE_URL"] = database_url
    else:
        env.pop("DOBRO_DATABASE_URL", None)
    return env


def prepare(env: dict[str, str], learners: int, certified_every: int,
            upgrade: bool = True) -> None:
    """The schema (unless ``upgrade`` is False: already made), the learners, certificates."""
    if upgrade:
        log("dobro db upgrade …")
        run([str(BIN / "dobro"), "db", "upgrade"], env)
    log(f"inserting {learners} learners, certifying one in {certified_every or '∞'} …")
    run([sys.executable, __file__, "--seed", str(learners), str(certified_every)], env)


def unfinished_jobs(env: dict[str, str]) -> int:
    """Jobs queued or running (certificate PDFs the seeding queued, if issuing queues them);
    not the periodic ones, which always wait for their next time (webapp/jobs.py)."""
    sql = ("SELECT count(*) FROM job WHERE status IN ('queued', 'running') "
           "AND key <> 'periodic'")  # webapp.jobs.PERIODIC_KEY (this script imports no app)
    url = env.get("DOBRO_DATABASE_URL", "")
    if url:
        return int(pg_query(url, sql)[0][0])
    path = Path(env["DOBRO_INSTANCE"]) / "dobro.sqlite3"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return int(connection.execute(sql).fetchone()[0])


def wait_for_jobs(env: dict[str, str], timeout: float) -> str:
    """Let the servers' job runners finish the seeding's jobs before anything is measured.

    A note for the report when some are still unfinished after ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while (left := unfinished_jobs(env)) and time.monotonic() < deadline:
        log(f"waiting for {left} jobs …")
        time.sleep(3)
    return f"{left} jobs the seeding queued were still unfinished when the ramp began" \
        if left else ""


# --- Servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextmanager
def dobro_serve(env: dict[str, str], workdir: Path, name: str) -> Iterator[str]:
    """One ``dobro serve`` (gunicorn, its default workers) on loopback; yield its URL."""
    port = free_port()
    url = f"http://{HOST}:{port}"
    logfile = workdir / f"serve-{name}.log"
    with open(logfile, "wb") as output:
        process = subprocess.Popen(
            [str(BIN / "dobro"), "serve", "--host", HOST, "--port", str(port)], cwd=REPO,
            env={**env, "DOBRO_BASE_URL": url}, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(url, lambda: process.poll() is None, logfile)
        yield url
    finally:
        stop(process)


@contextmanager
def nginx_stack(workdir: Path, database_url: str, learners: int, certified_every: int,
                jobs_wait: float) -> Iterator[tuple[str, str]]:
    """nginx → two app servers → PostgreSQL as tests/stack.py starts them, seeded.

    Yields its URL and a note on the seeding's jobs.
    """
    sys.path.insert(0, str(REPO))
    try:
        from tests.stack import Stack  # type: ignore[import-not-found, unused-ignore]
    except ImportError as error:
        raise SystemExit(f"the postgres setup needs tests/stack.py ({error})") from error
    log("starting nginx → 2 app servers (tests/stack.py) …")
    with Stack(workdir / "stack", database_url, servers=2, workers=1, threads=4) as stack:
        env = stack.environment(0)  # its course, instance (keys) and database
        prepare(env, learners, certified_every, upgrade=False)
        note = wait_for_jobs(env, jobs_wait)
        yield str(stack.base_url).rstrip("/"), note


def wait_healthy(url: str, alive: Any, logfile: Path) -> None:
    import ssl
    import urllib.request

    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    deadline, last = time.monotonic() + START_TIMEOUT, ""
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server exited:\n{tail(logfile)}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5, context=context) as answer:
                if answer.status == 200:
                    return
        except OSError as error:
            last = str(error)
        time.sleep(0.3)
    raise RuntimeError(f"{url}/healthz did not answer in {START_TIMEOUT:.0f} s ({last}):\n"
                       f"{tail(logfile)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0)):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue


# --- CPU accounting --------------------------------------------------------------------------


def proc_stat(pid: int) -> tuple[str, int, int] | None:
    """A process's command name, parent and CPU jiffies (user + system), or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    rest = text.rsplit(")", 1)[1].split()
    return name, int(rest[1]), int(rest[11]) + int(rest[12])


def server_processes(database_url: str) -> dict[int, str]:
    """This process's descendants (app servers, nginx) and the database's backends: pid → role."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (found := proc_stat(int(entry.name))):
            names[int(entry.name)], parents[int(entry.name)] = found[0], found[1]
    mine, roles = {os.getpid()}, {}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in mine and pid not in mine:
                mine.add(pid)
                changed = True
    for pid in mine - {os.getpid()}:
        roles[pid] = "nginx" if names[pid].startswith("nginx") else "app"
    if database_url:
        for (pid,) in pg_query(database_url, "SELECT pid FROM pg_stat_activity WHERE datname ="
                                             " current_database() AND pid <> pg_backend_pid()"):
            roles[int(pid)] = "postgres"
    return roles


@dataclass(frozen=True)
class Snapshot:
    """CPU jiffies at a moment: of the server processes (by pid), the machine, the generator."""

    at: float
    servers: dict[int, int]
    busy: int
    total: int
    generator: float

    @classmethod
    def take(cls, roles: dict[int, str]) -> Snapshot:
        servers = {pid: found[2] for pid in roles if (found := proc_stat(pid))}
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return cls(time.monotonic(), servers, sum(fields) - idle, sum(fields),
                   usage.ru_utime + usage.ru_stime)


def server_seconds(before: Snapshot, after: Snapshot, roles: dict[int, str]) -> dict[str, float]:
    """CPU seconds each role used between two snapshots (a process born meanwhile from 0)."""
    used: dict[str, float] = {}
    for pid, ticks in after.servers.items():
        role = roles.get(pid, "app")
        used[role] = used.get(role, 0.0) + (ticks - before.servers.get(pid, 0)) / CLOCK_TICKS
    return used


# --- Learners --------------------------------------------------------------------------------


@dataclass
class Record:
    kind: str
    started: float
    ms: float
    ok: bool


@dataclass
class Recorder:
    """Every request: kind, start, latency and success; and those still waiting."""

    records: list[Record] = field(default_factory=list)
    waiting: dict[int, tuple[str, float]] = field(default_factory=dict)
    problems: Counter[str] = field(default_factory=Counter)
    serial: int = 0

    def begin(self, kind: str) -> int:
        self.serial += 1
        self.waiting[self.serial] = (kind, time.monotonic())
        return self.serial

    def end(self, ticket: int, ok: bool, problem: str = "") -> None:
        kind, started = self.waiting.pop(ticket)
        self.records.append(Record(kind, started, (time.monotonic() - started) * 1000, ok))
        if not ok:
            self.problems[f"{kind}: {problem}"] += 1

    def window(self, start: float, end: float) -> list[Record]:
        """Requests started in [start, end); those still waiting with the time so far."""
        now = time.monotonic()
        found = [r for r in self.records if start <= r.started < end]
        found += [Record(kind, started, (now - started) * 1000, True)
                  for kind, started in self.waiting.values() if start <= started < end]
        return found


class Failed(Exception):
    """A request answered otherwise than a browser's page expects: the cycle stops."""


@dataclass
class Learner:
    number: int
    base: str
    plan: list[Reading]
    recorder: Recorder
    think: tuple[float, float]
    certified: bool
    deadline: float
    rng: random.Random = field(default_factory=random.Random)
    http: aiohttp.ClientSession | None = None
    token: str = ""
    page: str = "/"
    signed_in: bool = False
    joining: set[int] | None = None  # the ramp's learners whose first sign-in is not over
    resign: float = RESIGN_SHARE

    async def live(self) -> None:
        """Sign in and loop through the cycle until the deadline; then close the connection."""
        jar = aiohttp.CookieJar(unsafe=True)  # cookies for an IP address, as a browser keeps
        # gunicorn alone closes an idle connection after 2 s: reusing one then races its
        # close (a POST that fails on a socket the server just shut); nginx keeps it 75 s.
        idle = 60.0 if self.base.startswith("https:") else 1.0
        connector = aiohttp.TCPConnector(limit=2, ssl=False, keepalive_timeout=idle)
        self.http = aiohttp.ClientSession(
            connector=connector, cookie_jar=jar, headers={"User-Agent": USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
        try:
            while time.monotonic() < self.deadline:
                try:
                    if not self.signed_in:
                        try:
                            await self.sign_in()
                        finally:
                            if self.joining is not None:
                                self.joining.discard(self.number)
                    await self.cycle()
                except Failed:
                    self.signed_in = False  # start again as a returning learner would
                    await self.pause()
        finally:
            await self.http.close()

    async def pause(self) -> None:
        await asyncio.sleep(min(self.rng.uniform(*self.think),
                                max(0.0, self.deadline - time.monotonic())))

    async def call(self, kind: str, method: str, path: str, expect: int,
                   **options: Any) -> tuple[bytes, str]:
        """One request, timed; its body and redirect path. Failed if not ``expect``."""
        assert self.http is not None
        headers = {"Referer": self.base + self.page, **options.pop("headers", {})}
        ticket = self.recorder.begin(kind)
        try:
            async with self.http.request(method, self.base + path, headers=headers,
                                         allow_redirects=False, **options) as answer:
                body = await answer.read()
                status, location = answer.status, answer.headers.get("Location", "")
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            self.recorder.end(ticket, False, type(error).__name__)
            raise Failed from error
        if status != expect:
            title = PAGE_TITLE.search(body)
            self.recorder.end(ticket, False, f"HTTP {status}" + (
                f" ({title.group(1).decode('utf-8', 'replace').strip()[:80]})" if title else ""))
            raise Failed
        self.recorder.end(ticket, True)
        if method == "GET":
            self.page = path
            if found := CSRF_META.search(body):
                self.token = found.group(1).decode()
        return body, urlsplit(location).path

    async def sign_in(self) -> None:
        await self.call("login page", "GET", "/login", 200)
        await self.pause()
        _body, location = await self.call("sign in", "POST", "/login", 302, data={
            "csrf_token": self.token, "username": learner_name(self.number),
            "password": PASSWORD})
        if location.startswith("/login"):
            raise Failed
        self.signed_in = True
        await self.call("home", "GET", location or "/", 200)

    async def cycle(self) -> None:
        reading = self.rng.choice(self.plan)
        await self.pause()
        await self.call("home", "GET", "/", 200)
        await self.pause()
        await self.call("module", "GET", f"/learn/{reading.module}", 200)
        for _beat in range(self.rng.randint(1, 3)):
            await self.pause()
            position = self.rng.choice(reading.anchors) if reading.anchors else ""
            await self.call("heartbeat", "POST", f"/learn/{reading.module}/progress", 204,
                            json={"position": position}, headers={"X-CSRFToken": self.token})
        await self.pause()
        await self.call("quiz page", "GET", f"/quiz/{reading.quiz}", 200)
        await self.pause()
        _body, location = await self.call("quiz start", "POST", f"/quiz/{reading.quiz}/start",
                                          302, data={"csrf_token": self.token})
        if not ATTEMPT_PATH.match(location):
            raise Failed
        await self.call("attempt page", "GET", location, 200)
        answers = answers_for(reading.questions, self.rng)
        for _save in range(self.rng.randint(1, 3)):
            await self.pause()
            await self.call("autosave", "POST", f"{location}/save", 200,
                            json=autosave_body(reading.questions, answers, self.rng),
                            headers={"X-CSRFToken": self.token})
        await self.pause()
        _body, review = await self.call("quiz submit", "POST", f"{location}/submit", 302,
                                        data={"csrf_token": self.token, **answers})
        await self.call("review", "GET", review, 200)
        if self.certified and self.rng.random() < PDF_SHARE:
            await self.pause()
            body, _location = await self.call("certificates", "GET", "/certificates/", 200)
            link = PDF_LINK.search(body)
            if link is None:
                raise Failed
            await self.pause()
            pdf, _location = await self.call("certificate pdf", "GET", link.group(1).decode(), 200)
            if not pdf.startswith(b"%PDF"):
                raise Failed
        if self.rng.random() < self.resign:
            await self.pause()
            await self.call("sign out", "POST", "/logout", 302, data={"csrf_token": self.token})
            self.signed_in = False


# --- The ramp --------------------------------------------------------------------------------


@dataclass
class Step:
    learners: int
    seconds: float
    records: list[Record]
    cpu: dict[str, float]  # role → CPU seconds in the window
    machine: float  # share of all CPUs busy
    generator: float  # share of one core
    lag_p95: float  # ms the event loop ran late
    load: str

    @property
    def errors(self) -> int:
        return sum(not r.ok for r in self.records)

    @property
    def rate(self) -> float:
        return len(self.records) / self.seconds

    def percentile(self, p: float, kind: str = "") -> float:
        return percentile([r.ms for r in self.records if r.ok and kind in ("", r.kind)], p)

    @property
    def served(self) -> bool:
        return self.errors == 0 and self.percentile(95) < P95_GOAL_MS and bool(self.records)

    @property
    def saturated(self) -> bool:
        return self.generator >= GENERATOR_CPU_LIMIT or self.lag_p95 > LOOP_LAG_LIMIT_MS

    def cpu_ms(self, role: str = "") -> float:
        used = sum(s for r, s in self.cpu.items() if role in ("", r))
        return used * 1000 / len(self.records) if self.records else float("nan")


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = math.ceil(p / 100 * len(ordered))  # nearest rank
    return ordered[min(len(ordered), max(1, rank)) - 1]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def watch_loop(lags: list[float], until: float) -> None:
    """How late the event loop wakes up: the generator's own queueing delay."""
    while time.monotonic() < until:
        planned = time.monotonic() + 0.1
        await asyncio.sleep(0.1)
        lags.append(max(0.0, (time.monotonic() - planned) * 1000))


async def ramp(urls: Sequence[str], plan: list[Reading], args: argparse.Namespace,
               database_url: str, deadline: float) -> tuple[list[Step], str]:
    """Add learners step by step, measure each step; stop at the first that fails."""
    recorder, steps = Recorder(), []
    joining_now: set[int] = set()
    tasks: list[asyncio.Task[None]] = []
    lags: list[float] = []
    stop_at = deadline + REQUEST_TIMEOUT
    watcher = asyncio.create_task(watch_loop(lags, stop_at))
    rng = random.Random(15)
    note = ""
    try:
        for count in args.steps:
            joining = count - len(tasks)
            needed = joining / args.join_rate + args.think[1] + args.settle + args.hold + 2
            if time.monotonic() + needed > deadline:
                note = f"stopped before {count} learners: the time budget (--budget) is spent"
                break
            for _n in range(joining):
                number = len(tasks) + 1
                learner = Learner(number, urls[number % len(urls)], plan, recorder,
                                  args.think, bool(args.certified)
                                  and number % args.certified == 0, stop_at,
                                  random.Random(rng.random()))
                learner.joining, learner.resign = joining_now, args.resign
                joining_now.add(number)
                tasks.append(asyncio.create_task(learner.live()))
                await asyncio.sleep(1 / args.join_rate)
            # Sign-ins take a think time each (the login form is filled in): wait for the
            # last, so that the window measures learners at work, not a crowd signing in.
            while joining_now and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            await asyncio.sleep(args.settle)
            roles = server_processes(database_url)
            before, lag_from, load = Snapshot.take(roles), len(lags), load_average()
            await asyncio.sleep(args.hold)
            after = Snapshot.take(roles)
            records = recorder.window(before.at, after.at)
            step = Step(count, after.at - before.at, records,
                        server_seconds(before, after, roles),
                        (after.busy - before.busy) / max(1, after.total - before.total),
                        (after.generator - before.generator) / (after.at - before.at),
                        percentile(lags[lag_from:], 95), f"{load} → {load_average()}")
            steps.append(step)
            print(step_row(step), flush=True)
            if not step.served:
                break
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    if recorder.problems:
        note = (note + "; " if note else "") + "errors: " + ", ".join(
            f"{what} ×{n}" for what, n in recorder.problems.most_common(6))
    return steps, note


# --- Reporting -------------------------------------------------------------------------------


HEADER = (f"  {'learners':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'errors':>6} {'srv ms/req':>10} {'app':>5} {'nginx':>5} {'pg':>5} {'cpu':>4} "
          f"{'gen':>4} {'lag':>4}  load (1, 5, 15 min) before → after")


def step_row(step: Step) -> str:
    verdict = "ok" if step.served else "FAIL"
    saturated = "  GENERATOR SATURATED" if step.saturated else ""
    return (f"  {step.learners:>8} {step.rate:>7.1f} {step.percentile(50):>7.0f} "
            f"{step.percentile(95):>7.0f} {step.percentile(99):>7.0f} {step.errors:>6} "
            f"{step.cpu_ms():>10.1f} {step.cpu_ms('app'):>5.1f} {step.cpu_ms('nginx'):>5.1f} "
            f"{step.cpu_ms('postgres'):>5.1f} {step.machine:>4.0%} {step.generator:>4.0%} "
            f"{step.lag_p95:>4.0f}  {step.load}  {verdict}{saturated}")


def kinds_table(step: Step) -> list[str]:
    counts = Counter(r.kind for r in step.records)
    errors = Counter(r.kind for r in step.records if not r.ok)
    lines = [f"    {'request':<16} {'count':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
             f"{'errors':>6}"]
    for kind, count in sorted(counts.items(), key=lambda kc: -step.percentile(95, kc[0])):
        lines.append(f"    {kind:<16} {count:>6} {step.percentile(50, kind):>7.0f} "
                     f"{step.percentile(95, kind):>7.0f} {step.percentile(99, kind):>7.0f} "
                     f"{errors[kind]:>6}")
    return lines


def summary(label: str, steps: Sequence[Step]) -> tuple[int, str]:
    """The learners served at p95 < 300 ms with no error, and a line that says so."""
    served = [s for s in steps if s.served]
    if not served:
        return 0, f"{label}: no step served at p95 < {P95_GOAL_MS:.0f} ms without errors"
    best = served[-1]
    return best.learners, (
        f"{label}: {best.learners} learners served at p95 < {P95_GOAL_MS:.0f} ms with 0 errors "
        f"({best.rate:.1f} req/s; p50/p95/p99 {best.percentile(50):.0f}/"
        f"{best.percentile(95):.0f}/{best.percentile(99):.0f} ms; server CPU "
        f"{best.cpu_ms():.1f} ms per request; load {best.load})")


def machine_info() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown CPU")
    versions = []
    for package in ("gunicorn", "flask", "sqlalchemy", "psycopg", "aiohttp"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    nginx = subprocess.run(["nginx", "-v"], capture_output=True, text=True, check=False) \
        if Path("/usr/sbin/nginx").exists() else None
    return [
        f"machine: {platform.machine()}, {cpu}, nproc {os.cpu_count()} (usable "
        f"{len(os.sched_getaffinity(0))}), {platform.system()} {platform.release()}, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB",
        f"python {platform.python_version()}; {', '.join(versions)}"
        + (f"; {nginx.stderr.strip()}" if nginx else ""),
        "load generator: asyncio + aiohttp in this process, one connection and cookie jar "
        "per learner",
    ]


def database_size(url: str, learners: int) -> list[str]:
    """Rows and bytes of every table (with its indexes and TOAST) after the run.

    What a learner costs on disk: the tables that grow with learners divided by their
    rows, for docs/scaling.md's arithmetic (the run's few minutes are not a whole course).
    """
    names = [name for (name,) in pg_query(
        url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    rows = []
    for name in names:
        quoted = '"' + name.replace('"', '""') + '"'
        ((count, size),) = pg_query(url, f"SELECT (SELECT count(*) FROM {quoted}), "
                                         f"pg_total_relation_size('{quoted}')")
        rows.append((name, int(count), int(size)))
    rows.sort(key=lambda row: -row[2])
    total = sum(size for _name, _count, size in rows)
    lines = [f"database after the run: {total / 2**20:.1f} MiB, {learners} learner accounts "
             f"({total / learners / 1024:.1f} KiB per account); the tables with rows:",
             f"    {'table':<24} {'rows':>8} {'KiB':>8} {'bytes/row':>9}"]
    for name, count, size in rows:
        if count:
            lines.append(f"    {name:<24} {count:>8} {size / 1024:>8.0f} {size / count:>9.0f}")
    return lines


# --- Main ------------------------------------------------------------------------------------


def parse_think(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    try:
        pair = (float(low), float(high or low))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--think is LOW-HIGH seconds, not {text!r}") from None
    if not 0 <= pair[0] <= pair[1] <= 120:
        raise argparse.ArgumentTypeError("--think must be 0 ≤ LOW ≤ HIGH ≤ 120 seconds")
    return pair


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--setups", default="postgres,sqlite",
                        help="postgres (nginx → 2 app servers → PostgreSQL) and/or sqlite "
                             "(one app server), in this order; the first is judged")
    parser.add_argument("--database-url", default=os.environ.get("DOBRO_LOAD_DATABASE_URL", ""),
                        help="the postgres setup's database (postgresql+psycopg://…), empty "
                             "unless --wipe")
    parser.add_argument("--wipe", action="store_true",
                        help="drop everything in that database's public schema first")
    parser.add_argument("--steps", default=DEFAULT_STEPS, help="learner counts of the ramp")
    parser.add_argument("--hold", type=float, default=30.0, help="seconds measured per step")
    parser.add_argument("--settle", type=float, default=5.0,
                        help="seconds between the last join and the measurement")
    parser.add_argument("--join-rate", type=float, default=15.0,
                        help="learners who join per second (each signs in)")
    parser.add_argument("--think", type=parse_think, default=(5.0, 15.0),
                        help="LOW-HIGH seconds a learner pauses before each step (5-15)")
    parser.add_argument("--resign", type=float, default=RESIGN_SHARE,
                        help="share of learners who sign out and in again after a cycle "
                             f"(default {RESIGN_SHARE}: one sign-in per ~50 minutes of study)")
    parser.add_argument("--certified", type=int, default=10,
                        help="one learner in this many holds a certificate (0: none)")
    parser.add_argument("--jobs-wait", type=float, default=240.0,
                        help="seconds to wait for the jobs the seeding queued (certificate "
                             "PDFs, the Handbook) before the ramp (0: do not wait)")
    parser.add_argument("--goal", type=int, default=2000,
                        help="learners the first setup must serve (exit status 1 if not)")
    parser.add_argument("--budget", type=float, default=14.0,
                        help="minutes for the whole run; later steps are skipped")
    args = parser.parse_args(argv)
    args.setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    if not args.setups or set(args.setups) - {"postgres", "sqlite"}:
        parser.error("--setups: postgres and/or sqlite")
    try:
        args.steps = sorted({int(s) for s in args.steps.split(",") if s.strip()})
    except ValueError:
        parser.error("--steps: learner counts, comma-separated")
    if not 0 <= args.resign <= 1:
        parser.error("--resign is a share: 0 to 1")
    if not args.steps or args.steps[0] < 1 or args.steps[-1] > 20_000:
        parser.error("--steps must be 1 to 20,000 learners")
    if not (1 <= args.hold <= 600 and 0 <= args.settle <= 120 and 0.1 <= args.join_rate <= 500
            and args.certified >= 0 and 0.5 <= args.budget <= 120 and 0 <= args.jobs_wait <= 900):
        parser.error("--hold 1–600 s, --settle 0–120 s, --join-rate 0.1–500, --budget 0.5–120,"
                     " --jobs-wait 0–900 s")
    if "postgres" in args.setups and not args.database_url.startswith("postgresql"):
        parser.error("the postgres setup needs --database-url postgresql+psycopg://…")
    return args


def interrupted(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def measure(setup: str, args: argparse.Namespace, workdir: Path, deadline: float
            ) -> tuple[list[Step], str]:
    began = time.monotonic()
    database_url = args.database_url if setup == "postgres" else ""
    if database_url:
        empty_database(database_url, args.wipe)
    plan = readings(workdir / "build")
    with ExitStack() as servers:
        if setup == "postgres":
            url, jobs = servers.enter_context(nginx_stack(
                workdir, database_url, args.steps[-1], args.certified, args.jobs_wait))
        else:
            env = app_environment(workdir, setup, "")
            prepare(env, args.steps[-1], args.certified)
            url = servers.enter_context(dobro_serve(env, workdir, setup))
            jobs = wait_for_jobs(env, args.jobs_wait)
        urls = [url]
        print(f"  ready in {time.monotonic() - began:.0f} s (servers, {args.steps[-1]} learners,"
              f" the seeding's jobs); ramping up on {url}", flush=True)
        print(HEADER, flush=True)
        steps, note = asyncio.run(ramp(urls, plan, args, database_url, deadline))
    return steps, "; ".join(n for n in (jobs, note) if n)


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--seed"]:
        seed(int(sys.argv[2]), int(sys.argv[3]))
        return 0
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupted)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # a socket per learner
    began = time.monotonic()
    deadline = began + args.budget * 60
    print("Dobro load benchmark (bench/load.py)")
    for line in machine_info():
        print(line)
    print(f"load average before: {load_average()}")
    print(f"steps {', '.join(map(str, args.steps))} learners; think {args.think[0]:g}–"
          f"{args.think[1]:g} s; {args.join_rate:g} joins/s, {args.resign:g} sign in again "
          f"after a cycle, {args.settle:g} s settle, "
          f"{args.hold:g} s measured per step; one learner in {args.certified or '∞'} "
          f"certified; goal p95 < {P95_GOAL_MS:.0f} ms, no errors", flush=True)
    results: list[tuple[str, int, str]] = []
    labels = {"postgres": "PostgreSQL, nginx → 2 app servers (1 worker × 4 threads each)",
              "sqlite": "SQLite, one app server (dobro serve's default workers)"}
    with tempfile.TemporaryDirectory(prefix="dobro-bench-load-") as tmp:
        workdir = Path(tmp)
        log("dobro build …")
        run([str(BIN / "dobro"), "build", str(REPO), "--out", str(workdir / "build")],
            app_environment(workdir, "build", ""))
        for number, setup in enumerate(args.setups):
            # The time left, shared by the setups still to run (PostgreSQL's ramp is longer).
            weights = [SETUP_WEIGHTS[s] for s in args.setups[number:]]
            share = (deadline - time.monotonic()) * weights[0] / sum(weights)
            print(f"\n{labels[setup]}:", flush=True)
            steps, note = measure(setup, args, workdir, time.monotonic() + share)
            served = [s for s in steps if s.served]
            for title, step in (("last step served", served[-1] if served else None),
                                ("first step failed", next(
                                    (s for s in steps if not s.served), None))):
                if step is not None:
                    print(f"  {title} ({step.learners} learners), by request:")
                    print("\n".join(kinds_table(step)))
            if note:
                print(f"  note: {note}")
            if any(s.saturated for s in steps):
                print("  the generator saturated: those rows measure it, not only the server")
            if setup == "postgres":
                print("  " + "\n  ".join(database_size(args.database_url, args.steps[-1])))
            count, line = summary(labels[setup], steps)
            results.append((setup, count, line))
    print()
    print(f"load average after: {load_average()}; the run took "
          f"{(time.monotonic() - began) / 60:.1f} min")
    for _setup, _count, line in results:
        print(line)
    judged, count, _line = results[0]
    ok = count >= args.goal
    print(f"goal: {args.goal} learners at p95 < {P95_GOAL_MS:.0f} ms with no errors on "
          f"{judged}: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; the servers were stopped", file=sys.stderr)
        sys.exit(130)
