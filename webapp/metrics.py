"""Prometheus metrics at ``/metrics``: requests, latency, background jobs, the course version.

Requests are counted by method, Flask endpoint (never the raw path: one series per route,
however many ids and quiz names are asked for) and status, with a latency histogram;
``/metrics``, ``/healthz`` and ``/readyz`` themselves are left out. The jobs, the queue and
the course are read when Prometheus scrapes (``StateCollector``), never kept.

Under gunicorn every worker is its own process: with ``PROMETHEUS_MULTIPROC_DIR`` set
(``dobro serve`` makes a temporary folder when it is not) each worker writes its counts to a
file there and a scrape sums them all, whichever worker answers it; gunicorn's
``child_exit`` hook (``webapp.wsgiserver``) tells the library a worker is gone.

Only the networks of ``DOBRO_METRICS_ALLOW`` (comma-separated CIDRs; default this machine)
may read it; anyone else gets the same 404 as for any unknown page. The address checked is
the client's as ``DOBRO_TRUSTED_PROXIES`` decides it (ProxyFix): a client cannot claim one.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from flask.wrappers import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from course.compiled import CompiledCourse
from webapp.health import seconds_since
from webapp.models import JOB_QUEUED, Job, JobRunner, utcnow

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
ALLOW_ENV = "DOBRO_METRICS_ALLOW"
DEFAULT_ALLOW = "127.0.0.1/32,::1/128"
UNLISTED = {"system.metrics_page", "system.healthz", "system.readyz"}
RUNNER_FRESH_SECONDS = 60
_JOB = Job.__table__  # type: ignore[attr-defined]
_RUNNER = JobRunner.__table__  # type: ignore[attr-defined]

# The request metrics live in a registry of their own (not the library's global one), so
# that a scrape in one process shows exactly them and the collectors below.
REQUESTS_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("dobro_http_requests", "HTTP requests answered",
                   ["method", "endpoint", "status"], registry=REQUESTS_REGISTRY)
LATENCY = Histogram("dobro_http_request_duration_seconds",
                    "Time to answer a request, by method and endpoint",
                    ["method", "endpoint"], registry=REQUESTS_REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30))


def init_app(app: Flask) -> None:
    """Count every request of ``app`` and read ``DOBRO_METRICS_ALLOW``."""
    app.config.setdefault("METRICS_ALLOW", os.environ.get(ALLOW_ENV, "") or DEFAULT_ALLOW)
    app.extensions["dobro.metrics_allow"] = networks(app.config["METRICS_ALLOW"])
    app.before_request(_start_clock)
    app.after_request(_count)


def networks(raw: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The CIDRs of ``raw`` (comma-separated); a bad one stops the start."""
    found = []
    for part in raw.split(","):
        if part.strip():
            try:
                found.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(f"{ALLOW_ENV}: {part.strip()!r} is not a network "
                                 f"(e.g. 10.0.0.0/8): {exc}") from None
    return tuple(found)


def allowed(app: Flask, address: str | None) -> bool:
    """Whether a client at ``address`` may read the metrics."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # a dual-stack socket's ::ffff:127.0.0.1
    return any(ip in network for network in app.extensions["dobro.metrics_allow"])


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    endpoint = request.endpoint or "unmatched"
    started = g.get("metrics_started")
    if endpoint not in UNLISTED and started is not None:
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - started)
    return response


def exposition(app: Flask) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type."""
    registry = CollectorRegistry()
    folder = os.environ.get(MULTIPROC_ENV)
    if folder:  # every worker's counts, summed
        MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Registered(REQUESTS_REGISTRY))
    registry.register(StateCollector(app))
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Registered(Collector):
    """The metrics of another registry (this process's request counts)."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        yield from self.source.collect()


class StateCollector(Collector):
    """What the database and the app hold at scrape time: jobs by kind and status, the
    queue (ready jobs and how long the oldest has waited), live job runners, the course."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        from webapp import content, db

        with self.app.app_context():
            course = content.store().peek()
            info = GaugeMetricFamily(
                "dobro_course_info", "The compiled course being served: a digest of its "
                "modules' and quizzes' versions, and when it was built",
                labels=["version", "built_at"])
            built = GaugeMetricFamily("dobro_course_built_timestamp_seconds",
                                      "When the course being served was built")
            if course is not None:
                info.add_metric([course_digest(course), course.built_at.isoformat()], 1)
                built.add_metric([], course.built_at.timestamp())
            yield info
            yield built
            try:
                yield from self._jobs(db.engine(), utcnow())
            except sa.exc.SQLAlchemyError:
                current_app.logger.warning("metrics: the job table could not be read",
                                           exc_info=True)

    @staticmethod
    def _jobs(engine: Any, now: datetime) -> Iterator[Metric]:
        jobs = GaugeMetricFamily("dobro_jobs", "Jobs in the job table, by kind and status",
                                 labels=["kind", "status"])
        ready = (_JOB.c.status == JOB_QUEUED) & (_JOB.c.run_after <= now)
        with engine.connect() as connection:
            for kind, status, n in connection.execute(
                    sa.select(_JOB.c.kind, _JOB.c.status, sa.func.count())
                    .group_by(_JOB.c.kind, _JOB.c.status)):
                jobs.add_metric([kind, status], n)
            waiting, oldest = connection.execute(
                sa.select(sa.func.count(), sa.func.min(_JOB.c.run_after)).where(ready)).one()
            runners = connection.execute(sa.select(sa.func.count()).select_from(_RUNNER).where(
                _RUNNER.c.seen_at >= now - timedelta(seconds=RUNNER_FRESH_SECONDS))).scalar_one()
        yield jobs
        yield GaugeMetricFamily("dobro_job_queue_length",
                                "Queued jobs whose time has come", value=waiting)
        yield GaugeMetricFamily("dobro_job_queue_oldest_seconds",
                                "How long the oldest ready job has waited (0: none)",
                                value=0.0 if oldest is None else seconds_since(oldest, now))
        yield GaugeMetricFamily("dobro_job_runners",
                                f"Job runners seen in the last {RUNNER_FRESH_SECONDS} s",
                                value=runners)



def course_digest(course: CompiledCourse) -> str:
    """A short name of the course's content: it changes when any module or quiz does."""
    parts = sorted([f"m:{key}:{m.version}" for key, m in course.modules.items()]
                   + [f"q:{key}:{q.version}" for key, q in course.quizzes.items()])
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]
