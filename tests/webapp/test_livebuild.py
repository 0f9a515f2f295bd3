"""``dobro serve --reload``: rebuild on change, show the problems, keep the last good build."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from course.errors import Problem
from tests.webapp.conftest import People, login
from webapp import livebuild

MODULE = "modules/osnovi/02-savetat.md"


@pytest.fixture
def live_app(make_app: Any) -> Flask:
    app: Flask = make_app(LIVE_RELOAD=True)
    assert livebuild.watcher(app).rebuild().ok  # what `dobro serve --reload` does first
    return app


def test_a_broken_edit_shows_the_problems_and_the_last_good_build(
        live_app: Flask, course_root: Path, people: People) -> None:
    client = live_app.test_client()
    login(client, "ivan")
    watcher = livebuild.watcher(live_app)
    source = course_root / MODULE
    good = source.read_text(encoding="utf-8")
    assert not watcher.poll_once()  # nothing changed yet
    source.write_text(good + "\n::: внимание\nНикога не е затворено.\n", encoding="utf-8")
    broken_line = len(good.splitlines()) + 2

    assert watcher.poll_once()
    page = client.get("/learn/savetat").get_data(as_text=True)
    assert 'class="build-problems"' in page and "Курсът не се компилира" in page
    assert f"{MODULE}:{broken_line}:1" in page
    assert "карето не е затворено" in page
    assert "<h1>Общинският съвет</h1>" in page  # still the last good build
    assert "Никога не е затворено" not in page
    assert 'class="build-problems"' in client.get("/glossary").get_data(as_text=True)
    assert client.get("/_build-status").get_json() == {"version": 2, "ok": False}

    source.write_text(good.replace("Кворум {#kvorum}", "Кворумът {#kvorum}"), encoding="utf-8")
    assert watcher.poll_once()
    page = client.get("/learn/savetat").get_data(as_text=True)
    assert "build-problems" not in page
    assert '<h2 id="kvorum">Кворумът</h2>' in page  # the new build is served
    assert client.get("/_build-status").get_json() == {"version": 3, "ok": True}


def test_a_new_image_triggers_a_rebuild(live_app: Flask, course_root: Path) -> None:
    watcher = livebuild.watcher(live_app)
    image = course_root / "modules/osnovi/img/shema.png"
    image.write_bytes(image.read_bytes() + b"\0")
    assert watcher.poll_once()
    assert not watcher.poll_once()


def test_pages_load_the_reload_script_only_in_live_mode(live_app: Flask, client: Any) -> None:
    page = live_app.test_client().get("/").get_data(as_text=True)
    assert '<script src="/static/js/live.js" defer' in page
    token = livebuild.build_status(live_app).state.token
    assert 'data-events-url="/_build-events"' in page and f'data-version="{token}"' in page
    assert "live.js" not in client.get("/").get_data(as_text=True)
    assert client.get("/_build-status").status_code == 404
    assert client.get("/_build-events").status_code == 404


def test_a_first_build_that_fails_explains_both_problems(make_app: Any,
                                                         course_root: Path) -> None:
    (course_root / MODULE).write_text("---\nid: savetat\n", encoding="utf-8")
    app = make_app(LIVE_RELOAD=True)
    assert not livebuild.watcher(app).rebuild().ok
    response = app.test_client().get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and "dobro build" in page
    assert MODULE in page


def test_the_watcher_thread_rebuilds_and_stops(tmp_path: Path, course_root: Path) -> None:
    status = livebuild.BuildStatus()
    watcher = livebuild.ContentWatcher(course_root, tmp_path / "out", status, interval=0.01)
    watcher.start()
    try:
        for _ in range(500):
            if status.state.version:
                break
            time.sleep(0.01)
    finally:
        watcher.stop()
    assert status.state.ok and (tmp_path / "out" / "course.json").exists()


def test_build_status_replaces_its_state_whole() -> None:
    status = livebuild.BuildStatus()
    first = status.state
    problem = Problem("modules/x.md", 3, 1, "error", "счупено", "code")
    status.record([problem])
    boot = first.boot
    assert first == livebuild.BuildState(0, True, (), boot) and len(boot) == 8
    assert status.state == livebuild.BuildState(1, False, (problem,), boot)
    status.record(None)
    assert status.state == livebuild.BuildState(2, True, (), boot)
    status.record(None, changed=False)  # nothing new to show: pages need not reload
    assert status.state.version == 2
    assert livebuild.BuildStatus().state.boot != boot  # a restarted server reloads pages


def test_the_event_stream_pushes_each_build(live_app: Flask) -> None:
    status = livebuild.build_status(live_app)
    assert status is not None
    response = live_app.test_client().get("/_build-events")
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response.headers
    events = (chunk.decode() for chunk in response.response)
    assert next(events) == "retry: 500\n\n"
    token = status.state.token
    assert next(events) == f'event: build\ndata: {{"token": "{token}", "ok": true}}\n\n'
    recorder = threading.Timer(0.1, status.record, [[Problem("m.md", 1, 1, "error", "x", "c")]])
    recorder.start()
    started = time.monotonic()
    pushed = next(events)
    assert time.monotonic() - started < 2  # pushed when recorded, not on a timer
    assert f'"token": "{token[:-1]}{status.state.version}", "ok": false' in pushed
    response.close()


def test_an_idle_stream_sends_keep_alives() -> None:
    status = livebuild.BuildStatus()
    events = livebuild.event_stream(status, keepalive=0.01)
    assert next(events).startswith("retry:") and next(events).startswith("event: build")
    assert next(events) == ": keep-alive\n\n"


@pytest.mark.parametrize("name", ["modules/osnovi/notes.txt", "modules/osnovi/.02.md.swp",
                                  "modules/osnovi/02-savetat.md~", "README.md",
                                  "instance/dobro.db", "quizzes/osnovi/notes.docx"])
def test_the_watcher_ignores_files_that_are_not_sources(live_app: Flask, course_root: Path,
                                                       name: str) -> None:
    watcher = livebuild.watcher(live_app)
    path = course_root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    assert not watcher.poll_once()


def test_a_touched_file_rebuilds_without_reloading_pages(live_app: Flask,
                                                         course_root: Path) -> None:
    watcher = livebuild.watcher(live_app)
    version = watcher.status.state.version
    source = course_root / MODULE
    source.write_bytes(source.read_bytes())
    os.utime(source, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert watcher.poll_once()  # it looked
    assert watcher.status.state.version == version  # but nothing changed for the pages
