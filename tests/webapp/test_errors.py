"""Error pages and health: Bulgarian, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask.testing import FlaskClient


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
