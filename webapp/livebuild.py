"""``dobro serve --reload``: rebuild the course when its sources change.

A background thread polls the sources and rebuilds; it records the outcome in
a ``BuildStatus`` that pages read. Requests never build: a failed build leaves
the last good one in place (``course.build`` guarantees it), and pages show the
problems until a build succeeds again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import Flask

from course.build import build
from course.errors import ContentError, Problem
from course.load import IMAGE_SUFFIXES

WATCHED_DIRS = ("modules", "quizzes")
WATCHED_SUFFIXES = frozenset({".md", ".yaml", ".yml"}) | frozenset(IMAGE_SUFFIXES)
POLL_SECONDS = 1.0
STATUS_KEY, WATCHER_KEY = "dobro.build_status", "dobro.watcher"

log = logging.getLogger(__name__)
Stamps = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class BuildState:
    """The outcome of the latest build; ``version`` grows with every build."""

    version: int
    ok: bool
    problems: tuple[Problem, ...]


class BuildStatus:
    """Written by the watcher thread, read by requests; each state is replaced whole."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = BuildState(0, True, ())

    @property
    def state(self) -> BuildState:
        return self._state

    def record(self, problems: Sequence[Problem] | None) -> None:
        """Record a build: ``None`` when it succeeded, else the problems that stopped it."""
        with self._lock:
            self._state = BuildState(self._state.version + 1, problems is None,
                                     tuple(problems or ()))


class ContentWatcher:
    """Polls ``modules/`` and ``quizzes/`` and rebuilds the course when a file changes."""

    def __init__(self, root: Path, out: Path, status: BuildStatus,
                 interval: float = POLL_SECONDS) -> None:
        self.root, self.out, self.status, self.interval = root, out, status, interval
        self._seen: Stamps | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def scan(self) -> Stamps:
        """Stamp (mtime, size) every watched file."""
        stamps: Stamps = {}
        for folder in WATCHED_DIRS:
            for path in (self.root / folder).rglob("*"):
                if path.suffix.lower() in WATCHED_SUFFIXES:
                    try:
                        stat = path.stat()
                    except OSError:  # deleted between listing and stat
                        continue
                    stamps[path.as_posix()] = (stat.st_mtime_ns, stat.st_size)
        return stamps

    def rebuild(self) -> BuildState:
        """Build the course now and record the outcome."""
        self._seen = self.scan()  # taken first, so an edit made during the build is seen next
        try:
            # One process: forking a pool from a threaded server is unsafe, and rebuilds reuse
            # the cache, so they load only the files that changed.
            build(self.root, self.out, jobs=1)
        except ContentError as exc:
            self.status.record(exc.problems)
        except Exception as exc:  # keep serving the last build whatever went wrong
            log.exception("building the course failed")
            self.status.record([Problem(".", 1, 1, "error", f"{type(exc).__name__}: {exc}",
                                        "build-failed")])
        else:
            self.status.record(None)
        return self.status.state

    def poll_once(self) -> bool:
        """Rebuild if a watched file changed since the last build; tell whether it did."""
        if self._seen is not None and self.scan() == self._seen:
            return False
        self.rebuild()
        return True

    def start(self) -> None:
        """Poll in a daemon thread until ``stop``."""
        self._thread = threading.Thread(target=self._run, name="dobro-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll_once()
            except OSError:  # an unreadable folder must not end the watching
                log.exception("watching the course sources failed")


def init_app(app: Flask) -> None:
    """In live-reload mode, give the app a build status and a (not yet started) watcher."""
    app.context_processor(lambda: {"build_state": _state_of(build_status(app))})
    if not app.config["LIVE_RELOAD"]:
        return
    status = BuildStatus()
    app.extensions[STATUS_KEY] = status
    app.extensions[WATCHER_KEY] = ContentWatcher(app.config["CONTENT_ROOT"],
                                                 app.config["COURSE_BUILD"], status)


def build_status(app: Flask) -> BuildStatus | None:
    """The app's build status, or None when it does not rebuild."""
    status: BuildStatus | None = app.extensions.get(STATUS_KEY)
    return status


def _state_of(status: BuildStatus | None) -> BuildState | None:
    return status.state if status is not None else None


def watcher(app: Flask) -> ContentWatcher:
    """The app's watcher (live-reload mode only)."""
    found: ContentWatcher = app.extensions[WATCHER_KEY]
    return found
