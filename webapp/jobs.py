"""A small job runner over the database: what must not run inside a request.

A job is a row in ``job`` (webapp/models.py): a ``kind`` that names its handler and a
JSON ``payload``. ``enqueue`` adds one in the caller's transaction, so a job is queued
exactly when the change that needs it is committed (a certificate issued → its PDF).
Runners claim one job at a time — ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL,
one atomic ``UPDATE … RETURNING`` on SQLite — so each job runs once however many
runners, threads and servers there are. A failed job is tried again later (backoff),
``MAX_TRIES`` times in all; a job whose runner died (its lease ran out) is taken again.

Every handler must be idempotent: a job may run twice (a runner killed between the
handler's commit and the job's), and a job with a ``key`` waits at most once.

Runners: a thread in each ``dobro serve`` worker (``DOBRO_JOBS=thread``, the default),
or ``dobro worker`` processes (``DOBRO_JOBS=off`` on the app servers). Tests drain the
queue with ``run_pending(app)``; no thread starts unless a test starts one.

Periodic jobs (a sweep every few minutes: reminders, the weekly digest, retention) are
handlers registered with ``@jobs.periodic(kind)`` instead of ``@jobs.handler(kind)``::

    @jobs.periodic("mail.sweep", every=timedelta(minutes=5))
    def sweep(payload: dict[str, Any]) -> None:
        ...  # idempotent: find what is due now and act on it

Each run queues the next one (key ``PERIODIC_KEY``, ``run_after`` = now + ``every``),
whether it succeeded or not; the runners' heartbeat (``start_periodic``) queues the
first one when none waits or runs, so a wiped queue or a new kind starts by itself.
One job per kind waits at a time, however many runners and servers there are. Tests
call the handler's own function with a given ``now`` rather than wait for it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import delete, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from webapp.models import JOB_DONE, JOB_FAILED, JOB_QUEUED, JOB_RUNNING, Job, JobRunner, utcnow

Handler = Callable[[dict[str, Any]], None]
log = logging.getLogger("dobro.jobs")


class Permanent(Exception):
    """Raised by a handler when trying again cannot help (a request refused for good): the
    job fails at once, with the error text, instead of after ``MAX_TRIES``."""


MAX_TRIES = 5
LEASE = timedelta(minutes=10)  # a job running longer than this lost its runner
KEEP_DONE = timedelta(days=3)  # done jobs, then deleted by the runners
KEEP_FAILED = timedelta(days=30)
RUNNER_GONE = timedelta(days=1)  # heartbeats older than this are deleted
HEARTBEAT_SECONDS = 10.0
IDLE_SECONDS = 1.0
CLEANUP_SECONDS = 3600.0
MAX_ERROR = 2000

_handlers: dict[str, Handler] = {}
_periodic: dict[str, timedelta] = {}  # periodic kinds and how often they run
PERIODIC_KEY = "periodic"
PERIODIC_EVERY = timedelta(minutes=5)
_TABLE = Job.__table__  # type: ignore[attr-defined]
_WAITING_KEY = next(index for index in _TABLE.indexes  # its predicate, as the model says
                    if index.name == "uq_job_waiting_key").dialect_options["postgresql"]["where"]


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of jobs of ``kind``."""
    def register(function: Handler) -> Handler:
        _handlers[kind] = function
        return function
    return register


def periodic(kind: str, every: timedelta = PERIODIC_EVERY) -> Callable[[Handler], Handler]:
    """Register the decorated function as a handler of ``kind`` that runs every ``every``."""
    def register(function: Handler) -> Handler:
        def run_and_requeue(payload: dict[str, Any]) -> None:
            try:
                function(payload)
            finally:  # a failed run is tried again by the backoff, or by the next one
                _queue_next(kind, utcnow() + every)
        _handlers[kind] = run_and_requeue
        _periodic[kind] = every
        return function
    return register


def _queue_next(kind: str, run_after: datetime) -> None:
    from flask import current_app
    with Session(current_app.extensions["dobro.engine"]) as session:
        enqueue(session, kind, key=PERIODIC_KEY, run_after=run_after)
        session.commit()


def periodic_kinds() -> dict[str, timedelta]:
    """The periodic kinds and how often each runs (their modules are imported)."""
    _import_handlers()
    return dict(_periodic)


def start_periodic(app: Flask) -> int:
    """Queue each periodic job that neither waits nor runs (a runner's heartbeat hook);
    how many were queued."""
    queued = 0
    with Session(app.extensions["dobro.engine"]) as session:
        for kind in periodic_kinds():
            if not pending(session, kind, PERIODIC_KEY) and enqueue(
                    session, kind, key=PERIODIC_KEY) is not None:
                queued += 1
        session.commit()
    return queued


def handlers() -> dict[str, Handler]:
    """The registered handlers, by kind (the modules that define them are imported)."""
    _import_handlers()
    return dict(_handlers)


def _import_handlers() -> None:
    # The modules whose @handler decorators fill the registry.
    from webapp.services import (  # noqa: F401
        audit,
        certificate_pdf,
        mail_send,
        mail_sweep,
        publications,
        retention,
        survey_mail,
        xapi,
    )


