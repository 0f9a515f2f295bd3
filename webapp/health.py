"""What ``/healthz`` and ``/readyz`` check.

``/healthz`` (liveness of this app server): each part of the app registers a named check —
the database answers, the compiled course is loaded, the message catalogs are there. It is
cheap (one ``SELECT 1``) and says ``ok`` or which part failed: a load balancer takes the
server out, a supervisor may restart it.

``/readyz`` (readiness of the installation): the same, plus the background jobs — a job
runner (a thread of ``dobro serve`` or a ``dobro worker``) seen in the last minute, and no
ready job waiting longer than ``DOBRO_READY_QUEUE_MINUTES`` (5 by default). Certificates'
PDFs and the Handbook are made by those jobs: without a runner the site answers but they
never come. JSON with each check; 200 or 503.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask

HealthCheck = Callable[[], bool]
CHECKS_KEY = "dobro.health_checks"
QUEUE_ENV = "DOBRO_READY_QUEUE_MINUTES"
RUNNER_FRESH = timedelta(seconds=60)


def init_app(app: Flask) -> None:
    """Read how long a ready job may wait before the installation is not ready."""
    from webapp.config import whole_number

    app.config.setdefault("READY_QUEUE_MINUTES",
                          whole_number(os.environ, QUEUE_ENV, 5, least=1, most=24 * 60))


def add_check(app: Flask, name: str, check: HealthCheck) -> None:
    """Register ``check`` (True when healthy) under ``name``."""
    app.extensions.setdefault(CHECKS_KEY, {})[name] = check


def run_checks(app: Flask) -> dict[str, bool]:
    """Run every registered check; a check that raises counts as failed."""
    results = {}
    for name, check in app.extensions.get(CHECKS_KEY, {}).items():
        try:
            results[name] = bool(check())
        except Exception:
            app.logger.exception("health check %s failed", name)
            results[name] = False
    return results


def readiness(app: Flask) -> dict[str, dict[str, Any]]:
    """Every liveness check and the job runner's: per name, ``ok`` and a ``detail``."""
    from webapp import db
    from webapp.models import utcnow

    found: dict[str, dict[str, Any]] = {
        name: {"ok": ok, "detail": "" if ok else "failed"}
        for name, ok in run_checks(app).items()}
    if not found.get("database", {"ok": True})["ok"]:
        for name in ("job_runner", "job_queue"):
            found[name] = {"ok": False, "detail": "the database does not answer"}
        return found
    try:
        with db.engine().connect() as connection:
            seen, oldest = job_facts(connection, utcnow())
    except Exception:  # any driver error: not ready, and never a traceback to the client
        app.logger.exception("readiness: the job tables could not be read")
        for name in ("job_runner", "job_queue"):
            found[name] = {"ok": False, "detail": "the job tables could not be read"}
        return found
    found["job_runner"] = runner_check(seen, utcnow())
    found["job_queue"] = queue_check(oldest, utcnow(), app.config["READY_QUEUE_MINUTES"])
    return found


def job_facts(connection: sa.Connection, now: datetime
              ) -> tuple[datetime | None, datetime | None]:
    """When a job runner was last seen, and since when the oldest ready job waits."""
    from webapp.models import JOB_QUEUED, Job, JobRunner

    job = Job.__table__  # type: ignore[attr-defined]
    runner = JobRunner.__table__  # type: ignore[attr-defined]
    seen = connection.execute(sa.select(sa.func.max(runner.c.seen_at))).scalar()
    oldest = connection.execute(sa.select(sa.func.min(job.c.run_after)).where(
        job.c.status == JOB_QUEUED, job.c.run_after <= now)).scalar()
    return seen, oldest


def runner_check(seen: datetime | None, now: datetime) -> dict[str, Any]:
    if seen is None:
        return {"ok": False, "detail": "no job runner has ever been seen"}
    ago = seconds_since(seen, now)
    return {"ok": ago <= RUNNER_FRESH.total_seconds(), "seen_seconds_ago": round(ago, 1),
            "detail": "" if ago <= RUNNER_FRESH.total_seconds()
            else f"no job runner seen in the last {RUNNER_FRESH.seconds} s"}


def queue_check(oldest: datetime | None, now: datetime, minutes: int) -> dict[str, Any]:
    waited = 0.0 if oldest is None else seconds_since(oldest, now)
    ok = waited <= minutes * 60
    return {"ok": ok, "oldest_waiting_seconds": round(waited, 1),
            "detail": "" if ok else f"a job has waited more than {minutes} min"}


def seconds_since(since: datetime, now: datetime) -> float:
    """Seconds from ``since`` to ``now``; a naive time (SQLite) is UTC."""
    if since.tzinfo is None:
        since = since.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - since).total_seconds())
