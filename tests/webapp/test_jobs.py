"""The job runner (webapp/jobs.py): queue, claim, run, retry, fail, lease, de-duplication,
several runners at once, and ``dobro worker --once`` — on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, current_app
from sqlmodel import Session, col, select, update

from tests.conftest import REPO
from tests.serving import free_port, wait_for
from tests.webapp.conftest import is_app_setting
from webapp import db, jobs
from webapp.db import make_engine
from webapp.models import Job, JobRunner, Organisation, utcnow

DOBRO = str(Path(sys.executable).parent / "dobro")
RECORDED: list[tuple[int, str]] = []
_record_lock = threading.Lock()
FAILURES: Counter[str] = Counter()


@jobs.handler("test-record")
def record(payload: dict[str, Any]) -> None:
    """Record the payload's number, and the app it ran in (it runs in an app context)."""
    time.sleep(float(payload.get("sleep", 0)))
    with _record_lock:
        RECORDED.append((int(payload["n"]), current_app.config["SECRET_KEY"]))


@jobs.handler("test-flaky")
def flaky(payload: dict[str, Any]) -> None:
    """Fail the first ``fail`` times, then add an organisation (work that is committed)."""
    name = str(payload["name"])
    FAILURES[name] += 1
    if FAILURES[name] <= int(payload["fail"]):
        raise ValueError(f"boom {FAILURES[name]}")
    session = db.session()
    session.add(Organisation(name=name, kind="municipality", oblast="Смолян"))
    session.commit()


@pytest.fixture(autouse=True)
def fresh_records() -> None:
    RECORDED.clear()
    FAILURES.clear()


@pytest.fixture
def app(make_app: Any) -> Flask:
    """An app without a compiled course: jobs need none."""
    flask_app: Flask = make_app()
    return flask_app


def engine_of(app: Flask) -> Any:
    return app.extensions["dobro.engine"]


def queue(app: Flask, kind: str, payload: dict[str, Any], key: str = "") -> Job | None:
    with app.app_context():
        session = db.session()
        job = jobs.enqueue(session, kind, payload, key=key)
        session.commit()
        return job


def all_jobs(app: Flask) -> list[Job]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(Job).order_by(col(Job.id))))


def make_due(app: Flask) -> None:
    """Move every waiting job's next try to now (instead of waiting for the backoff)."""
    with Session(engine_of(app)) as session:
        session.exec(update(Job).where(col(Job.status) == "queued").values(
            run_after=utcnow() - timedelta(seconds=1)))
        session.commit()


def test_a_queued_job_runs_once_in_an_app_context_and_is_done(app: Flask) -> None:
    job = queue(app, "test-record", {"n": 7})
    assert job is not None and job.status == "queued" and job.tries == 0
    assert jobs.run_pending(app) == 1
    assert RECORDED == [(7, "test-secret")]
    done = all_jobs(app)[0]
    assert (done.status, done.tries, done.error, done.locked_by) == ("done", 1, "", "")
    assert done.finished_at is not None
    assert jobs.run_pending(app) == 0 and RECORDED == [(7, "test-secret")]


