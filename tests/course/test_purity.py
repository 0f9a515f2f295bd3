"""``course/`` is the pure core: no web or database library may creep in."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO

FORBIDDEN = ("flask", "flask_login", "flask_wtf", "flask_babel", "sqlmodel", "sqlalchemy",
             "wtforms", "webapp")


def test_no_forbidden_import_statement() -> None:
    for path in (REPO / "course").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path}: imports {name}"


def test_importing_every_core_module_loads_no_web_library() -> None:
    code = (
        "import importlib, pkgutil, sys, course\n"
        "for m in pkgutil.iter_modules(course.__path__):\n"
        "    if m.name != '__main__': importlib.import_module('course.' + m.name)\n"
        f"bad = [n for n in sys.modules if n.split('.')[0] in {FORBIDDEN!r}]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=60)
