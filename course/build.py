"""The pipeline in one place: load → validate → (render happened in load) → compile.

``check`` stops after validation; ``build`` also writes the compiled course.
Two shortcuts keep rebuilds cheap: when no source byte changed since the last
build (same stamp), nothing is loaded at all; otherwise files whose bytes did
not change reuse their cached results, so an edit costs about one file.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course.errors import ContentError, Problem, has_errors
from course.sources import MANIFEST, source_stats
from course.urls import COMPILED_SCHEMA, UrlScheme

if TYPE_CHECKING:
    from course.compile import Fragments
    from course.load import Cache
    from course.model import Course

CACHE_FILE = ".dobro-cache.pickle"
# What a build added to the cache, while it is little: rewriting the whole cache after
# every one-file edit would cost as much as the rest of such a rebuild.
DELTA_FILE = ".dobro-cache-delta.pickle"
DELTA_SHARE = 10  # rewrite the whole cache once the delta holds 1/10 of its files
RACY_NS = 2_000_000_000  # see ``source_stamp``
STAMP_FILE = ".dobro-stamp.json"
# Bump when loading or rendering changes, so old cached results are not reused.
CACHE_VERSION = 6


@dataclass
class BuildCache:
    """What a build keeps for the next one: per-file results, and per output its digest
    and the key of what it was made from (so an output whose inputs did not change is not
    made again)."""

    version: int = CACHE_VERSION
    files: Cache = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    fragments: Fragments = field(default_factory=lambda: _fragments())
    generation: str = ""  # the base cache file this one was read from, or a delta extends


@dataclass(frozen=True)
class BuildResult:
    problems: list[Problem]
    written: int
    reused: int
    modules: int
    quizzes: int
    course: Course | None = None  # None when nothing changed and nothing was loaded


def check(root: Path, jobs: int | None = None, overrides: Mapping[str, bytes] | None = None,
          build_dir: Path | None = None, today: date | None = None
          ) -> tuple[Course, list[Problem]]:
    """Load and validate the course under ``root``; return it and every problem, sorted.

    ``overrides`` (path → bytes) stand in for existing source files; ``build_dir``
    lends the last build's per-file results, so only changed files are parsed again.
    Unlike ``build``, a check also reads the register of legal references, warns for
    facts past their review dates as of ``today`` (default: today) and checks the
    Bulletin's issues (``bulletins/``).
    """
    from course import freshness, register
    from course.bulletins import check_bulletins
    from course.load import load_course
    from course.validate import validate

    cache = _read_cache(build_dir).files if build_dir is not None else None
    course, problems, _ = load_course(root, cache, jobs=jobs, overrides=overrides)
    known = {d.id for d in (*course.modules, *course.pages)} | {q.id for q in course.quizzes}
    found = register.read(root, known)
    dated = freshness.check_course(course, today or date.today(), found.rows)
    issues = check_bulletins(root, course)
    return course, sorted(problems + validate(course) + found.problems + dated + issues)


def build(root: Path, out: Path, jobs: int | None = None, strict: bool = False,
          scheme: UrlScheme | None = None) -> BuildResult:
    """Check the course and write the compiled course to ``out``.

    Raises ``ContentError`` (and writes nothing) when the sources have errors,
    so a broken edit never replaces a working build.
    """
    scheme = scheme or UrlScheme()
    saved = _read_stamp(out)
    sources = source_stamp(root, strict, scheme, saved.get("files"), _taken(saved))
    unchanged = _unchanged(out, sources.stamp, saved)
    if unchanged is not None:
        return unchanged
    # Imported here: a no-change rebuild should not pay for the parser and the compiler.
    from course.compile import compile_plan, write_changed
    from course.load import load_course
    from course.validate import validate

    cache, base = _read_stored(out)
    course, problems, files_cache = load_course(root, cache.files, jobs, sources.digests,
                                                listing=list(sources.digests))
    problems = sorted(problems + validate(course))
    if has_errors(problems, strict):
        raise ContentError(problems)
    plan = compile_plan(course, root, scheme, cache.fragments)
    out.mkdir(parents=True, exist_ok=True)
    outputs, keys = write_changed(plan, out, cache.digests, cache.keys)
    written = sum(1 for path, digest in outputs.items() if cache.digests.get(path) != digest)
    # The manifest's cached result is no module, page, quiz or glossary: not counted.
    loaded = [key for key in files_cache if key[0] != MANIFEST]
    reused = sum(1 for key in loaded if key in cache.files)
    if files_cache.keys() != cache.files.keys() or keys != cache.keys:
        _write_cache(out, BuildCache(CACHE_VERSION, files_cache, outputs, keys,
                                     cache.fragments.pruned(course), cache.generation),
                     base)
    result = BuildResult(problems, written, reused, len(course.modules), len(course.quizzes),
                         course)
    _write_stamp(out, sources, result, outputs, len(loaded))
    return result


@dataclass(frozen=True)
class SourceStamp:
    """One hash of every source byte and every setting that shapes the output."""

    stamp: str
    digests: dict[str, str]  # each source file's SHA-256, in ``source_files`` order
    files: dict[str, list[Any]]  # each source file's [mtime_ns, size, SHA-256]
    taken: int  # time.time_ns() before the first file was looked at


def source_stamp(root: Path, strict: bool, scheme: UrlScheme,
                 known: Mapping[str, list[Any]] | None = None,
                 known_taken: int = 0) -> SourceStamp:
    """Stamp the sources, hashing only files whose size or time changed since ``known``.

    As git does, a file is trusted by its size and modification time only when that time
    is well before the last stamp was taken: an edit made in the same clock tick as the
    last look would otherwise go unseen.
    """
    known = known or {}
    taken = time.time_ns()
    stamp = hashlib.sha256(f"{CACHE_VERSION}:{COMPILED_SCHEMA}:{strict}:{scheme}".encode())
    digests, files = {}, {}
    for rel, stat in source_stats(root, [], with_manifest=True, with_images=True):
        seen = known.get(rel)
        if (seen is not None and seen[:2] == [stat.st_mtime_ns, stat.st_size]
                and stat.st_mtime_ns < known_taken - RACY_NS):
            digest = str(seen[2])
        else:
            with open(os.path.join(root, rel), "rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
        digests[rel] = digest
        files[rel] = [stat.st_mtime_ns, stat.st_size, digest]
        stamp.update(f"{rel}\0{digest}\0".encode())
    return SourceStamp(stamp.hexdigest(), digests, files, taken)


def _read_stamp(out: Path) -> dict[str, Any]:
    try:
        saved = json.loads((out / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def _taken(saved: dict[str, Any]) -> int:
    taken = saved.get("taken")
    return taken if isinstance(taken, int) else 0


def _unchanged(out: Path, stamp: str, saved: dict[str, Any]) -> BuildResult | None:
    """The previous build's result when the sources have not changed since it ran."""
    try:
        if saved["stamp"] != stamp or not all((out / p).is_file() for p in saved["outputs"]):
            return None
        problems = [Problem(**p) for p in saved["problems"]]
        return BuildResult(problems, 0, saved["sources"], saved["modules"], saved["quizzes"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_stamp(out: Path, sources: SourceStamp, result: BuildResult,
                 digests: dict[str, str], loaded: int) -> None:
    data = {"stamp": sources.stamp, "outputs": sorted(digests), "sources": loaded,
            "files": sources.files, "taken": sources.taken,
            "modules": result.modules, "quizzes": result.quizzes,
            "problems": [vars(p) for p in result.problems]}
    tmp = out / (STAMP_FILE + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    tmp.replace(out / STAMP_FILE)


def _fragments() -> Fragments:
    from course.compile import Fragments
    return Fragments()


def _read_cache(out: Path) -> BuildCache:
    """The last build's cache: the base file with its delta applied (empty if unreadable)."""
    cache, _ = _read_stored(out)
    return cache


def _read_stored(out: Path) -> tuple[BuildCache, BuildCache | None]:
    """The merged cache, and the base file as read (None when there was none)."""
    base = _load(out / CACHE_FILE)
    if base is None:
        return BuildCache(), None
    delta = _load(out / DELTA_FILE)
    if delta is None or delta.generation != base.generation:
        return base, base
    merged = BuildCache(CACHE_VERSION, {**base.files, **delta.files}, delta.digests,
                        delta.keys, base.fragments.updated(delta.fragments), base.generation)
    return merged, base


def _load(path: Path) -> BuildCache | None:
    import pickle  # here: a rebuild without changes never reads the cache

    try:
        with open(path, "rb") as handle, _no_gc():
            cache = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
            TypeError, ValueError):
        return None
    if not isinstance(cache, BuildCache) or cache.version != CACHE_VERSION:
        return None
    return cache


def _write_cache(out: Path, cache: BuildCache, base: BuildCache | None) -> None:
    """Write what ``base`` lacks as a delta while that is little, else the whole cache."""
    if base is not None and base.generation == cache.generation:
        files = {k: v for k, v in cache.files.items() if k not in base.files}
        if len(files) <= max(1, len(cache.files) // DELTA_SHARE):
            _dump(out / DELTA_FILE, BuildCache(CACHE_VERSION, files, cache.digests, cache.keys,
                                               cache.fragments.added_to(base.fragments),
                                               base.generation))
            return
    cache.generation = os.urandom(8).hex()  # as secrets.token_hex, without its imports
    _dump(out / CACHE_FILE, cache)  # first: a delta left behind no longer matches it
    (out / DELTA_FILE).unlink(missing_ok=True)


def _dump(path: Path, cache: BuildCache) -> None:
    import pickle

    from course.storedtext import CachePickler

    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle, _no_gc():
        CachePickler(handle, protocol=pickle.HIGHEST_PROTOCOL).dump(cache)
    tmp.replace(path)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: (un)pickling the cache makes a million objects,
    none of them garbage, and the collector's passes over them would double the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
