"""``dobro check`` and ``dobro build`` load no web, PDF or image library.

An author rebuilds after every edit, so a one-module rebuild should cost little more
than the module itself: start-up and imports are most of it (issue 19). Each test
runs the console script's entry (``webapp.cli:main``) in a fresh interpreter and lists
the modules it loaded, so an import added at the top of a module on that path fails
here instead of slowing every build unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

# Libraries only the web app, the publications or the account code need.
HEAVY = ("flask", "werkzeug", "jinja2", "flask_login", "flask_wtf", "flask_babel", "babel",
         "wtforms", "sqlmodel", "sqlalchemy", "alembic", "psycopg", "pydantic", "weasyprint",
         "PIL", "cryptography", "jwt", "ruamel", "openpyxl", "segno", "zxcvbn", "defusedxml")
# Parts of Dobro a build never needs, and what a no-change rebuild skips as well.
WEB = ("webapp.config", "webapp.instance_files", "webapp.commands", "webapp.db",
       "course.publish.handbook", "course.publish.bulletin", "course.publish.offline")
# Needed only to explain a syntax error or to suggest a name, i.e. for a faulty course.
ON_FAULT = ("course.yamlhints", "difflib")
PARSERS = ("markdown_it", "mdit_py_plugins", "yaml", "course.load", "course.compile",
           "course.render", "course.validate", "pickle")


def loaded_by(*argvs: list[str]) -> list[set[str]]:
    """Run ``webapp.cli.main`` on each argv in turn, in one new interpreter; the modules
    loaded before the first and after each run (exit status 0 expected)."""
    code = (
        "import json, sys\n"
        "seen = [sorted(sys.modules)]\n"
        "from webapp.cli import main\n"
        "seen = [sorted(sys.modules)]\n"
        f"for argv in {[list(a) for a in argvs]!r}:\n"
        "    assert main(argv) == 0, argv\n"
        "    seen.append(sorted(sys.modules))\n"
        "print(json.dumps(seen))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return [set(names) for names in json.loads(done.stdout.splitlines()[-1])]


def found(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` (packages or modules) are in ``modules``."""
    return sorted(m for m in modules
                  if m in names or any(m.startswith(name + ".") for name in names))


def test_the_entry_point_imports_only_argparse_and_the_build_stamp() -> None:
    (entry,) = loaded_by()
    assert not found(entry, HEAVY + WEB + ON_FAULT + PARSERS)


@pytest.mark.parametrize("verb", ["check", "build"])
def test_check_and_build_load_no_web_pdf_or_image_library(verb: str, minimal: Path,
                                                          tmp_path: Path) -> None:
    argv = [verb, str(minimal)] + (["--out", str(tmp_path / "out")] if verb == "build" else [])
    _, after = loaded_by(argv)
    assert not found(after, HEAVY + WEB + ON_FAULT)
    assert found(after, ("markdown_it", "yaml"))  # the test would pass on an empty run


def test_a_rebuild_without_changes_loads_neither_parser_nor_cache(minimal: Path,
                                                                  tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    build = ["build", str(minimal), "--out", out]
    subprocess.run([sys.executable, "-c", f"from webapp.cli import main; main({build!r})"],
                   cwd=REPO, check=True, capture_output=True, timeout=120)
    _, after = loaded_by(build)
    assert not found(after, HEAVY + WEB + ON_FAULT + PARSERS)


def test_a_faulty_course_still_gets_its_hints(minimal: Path) -> None:
    """The lazily imported helpers are there when a course needs them."""
    (minimal / "quizzes/t1/second-check.yaml").write_text("id: q\ntitle: [x\n",
                                                          encoding="utf-8")
    module = minimal / "modules/t1/02-second.md"
    module.write_text(module.read_text(encoding="utf-8").replace("minutes:", "minutez:"),
                      encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "course", "check", str(minimal)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr[-3000:]
    assert "quizzes/t1/second-check.yaml:2:" in done.stdout
    assert "може би „minutes“?" in done.stdout