def test_a_job_waits_for_its_time(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        jobs.enqueue(session, "test-record", {"n": 1},
                     run_after=utcnow() + timedelta(minutes=5))
        session.commit()
    assert jobs.run_pending(app) == 0 and RECORDED == []
    make_due(app)
    assert jobs.run_pending(app) == 1 and RECORDED[0][0] == 1


def test_a_key_waits_once_and_may_be_queued_again_once_it_ran(app: Flask) -> None:
    assert queue(app, "test-record", {"n": 1}, key="same") is not None
    assert queue(app, "test-record", {"n": 2}, key="same") is None
    assert queue(app, "test-record", {"n": 3}, key="other") is not None
    assert queue(app, "test-record", {"n": 4}) is not None  # no key: never de-duplicated
    assert queue(app, "test-record", {"n": 5}) is not None
    assert jobs.run_pending(app) == 4
    assert sorted(n for n, _ in RECORDED) == [1, 3, 4, 5]
    assert queue(app, "test-record", {"n": 6}, key="same") is not None


def test_losing_the_race_for_a_key_keeps_the_callers_other_work(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two requests both see no waiting job and both insert: the unique index refuses the
    second, inside a savepoint, so the rest of that transaction is still committed."""
    queue(app, "test-record", {"n": 1}, key="raced")
    monkeypatch.setattr(jobs, "_waiting", lambda *_args: False)
    with app.app_context():
        session = db.session()
        session.add(Organisation(name="Мадан", kind="municipality", oblast="Смолян"))
        assert jobs.enqueue(session, "test-record", {"n": 2}, key="raced") is None
        session.commit()
        assert session.exec(select(Organisation).where(Organisation.name == "Мадан")).first()
    assert [j.payload["n"] for j in all_jobs(app)] == [1]


def test_a_job_queued_first_goes_when_the_caller_rolls_back(app: Flask) -> None:
    """The job is part of the caller's transaction even when queueing it is the
    transaction's first write: on SQLite a savepoint opened outside a transaction began one
    of its own, and releasing it committed the job — a mail for an event that never was."""
    with app.app_context():
        session = db.session()
        assert jobs.enqueue(session, "test-record", {"n": 1}, key="first") is not None
        assert jobs.enqueue(session, "test-record", {"n": 2}) is not None
        session.add(Organisation(name="Мадан", kind="municipality", oblast="Смолян"))
        session.rollback()
    assert all_jobs(app) == []
    queue(app, "test-record", {"n": 3}, key="first")  # the key is free again
    assert [j.payload["n"] for j in all_jobs(app)] == [3]


def test_a_failed_job_is_tried_again_later_then_succeeds(app: Flask) -> None:
    queue(app, "test-flaky", {"name": "Рудозем", "fail": 2})
    assert jobs.run_pending(app) == 1
    job = all_jobs(app)[0]
    assert (job.status, job.tries, job.error) == ("queued", 1, "ValueError: boom 1")
    assert job.run_after > utcnow() + timedelta(seconds=20)  # backoff: not at once
    assert jobs.run_pending(app) == 0
    make_due(app)
    jobs.run_pending(app)
    job = all_jobs(app)[0]
    assert (job.status, job.tries, job.error) == ("queued", 2, "ValueError: boom 2")
    make_due(app)
    jobs.run_pending(app)
    job = all_jobs(app)[0]
    assert (job.status, job.tries) == ("done", 3)
    with app.app_context():
        names = [o.name for o in db.session().exec(select(Organisation))]
    assert names == ["Рудозем"]


def test_backoff_grows_and_is_capped() -> None:
    assert [jobs.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert jobs.backoff(30) == timedelta(hours=1)


def test_after_the_last_try_the_job_fails_with_the_error_text_only(
        app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    queue(app, "test-flaky", {"name": "Никога", "fail": 99})
    for _ in range(jobs.MAX_TRIES):
        make_due(app)
        assert jobs.run_pending(app) == 1
    job = all_jobs(app)[0]
    assert (job.status, job.tries) == ("failed", jobs.MAX_TRIES)
    assert job.error == f"ValueError: boom {jobs.MAX_TRIES}"  # no traceback stored
    assert "Traceback" in caplog.text  # the log has it
    make_due(app)
    assert jobs.run_pending(app) == 0


def test_a_job_of_an_unknown_kind_fails_instead_of_stopping_the_runner(app: Flask) -> None:
    queue(app, "no-such-kind", {})
    assert jobs.run_pending(app) == 1
    job = all_jobs(app)[0]
    assert job.status == "queued" and "no handler" in job.error


def test_a_job_whose_runner_died_is_taken_again_after_the_lease(app: Flask) -> None:
    queue(app, "test-record", {"n": 1})
    queue(app, "test-record", {"n": 2})
    with Session(engine_of(app)) as session:
        first, second = session.exec(select(Job).order_by(col(Job.id))).all()
        lost, busy = jobs.LEASE + timedelta(minutes=1), timedelta(minutes=1)
        for job, ago in ((first, lost), (second, busy)):
            job.status, job.locked_by, job.tries = "running", "gone:1:1", 1
            job.locked_at = utcnow() - ago
            session.add(job)
        session.commit()
    assert jobs.run_pending(app) == 1
    assert [n for n, _ in RECORDED] == [1]  # the second one's runner may still be at it
    first, second = all_jobs(app)
    assert (first.status, first.tries) == ("done", 2) and second.status == "running"


def test_a_job_that_kept_losing_its_runner_fails(app: Flask) -> None:
    queue(app, "test-record", {"n": 1})
    with Session(engine_of(app)) as session:
        job = session.exec(select(Job)).one()
        job.status, job.locked_by, job.tries = "running", "gone:1:1", jobs.MAX_TRIES
        job.locked_at = utcnow() - jobs.LEASE - timedelta(minutes=1)
        session.add(job)
        session.commit()
    assert jobs.run_pending(app) == 1 and RECORDED == []
    assert all_jobs(app)[0].status == "failed"


def test_a_runner_that_lost_its_lease_does_not_overwrite_the_new_runner(app: Flask) -> None:
    queue(app, "test-record", {"n": 1})
    job = jobs.claim(engine_of(app), "old")
    assert job is not None
    with Session(engine_of(app)) as session:  # the lease ran out; another runner took it
        session.exec(update(Job).values(locked_by="new"))
        session.commit()
    jobs._finish(engine_of(app), job, "old", "done", "")
    assert all_jobs(app)[0].status == "running"


def test_four_runner_threads_run_each_of_200_jobs_exactly_once(app: Flask) -> None:
    """Each runner claims with its own connection (SKIP LOCKED on PostgreSQL, one atomic
    UPDATE on SQLite): no job is run twice, none is left."""
    with app.app_context():
        session = db.session()
        for n in range(200):
            jobs.enqueue(session, "test-record", {"n": n})
        session.commit()
    runners = [jobs.Runner(app, idle=0.05) for _ in range(4)]
    for runner in runners:
        runner.start()
    deadline = time.monotonic() + 120
    while len(RECORDED) < 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    started = time.monotonic()
    for runner in runners:
        runner.stop()
    assert time.monotonic() - started < 5  # they wake up when told to stop
    assert not any(r.is_alive() for r in runners)
    assert Counter(n for n, _ in RECORDED) == Counter(range(200))
    statuses = Counter(j.status for j in all_jobs(app))
    assert statuses == {"done": 200}
    by_runner = Counter(j.locked_by for j in all_jobs(app))
    assert by_runner == {"": 200}


def test_runners_send_heartbeats_and_remove_them_when_stopped(app: Flask) -> None:
    runner = jobs.Runner(app, idle=0.05)
    runner.start()
    deadline = time.monotonic() + 10
    with Session(engine_of(app)) as session:
        while not session.exec(select(JobRunner)).first() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert jobs.runners_alive(session) == 1
        row = session.exec(select(JobRunner)).one()
        assert row.name == runner.runner and str(os.getpid()) in row.name
    runner.stop()
    with Session(engine_of(app)) as session:
        assert jobs.runners_alive(session) == 0


def test_cleanup_deletes_old_done_and_failed_jobs_and_old_heartbeats(app: Flask) -> None:
    now = utcnow()
    with Session(engine_of(app)) as session:
        session.add_all([
            Job(kind="k", status="done", finished_at=now - timedelta(days=4)),
            Job(kind="k", status="done", finished_at=now - timedelta(days=1)),
            Job(kind="k", status="failed", finished_at=now - timedelta(days=4)),
            Job(kind="k", status="failed", finished_at=now - timedelta(days=31)),
            Job(kind="k", status="queued", created_at=now - timedelta(days=40)),
            JobRunner(name="old", seen_at=now - timedelta(days=2)),
            JobRunner(name="new", seen_at=now)])
        session.commit()
    jobs.cleanup(engine_of(app))
    left = sorted((j.status, j.finished_at is not None and j.finished_at < now - timedelta(days=2))
                  for j in all_jobs(app))
    assert left == [("done", False), ("failed", True), ("queued", False)]
    with Session(engine_of(app)) as session:
        assert [r.name for r in session.exec(select(JobRunner))] == ["new"]
        assert jobs.queue_length(session) == 1


def test_the_server_starts_a_runner_unless_jobs_are_off(make_app: Any) -> None:
    off: Flask = make_app(JOBS="off")
    before = threading.active_count()
    assert jobs.serve_jobs(off) is off
    assert threading.active_count() == before
    on: Flask = make_app()
    assert on.config["JOBS"] == "thread"
    jobs.serve_jobs(on)
    runners = [t for t in threading.enumerate() if isinstance(t, jobs.Runner) and t.app is on]
    assert len(runners) == 1
    runners[0].stop()


def test_the_setting_accepts_thread_or_off(make_app: Any,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOBRO_JOBS", "OFF")
    assert make_app().config["JOBS"] == "off"
    monkeypatch.setenv("DOBRO_JOBS", "celery")
    with pytest.raises(ValueError, match="DOBRO_JOBS"):
        make_app()


def test_tests_start_no_runner_by_themselves(make_app: Any) -> None:
    make_app()
    assert not [t for t in threading.enumerate() if isinstance(t, jobs.Runner)]


def test_dobro_worker_once_drains_the_queue(app: Flask, database_url: str,
                                            tmp_path: Path) -> None:
    for n in range(3):
        queue(app, "certificate-pdf", {"code": f"no-such-code-{n}"})  # a real kind: a no-op
    env = {**os.environ, "DOBRO_DATABASE_URL": database_url,
           "DOBRO_INSTANCE": str(tmp_path / "worker-instance"), "DOBRO_CONTENT": str(tmp_path)}
    done = subprocess.run([DOBRO, "worker", "--once", "--threads", "2"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "Jobs run: 3" in done.stdout
    assert Counter(j.status for j in all_jobs(app)) == {"done": 3}


def test_dobro_worker_refuses_a_bad_thread_count(app: Flask, database_url: str,
                                                 tmp_path: Path) -> None:
    env = {**os.environ, "DOBRO_DATABASE_URL": database_url,
           "DOBRO_INSTANCE": str(tmp_path / "worker-instance"), "DOBRO_CONTENT": str(tmp_path)}
    done = subprocess.run([DOBRO, "worker", "--threads", "0"], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 2 and "--threads" in done.stderr + done.stdout


@pytest.mark.parametrize("options", [("--workers", "2"), ("--dev",)], ids=["gunicorn", "dev"])
def test_dobro_serve_runs_the_jobs_in_each_worker(app: Flask, database_url: str, tmp_path: Path,
                                                  course_root: Path,
                                                  options: tuple[str, ...]) -> None:
    queue(app, "certificate-pdf", {"code": "no-such-code"})
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not is_app_setting(k)}
    env.update(DOBRO_DATABASE_URL=database_url, DOBRO_CONTENT=str(course_root),
               DOBRO_INSTANCE=str(tmp_path / "serve-instance"), DOBRO_SECRET_KEY="serve")
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        server = subprocess.Popen([DOBRO, "serve", "--port", str(port), *options], env=env,
                                  cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            with Session(engine_of(app)) as session:
                runners = jobs.runners_alive(session)
            if all_jobs(app)[0].status == "done" and runners == (2 if "--workers" in options
                                                                  else 1):
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"jobs not run: {all_jobs(app)}, {runners} runners\n"
                                 f"{log.read_text()}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    if "--dev" not in options:  # gunicorn's workers exit cleanly: the runners say goodbye
        with Session(engine_of(app)) as session:  # (a killed one's heartbeat just ages)
            assert session.exec(select(JobRunner)).all() == []


def test_with_jobs_off_dobro_serve_leaves_them_to_a_worker(app: Flask, database_url: str,
                                                          tmp_path: Path,
                                                          course_root: Path) -> None:
    queue(app, "certificate-pdf", {"code": "no-such-code"})
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not is_app_setting(k)}
    env.update(DOBRO_DATABASE_URL=database_url, DOBRO_CONTENT=str(course_root),
               DOBRO_INSTANCE=str(tmp_path / "serve-instance"), DOBRO_SECRET_KEY="serve",
               DOBRO_JOBS="off")
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        server = subprocess.Popen([DOBRO, "serve", "--port", str(port), "--workers", "2"],
                                  env=env, cwd=tmp_path, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", server, log)
        time.sleep(2)
        assert all_jobs(app)[0].status == "queued"
        with Session(engine_of(app)) as session:
            assert jobs.runners_alive(session) == 0
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_on_postgresql_a_job_locked_by_one_connection_is_skipped_by_another(
        app: Flask, database_url: str) -> None:
    """Two servers' runners: while one connection holds the first job's row (claiming it),
    another connection's claim takes the next job at once instead of waiting."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite runs one writer at a time")
    queue(app, "test-record", {"n": 1})
    queue(app, "test-record", {"n": 2})
    other = make_engine(database_url)
    try:
        with Session(other) as holding:
            first = holding.exec(select(Job).order_by(col(Job.id)).limit(1)
                                 .with_for_update()).one()
            started = time.monotonic()
            taken = jobs.claim(engine_of(app), "second-server")
            assert time.monotonic() - started < 2
            assert taken is not None and taken.id != first.id and taken.payload == {"n": 2}
            holding.rollback()
        assert jobs.claim(engine_of(app), "second-server").payload == {"n": 1}  # type: ignore[union-attr]
    finally:
        other.dispose()
