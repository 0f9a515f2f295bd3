"""The pipeline in one place: load → validate → (render happened in load) → compile.

``check`` stops after validation; ``build`` also writes the compiled course,
reusing the previous build's per-file results for files whose bytes did not
change, so a rebuild after a small edit costs little.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path

from course.compile import UrlScheme, compiled_files, write_changed
from course.errors import ContentError, Problem, has_errors
from course.load import Cache, load_course
from course.model import Course
from course.validate import validate

CACHE_FILE = ".dobro-cache.pickle"
# Bump when loading or rendering changes, so old cached results are not reused.
CACHE_VERSION = 2


@dataclass
class BuildCache:
    """What a build keeps for the next one: per-file results and output digests."""

    version: int = CACHE_VERSION
    files: Cache = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildResult:
    course: Course
    problems: list[Problem]
    written: int
    reused: int


def check(root: Path, jobs: int | None = None) -> tuple[Course, list[Problem]]:
    """Load and validate the course under ``root``; return it and every problem, sorted."""
    course, problems, _ = load_course(root, jobs=jobs)
    return course, sorted(problems + validate(course))


def build(root: Path, out: Path, jobs: int | None = None, strict: bool = False,
          scheme: UrlScheme | None = None) -> BuildResult:
    """Check the course and write the compiled course to ``out``.

    Raises ``ContentError`` (and writes nothing) when the sources have errors,
    so a broken edit never replaces a working build.
    """
    cache = _read_cache(out)
    course, problems, files_cache = load_course(root, cache.files, jobs)
    problems = sorted(problems + validate(course))
    if has_errors(problems, strict):
        raise ContentError(problems)
    files = compiled_files(course, root, scheme or UrlScheme())
    out.mkdir(parents=True, exist_ok=True)
    digests = write_changed(files, out, cache.digests)
    written = sum(1 for path, digest in digests.items() if cache.digests.get(path) != digest)
    reused = sum(1 for key in files_cache if key in cache.files)
    _write_cache(out, BuildCache(CACHE_VERSION, files_cache, digests))
    return BuildResult(course, problems, written, reused)


def _read_cache(out: Path) -> BuildCache:
    try:
        with open(out / CACHE_FILE, "rb") as handle:
            cache = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            TypeError, ValueError):
        return BuildCache()
    if not isinstance(cache, BuildCache) or cache.version != CACHE_VERSION:
        return BuildCache()
    return cache


def _write_cache(out: Path, cache: BuildCache) -> None:
    tmp = out / (CACHE_FILE + ".tmp")
    with open(tmp, "wb") as handle:
        pickle.dump(cache, handle, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(out / CACHE_FILE)
