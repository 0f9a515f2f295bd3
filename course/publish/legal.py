"""The index of legal references, read from the register ``docs/legal-references.md``.

The register is kept by hand alongside the modules (one row per law and article,
with the modules that cite it), so the Handbook prints it rather than guessing
citations from the text again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from course.errors import Problem

REGISTER = "docs/legal-references.md"


@dataclass(frozen=True)
class Citation:
    """One article (or a rule without an article) of a law and where the course cites it."""

    article: str
    documents: tuple[str, ...]  # module and page ids


@dataclass(frozen=True)
class LawEntry:
    law: str
    citations: tuple[Citation, ...]


def read_register(root: Path, known: set[str]) -> tuple[list[LawEntry], list[Problem]]:
    """Parse the register's table, grouped by law in its order; report unknown ids."""
    path = root / REGISTER
    if not path.is_file():
        return [], []
    laws: dict[str, list[Citation]] = {}
    problems = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.lstrip().startswith("|") or len(cells) < 3 or set(cells[0]) <= {"-", " "}:
            continue
        if cells[0].startswith("Закон (пълно име"):
            continue  # the header row
        documents = tuple(d.strip() for d in cells[2].split(";")[0].split(",") if d.strip())
        for doc in documents:
            if doc not in known:
                problems.append(Problem(REGISTER, number, line.find(doc) + 1, "warning",
                                        f"непознат модул „{doc}“ в регистъра на правните "
                                        "позовавания", "legal-unknown-module"))
        cited = tuple(d for d in documents if d in known)
        laws.setdefault(cells[0], []).append(Citation(cells[1], cited))
    return [LawEntry(law, tuple(c)) for law, c in laws.items()], problems
