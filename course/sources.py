"""Which files make up a course's sources (cheap: no parsing, no heavy imports)."""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path

from course.errors import Problem

MANIFEST = "modules/course.yaml"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


def source_files(root: Path, problems: list[Problem], with_manifest: bool = False,
                 with_images: bool = False) -> list[str]:
    """List the Markdown and YAML sources (relative posix paths), in a stable order."""
    return [rel for rel, _ in source_stats(root, problems, with_manifest, with_images)]


def source_stats(root: Path, problems: list[Problem], with_manifest: bool = False,
                 with_images: bool = False) -> list[tuple[str, os.stat_result]]:
    """``source_files`` with each file's ``os.stat``, taken once (the build stamp needs it)."""
    found: list[tuple[str, os.stat_result]] = []
    text = {".md", ".yaml", ".yml"}
    top = os.fspath(root)
    for folder, suffixes in (("modules", text), ("quizzes", text - {".md"})):
        base = os.path.join(top, folder)
        if not os.path.isdir(base):
            problems.append(Problem(folder, 1, 1, "error", f"липсва папката „{folder}/“",
                                    "missing-dir"))
            continue
        if with_images:
            suffixes = suffixes | IMAGE_SUFFIXES
        # os.walk, as rglob would (symlinked folders are not entered), in the order of
        # sorted paths (by parts), without the cost of making a Path for every entry.
        listed = []
        for parent, _, names in os.walk(base):
            rel_parent = posixpath.join(folder, *Path(parent).relative_to(base).parts)
            listed += [(*rel_parent.split("/"), name) for name in names
                       if posixpath.splitext(name)[1].lower() in suffixes]
        for parts in sorted(listed):
            rel = "/".join(parts)
            if not with_manifest and rel == MANIFEST:
                continue
            try:
                info = os.stat(os.path.join(top, rel))
            except OSError:  # gone since the walk, or a broken symbolic link
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((rel, info))
    return found
