"""A real Learning Record Store for the xAPI tests: Ralph (``ralph-malph``), its LRS server
with the file-system backend, on a free port of 127.0.0.1. Ralph validates every statement
it is sent (its pydantic models of xAPI 1.0.3) and answers as the specification says.

Ralph pins its own FastAPI, pydantic and uvicorn, which must not meet Dobro's: it lives in a
virtual environment of its own, ``.venv/ralph``, made the first time a test needs it
(``python3 -m venv .venv/ralph`` and ``pip install`` of ``PACKAGES``, some 15 seconds). If it
cannot be made (no network), the tests are skipped with the reason — except with
``CI=true``, where they fail: CI never skips them.

The server is uvicorn serving ``ralph.api:app``, as ``ralph runserver --backend fs`` does,
but without its reloader (which would watch this checkout's files and restart on an edit),
and with one line changed (``SERVE``): Ralph 5.1's file-system LRS writes its one file with
the "create" operation, which refuses once the file exists — the second statement ever sent
failed with 500 "Statement indexation failed". It appends instead, as an LRS must.
Credentials come from ``ralph auth`` (bcrypt, written to the server's auth file).
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import REPO
from tests.serving import free_port

RALPH_ENV = REPO / ".venv" / "ralph"
# Ralph's OpenID module imports requests, which its "lrs" extra does not name.
PACKAGES = ("ralph-malph[cli,lrs]==5.1.0", "requests>=2")
KEY, SECRET = "dobro", "ralph-test-secret"
START_TIMEOUT = 60.0
SERVE = """
import sys, uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def ralph_env() -> Path:
    """The virtual environment with Ralph, made if missing; skipped (or failed in CI) when
    it cannot be made."""
    if (RALPH_ENV / "bin" / "ralph").exists():
        return RALPH_ENV
    try:
        subprocess.run([sys.executable, "-m", "venv", str(RALPH_ENV)], check=True,
                       capture_output=True, timeout=300)
        subprocess.run([str(RALPH_ENV / "bin" / "pip"), "install", "--quiet", *PACKAGES],
                       check=True, capture_output=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as error:
        said = getattr(error, "stderr", b"") or b""
        reason = (f"Ralph (the LRS of the xAPI tests) is not installed and could not be: "
                  f"{error}; {said.decode(errors='replace')[-500:]} — make it with "
                  f"`python3 -m venv .venv/ralph && .venv/ralph/bin/pip install "
                  f"{' '.join(repr(p) for p in PACKAGES)}`")
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return RALPH_ENV


class Ralph:
    """A Ralph LRS in a process of its own, its statements in ``root``, until ``stop``."""

    def __init__(self, env: Path, root: Path) -> None:
        self.env, self.root = env, root
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)
        self.log = root / "ralph.log"
        self.environ = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RALPH_")},
            "RALPH_APP_DIR": str(root / "app"), "RALPH_AUTH_FILE": str(root / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(root / "statements"),
        }
        if not (root / "auth.json").exists():
            subprocess.run([str(env / "bin" / "ralph"), "auth", "-u", KEY, "-p", SECRET,
                            "-s", "all", "-A", KEY, "https://lrs-client.example.org", "-w"],
                           env=self.environ, check=True, capture_output=True, timeout=120)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self) -> Ralph:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(self.env / "bin" / "python"), "-c", SERVE, str(self.port)],
                env=self.environ, cwd=self.root, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"Ralph exited:\n{self.log.read_text()}"
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"Ralph did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
        self.process = None

    def statements(self, **query: str) -> list[dict[str, Any]]:
        """Every statement the LRS holds (``query``: GET /xAPI/statements parameters)."""
        url = f"{self.endpoint}statements"
        if query:
            url += "?" + urlencode(query)
        token = base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        request = urllib.request.Request(url, headers={
            "Authorization": f"Basic {token}", "X-Experience-API-Version": "1.0.3"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            found: list[dict[str, Any]] = json.loads(answer.read())["statements"]
        return found

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """App settings that send statements to this LRS."""
        from webapp.config import Secret

        config: dict[str, Any] = {"LRS_ENDPOINT": self.endpoint, "LRS_KEY": KEY,
                                  "LRS_SECRET": Secret(SECRET),
                                  "BASE_URL": "https://dobro.example.org"}
        config.update(overrides)
        return config


@pytest.fixture(scope="session")
def ralph_installed() -> Path:
    """Ralph's virtual environment (made once per machine)."""
    return ralph_env()


@pytest.fixture
def lrs(ralph_installed: Path, tmp_path: Path) -> Iterator[Ralph]:
    """A Ralph LRS with no statements, running."""
    server = Ralph(ralph_installed, tmp_path / "ralph").start()
    yield server
    server.stop()
