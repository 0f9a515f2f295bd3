"""The compiled course in the app: one store per app, reloaded when the course is rebuilt.

The model and its reader are the core's (``course.compiled``, next to the writer
``course.compile``); this module is only the Flask glue: where the build is (the
``COURSE_BUILD`` setting), one store per app, and the pages rendered from each snapshot.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields
from pathlib import Path

from flask import Flask, current_app

from course.compiled import (
    ASSETS_DIR,
    COURSE_FILE,
    CompiledCourse,
    CourseUnavailable,
    read_compiled,
)
from webapp import health
from webapp.pagecache import PageCache

__all__ = ["CourseStore", "ServedCourse", "current_course", "init_app", "load_course", "store"]

STORE_KEY = "dobro.course"


@dataclass(frozen=True)
class ServedCourse(CompiledCourse):
    """A compiled course as the app serves it, with the pages rendered from it."""

    # Pages rendered from this snapshot (webapp.pagecache): a new build starts empty.
    page_cache: PageCache = field(default_factory=PageCache, compare=False, repr=False)


class CourseStore:
    """Hands out the current snapshot; reloads when ``course.json`` changes on disk.

    ``course.json`` is the last file a build writes, so a changed stamp means
    the whole build is in place.
    """

    def __init__(self, build_dir: Path) -> None:
        self.build_dir = build_dir
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._course: ServedCourse | None = None

    def course(self) -> ServedCourse:
        """Return the current course, loading it if the build changed since the last call."""
        stamp = self._read_stamp()
        if stamp != self._stamp or self._course is None:
            with self._lock:
                if stamp != self._stamp or self._course is None:
                    self._course = load_course(self.build_dir)
                    self._stamp = stamp
        return self._course

    def peek(self) -> ServedCourse | None:
        """The current course, or None when there is none (never raises)."""
        try:
            return self.course()
        except CourseUnavailable:
            return None

    @property
    def assets_dir(self) -> Path:
        return self.build_dir / ASSETS_DIR

    def _read_stamp(self) -> tuple[int, int]:
        try:
            stat = (self.build_dir / COURSE_FILE).stat()
        except OSError:
            raise CourseUnavailable(self.build_dir, "no compiled course") from None
        return stat.st_mtime_ns, stat.st_size


def init_app(app: Flask) -> None:
    """Give the app a store for its compiled course, and a health check that it loads."""
    store = CourseStore(Path(app.config["COURSE_BUILD"]))
    app.extensions[STORE_KEY] = store
    health.add_check(app, "course", lambda: store.peek() is not None)
    app.context_processor(lambda: {"site_course": store.peek()})


def store() -> CourseStore:
    """The current app's course store."""
    found: CourseStore = current_app.extensions[STORE_KEY]
    return found


def current_course() -> ServedCourse:
    """The current app's compiled course; raises ``CourseUnavailable`` when there is none."""
    return store().course()


def load_course(build_dir: Path) -> ServedCourse:
    """Read the compiled course in ``build_dir`` for serving (``course.compiled`` reads it)."""
    read = read_compiled(build_dir)
    return ServedCourse(**{f.name: getattr(read, f.name) for f in fields(CompiledCourse)})
