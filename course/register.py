"""The register of legal references, ``docs/legal-references.md``.

The register is kept by hand alongside the modules: one row per rule the course
states, with the law and article, the gist of the rule, the modules and quizzes
that state it, the source it was checked against and the day it was checked. The
Handbook prints its index of legal references from it rather than guessing
citations from the text again, and ``dobro check`` warns for a row whose check
has gone stale (``course.freshness``), a row without a source, and an unknown id.

Columns are found by their headings, so a column can be added or moved:
``Закон`` (the first column), ``Член``, ``Модули…``, ``Източник`` and
``Проверено на``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from course.errors import Problem
from course.freshness import Dated

REGISTER = "docs/legal-references.md"
_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


@dataclass(frozen=True)
class Citation:
    """One article (or a rule without an article) of a law and where the course cites it."""

    article: str
    documents: tuple[str, ...]  # module and page ids


@dataclass(frozen=True)
class LawEntry:
    law: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class Register:
    """What the register says, and what is wrong with it."""

    laws: list[LawEntry]
    rows: list[Dated]  # each row's check date, for ``course.freshness``
    problems: list[Problem]


@dataclass(frozen=True)
class _Columns:
    article: int
    documents: int
    source: int | None
    checked: int | None

    @classmethod
    def of(cls, header: list[str]) -> _Columns:
        def find(*prefixes: str) -> int | None:
            for index, name in enumerate(header):
                if name.lower().startswith(prefixes):
                    return index
            return None

        return cls(find("член") or 1, find("модул") or 2, find("източник"),
                   find("проверено на"))


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _checked(text: str) -> date | None:
    found = _DATE.search(text)
    if not found:
        return None
    try:
        return date.fromisoformat(found.group(1))
    except ValueError:
        return None


def read(root: Path, known: set[str]) -> Register:
    """Parse the register's table: laws in its order, each row's date, and its problems."""
    path = root / REGISTER
    if not path.is_file():
        return Register([], [], [])
    laws: dict[str, list[Citation]] = {}
    rows: list[Dated] = []
    problems: list[Problem] = []
    columns: _Columns | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        cells = _cells(line)
        if not line.lstrip().startswith("|") or len(cells) < 3 or set(cells[0]) <= {"-", " ", ":"}:
            continue
        if columns is None:  # the header row
            columns = _Columns.of(cells)
            if columns.checked is None:
                problems.append(Problem(REGISTER, number, 1, "warning",
                                        "регистърът няма колона „Проверено на“: без нея не се "
                                        "вижда кога е сверено всяко правило",
                                        "legal-no-date"))
            continue
        documents = _documents(_cell(cells, columns.documents))
        for doc in documents:
            if doc not in known:
                problems.append(Problem(REGISTER, number, line.find(doc) + 1, "warning",
                                        f"непознат модул „{doc}“ в регистъра на правните "
                                        "позовавания", "legal-unknown-module"))
        if columns.source is not None and not _cell(cells, columns.source).strip(" –-"):
            problems.append(Problem(REGISTER, number, 1, "warning",
                                    "редът няма източник: посочете текста (ДВ, lex.bg, решение), "
                                    "с който е сверено правилото", "legal-no-source"))
        if columns.checked is not None:
            rows.append(Dated(REGISTER, number, 1, "редът", _checked(
                _cell(cells, columns.checked)), register=True))
        cited = tuple(d for d in documents if d in known)
        laws.setdefault(cells[0], []).append(Citation(_cell(cells, columns.article), cited))
    return Register([LawEntry(law, tuple(c)) for law, c in laws.items()], rows, problems)


def _documents(cell: str) -> tuple[str, ...]:
    """The module and page ids of a cell: ``a, b#anchor (пример); тестове: …`` → (a, b)."""
    items = cell.split(";")[0].split(",")
    ids = (re.split(r"[\s#(]", item.strip(), maxsplit=1)[0] for item in items)
    return tuple(dict.fromkeys(i for i in ids if i))


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def read_register(root: Path, known: set[str]) -> tuple[list[LawEntry], list[Problem]]:
    """The laws of the register and its problems (unknown ids, rows without a source)."""
    register = read(root, known)
    return register.laws, register.problems
