"""End to end: ``dobro serve`` as a real process, answering over HTTP.

Plain ``dobro serve`` is gunicorn (gthread workers); ``--reload`` and ``--dev`` are
Flask's development server. A SIGHUP replaces the workers without dropping a request.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.serving import free_port, wait_for
from webapp.wsgiserver import workers_for

from .conftest import is_app_setting

DOBRO = Path(sys.executable).parent / "dobro"
needs_dobro = pytest.mark.skipif(not DOBRO.exists(),
                                 reason="the dobro console script is not installed")


@contextmanager
def serving(course_root: Path, tmp_path: Path, *options: str
            ) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """``dobro serve`` with ``options`` on a free port: the process, its port, its log."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not is_app_setting(k)}
    env.update(DOBRO_CONTENT=str(course_root), DOBRO_INSTANCE=str(tmp_path / "instance"))
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([str(DOBRO), "serve", "--port", str(port), *options],
                                   env=env, cwd=tmp_path, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        yield process, port, log
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


@needs_dobro
@pytest.mark.parametrize("options", [(), ("--reload",), ("--dev",)],
                         ids=["gunicorn", "reload", "dev"])
def test_dobro_serve_answers(course_root: Path, tmp_path: Path, options: tuple[str, ...],
                             request: pytest.FixtureRequest) -> None:
    if "--reload" not in options:
        request.getfixturevalue("build_dir")  # plain serve shows an existing build
    with serving(course_root, tmp_path, *options) as (process, port, log):
        page = wait_for(f"http://127.0.0.1:{port}/", process, log)
        assert "Мини курс по местно самоуправление" in page
        assert ("live.js" in page) is ("--reload" in options)
        status, headers, body = get(f"http://127.0.0.1:{port}/healthz")
        assert status == 200 and body == b"ok"
        production = not options
        assert (headers["Server"] == "gunicorn") is production, headers["Server"]
        if production:
            # The access log: Apache's combined format and the time taken (µs).
            time.sleep(0.5)
            lines = [line for line in log.read_text().splitlines() if "/healthz" in line]
            assert lines and '"GET /healthz HTTP/1.1" 200 2 "-" "Python-urllib/' in lines[-1]
            assert lines[-1].rsplit(" ", 1)[-1].isdigit()


@needs_dobro
def test_a_reload_drops_no_request(course_root: Path, tmp_path: Path, build_dir: Path) -> None:
    """SIGHUP (``systemctl reload``): new workers start, the old ones finish, and a
    client asking all the while gets every answer."""
    with serving(course_root, tmp_path, "--workers", "2", "--threads", "2") as (
            process, port, log):
        wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
        answers: list[int | str] = []
        stop = threading.Event()

        def ask() -> None:
            while not stop.is_set():
                try:
                    answers.append(get(f"http://127.0.0.1:{port}/")[0])
                except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                    answers.append(repr(exc))

        clients = [threading.Thread(target=ask) for _ in range(3)]
        for client in clients:
            client.start()
        time.sleep(1.0)
        process.send_signal(signal.SIGHUP)
        time.sleep(4.0)
        stop.set()
        for client in clients:
            client.join(timeout=15)
        text = log.read_text()
        assert "Handling signal: hup" in text, text
        assert text.count("Booting worker") >= 4  # two at the start, two after the reload
        assert answers and all(a == 200 for a in answers), [a for a in answers if a != 200][:3]


@needs_dobro
def test_json_logs(course_root: Path, tmp_path: Path, build_dir: Path) -> None:
    with serving(course_root, tmp_path, "--json-logs", "--workers", "1") as (process, port, log):
        wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
        get(f"http://127.0.0.1:{port}/healthz?x=1")
        time.sleep(0.5)
        entries = [json.loads(line) for line in log.read_text().splitlines()
                   if line.startswith("{")]
        found = [e for e in entries if e["path"] == "/healthz" and e["query"] == "x=1"]
        assert found, log.read_text()
        assert found[-1]["status"] == 200 and found[-1]["method"] == "GET"
        assert found[-1]["bytes"] == 2 and found[-1]["duration_ms"] >= 0


@needs_dobro
def test_no_access_log_behind_nginx(course_root: Path, tmp_path: Path, build_dir: Path) -> None:
    """``--no-access-log`` (the deployment's: nginx logs every request): no access line."""
    with serving(course_root, tmp_path, "--no-access-log", "--workers", "1") as (
            process, port, log):
        wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
        assert get(f"http://127.0.0.1:{port}/healthz?quiet=1")[0] == 200
        time.sleep(0.5)
        text = log.read_text()
        assert "Booting worker" in text and "quiet=1" not in text, text


@needs_dobro
@pytest.mark.parametrize("options", [(), ("--dev",)], ids=["gunicorn", "dev"])
def test_a_port_in_use_is_said_in_one_line(course_root: Path, tmp_path: Path,
                                            build_dir: Path, options: tuple[str, ...]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not is_app_setting(k)}
        env.update(DOBRO_CONTENT=str(course_root), DOBRO_INSTANCE=str(tmp_path / "instance"))
        done = subprocess.run([str(DOBRO), "serve", "--port", str(port), *options], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"не мога да слушам на 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr


@needs_dobro
@pytest.mark.parametrize("option", ["--workers=0", "--threads=-1", "--timeout=99999",
                                    "--workers=x"])
def test_bad_sizes_are_refused(course_root: Path, tmp_path: Path, build_dir: Path,
                               option: str) -> None:
    env = {k: v for k, v in os.environ.items() if not is_app_setting(k)}
    env.update(DOBRO_CONTENT=str(course_root), DOBRO_INSTANCE=str(tmp_path / "instance"))
    done = subprocess.run([str(DOBRO), "serve", "--port", str(free_port()), option], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr


def test_workers_follow_the_cores() -> None:
    assert [workers_for(n) for n in (None, 1, 2, 4, 16)] == [2, 2, 2, 4, 8]