def enqueue(session: Session, kind: str, payload: dict[str, Any] | None = None, key: str = "",
            run_after: datetime | None = None) -> Job | None:
    """Queue a job in ``session``'s transaction (the caller commits); None when a job of
    ``kind`` with this non-empty ``key`` already waits.

    One ``INSERT … ON CONFLICT DO NOTHING`` on the waiting-key index: losing the race to
    another transaction that queued the same key a moment ago inserts nothing and keeps the
    caller's work. (A savepoint did that before, but on SQLite a savepoint opened as the
    transaction's first statement began a transaction of its own, and releasing it
    committed the job even when the caller then rolled back.)
    """
    if key and _waiting(session, kind, key):
        return None
    job = Job(kind=kind, key=key, payload=payload or {}, run_after=run_after or utcnow())
    values = {name: getattr(job, name) for name in _TABLE.columns.keys() if name != "id"}
    insert = (sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert)
    found = session.execute(insert(_TABLE).values(**values).on_conflict_do_nothing(
        index_elements=["kind", "key"], index_where=_WAITING_KEY).returning(_TABLE.c.id)).first()
    if found is None:  # another transaction queued the same key a moment ago
        return None
    job.id = found[0]
    return job


def _waiting(session: Session, kind: str, key: str) -> bool:
    found = session.exec(select(Job.id).where(
        Job.kind == kind, Job.key == key, Job.status == JOB_QUEUED)).first()
    return found is not None


def pending(session: Session, kind: str, key: str) -> bool:
    """Whether a job of ``kind`` with ``key`` waits or is running."""
    found = session.exec(select(Job.id).where(
        Job.kind == kind, Job.key == key, col(Job.status).in_((JOB_QUEUED, JOB_RUNNING)))).first()
    return found is not None


def _ready(now: datetime) -> Any:
    """Claimable: queued and due, or running on a runner whose lease ran out."""
    return or_((col(Job.status) == JOB_QUEUED) & (col(Job.run_after) <= now),
               (col(Job.status) == JOB_RUNNING) & (col(Job.locked_at) < now - LEASE))


def claim(engine: Engine, runner: str) -> Job | None:
    """Take the next ready job for ``runner`` and mark it running (committed), or None."""
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        if engine.dialect.name == "postgresql":
            job_id = session.exec(select(Job.id).where(_ready(now))
                                  .order_by(col(Job.run_after), col(Job.id)).limit(1)
                                  .with_for_update(skip_locked=True)).first()
            if job_id is None:
                return None
            condition = col(Job.id) == job_id
        else:
            # SQLite: one statement, which SQLite runs alone (one writer at a time).
            first = select(Job.id).where(_ready(now)).order_by(
                col(Job.run_after), col(Job.id)).limit(1).scalar_subquery()
            condition = (col(Job.id) == first) & _ready(now)
        claimed = session.exec(update(Job).where(condition).values(
            status=JOB_RUNNING, locked_by=runner, locked_at=now, tries=col(Job.tries) + 1)
            .returning(col(Job.id))).first()
        session.commit()
        return session.get(Job, claimed[0]) if claimed else None


