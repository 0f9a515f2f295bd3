"""Every module of ``course/`` and ``webapp/`` imports, and ``course/`` has no import cycle.

A cycle hidden behind an import inside a function (``course.cli`` ⇄ the publication
verbs, until ``course/commands/``) still ties two modules together: each can only be
understood, tested and moved with the other. The graph below counts every import
statement, at the top of a module or inside a function, read with ``ast``.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO


def module_name(path: Path) -> str:
    """``course/commands/build.py`` → ``course.commands.build``; a package is its ``__init__``."""
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules_of(package: str) -> dict[str, Path]:
    """Every module of a package, by dotted name (``__main__`` and migrations left out)."""
    found = {module_name(path): path for path in sorted((REPO / package).rglob("*.py"))}
    return {name: path for name, path in found.items()
            if not name.endswith("__main__") and ".migrations" not in name}


def imported(path: Path, known: set[str]) -> Iterator[str]:
    """The known modules ``path`` imports, wherever the import statement stands."""
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" \
        else module_name(path)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            # ``from course import cli`` imports the module course.cli; ``from course.cli
            # import main`` imports course.cli.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        yield from (target for target in targets if target in known)


def graph(package: str) -> dict[str, set[str]]:
    """Who imports whom inside ``package``."""
    modules = modules_of(package)
    known = set(modules)
    return {name: set(imported(path, known)) - {name} for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of two or more modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


@pytest.mark.parametrize("name", sorted(modules_of("course")) + sorted(modules_of("webapp")))
def test_every_module_imports(name: str) -> None:
    importlib.import_module(name)


def test_the_core_has_no_import_cycle() -> None:
    assert cycles(graph("course")) == []


def test_the_walk_finds_a_cycle_through_an_import_inside_a_function() -> None:
    """The check itself: the old ``course.cli`` ⇄ ``course.publish.verbs`` shape is caught."""
    edges = {"course.cli": {"course.publish.verbs"}, "course.publish.verbs": {"course.cli"},
             "course.build": set()}
    assert cycles(edges) == [["course.cli", "course.publish.verbs"]]


def test_the_cli_only_dispatches_to_the_commands() -> None:
    edges = graph("course")
    assert not any("course.cli" in targets for targets in edges.values())
    assert {"course.commands.build", "course.commands.publish"} <= edges["course.cli"]
