"""Liveness (/healthz), readiness (/readyz) and the Prometheus metrics (/metrics)."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.serving import wait_for
from webapp import db, health
from webapp.models import JOB_DONE, JOB_QUEUED, Job, JobRunner, utcnow

from .test_serve import needs_dobro, serving


def heartbeat(app: Flask, ago: timedelta = timedelta(seconds=5)) -> None:
    with app.app_context():
        db.session().add(JobRunner(name="host:1:runner", seen_at=utcnow() - ago))
        db.session().commit()


def queue(app: Flask, kind: str = "certificate-pdf", status: str = JOB_QUEUED,
          waited: timedelta = timedelta(0), key: str = "") -> None:
    with app.app_context():
        db.session().add(Job(kind=kind, key=key, status=status, run_after=utcnow() - waited))
        db.session().commit()


def ready(client: FlaskClient) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    assert response.content_type == "application/json"
    assert "no-store" in response.headers["Cache-Control"]
    return response.status_code, response.get_json()


# --- Readiness ----------------------------------------------------------------------------------

def test_ready_with_the_course_a_runner_and_no_old_job(app: Flask, client: FlaskClient) -> None:
    heartbeat(app)
    queue(app, waited=timedelta(minutes=1))  # waiting, but not for long
    status, body = ready(client)
    assert status == 200 and body["ready"] is True
    assert set(body["checks"]) >= {"database", "course", "translations", "job_runner",
                                   "job_queue"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["job_queue"]["oldest_waiting_seconds"] >= 60


def test_not_ready_without_the_course(make_app: Any) -> None:
    app = make_app()  # the course was never built
    heartbeat(app)
    status, body = ready(app.test_client())
    assert status == 503 and body["ready"] is False
    assert body["checks"]["course"]["ok"] is False and body["checks"]["database"]["ok"]


@pytest.mark.parametrize("ago", [None, timedelta(seconds=61), timedelta(hours=3)])
def test_not_ready_without_a_recent_runner(app: Flask, client: FlaskClient,
                                           ago: timedelta | None) -> None:
    if ago is not None:
        heartbeat(app, ago)
    status, body = ready(client)
    assert status == 503
    runner = body["checks"]["job_runner"]
    assert runner["ok"] is False and runner["detail"]
    assert body["checks"]["course"]["ok"] and body["checks"]["job_queue"]["ok"]


def test_not_ready_when_a_job_waits_too_long(app: Flask, client: FlaskClient) -> None:
    heartbeat(app)
    queue(app, status=JOB_DONE, waited=timedelta(hours=5))  # done: never counts
    queue(app, waited=-timedelta(hours=1))  # not due yet: never counts
    assert ready(client)[0] == 200
    queue(app, waited=timedelta(minutes=6))  # the default limit is 5 minutes
    status, body = ready(client)
    assert status == 503 and body["checks"]["job_queue"]["ok"] is False
    assert body["checks"]["job_queue"]["oldest_waiting_seconds"] >= 360


def test_the_queue_limit_is_a_setting(make_app: Any, build_dir: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(health.QUEUE_ENV, "30")
    app = make_app()
    heartbeat(app)
    queue(app, waited=timedelta(minutes=6))
    assert ready(app.test_client())[0] == 200
    monkeypatch.setenv(health.QUEUE_ENV, "soon")
    with pytest.raises(ValueError, match=health.QUEUE_ENV):
        make_app()


def test_readiness_never_shows_a_traceback(app: Flask, client: FlaskClient,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any) -> Any:
        raise RuntimeError("the job table is gone")

    monkeypatch.setattr(health, "job_facts", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.get_json()["checks"]["job_runner"]["ok"] is False
    monkeypatch.setattr(db, "ping", lambda: False)
    app.extensions[health.CHECKS_KEY]["database"] = lambda: False
    body = client.get("/readyz").get_json()
    assert body["checks"]["database"]["ok"] is False and body["checks"]["job_queue"]["ok"] is False


def test_healthz_stays_liveness(app: Flask, client: FlaskClient) -> None:
    # No runner, an old job: the server itself is alive and answers pages.
    queue(app, waited=timedelta(hours=1))
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


# --- Metrics ------------------------------------------------------------------------------------

def sample(text: str, name: str, **labels: str) -> float:
    """The value of the series ``name{labels}`` in a Prometheus text page (0 when absent)."""
    for line in text.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}\{{(.*)\}} (\S+)", line)
        if match:
            found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(1)))
            if found == labels:
                return float(match.group(2))
    return 0.0


def scrape(client: FlaskClient, **environ: str) -> str:
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1", **environ})
    assert response.status_code == 200, response.status_code
    assert response.content_type.startswith("text/plain")
    return response.get_data(as_text=True)


def test_requests_are_counted_by_endpoint_not_path(app: Flask, client: FlaskClient) -> None:
    before = scrape(client)
    home = {"method": "GET", "endpoint": "learn.home", "status": "200"}
    missing = {"method": "GET", "endpoint": "unmatched", "status": "404"}
    for _ in range(3):
        assert client.get("/").status_code == 200
    for path in ("/no-such-page", "/another-missing-one"):
        assert client.get(path).status_code == 404
    client.get("/healthz")
    client.get("/readyz")
    after = scrape(client)
    assert sample(after, "dobro_http_requests_total", **home) \
        - sample(before, "dobro_http_requests_total", **home) == 3
    assert sample(after, "dobro_http_requests_total", **missing) \
        - sample(before, "dobro_http_requests_total", **missing) == 2
    assert "no-such-page" not in after  # the path is never a label
    for unlisted in ("system.metrics_page", "system.healthz", "system.readyz"):
        assert f'endpoint="{unlisted}"' not in after
    count = {"method": "GET", "endpoint": "learn.home"}
    assert sample(after, "dobro_http_request_duration_seconds_count", **count) \
        - sample(before, "dobro_http_request_duration_seconds_count", **count) == 3
    assert sample(after, "dobro_http_request_duration_seconds_bucket", le="+Inf", **count) > 0


def test_jobs_the_queue_and_the_course_are_read_at_scrape_time(app: Flask,
                                                               client: FlaskClient) -> None:
    queue(app, "handbook", waited=timedelta(minutes=2))
    queue(app, "certificate-pdf")
    queue(app, "certificate-pdf", status=JOB_DONE)
    heartbeat(app)
    text = scrape(client)
    assert sample(text, "dobro_jobs", kind="handbook", status="queued") == 1
    assert sample(text, "dobro_jobs", kind="certificate-pdf", status="queued") == 1
    assert sample(text, "dobro_jobs", kind="certificate-pdf", status="done") == 1
    assert re.search(r"^dobro_job_queue_length 2\.0$", text, re.M)
    oldest = re.search(r"^dobro_job_queue_oldest_seconds (\S+)$", text, re.M)
    assert oldest and 110 < float(oldest.group(1)) < 600
    assert re.search(r"^dobro_job_runners 1\.0$", text, re.M)
    assert re.search(r'^dobro_course_info\{built_at="[^"]+",version="[0-9a-f]{12}"\} 1\.0$',
                     text, re.M)


@pytest.mark.parametrize("remote", ["10.1.2.3", "192.168.0.7", "2001:db8::1"])
def test_metrics_are_not_found_from_other_networks(client: FlaskClient, remote: str) -> None:
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == 404
    assert "dobro_" not in response.get_data(as_text=True)


def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(make_app: Any,
                                                                   build_dir: Path) -> None:
    untrusting = make_app().test_client()  # DOBRO_TRUSTED_PROXIES unset: 0
    forged = {"X-Forwarded-For": "127.0.0.1"}
    assert untrusting.get("/metrics", headers=forged,
                          environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404
    behind = make_app(TRUSTED_PROXIES=1).test_client()  # nginx on 10.0.0.2, the client local
    assert behind.get("/metrics", headers=forged,
                      environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 200
    outside = {"X-Forwarded-For": "203.0.113.9"}  # through the proxy from outside
    assert behind.get("/metrics", headers=outside,
                      environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


def test_the_allowed_networks_are_a_setting(make_app: Any, build_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOBRO_METRICS_ALLOW", "10.0.0.0/8, 2001:db8::/32")
    client = make_app().test_client()
    for remote, status in (("10.1.2.3", 200), ("2001:db8::1", 200), ("127.0.0.1", 404),
                           ("::ffff:10.9.9.9", 200), ("not-an-address", 404)):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": remote}
                          ).status_code == status, remote
    monkeypatch.setenv("DOBRO_METRICS_ALLOW", "10.0.0.0/33")
    with pytest.raises(ValueError, match="DOBRO_METRICS_ALLOW"):
        make_app()


# --- Across gunicorn's workers -----------------------------------------------------------------

@needs_dobro
def test_a_scrape_sums_every_worker(course_root: Path, tmp_path: Path, build_dir: Path) -> None:
    """Two gunicorn workers answer requests; whichever answers the scrape, the count is
    the sum of both (PROMETHEUS_MULTIPROC_DIR, a temporary folder of ``dobro serve``)."""
    with serving(course_root, tmp_path, "--workers", "2", "--threads", "2",
                 "--json-logs") as (process, port, log):
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", process, log)
        asked = 0
        pids: set[int] = set()
        for _round in range(10):  # until both workers have answered some
            threads = [threading.Thread(target=lambda: urllib.request.urlopen(
                f"{base}/glossary", timeout=10).read()) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            asked += len(threads)
            time.sleep(0.3)
            pids = {entry["pid"] for entry in map(json.loads, (
                line for line in log.read_text().splitlines() if line.startswith("{")))
                if entry["path"] == "/glossary"}
            if len(pids) > 1:
                break
        assert len(pids) == 2, "one worker answered every request"
        glossary = {"method": "GET", "endpoint": "learn.glossary", "status": "200"}
        for _scrape in range(4):  # each scrape may land on either worker: the same sum
            with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
                text = response.read().decode()
            assert sample(text, "dobro_http_requests_total", **glossary) == asked