def run_one(app: Flask, runner: str) -> bool:
    """Claim and run one job inside ``app``'s context; False when none was ready."""
    engine: Engine = app.extensions["dobro.engine"]
    job = claim(engine, runner)
    if job is None:
        return False
    function = handlers().get(job.kind)
    if job.tries > MAX_TRIES:  # its runners kept dying: stop trying
        _finish(engine, job, runner, JOB_FAILED, "the runner stopped while running it")
        return True
    try:
        if function is None:
            raise LookupError(f"no handler for jobs of kind {job.kind!r}")
        with app.app_context():
            function(dict(job.payload))
    except Permanent as exc:
        log.error("job %s (%s) failed for good: %s", job.id, job.kind, exc)
        _finish(engine, job, runner, JOB_FAILED, f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
    except Exception as exc:
        log.exception("job %s (%s, try %s) failed", job.id, job.kind, job.tries)
        _failed(engine, job, runner, f"{type(exc).__name__}: {exc}"[:MAX_ERROR])
    else:
        _finish(engine, job, runner, JOB_DONE, "")
    return True


def _mine(job: Job, runner: str) -> Any:
    # Only while this runner still holds it: after a lost lease, another one does.
    return (col(Job.id) == job.id) & (col(Job.locked_by) == runner) & (
        col(Job.status) == JOB_RUNNING)


def _finish(engine: Engine, job: Job, runner: str, status: str, error: str) -> None:
    with Session(engine) as session:
        session.exec(update(Job).where(_mine(job, runner)).values(
            status=status, error=error, finished_at=utcnow(), locked_by="", locked_at=None))
        session.commit()


def backoff(tries: int) -> timedelta:
    """How long to wait before the next try: 30 s, 1 min, 2 min … at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(tries - 1, 0), 3600))


def _failed(engine: Engine, job: Job, runner: str, error: str) -> None:
    if job.tries >= MAX_TRIES:
        _finish(engine, job, runner, JOB_FAILED, error)
        return
    with Session(engine) as session:
        try:
            session.exec(update(Job).where(_mine(job, runner)).values(
                status=JOB_QUEUED, error=error, run_after=utcnow() + backoff(job.tries),
                locked_by="", locked_at=None))
            session.commit()
        except IntegrityError:  # the same key was queued again meanwhile: that one will do
            session.rollback()
            _finish(engine, job, runner, JOB_DONE, error)


def run_pending(app: Flask, limit: int = 10_000, runner: str = "inline") -> int:
    """Run the ready jobs one after another, here and now; how many ran (tests, --once)."""
    count = 0
    while count < limit and run_one(app, runner):
        count += 1
    return count


def queue_length(session: Session) -> int:
    """Jobs waiting to run (for metrics)."""
    return int(session.exec(select(func.count()).select_from(Job).where(
        col(Job.status) == JOB_QUEUED)).one())


def runners_alive(session: Session, within: timedelta = timedelta(seconds=60)) -> int:
    """Runners that sent a heartbeat recently (for the readiness check)."""
    return int(session.exec(select(func.count()).select_from(JobRunner).where(
        col(JobRunner.seen_at) >= utcnow() - within)).one())


def heartbeat(engine: Engine, runner: str) -> None:
    """Record that ``runner`` is alive."""
    with Session(engine) as session:
        row = session.get(JobRunner, runner)
        if row is None:
            session.add(JobRunner(name=runner))
        else:
            row.seen_at = utcnow()
            session.add(row)
        session.commit()


def cleanup(engine: Engine) -> None:
    """Delete done jobs after ``KEEP_DONE``, failed ones after ``KEEP_FAILED``, old heartbeats."""
    now = utcnow()
    with Session(engine) as session:
        session.exec(delete(Job).where(
            or_((col(Job.status) == JOB_DONE) & (col(Job.finished_at) < now - KEEP_DONE),
                (col(Job.status) == JOB_FAILED) & (col(Job.finished_at) < now - KEEP_FAILED))))
        session.exec(delete(JobRunner).where(
            col(JobRunner.seen_at) < now - RUNNER_GONE))
        session.commit()


def runner_name() -> str:
    """host:pid:thread, unique among the runners of one database."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


Hook = Callable[[Flask], object]  # what a hook returns is not used


class Runner(threading.Thread):
    """A thread that runs jobs one at a time until stopped, with heartbeats.

    ``periodic`` hooks run with each heartbeat (the Handbook queues itself from there
    when the app sees a new course version).
    """

    def __init__(self, app: Flask, *, idle: float = IDLE_SECONDS,
                 periodic: tuple[Hook, ...] = ()) -> None:
        super().__init__(name="dobro-jobs", daemon=True)
        self.app = app
        self.idle = idle
        self.periodic = periodic
        self.runner = ""
        self._stopping = threading.Event()

    def run(self) -> None:
        self.runner = runner_name()
        engine: Engine = self.app.extensions["dobro.engine"]
        beat_at = cleanup_at = 0.0
        failing = ""
        while not self._stopping.is_set():
            now = time.monotonic()
            try:
                if now >= beat_at:
                    heartbeat(engine, self.runner)
                    for hook in self.periodic:
                        hook(self.app)
                    beat_at = now + HEARTBEAT_SECONDS
                if now >= cleanup_at:
                    cleanup(engine)
                    cleanup_at = now + CLEANUP_SECONDS
                worked = run_one(self.app, self.runner)
            except Exception as exc:  # the database is away, say: try again a little later
                said = f"{type(exc).__name__}: {exc}"
                if said != failing:  # the traceback once, not every few seconds
                    log.exception("job runner %s", self.runner)
                failing = said
                worked = False
                self._stopping.wait(5 * self.idle)
            else:
                failing = ""
            if not worked:
                self._stopping.wait(self.idle)
        self._forget(engine)

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the thread to stop after its current job, and wait for it."""
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    def _forget(self, engine: Engine) -> None:
        try:
            with Session(engine) as session:
                session.exec(delete(JobRunner).where(
                    col(JobRunner.name) == self.runner))
                session.commit()
        except Exception:  # stopping anyway; the row expires by itself
            log.warning("job runner %s: heartbeat not removed", self.runner)


def start(app: Flask, threads: int = 1) -> list[Runner]:
    """Start ``threads`` runners for ``app`` and stop them when the process exits."""
    import atexit

    from webapp.services import publications

    runners = [Runner(app, periodic=(publications.queue_handbooks, start_periodic))
               for _ in range(threads)]
    for runner in runners:
        runner.start()

    def stop_all() -> None:
        for runner in runners:
            runner.stop(timeout=5)
    atexit.register(stop_all)
    return runners


def serve_jobs(app: Any) -> Any:
    """Run jobs in this server process (a thread) unless ``DOBRO_JOBS=off``; return ``app``."""
    if isinstance(app, Flask) and app.config.get("JOBS", "thread") == "thread":
        start(app)
    return app
