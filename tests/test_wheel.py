"""A wheel built from a clean clone serves the Bulgarian interface, from the installed files.

Compiled catalogs are not in git: the build hook (setup.py) must put them into
the wheel. The app is run from a fresh virtual environment that sees the dev
environment's dependencies but not its editable ``dobro``, so only the wheel's
files can answer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.serving import free_port, wait_for

pytestmark = pytest.mark.slow

CATALOG = "webapp/translations/bg/LC_MESSAGES/messages.mo"
# Tracked files the app never reads at run time (the extraction settings of `make messages`).
# Sources of build products, not needed at run time: the editor's bundle (static/vendor) ships.
NOT_SHIPPED = {"webapp/babel.cfg", "webapp/editor/editor.js", "webapp/editor/no-html.js",
               "webapp/editor/build.mjs"}


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run ``command``; fail the test with its output if it fails."""
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("wheel")


@pytest.fixture(scope="module")
def clone(workspace: Path) -> Path:
    """A clean clone of HEAD: no compiled catalogs, no uncommitted files."""
    source = workspace / "src"
    run("git", "clone", "--quiet", "--no-hardlinks", REPO, source, cwd=workspace)
    assert not list(source.rglob("*.mo")), "a compiled catalog is committed"
    return source


@pytest.fixture(scope="module")
def wheel(clone: Path, workspace: Path) -> Path:
    """The wheel ``pip wheel`` builds from the clone, as a user's ``pip install .`` would."""
    dist = workspace / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", dist, clone,
        cwd=workspace)
    (found,) = dist.glob("dobro-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, workspace: Path) -> Path:
    """A fresh venv with the wheel installed, borrowing the dev venv's other packages.

    A path in a ``.pth`` file is added to ``sys.path`` but the ``.pth`` files inside it
    are not read, so the dev venv's editable ``dobro`` finder is never installed.
    """
    root = workspace / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", root, cwd=workspace)
    python = root / "bin" / "python"
    purelib = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                  cwd=workspace).strip()
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "dev-dependencies.pth").write_text("\n".join(sorted(borrowed)) + "\n")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "--quiet", wheel, cwd=workspace)
    return root


def test_the_wheel_holds_every_runtime_file_and_the_compiled_catalog(
        clone: Path, wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert CATALOG in names
    tracked = run("git", "ls-files", "course", "webapp", cwd=clone).split()
    missing = sorted(set(tracked) - names - NOT_SHIPPED)
    assert not missing, f"tracked files missing from the wheel: {missing}"
    for needed in ("webapp/templates/auth/login.html", "webapp/static/css/dobro.css",
                   "webapp/static/vendor/editor.js", "webapp/static/vendor/editor.LICENSES.txt",
                   "webapp/migrations/env.py", "webapp/migrations/versions/0001_initial_schema.py",
                   "course/publish/templates/handbook.html.j2"):
        assert needed in names


def app_environment(venv: Path, clone: Path, workspace: Path) -> dict[str, str]:
    """Settings for the installed app: the clone's mini course, a temporary instance."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("DOBRO_", "PYTHON", "VIRTUAL_ENV"))}
    course = workspace / "course"
    if not course.exists():
        shutil.copytree(clone / "tests" / "fixtures" / "courses" / "webapp-mini", course)
    env.update(DOBRO_CONTENT=str(course), DOBRO_INSTANCE=str(workspace / "instance"),
               PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")
    return env


def test_the_installed_wheel_serves_bulgarian(venv: Path, clone: Path, workspace: Path) -> None:
    env = app_environment(venv, clone, workspace)
    where = run(venv / "bin" / "python", "-c", "import webapp; print(webapp.__file__)",
                cwd=workspace, env=env)
    assert Path(where.strip()).is_relative_to(venv), f"webapp imported from {where}"
    dobro = venv / "bin" / "dobro"
    run(dobro, "build", env["DOBRO_CONTENT"], cwd=workspace, env=env)
    run(dobro, "db", "upgrade", cwd=workspace, env=env)
    port = free_port()
    log = workspace / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([str(dobro), "serve", "--port", str(port)], cwd=workspace,
                                   env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        page = wait_for(f"http://127.0.0.1:{port}/login", process, log)
        assert '<html lang="bg">' in page
        assert "Вход" in page and "Sign in" not in page
        assert "Мини курс по местно самоуправление" in page
        assert wait_for(f"http://127.0.0.1:{port}/healthz", process, log) == "ok"
        assert "dobro.css" in page
        assert wait_for(f"http://127.0.0.1:{port}/static/css/dobro.css", process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_refuses_without_the_default_catalog(venv: Path, clone: Path,
                                                   workspace: Path) -> None:
    env = app_environment(venv, clone, workspace)
    where = run(venv / "bin" / "python", "-c", "import webapp; print(webapp.__file__)",
                cwd=workspace, env=env)
    catalog = Path(where.strip()).parent / "translations" / "bg" / "LC_MESSAGES" / "messages.mo"
    catalog.unlink()
    done = subprocess.run([str(venv / "bin" / "dobro"), "serve", "--port", str(free_port())],
                          cwd=workspace, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "„bg“" in done.stderr and "make translations" in done.stderr
