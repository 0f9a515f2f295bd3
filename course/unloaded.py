"""Which source files could not be loaded, and which ids they would have defined.

A file with a syntax or encoding error yields no object, so every reference to
it looks broken too ("no such quiz", "no such module"). Those follow-on
messages only repeat the real one and hide it in a longer list: the checker
asks here whether a missing id or path belongs to a file that failed to load,
and says nothing more about it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from course.model import Course
from course.sources import MANIFEST, source_files

_ID_LINE = re.compile(rb"^id:[ \t]*[\"']?([a-z0-9][a-z0-9-]*)", re.MULTILINE)
_ORDER_PREFIX = re.compile(r"^\d+[-_.]")
HEAD_BYTES = 4096  # the id sits in the first lines; reading a whole large file is no use


@dataclass(frozen=True)
class Unloaded:
    """Paths of the sources that yielded nothing, and the ids they probably hold."""

    paths: frozenset[str] = frozenset()
    ids: frozenset[str] = frozenset()
    manifest: bool = False

    def explains(self, target: str) -> bool:
        """Tell whether ``target`` (an id or a path) may live in a file that failed to load."""
        return target in self.ids or target in self.paths

    def any_under(self, prefix: str) -> bool:
        """Tell whether a source under ``prefix`` failed to load."""
        return any(path.startswith(prefix) for path in self.paths)


def unloaded(course: Course) -> Unloaded:
    """Find the sources of ``course`` that produced no object (read from disk, only names)."""
    root = Path(course.root)
    if not course.root or not root.is_dir():
        return Unloaded()
    loaded = {d.path for d in course.modules + course.pages} | {q.path for q in course.quizzes}
    loaded |= {e.path for e in course.glossary} | {s.path for s in course.surveys}
    paths: set[str] = set()
    ids: set[str] = set()
    for rel in source_files(root, []):
        if rel in loaded:
            continue
        paths.add(rel)
        # A glossary file defines terms, not ids; an empty one is also "unloaded" (harmless).
        if not rel.startswith("modules/glossary/"):
            ids.update(_probable_ids(root / rel))
    manifest_broken = course.manifest is None and (root / MANIFEST).is_file()
    return Unloaded(frozenset(paths), frozenset(ids), manifest_broken)


def _probable_ids(path: Path) -> set[str]:
    """The ``id:`` line of a file (read as bytes: it may not be UTF-8), and its file name."""
    stem = path.stem
    ids = {stem, _ORDER_PREFIX.sub("", stem)}
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return ids
    ids.update(match.decode("ascii") for match in _ID_LINE.findall(head))
    return ids
