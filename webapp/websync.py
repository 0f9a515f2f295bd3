"""Every app server serves the web-authored versions in the database (``web_versions``).

Each serving process runs a poller, a daemon thread (``start``, from ``dobro serve``;
never in the test client unless a test asks): every ``POLL_SECONDS`` it asks the database
for the newest web version id — one query down the primary key — and, when this server's
files have not applied it, writes the new versions under the authoring file lock (so one
worker of the server does it), then rebuilds. Each worker's course store picks the new
build up by itself (``content.CourseStore`` reloads when ``course.json`` changes). A failed
build keeps the last good one, as any build does. The first poll of a process compares
every edited path, so a server that joins, or restarts after a deploy that put older texts
on its disk, serves the web versions again at once.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from flask import Flask, current_app

from webapp import db, livebuild
from webapp.services import web_versions
from webapp.services.authoring import Paths, writing
from webapp.services.web_versions import SyncReport

POLL_SECONDS = 2.0
SYNC_KEY = "dobro.websync"

log = logging.getLogger(__name__)


def paths_of(app: Flask) -> Paths:
    """Where ``app`` keeps its course, its build and its authoring lock."""
    return Paths(Path(app.config["CONTENT_ROOT"]), Path(app.config["COURSE_BUILD"]),
                 Path(app.instance_path) / "authoring.lock")


def authoring_paths() -> Paths:
    """The current app's paths for web authoring, its files first brought up to the
    database's web versions: an editor never opens a text another server replaced."""
    paths = paths_of(current_app)
    web_versions.catch_up(db.session(), paths)
    return paths


class WebSync:
    """Brings one app's course up to the database's web versions, and rebuilds it."""

    def __init__(self, app: Flask, interval: float = POLL_SECONDS) -> None:
        self.app, self.interval = app, interval
        self._built = -1  # the marker this process last rebuilt for; -1: not yet
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sync_once(self) -> SyncReport | None:
        """Apply what is new (everything, the first time) and rebuild when files changed
        or another process of this server applied versions this one has not built."""
        paths = paths_of(self.app)
        with self.app.app_context():
            report = web_versions.catch_up(db.session(), paths, full=self._built < 0)
            marker = web_versions.read_marker(paths.build)
            if (report is not None and report.changed) or marker != self._built:
                with writing(paths):
                    livebuild.rebuild_now(paths.root, paths.build)
                self._built = marker
        return report

    def start(self) -> None:
        """Poll in a daemon thread until ``stop``."""
        self._thread = threading.Thread(target=self._run, name="dobro-websync", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while True:
            try:
                self.sync_once()
            except Exception:  # a database away for a moment must not end the polling
                log.exception("bringing the course up to the web versions failed")
            if self._stop.wait(self.interval):
                return


def start(app: Flask, interval: float = POLL_SECONDS) -> Flask:
    """Start ``app``'s poller (once); return the app, for a server's app factory."""
    if SYNC_KEY not in app.extensions:
        sync = WebSync(app, interval)
        app.extensions[SYNC_KEY] = sync
        sync.start()
    return app


def stop(app: Flask) -> None:
    """Stop ``app``'s poller, if it runs."""
    sync: WebSync | None = app.extensions.pop(SYNC_KEY, None)
    if sync is not None:
        sync.stop()
