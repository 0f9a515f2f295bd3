"""Which files make up a course's sources (cheap: no parsing, no heavy imports)."""

from __future__ import annotations

from pathlib import Path

from course.errors import Problem

MANIFEST = "modules/course.yaml"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


def source_files(root: Path, problems: list[Problem], with_manifest: bool = False,
                 with_images: bool = False) -> list[str]:
    """List the Markdown and YAML sources (relative posix paths), in a stable order."""
    found: list[str] = []
    text = {".md", ".yaml", ".yml"}
    for folder, suffixes in (("modules", text), ("quizzes", text - {".md"})):
        base = root / folder
        if not base.is_dir():
            problems.append(Problem(folder, 1, 1, "error", f"липсва папката „{folder}/“",
                                    "missing-dir"))
            continue
        if with_images:
            suffixes = suffixes | IMAGE_SUFFIXES
        # Sorted by parts, the order of paths, without the cost of comparing Path objects.
        for path in sorted(base.rglob("*"), key=lambda p: p.parts):
            if path.suffix.lower() not in suffixes:
                continue
            rel = path.relative_to(root).as_posix()
            if path.is_file() and (with_manifest or rel != MANIFEST):
                found.append(rel)
    return found
