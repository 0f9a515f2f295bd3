"""Error pages and health: Bulgarian, never a traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import NotFound

from webapp.routing import MAX_ID


def test_healthz_answers_ok_when_the_course_is_loaded(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok"


def test_without_a_build_the_pages_explain_in_bulgarian(make_app, course_root: Path) -> None:  # type: ignore[no-untyped-def]
    client = make_app().test_client()  # the course was never built
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Курсът още не е достъпен" in page and "dobro build" in page
    assert "Traceback" not in page
    assert client.get("/glossary").status_code == 503
    health = client.get("/healthz")
    assert health.status_code == 503 and "course" in health.get_data(as_text=True)


def test_a_build_removed_under_a_running_app_is_reported(client: FlaskClient,
                                                         build_dir: Path) -> None:
    assert client.get("/").status_code == 200
    shutil.rmtree(build_dir)
    assert client.get("/").status_code == 503


def test_a_corrupt_build_is_reported_not_raised(client: FlaskClient, build_dir: Path) -> None:
    (build_dir / "course.json").write_text("{not json", encoding="utf-8")
    response = client.get("/")
    assert response.status_code == 503
    assert "dobro build" in response.get_data(as_text=True)


def test_server_errors_show_a_bulgarian_page(make_app, build_dir: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def broken() -> str:
        raise RuntimeError("secret detail")

    app.add_url_rule("/broken", view_func=broken)
    response = app.test_client().get("/broken")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Нещо се обърка" in page
    assert "secret detail" not in page and "Traceback" not in page


def test_other_http_errors_use_the_site_layout(client: FlaskClient) -> None:
    response = client.post("/")
    assert response.status_code == 405
    assert "Грешка 405" in response.get_data(as_text=True)


def test_an_id_too_large_for_the_database_is_not_found_whatever_the_method(app: Flask) -> None:
    """Every rule with an id: a number beyond what an id column holds is "not found" for
    every method, as an unknown id is — not "method not allowed" where the same path has
    a GET and a POST rule (Werkzeug weighed the method before the converter's range)."""
    adapter = app.url_map.bind("localhost")
    checked = 0
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            path = re.sub(r"<int:[^>]+>", str(MAX_ID + 1), rule.rule)
            path = re.sub(r"<[^>]+>", "x", path)
            with pytest.raises(NotFound):
                adapter.match(path, method=method)
            for other in ("GET", "POST"):
                with pytest.raises(NotFound):
                    adapter.match(path, method=other)
            checked += 1
    assert checked > 20
    # The largest id still matches.
    endpoint, values = adapter.match(f"/attempt/{MAX_ID}/review", method="GET")
    assert values == {"attempt_id": MAX_ID}
