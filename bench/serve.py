"""Benchmark the app under gunicorn: a module page and quiz submissions against a static file.

What it measures
----------------
The script compiles the course into a temporary folder, creates a SQLite database
there (``dobro db upgrade``) with ``--learners`` learner accounts (audience
"councillors", real scrypt password hashes), and for each gunicorn configuration
of ``--configs`` starts the app (``webapp:create_app()``, one ``DOBRO_SECRET_KEY``
for all workers) on 127.0.0.1 and a free port, on a fresh copy of that database,
waits for ``/healthz`` and signs every learner in once (GET /login for the CSRF
token, POST /login). Then it runs, with ``--learners`` concurrent clients:

* **static**: GET ``/static/css/dobro.css``, Flask's static route in the same
  gunicorn, with a learner's session cookie as a browser would send it;
* **module**: GET ``/learn/obshtinskiyat-savet``, a real ~2,000-word module,
  signed in (the learners' cookies in turn);
* **quiz**: every learner loops start → submit on a self-check with unlimited
  attempts and no time limit: POST ``/quiz/<id>/start`` (302 to the attempt),
  then POST ``/attempt/<id>/submit`` with an answer to every question (fields
  ``a.<question id>`` in display positions), which saves and grades the
  attempt. Each learner pauses ``--think`` seconds (default 1, ±50 %) before
  each request: 50 learners then start and submit ~25 attempts a second, far
  more than a class does (a real learner spends minutes on a test), yet each
  learner is one person, not a request loop;
* **saturated** (printed, not judged; ``--no-saturate`` skips it): the same
  with no think time, every learner always has a request in flight. This is a
  throughput test, not the goal's situation: with 50 requests always queued
  on 2 cores, the latency is 50 / throughput by Little's law whatever the app
  does (at ~5 ms of CPU per request, ≥ 125 ms), so its p95 shows how the
  server degrades, not how a learner waits.

static and module alternate in ``--rounds`` rounds (after a ``--warmup`` each) so
that a change in the machine's load hits both alike; the quiz runs ``--warmup``
+ ``--duration`` seconds, counting only requests started after the warm-up.
The GET scenarios use wrk when it is installed (``--generator auto``), else a
Python client (keep-alive connections in threads); the quiz always uses the
Python client, since each learner carries its own session and attempt.

For each scenario it prints requests/s, p50/p95/p99 latency, errors (any other
status than the one expected, or a failed connection), ``cpu`` (the share of
the machine's CPUs busy meanwhile, whoever used them) and ``srv ms`` (CPU time
of gunicorn's processes per request: what a request costs the server, whatever
else runs; for the quiz averaged over starts and submits). Then the ratio of the
module page's throughput to the static file's, and the verdict against the goals
of the issue:

* module page ≥ 0.5 × the static file's throughput;
* quiz submit p95 < 100 ms with 50 concurrent learners on SQLite.

The first configuration of ``--configs`` is judged (exit status 1 when it misses
a goal, has errors, or left a submitted attempt ungraded in the database); the
others are printed for comparison.

Why the reference is measured in the same run
---------------------------------------------
Requests per second depend on the machine, its load and the CPU frequency, so a
fixed number would be meaningless on a laptop or in CI. The static file goes
through the same gunicorn workers, the same Flask request cycle (session cookie,
after-request headers) and the same load generator, minus the app's own work
(database, templates, course), so its throughput in the same run, interleaved
with the module page's, is a reference that moves with the machine: the ratio
measures what the app adds. The latency goal is absolute: a learner waits for
it whatever the machine, so read it with the load average printed beside it.

Usage::

    .venv/bin/python bench/serve.py [--duration 12] [--warmup 3] [--learners 50]
        [--configs gthread:4x4,gthread:2x8,sync:5] [--think 1] [--no-saturate] [--rounds 3]
        [--generator auto|wrk|python]

gunicorn comes with the ``dev`` extra; wrk is optional (``apt-get install wrk``).
Everything listens on loopback only, each scenario is bounded in time (and each
learner in cycles), and the server is always stopped at the end, on errors and
SIGTERM too: its whole process group gets SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
MODULE_ID = "obshtinskiyat-savet"
QUIZ_ID = "osnovi-na-samoupravlenieto-proverka"
STATIC_PATH = "/static/css/dobro.css"
GET_PATHS = {"static": STATIC_PATH, "module": f"/learn/{MODULE_ID}"}
AUDIENCE = "councillors"
PASSWORD = "bench-password-123"  # noqa: S105 - throwaway accounts in a temporary database
MODULE_RATIO_GOAL = 0.5
SUBMIT_P95_GOAL_MS = 100.0
DEFAULT_CONFIGS = "gthread:4x4,gthread:2x8,sync:5"
MAX_CYCLES = 100_000  # per learner and scenario: a bound on top of the time limit
START_TIMEOUT = 60.0  # seconds for gunicorn to answer /healthz
REQUEST_TIMEOUT = 30.0
# One User-Agent for every request: Flask-Login's session protection marks a session
# "not fresh", and so sends a new cookie with every answer, when it changes.
USER_AGENT = "dobro-bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
CSRF_INPUT = re.compile(r"<input\b[^>]*\bname=\"csrf_token\"[^>]*>")
VALUE_ATTR = re.compile(r"\bvalue=\"([^\"]+)\"")
ATTEMPT_PATH = re.compile(r"/attempt/(\d+)$")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- A tiny HTTP client ---------------------------------------------------------------------


class Client:
    """One browser: a keep-alive connection and the ``session`` cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict[str, Any] | None = None
                ) -> tuple[int, http.client.HTTPMessage, bytes]:
        headers = {"Host": f"{HOST}:{self.port}", "User-Agent": USER_AGENT}
        if self.cookie:
            headers["Cookie"] = f"session={self.cookie}"
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for retry in (True, False):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A worker closed an idle keep-alive connection (sync workers close every
                # one): reconnect once. Repeating a start or submit is harmless by design.
                self.close()
                if not retry:
                    raise
                continue
            if response.will_close:
                self.close()
            for value in response.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(value)
                if "session" in jar:
                    self.cookie = jar["session"].value
            return response.status, response.headers, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def csrf_token(html: bytes) -> str:
    tag = CSRF_INPUT.search(html.decode("utf-8", "replace"))
    value = VALUE_ATTR.search(tag.group(0)) if tag else None
    if value is None:
        raise RuntimeError("no csrf_token on the page")
    return value.group(1)


def location_path(headers: http.client.HTTPMessage) -> str:
    return urlsplit(headers.get("Location", "")).path


# --- Setting up: course, database, accounts, server -----------------------------------------


def run(command: Sequence[str], env: dict[str, str], timeout: float = 300) -> None:
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n"
                           f"{done.stdout}\n{done.stderr}")


