"""Periodic jobs (webapp/jobs.py ``@jobs.periodic``): each run queues the next one, the
runners' heartbeat starts one when none waits, and one waits at a time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, col, select, update

from webapp import jobs
from webapp.models import Job, utcnow

RUNS: list[int] = []
KIND = "test-periodic"


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    """Register the test's periodic kind for this test only (other tests' runners must
    not start it)."""
    RUNS.clear()

    @jobs.periodic(KIND, every=timedelta(minutes=7))
    def tick(payload: dict[str, Any]) -> None:
        RUNS.append(len(RUNS) + 1)
        if payload.get("fail"):
            raise ValueError("boom")
    yield
    jobs._handlers.pop(KIND, None)
    jobs._periodic.pop(KIND, None)


@pytest.fixture
def app(make_app: Any) -> Flask:
    flask_app: Flask = make_app()
    return flask_app


def waiting(app: Flask) -> list[Job]:
    with Session(app.extensions["dobro.engine"]) as session:
        return list(session.exec(select(Job).where(Job.kind == KIND, Job.status == "queued")
                                 .order_by(col(Job.id))))


def make_due(app: Flask) -> None:
    with Session(app.extensions["dobro.engine"]) as session:
        session.exec(update(Job).where(col(Job.status) == "queued").values(
            run_after=utcnow() - timedelta(seconds=1)))
        session.commit()


def test_the_heartbeat_starts_a_periodic_job_once(app: Flask) -> None:
    assert KIND in jobs.periodic_kinds()
    assert jobs.start_periodic(app) >= 1
    assert jobs.start_periodic(app) == 0  # one waits already: not a second
    assert [j.key for j in waiting(app)] == [jobs.PERIODIC_KEY]


def test_each_run_queues_the_next_one_every_so_often(app: Flask) -> None:
    jobs.start_periodic(app)
    before = utcnow()
    jobs.run_pending(app)
    assert RUNS == [1]
    following = waiting(app)
    assert len(following) == 1
    delay = following[0].run_after.replace(tzinfo=before.tzinfo) - before
    assert timedelta(minutes=6) < delay <= timedelta(minutes=7, seconds=5)
    assert jobs.run_pending(app) == 0  # not due yet
    make_due(app)
    jobs.run_pending(app)
    assert RUNS == [1, 2] and len(waiting(app)) == 1


def test_a_failed_run_still_leaves_exactly_one_waiting(app: Flask) -> None:
    with Session(app.extensions["dobro.engine"]) as session:
        jobs.enqueue(session, KIND, {"fail": True}, key=jobs.PERIODIC_KEY)
        session.commit()
    jobs.run_pending(app)
    assert RUNS == [1]
    assert len(waiting(app)) == 1  # the next run; the failed one gave way to it
    jobs.start_periodic(app)  # the other periodic kinds start; this one waits already
    assert len(waiting(app)) == 1
