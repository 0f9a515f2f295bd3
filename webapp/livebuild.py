"""``dobro serve --reload``: rebuild the course when its sources change.

A background thread polls the sources and rebuilds; it records the outcome in
a ``BuildStatus`` that pages read. Requests never build: a failed build leaves
the last good one in place (``course.build`` guarantees it), and pages show the
problems until a build succeeds again. Open pages hear of each new build at once
through server-sent events (``event_stream``), and reload themselves.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from course.build import build
from course.errors import ContentError, Problem
from course.sources import IMAGE_SUFFIXES

WATCHED_DIRS = ("modules", "quizzes")
WATCHED_SUFFIXES = frozenset({".md", ".yaml", ".yml"}) | frozenset(IMAGE_SUFFIXES)
# A scan only stats the watched files (a few milliseconds for hundreds of modules), so a
# short interval costs little and keeps the save-to-reload time low.
POLL_SECONDS = 0.2
SETTLE_SECONDS = 0.05  # an editor may write a file in several steps: let it finish
KEEPALIVE_SECONDS = 15.0  # a comment on an idle stream, so a closed page's thread ends
RETRY_MS = 500  # how soon a page reconnects after the server went away
STATUS_KEY, WATCHER_KEY = "dobro.build_status", "dobro.watcher"

log = logging.getLogger(__name__)
Stamps = dict[str, tuple[int, int]]


@dataclass(frozen=True)
class BuildState:
    """The outcome of the latest build; ``version`` grows with every build that changed
    what pages show. ``boot`` names the server process, so that a page served before a
    restart (whose versions start again from 0) still sees that it is out of date."""

    version: int
    ok: bool
    problems: tuple[Problem, ...]
    boot: str = ""

    @property
    def token(self) -> str:
        """What a page was rendered from: it reloads when the server's token differs."""
        return f"{self.boot}.{self.version}"


class BuildStatus:
    """Written by the watcher thread, read by requests; each state is replaced whole."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._state = BuildState(0, True, (), secrets.token_hex(4))

    @property
    def state(self) -> BuildState:
        return self._state

    def record(self, problems: Sequence[Problem] | None, changed: bool = True) -> None:
        """Record a build: ``None`` when it succeeded, else the problems that stopped it.

        A build that succeeded without changing an output (``changed`` false) after one
        that succeeded is no news: the version stays, so no page reloads for nothing.
        """
        with self._changed:
            old = self._state
            if problems is None and not changed and old.ok and old.version:
                return
            self._state = BuildState(old.version + 1, problems is None, tuple(problems or ()),
                                     old.boot)
            self._changed.notify_all()

    def wait(self, version: int, timeout: float) -> BuildState:
        """The state as soon as its version is not ``version``, or after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._state.version != version, timeout)
            return self._state


def event_stream(status: BuildStatus,
                 keepalive: float = KEEPALIVE_SECONDS) -> Iterator[str]:
    """Server-sent events: the current build at once, then each new one as it is recorded.

    Each open page holds one of these (and one server thread) while it is visible; the
    keep-alive comment makes a write fail, and so ends the thread, when the page is gone.
    """
    yield f"retry: {RETRY_MS}\n\n"
    version = -1
    while True:
        state = status.wait(version, keepalive)
        if state.version == version:
            yield ": keep-alive\n\n"
            continue
        version = state.version
        yield f"event: build\ndata: {json.dumps({'token': state.token, 'ok': state.ok})}\n\n"


class ContentWatcher:
    """Polls ``modules/`` and ``quizzes/`` and rebuilds the course when a file changes."""

    def __init__(self, root: Path, out: Path, status: BuildStatus,
                 interval: float = POLL_SECONDS) -> None:
        self.root, self.out, self.status, self.interval = root, out, status, interval
        self._seen: Stamps | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._building = threading.Lock()  # the watcher and the web editor both rebuild

    def scan(self) -> Stamps:
        """Stamp (mtime, size) every watched file (only sources: nothing else fires)."""
        stamps: Stamps = {}
        for folder in WATCHED_DIRS:
            for base, dirs, files in os.walk(self.root / folder):
                dirs.sort()
                for name in files:
                    if os.path.splitext(name)[1].lower() not in WATCHED_SUFFIXES:
                        continue
                    path = os.path.join(base, name)
                    try:
                        stat = os.stat(path)
                    except OSError:  # deleted between listing and stat, or a dangling link
                        continue
                    stamps[Path(path).as_posix()] = (stat.st_mtime_ns, stat.st_size)
        return stamps

    def rebuild(self) -> BuildState:
        """Build the course now and record the outcome."""
        with self._building:
            # Taken first, so an edit made during the build is seen by the next poll.
            self._seen = self.scan()
            try:
                # One process: forking a pool from a threaded server is unsafe, and rebuilds
                # reuse the cache, so they load only the files that changed.
                result = build(self.root, self.out, jobs=1)
            except ContentError as exc:
                self.status.record(exc.problems)
            except Exception as exc:  # keep serving the last build whatever went wrong
                log.exception("building the course failed")
                self.status.record([Problem(".", 1, 1, "error",
                                            f"{type(exc).__name__}: {exc}", "build-failed")])
            else:
                self.status.record(None, changed=result.written > 0)
            return self.status.state

    def poll_once(self) -> bool:
        """Rebuild if a watched file changed since the last build; tell whether it did."""
        if self._seen is not None:
            stamps = self.scan()
            if stamps == self._seen:
                return False
            # Wait until the files stop changing: a save in several writes is one rebuild.
            for _ in range(10):
                time.sleep(SETTLE_SECONDS)
                stamps, before = self.scan(), stamps
                if stamps == before:
                    break
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


def rebuild_now(root: Path, out: Path) -> bool:
    """Rebuild after a change made in the browser, so the next request serves it.

    Tell whether the course was rebuilt; the files are saved whatever happens here.
    """
    if current_app.config["LIVE_RELOAD"]:
        # The watcher's own build: it notes the new sources, so it will not build them twice.
        return watcher(current_app).rebuild().ok
    try:
        build(root, out, jobs=1)
    except ContentError:
        return False  # errors in a file (this one or another): the page lists them
    except Exception:
        current_app.logger.exception("rebuilding the course after a change in the browser failed")
        return False
    return True