def app_environment(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "DOBRO_CONTENT": str(REPO),
        "DOBRO_BUILD": str(workdir / "build"),
        "DOBRO_INSTANCE": str(workdir / "template"),
        # One key for every worker (otherwise each would read the instance's file: the same,
        # but set explicitly so the bench never depends on that).
        "DOBRO_SECRET_KEY": "bench-" + os.urandom(16).hex(),
        "DOBRO_BASE_URL": "http://127.0.0.1",
    })
    env.pop("DOBRO_DATABASE_URL", None)  # the default: SQLite in the instance folder
    return env


def prepare(workdir: Path, env: dict[str, str], learners: int) -> list[str]:
    """Compile the course, create the schema and the learners; return their user names.

    The database is made once, in ``template/``; each server configuration gets a
    copy (``fresh_instance``), so that none inherits the attempts of the one before.
    """
    log("dobro build …")
    run([str(BIN / "dobro"), "build", str(REPO), "--out", str(workdir / "build")], env)
    log("dobro db upgrade …")
    run([str(BIN / "dobro"), "db", "upgrade"], env)
    log(f"creating {learners} learners (real password hashing) …")
    names = [f"bench-learner-{n:03d}" for n in range(1, learners + 1)]
    code = (
        "import sys\n"
        "from webapp import create_app, db\n"
        "from webapp.models import User\n"
        "from webapp.services import accounts\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    session = db.session()\n"
        "    for name in sys.argv[2:]:\n"
        "        user = User(username=name, name=name.replace('-', ' ').title(),\n"
        "                    role='learner', audience=sys.argv[1])\n"
        f"        accounts.set_password(user, {PASSWORD!r})\n"
        "        session.add(user)\n"
        "    session.commit()\n"
        "    db.engine().dispose()\n"
    )
    # In a child process, configured by the same environment as the server.
    run([sys.executable, "-c", code, AUDIENCE, *names], env)
    return names


