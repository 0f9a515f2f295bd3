"""The pipeline in one place: load → validate → (render happened in load) → compile.

``check`` stops after validation; ``build`` also writes the compiled course.
Two shortcuts keep rebuilds cheap: when no source byte changed since the last
build (same stamp), nothing is loaded at all; otherwise files whose bytes did
not change reuse their cached results, so an edit costs about one file.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from course.errors import ContentError, Problem, has_errors
from course.sources import source_files
from course.urls import COMPILED_SCHEMA, UrlScheme

if TYPE_CHECKING:
    from course.load import Cache
    from course.model import Course

CACHE_FILE = ".dobro-cache.pickle"
STAMP_FILE = ".dobro-stamp.json"
# Bump when loading or rendering changes, so old cached results are not reused.
CACHE_VERSION = 3


@dataclass
class BuildCache:
    """What a build keeps for the next one: per-file results and output digests."""

    version: int = CACHE_VERSION
    files: Cache = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildResult:
    problems: list[Problem]
    written: int
    reused: int
    modules: int
    quizzes: int
    course: Course | None = None  # None when nothing changed and nothing was loaded


def check(root: Path, jobs: int | None = None, overrides: Mapping[str, bytes] | None = None,
          build_dir: Path | None = None) -> tuple[Course, list[Problem]]:
    """Load and validate the course under ``root``; return it and every problem, sorted.

    ``overrides`` (path → bytes) stand in for existing source files; ``build_dir``
    lends the last build's per-file results, so only changed files are parsed again.
    """
    from course.load import load_course
    from course.validate import validate

    cache = _read_cache(build_dir).files if build_dir is not None else None
    course, problems, _ = load_course(root, cache, jobs=jobs, overrides=overrides)
    return course, sorted(problems + validate(course))


def build(root: Path, out: Path, jobs: int | None = None, strict: bool = False,
          scheme: UrlScheme | None = None) -> BuildResult:
    """Check the course and write the compiled course to ``out``.

    Raises ``ContentError`` (and writes nothing) when the sources have errors,
    so a broken edit never replaces a working build.
    """
    scheme = scheme or UrlScheme()
    stamp, digests = source_stamp(root, strict, scheme)
    unchanged = _unchanged(out, stamp)
    if unchanged is not None:
        return unchanged
    # Imported here: a no-change rebuild should not pay for the parser and the compiler.
    from course.compile import compiled_files, write_changed
    from course.load import load_course
    from course.validate import validate

    cache = _read_cache(out)
    course, problems, files_cache = load_course(root, cache.files, jobs, digests)
    problems = sorted(problems + validate(course))
    if has_errors(problems, strict):
        raise ContentError(problems)
    files = compiled_files(course, root, scheme)
    out.mkdir(parents=True, exist_ok=True)
    outputs = write_changed(files, out, cache.digests)
    written = sum(1 for path, digest in outputs.items() if cache.digests.get(path) != digest)
    reused = sum(1 for key in files_cache if key in cache.files)
    if files_cache.keys() != cache.files.keys() or outputs != cache.digests:
        _write_cache(out, BuildCache(CACHE_VERSION, files_cache, outputs))
    result = BuildResult(problems, written, reused, len(course.modules), len(course.quizzes),
                         course)
    _write_stamp(out, stamp, result, outputs, len(files_cache))
    return result


def source_stamp(root: Path, strict: bool, scheme: UrlScheme) -> tuple[str, dict[str, str]]:
    """One hash of every source byte and every setting that shapes the output,
    and the SHA-256 of each source file on the way."""
    stamp = hashlib.sha256(f"{CACHE_VERSION}:{COMPILED_SCHEMA}:{strict}:{scheme}".encode())
    digests = {}
    for rel in source_files(root, [], with_manifest=True, with_images=True):
        digests[rel] = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        stamp.update(f"{rel}\0{digests[rel]}\0".encode())
    return stamp.hexdigest(), digests


def _unchanged(out: Path, stamp: str) -> BuildResult | None:
    """The previous build's result when the sources have not changed since it ran."""
    try:
        saved = json.loads((out / STAMP_FILE).read_text(encoding="utf-8"))
        if saved["stamp"] != stamp or not all((out / p).is_file() for p in saved["outputs"]):
            return None
        problems = [Problem(**p) for p in saved["problems"]]
        return BuildResult(problems, 0, saved["sources"], saved["modules"], saved["quizzes"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_stamp(out: Path, stamp: str, result: BuildResult, digests: dict[str, str],
                 sources: int) -> None:
    data = {"stamp": stamp, "outputs": sorted(digests), "sources": sources,
            "modules": result.modules, "quizzes": result.quizzes,
            "problems": [vars(p) for p in result.problems]}
    tmp = out / (STAMP_FILE + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(out / STAMP_FILE)


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
