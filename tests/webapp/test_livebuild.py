"""``dobro serve --reload``: rebuild on change, show the problems, keep the last good build."""

from __future__ import annotations

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
    assert 'data-status-url="/_build-status"' in page and 'data-version="1"' in page
    assert "live.js" not in client.get("/").get_data(as_text=True)
    assert client.get("/_build-status").status_code == 404


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
    assert first == livebuild.BuildState(0, True, ())
    assert status.state == livebuild.BuildState(1, False, (problem,))
    status.record(None)
    assert status.state == livebuild.BuildState(2, True, ())
