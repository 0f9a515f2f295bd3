"""End to end: ``dobro serve`` as a real process, answering over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.serving import free_port, wait_for

from .conftest import APP_SETTINGS

DOBRO = Path(sys.executable).parent / "dobro"


@pytest.mark.skipif(not DOBRO.exists(), reason="the dobro console script is not installed")
@pytest.mark.parametrize("reload", [False, True], ids=["built", "reload"])
def test_dobro_serve_answers(course_root: Path, tmp_path: Path, reload: bool,
                             request: pytest.FixtureRequest) -> None:
    if not reload:
        request.getfixturevalue("build_dir")  # plain serve shows an existing build
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in APP_SETTINGS}
    env.update(DOBRO_CONTENT=str(course_root), DOBRO_INSTANCE=str(tmp_path / "instance"))
    command = [str(DOBRO), "serve", "--port", str(port)] + (["--reload"] if reload else [])
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        page = wait_for(f"http://127.0.0.1:{port}/", process, log)
        assert "Мини курс по местно самоуправление" in page
        assert ("live.js" in page) is reload
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as health:
            assert health.read() == b"ok"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
