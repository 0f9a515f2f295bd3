"""Security headers, cookies, the assets route, and the answer keys that must stay private."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import People, login, submit
from webapp.security import CONTENT_SECURITY_POLICY

PAGES = ["/", "/learn/obshtinata", "/glossary", "/search?q=x", "/learn/nyama", "/healthz"]


@pytest.mark.parametrize("url", PAGES)
def test_every_response_carries_the_security_headers(client: FlaskClient, url: str) -> None:
    headers = client.get(url).headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_scripts_or_styles(client: FlaskClient) -> None:
    for url in PAGES[:4]:
        page = client.get(url).get_data(as_text=True)
        assert "<style" not in page and " style=" not in page
        # Scripts only from files (comfort.js on every page): none inline, no live reload.
        scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
        assert all(' src="/static/js/' in attributes and not body.strip()
                   for attributes, body in scripts), scripts
        assert "live.js" not in page


def asset_name(build_dir: Path) -> str:
    return next((build_dir / "assets").iterdir()).name


def test_assets_are_served_with_a_long_cache(client: FlaskClient, build_dir: Path,
        people: People) -> None:
    login(client, "ivan")
    name = asset_name(build_dir)
    response = client.get(f"/course/assets/{name}")
    data = response.data
    response.close()  # send_file keeps the file open until the response is closed
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert data == (build_dir / "assets" / name).read_bytes()
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert f'src="/course/assets/{name}"' in client.get("/learn/obshtinata").get_data(as_text=True)


QUIZ_PROBES = [
    "/course/assets/../quizzes/{quiz}.json",
    "/course/assets/..%2Fquizzes%2F{quiz}.json",
    "/course/assets/%2E%2E/quizzes/{quiz}.json",
    "/course/assets/..%5Cquizzes%5C{quiz}.json",
    "/course/assets/{quiz}.json",
    "/course/quizzes/{quiz}.json",
    "/quizzes/{quiz}.json",
    "/build/quizzes/{quiz}.json",
    "/static/../build/quizzes/{quiz}.json",
    "/learn/{quiz}",
    "/page/{quiz}",
    "/learn/..%2Fquizzes%2F{quiz}.json",
    "/page/..%2F..%2Fquizzes%2F{quiz}",
    "/search?q={quiz}",
    "/bulletins/img/..%2F..%2Fbuild%2Fquizzes%2F{quiz}.json",
    "/bulletins/img/{quiz}.json",
]


def test_no_url_reaches_the_answer_keys(client: FlaskClient, build_dir: Path,
                                        people: People) -> None:
    login(client, "ivan")
    quizzes = sorted(p.stem for p in (build_dir / "quizzes").glob("*.json"))
    assert quizzes, "the fixture has compiled quizzes"
    for quiz in quizzes:
        key = json.loads((build_dir / "quizzes" / f"{quiz}.json").read_text(encoding="utf-8"))
        secret = key["questions"][0]["explanation"]  # only the quiz file holds it
        for probe in QUIZ_PROBES:
            response = client.get(probe.format(quiz=quiz))
            body = response.get_data(as_text=True)
            response.close()
            assert secret not in body, probe
            assert response.status_code in (200, 404), probe


def test_no_route_takes_a_path(app: Flask) -> None:
    # Only Flask's own static route may take a path with slashes; any other route that
    # serves files must take a plain name and be added to the probes above.
    with_paths = {rule.rule for rule in app.url_map.iter_rules() if "<path:" in rule.rule}
    assert with_paths == {"/static/<path:filename>"}


@pytest.mark.parametrize("name", ["..", "...png", ".hidden.png", "a b.png", "x.png.", "%00.png"])
def test_asset_names_must_be_plain(client: FlaskClient, name: str) -> None:
    assert client.get(f"/course/assets/{name}").status_code == 404


def test_session_cookie_is_http_only_and_same_site(client: FlaskClient) -> None:
    response = client.get("/language?lang=en&next=/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_behind_https(make_app, build_dir: Path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(BASE_URL="https://dobro.example.org")
    cookie = app.test_client().get("/language?lang=en").headers["Set-Cookie"]
    assert "Secure" in cookie


def test_ids_too_large_for_the_database_are_not_found(app: Flask, people: People) -> None:
    # Every route with an id, as an admin (who may reach them all), GET and POST:
    # an id beyond what an INTEGER column holds is a 404, never a database error.
    client = app.test_client()
    login(client, "admin")
    huge = "9" * 20
    probed = 0
    for rule in app.url_map.iter_rules():
        if "<int" not in rule.rule:
            continue
        url = re.sub(r"<int[^>]*>", huge, rule.rule)
        url = re.sub(r"<[^>]+>", "x", url)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            response = client.open(url, method=method)
            assert response.status_code in (400, 404, 405), (method, url, response.status_code)
            probed += 1
    assert probed > 20


def test_ids_in_forms_and_queries_beyond_a_column_are_refused(app: Flask,
                                                              people: People) -> None:
    client = app.test_client()
    login(client, "admin")
    huge = "9" * 11  # passes a length check of 11 digits, not an INTEGER column
    assert client.get(f"/trainer/progress?organisation={huge}").status_code == 200
    assert client.get(f"/trainer/authoring/edit?file=modules/osnovi/01-obshtinata.md"
                      f"&version={huge}").status_code in (200, 404)
    page = submit(client, "/admin/staff", {"name": "Х", "role": "trainer",
                                           "organisation": huge})
    assert page.status_code == 200  # not an organisation: none is set
