"""The source editor's bundle (webapp/static/vendor/editor.js) is committed, so that neither a
clone nor a wheel needs Node.js to run Dobro; this test rebuilds it from its sources and the
locked npm packages and fails if the committed files are not exactly what they make."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

VENDOR = REPO / "webapp" / "static" / "vendor"
ESBUILD = REPO / "node_modules" / "esbuild"


def test_the_committed_bundle_is_what_its_sources_build(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not ESBUILD.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Node.js or node_modules/esbuild is missing (npm ci)")
        pytest.skip("Node.js and `npm ci` are needed to rebuild the editor")
    done = subprocess.run([node, "webapp/editor/build.mjs", str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ("editor.js", "editor.LICENSES.txt"):
        assert (tmp_path / name).read_bytes() == (VENDOR / name).read_bytes(), \
            f"webapp/static/vendor/{name} is out of date: run `make editor` and commit it"


def test_the_bundle_names_every_package_it_contains() -> None:
    licences = (VENDOR / "editor.LICENSES.txt").read_text(encoding="utf-8")
    for package in ("@codemirror/view", "@codemirror/state", "@codemirror/lang-markdown",
                    "@codemirror/lang-yaml", "@lezer/markdown", "style-mod"):
        assert f"\n{package} " in licences
    assert "@codemirror/lang-html" not in licences  # stubbed: raw HTML is off in Dobro
    assert "MIT License" in licences