def fresh_instance(workdir: Path, env: dict[str, str], label: str) -> dict[str, str]:
    """A copy of the template instance (schema and learners, nothing else) for one run."""
    instance = workdir / f"instance-{label}"
    shutil.copytree(workdir / "template", instance)
    return {**env, "DOBRO_INSTANCE": str(instance)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class ServerConfig:
    worker_class: str  # sync | gthread
    workers: int
    threads: int

    @classmethod
    def parse(cls, text: str) -> ServerConfig:
        kind, _, size = text.partition(":")
        workers, _, threads = size.partition("x")
        if kind not in ("sync", "gthread") or not workers.isdigit() or (
                threads and not threads.isdigit()):
            raise argparse.ArgumentTypeError(f"bad config {text!r} (sync:N or gthread:NxT)")
        return cls(kind, int(workers), int(threads or 1) if kind == "gthread" else 1)

    @property
    def label(self) -> str:
        return f"{self.worker_class}-{self.workers}x{self.threads}"

    def __str__(self) -> str:
        if self.worker_class == "sync":
            return f"sync, {self.workers} workers"
        return f"gthread, {self.workers} workers × {self.threads} threads"


@dataclass(frozen=True)
class Server:
    port: int
    pid: int  # gunicorn's arbiter: its workers are in the process group of this id


@contextmanager
def gunicorn(config: ServerConfig, env: dict[str, str], workdir: Path) -> Iterator[Server]:
    """Serve the app on loopback; yield it; always stop the whole process group."""
    port = free_port()
    errors = workdir / f"gunicorn-{config.label}.log"
    command = [str(BIN / "gunicorn"), "--bind", f"{HOST}:{port}",
               "--worker-class", config.worker_class, "--workers", str(config.workers),
               "--threads", str(config.threads), "--timeout", "60", "--graceful-timeout", "5",
               "--log-level", "warning", "--error-logfile", str(errors), "webapp:create_app()"]
    process = subprocess.Popen(command, cwd=REPO, env=env, start_new_session=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_healthy(process, port, errors)
        yield Server(port, process.pid)
    finally:
        stop(process)


def wait_healthy(process: subprocess.Popen[bytes], port: int, errors: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}):\n{tail(errors)}")
        try:
            status, _headers, body = Client(port).request("GET", "/healthz")
            if status == 200:
                return
            last = f"{status} {body[:200]!r}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.2)
    raise RuntimeError(f"/healthz did not answer 200 in {START_TIMEOUT:.0f} s ({last}):\n"
                       f"{tail(errors)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to gunicorn's process group (arbiter and workers), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
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
    try:  # workers left behind by a dead arbiter
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


# --- Learners -------------------------------------------------------------------------------


@dataclass
class Learner:
    name: str
    client: Client
    token: str = ""
    rng: random.Random = field(default_factory=random.Random)


def sign_in(port: int, name: str) -> Learner:
    """Sign in once (GET /login for the token, POST /login) and fetch a form token."""
    client = Client(port)
    status, _headers, body = client.request("GET", "/login")
    if status != 200:
        raise RuntimeError(f"GET /login: {status}")
    status, headers, _body = client.request("POST", "/login", {
        "csrf_token": csrf_token(body), "username": name, "password": PASSWORD})
    if status != 302:
        raise RuntimeError(f"POST /login for {name}: {status}, not a redirect")
    # Signing in starts a fresh session: take a token from a page of this one.
    status, _headers, body = client.request("GET", f"/quiz/{QUIZ_ID}")
    if status != 200:
        raise RuntimeError(f"GET /quiz/{QUIZ_ID} for {name}: {status}")
    return Learner(name, client, csrf_token(body), random.Random(name))


def check_module_page(port: int, learner: Learner) -> int:
    """The module page answers 200 with the module (not the sign-in page); its size."""
    client = Client(port)
    client.cookie = learner.client.cookie
    status, _headers, body = client.request("GET", f"/learn/{MODULE_ID}")
    client.close()
    if status != 200:
        raise RuntimeError(f"GET /learn/{MODULE_ID}: {status}")
    if "Общинският съвет".encode() not in body:
        raise RuntimeError(f"GET /learn/{MODULE_ID} did not show the module")
    return len(body)


def answers_for(quiz: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """An answer to every question, in display positions (right or wrong, by chance)."""
    form: dict[str, Any] = {}
    for question in quiz["questions"]:
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


# --- Measuring --------------------------------------------------------------------------------


@dataclass
class Result:
    """One scenario: requests, errors and latencies, possibly gathered over several rounds.

    ``samples`` are (latency ms, weight): a Python client's every request (weight 1), or
    wrk's percentiles of a round, each weighing its share of that round's requests.
    """

    name: str
    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    samples: list[tuple[float, float]] = field(default_factory=list)
    usage: Usage = field(default_factory=lambda: Usage())  # CPU used while measured
    shared_with: int = 0  # requests of other names that the same ``usage`` served
    note: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def cpu(self) -> float:
        """The share of all CPUs busy while it ran (server, client and anything else)."""
        return self.usage.busy / self.usage.total if self.usage.total else float("nan")

    @property
    def server_ms(self) -> float:
        """CPU time of gunicorn's processes per request, in ms (load and noise excluded)."""
        count = self.requests + self.shared_with
        return self.usage.server / CLOCK_TICKS * 1000 / count if count else float("nan")

    def add(self, other: Result) -> None:
        self.requests += other.requests
        self.seconds += other.seconds
        self.errors += other.errors
        self.samples += other.samples
        self.usage += other.usage
        self.note = self.note or other.note

    def percentile(self, p: float) -> float:
        """The weighted p-th percentile of the latencies, nan when there are none."""
        ordered = sorted(self.samples)
        total = sum(weight for _ms, weight in ordered)
        reached = 0.0
        for ms, weight in ordered:
            reached += weight
            if reached >= total * p / 100 * (1 - 1e-9):
                return ms
        return float("nan")


@dataclass(frozen=True)
class Usage:
    """CPU jiffies: all CPUs busy, all CPUs in total, and gunicorn's processes alone."""

    busy: int = 0
    total: int = 0
    server: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.busy + other.busy, self.total + other.total,
                     self.server + other.server)

    def __sub__(self, other: Usage) -> Usage:
        return Usage(self.busy - other.busy, self.total - other.total,
                     self.server - other.server)


def usage(server: int) -> Usage:
    """Jiffies so far: of the machine (/proc/stat) and of process group ``server``."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return Usage()
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    used = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # After "(command)": state ppid pgrp session … utime stime (fields 14, 15).
            rest = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended meanwhile
        if int(rest[2]) == server:
            used += int(rest[11]) + int(rest[12])
    return Usage(sum(fields) - idle, sum(fields), used)


WRK_POINTS = [p / 2 for p in range(1, 200)] + [99.9]  # percentiles wrk reports per round
WRK_SCRIPT = """
local cookies = {%(cookies)s}
local path = %(path)s
local agent = %(agent)s
local points = {%(points)s}
local threads = {}
local n = 0
bad = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  n = math.random(#cookies)
end

function request()
  n = n %% #cookies + 1
  return wrk.format("GET", path, {["Cookie"] = "session=" .. cookies[n], ["User-Agent"] = agent})
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local wrong = 0
  for _, thread in ipairs(threads) do wrong = wrong + thread:get("bad") end
  local e = summary.errors
  local values = {}
  for i, p in ipairs(points) do values[i] = tostring(latency:percentile(p)) end
  io.write(string.format(
    'WRK {"requests": %%d, "us": %%d, "bad": %%d, "socket": %%d, "latency_us": [%%s]}\\n',
    summary.requests, summary.duration, wrong, e.connect + e.read + e.write + e.timeout,
    table.concat(values, ", ")))
end
"""


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII text is a valid Lua string


def wrk_get(name: str, server: Server, path: str, cookies: list[str], connections: int,
            seconds: float, workdir: Path) -> Result:
    """GET ``path`` with wrk, the learners' cookies in turn; non-200 answers are errors."""
    script = workdir / f"bench-{name}.lua"
    script.write_text(WRK_SCRIPT % {"cookies": ", ".join(lua_string(c) for c in cookies),
                                    "path": lua_string(path), "agent": lua_string(USER_AGENT),
                                    "points": ", ".join(f"{p:g}" for p in WRK_POINTS)},
                      encoding="utf-8")
    before = usage(server.pid)
    done = subprocess.run(
        ["wrk", "-t", str(min(2, connections)), "-c", str(connections),
         "-d", f"{max(1, round(seconds))}s",  # wrk takes whole seconds
         "--timeout", f"{REQUEST_TIMEOUT:g}s", "-s", str(script), f"http://{HOST}:{server.port}"],
        capture_output=True, text=True, timeout=seconds + 60, check=False)
    used = usage(server.pid) - before
    found = re.search(r"^WRK (\{.*\})$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(found.group(1))
    weight = data["requests"] / len(WRK_POINTS)
    return Result(name, data["requests"], data["us"] / 1e6, data["bad"] + data["socket"],
                  [(us / 1000, weight) for us in data["latency_us"]], used, note="wrk")


class Samples:
    """What the Python clients saw: a Result per request name."""

    def __init__(self, names: Sequence[str], seconds: float) -> None:
        self.results = {name: Result(name, seconds=seconds, note="python") for name in names}
        self.lock = threading.Lock()

    def record(self, name: str, ms: float, ok: bool) -> None:
        with self.lock:
            result = self.results[name]
            result.requests += 1
            if ok:
                result.samples.append((ms, 1.0))
            else:
                result.errors += 1


def timed_loop(server: Server, learners: Sequence[Learner], names: Sequence[str],
               seconds: float, warmup: float, step: Any) -> Samples:
    """Run ``step(learner, record)`` in a thread per learner until the time is up.

    ``record(name, started, ok)`` keeps a sample when the request started after the
    warm-up and before the end; a learner starts no new step after the end.
    """
    samples = Samples(names, seconds)
    begin = time.perf_counter()
    counted_from, end = begin + warmup, begin + warmup + seconds

    def worker(learner: Learner) -> None:
        def record(name: str, started: float, ok: bool) -> None:
            if counted_from <= started < end:
                samples.record(name, (time.perf_counter() - started) * 1000, ok)

        for _ in range(MAX_CYCLES):
            if time.perf_counter() >= end:
                break
            step(learner, record)

    threads = [threading.Thread(target=worker, args=(learner,), daemon=True)
               for learner in learners]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, counted_from - time.perf_counter()))
    before = usage(server.pid)
    time.sleep(max(0.0, end - time.perf_counter()))
    used = usage(server.pid) - before
    for thread in threads:
        thread.join(timeout=2 * REQUEST_TIMEOUT + 10)
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("load threads did not finish in time")
    counted = sum(result.requests for result in samples.results.values())
    for result in samples.results.values():
        result.usage, result.shared_with = used, counted - result.requests
    return samples


def python_get(name: str, server: Server, path: str, learners: Sequence[Learner],
               connections: int, seconds: float) -> Result:
    """GET ``path`` from ``connections`` keep-alive clients (the learners' cookies)."""
    clients = []
    for n in range(connections):
        client = Client(server.port)
        client.cookie = learners[n % len(learners)].client.cookie
        clients.append(Learner(f"get-{n}", client))

    def step(learner: Learner, record: Any) -> None:
        started = time.perf_counter()
        try:
            status, _headers, _body = learner.client.request("GET", path)
            record(name, started, status == 200)
        except OSError:
            learner.client.close()
            record(name, started, False)

    samples = timed_loop(server, clients, [name], seconds, 0.0, step)
    for learner in clients:
        learner.client.close()
    return samples.results[name]


def quiz_cycles(server: Server, learners: Sequence[Learner], quiz: dict[str, Any],
                seconds: float, warmup: float, think: float,
                label: str = "quiz") -> tuple[Result, Result]:
    """Each learner loops: start an attempt, submit it with answers; both POSTs timed.

    With ``think`` > 0 a learner pauses 0.5–1.5 × ``think`` seconds before each request.
    """

    def pause(learner: Learner) -> None:
        if think > 0:
            time.sleep(learner.rng.uniform(0.5, 1.5) * think)

    def step(learner: Learner, record: Any) -> None:
        pause(learner)
        started = time.perf_counter()
        try:
            status, headers, _body = learner.client.request(
                "POST", f"/quiz/{QUIZ_ID}/start", {"csrf_token": learner.token})
        except OSError:
            learner.client.close()
            record(f"{label} start", started, False)
            return
        found = ATTEMPT_PATH.search(location_path(headers)) if status == 302 else None
        record(f"{label} start", started, found is not None)
        if found is None:
            return
        attempt = found.group(1)
        form = {"csrf_token": learner.token, **answers_for(quiz, learner.rng)}
        pause(learner)
        started = time.perf_counter()
        try:
            status, headers, _body = learner.client.request(
                "POST", f"/attempt/{attempt}/submit", form)
        except OSError:
            learner.client.close()
            record(f"{label} submit", started, False)
            return
        record(f"{label} submit", started, status == 302
               and location_path(headers) == f"/attempt/{attempt}/review")

    names = [f"{label} start", f"{label} submit"]
    samples = timed_loop(server, learners, names, seconds, warmup, step)
    return samples.results[names[0]], samples.results[names[1]]


# --- Reporting --------------------------------------------------------------------------------


def machine_info(generator: str) -> list[str]:
    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in
                    Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    except OSError:
        pass
    versions = []
    for package in ("gunicorn", "flask", "werkzeug", "sqlalchemy"):
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{package} (not installed)")
    wrk = ""
    if generator == "wrk":
        done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        wrk = " " + (done.stdout or done.stderr).split("[", 1)[0].strip().removeprefix("wrk ")
    return [
        f"machine: {platform.machine()}, {cpu or 'unknown CPU'}, nproc {os.cpu_count()} "
        f"(usable {len(os.sched_getaffinity(0))}), {platform.system()} {platform.release()}",
        f"python {platform.python_version()}; {', '.join(versions)}; sqlite "
        f"{sqlite3.sqlite_version}",
        f"load generator: {generator}{wrk} for the GET scenarios, Python threads for the quiz",
    ]


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def table(results: Sequence[Result]) -> list[str]:
    lines = [f"  {'scenario':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
             f"{'requests':>8} {'errors':>6} {'cpu':>5} {'srv ms':>7}  by"]
    for r in results:
        lines.append(f"  {r.name:<16} {r.rate:>8.1f} {r.percentile(50):>8.1f} "
                     f"{r.percentile(95):>8.1f} {r.percentile(99):>8.1f} {r.requests:>8} "
                     f"{r.errors:>6} {r.cpu:>5.0%} {r.server_ms:>7.2f}  {r.note}")
    return lines


@dataclass
class Verdict:
    ratio: float
    submit_p95: float
    errors: int
    submitted: int
    graded: int
    load: str = ""

    @property
    def ratio_ok(self) -> bool:
        return self.ratio >= MODULE_RATIO_GOAL

    @property
    def latency_ok(self) -> bool:
        return self.submit_p95 < SUBMIT_P95_GOAL_MS

    @property
    def ok(self) -> bool:
        return self.ratio_ok and self.latency_ok and not self.errors and (
            self.submitted == self.graded)

    def lines(self, learners: str) -> list[str]:
        def mark(ok: bool) -> str:
            return "PASS" if ok else "FAIL"
        lines = [
            f"  module/static throughput: {self.ratio:.2f} (goal ≥ {MODULE_RATIO_GOAL:.2f})  "
            f"{mark(self.ratio_ok)}",
            f"  quiz submit p95 with {learners}: {self.submit_p95:.1f} ms "
            f"(goal < {SUBMIT_P95_GOAL_MS:.0f} ms)  {mark(self.latency_ok)}",
            f"  database: {self.submitted} attempts submitted, {self.graded} graded; "
            f"load average {self.load}",
        ]
        if self.errors:
            lines.append(f"  errors: {self.errors} (see the table)  FAIL")
        return lines


def graded_in_database(instance: Path) -> tuple[int, int]:
    """Submitted attempts, and those of them with a grade, in a run's database."""
    uri = f"file:{instance / 'dobro.sqlite3'}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as connection:
        submitted, graded = connection.execute(
            "SELECT count(*), count(score) FROM attempt WHERE state = 'submitted'").fetchone()
    return int(submitted), int(graded)


# --- Main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=12.0, help="seconds per scenario")
    parser.add_argument("--warmup", type=float, default=3.0, help="uncounted seconds before")
    parser.add_argument("--learners", type=int, default=50,
                        help="learner accounts and concurrent clients in every scenario")
    parser.add_argument("--configs", default=DEFAULT_CONFIGS,
                        help="gunicorn setups, comma-separated: sync:N or gthread:NxT; the "
                             f"first is judged (default {DEFAULT_CONFIGS})")
    parser.add_argument("--think", type=float, default=1.0,
                        help="quiz: seconds a learner pauses before each request, ±50%% "
                             "(default 1; 0: every learner always has a request in flight)")
    parser.add_argument("--no-saturate", dest="saturate", action="store_false",
                        help="skip the extra, unjudged quiz run without think time")
    parser.add_argument("--rounds", type=int, default=3,
                        help="the GET scenarios alternate in this many rounds (default 3)")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto",
                        help="load generator of the GET scenarios (auto: wrk if installed)")
    args = parser.parse_args(argv)
    if not 1 <= args.learners <= 500:
        parser.error("--learners must be 1 to 500")
    if not 1 <= args.duration <= 300 or not 0 <= args.warmup <= 60:
        parser.error("--duration must be 1–300 s and --warmup 0–60 s")
    if not 0 <= args.think <= 30:
        parser.error("--think must be 0–30 s")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be 1 to 10")
    args.configs = [ServerConfig.parse(c.strip()) for c in args.configs.split(",") if c.strip()]
    if not args.configs or len(args.configs) > 6:
        parser.error("give one to six --configs")
    if args.generator == "auto":
        args.generator = "wrk" if shutil.which("wrk") else "python"
    elif args.generator == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed")
    return args


def measure(config: ServerConfig, args: argparse.Namespace, env: dict[str, str],
            workdir: Path, names: list[str], quiz: dict[str, Any]) -> tuple[list[Result], Verdict]:
    """One server configuration, on a fresh copy of the database: the three scenarios."""
    env = fresh_instance(workdir, env, config.label)
    with gunicorn(config, env, workdir) as server:
        port = server.port
        log(f"[{config}] signing {len(names)} learners in on port {port} …")
        with ThreadPoolExecutor(max_workers=8) as pool:
            learners = list(pool.map(lambda name: sign_in(port, name), names))
        page_bytes = check_module_page(port, learners[0])
        cookies = [learner.client.cookie for learner in learners]

        def get(name: str, seconds: float) -> Result:
            path = GET_PATHS[name]
            if args.generator == "wrk":
                return wrk_get(name, server, path, cookies, args.learners, seconds, workdir)
            return python_get(name, server, path, learners, args.learners, seconds)

        results = [Result(name) for name in GET_PATHS]
        log(f"[{config}] GET {' and '.join(GET_PATHS.values())}, {args.rounds} rounds …")
        for name in GET_PATHS:
            if args.warmup:
                get(name, args.warmup)
        for _round in range(args.rounds):  # interleaved: a change of load hits both alike
            for result in results:
                result.add(get(result.name, args.duration / args.rounds))
        log(f"[{config}] quiz: start → submit …")
        results.extend(quiz_cycles(server, learners, quiz, args.duration, args.warmup,
                                   args.think))
        if args.saturate:
            log(f"[{config}] quiz, saturated (no think time, not judged) …")
            results.extend(quiz_cycles(server, learners, quiz, args.duration, args.warmup,
                                       0.0, label="saturated"))
        load = load_average()
        for learner in learners:
            learner.client.close()
    static, module, _start, submit = results[:4]
    module.note += f", {page_bytes / 1024:.0f} KiB page"
    verdict = Verdict(module.rate / static.rate if static.rate else 0.0, submit.percentile(95),
                      sum(r.errors for r in results),
                      *graded_in_database(Path(env["DOBRO_INSTANCE"])), load)
    return results, verdict


def interrupted(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # A SIGTERM (a CI timeout, a kill) unwinds like Ctrl-C, so the servers are stopped.
    signal.signal(signal.SIGTERM, interrupted)
    print("Dobro serving benchmark (bench/serve.py)")
    for line in machine_info(args.generator):
        print(line)
    print(f"load average before: {load_average()}")
    print(f"{args.learners} concurrent clients in each scenario; {args.warmup:g} s warm-up + "
          f"{args.duration:g} s measured; module {MODULE_ID}; quiz {QUIZ_ID}; "
          f"think time {args.think:g} s; a fresh database per configuration", flush=True)
    verdicts: list[tuple[ServerConfig, Verdict]] = []
    with tempfile.TemporaryDirectory(prefix="dobro-bench-serve-") as tmp:
        workdir = Path(tmp)
        env = app_environment(workdir)
        names = prepare(workdir, env, args.learners)
        quiz = json.loads((workdir / "build" / "quizzes" / f"{QUIZ_ID}.json").read_text(
            encoding="utf-8"))
        if quiz.get("attempts") or quiz.get("time_limit"):
            raise RuntimeError(f"{QUIZ_ID} must allow unlimited attempts without a time limit")
        for config in args.configs:
            results, verdict = measure(config, args, env, workdir, names, quiz)
            print()
            print(f"gunicorn {config}:")
            print("\n".join(table(results)))
            who = f"{args.learners} learners" + (f", think {args.think:g} s" if args.think else "")
            print("\n".join(verdict.lines(who)), flush=True)
            verdicts.append((config, verdict))
    print()
    print(f"load average after: {load_average()}")
    print("summary (configuration: module/static, submit p95):")
    for config, verdict in verdicts:
        print(f"  {config}: {verdict.ratio:.2f}, {verdict.submit_p95:.0f} ms"
              f"{'  (judged)' if config is verdicts[0][0] else ''}")
    config, verdict = verdicts[0]
    print(f"verdict on {config}: {'PASS' if verdict.ok else 'FAIL'}")
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; the server was stopped", file=sys.stderr)
        sys.exit(130)
