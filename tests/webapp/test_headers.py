"""Who may keep a copy: nothing for a signed-in user is stored, shared assets keep their cache;
HSTS on an https site; a Permissions-Policy that turns off what Dobro never uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import People, csrf_token, login, submit
from webapp import db
from webapp.models import Certificate, Group
from webapp.services import sessions

LEARNER_URLS = ["/", "/learn/obshtinata", "/glossary", "/search?q=x", "/certificates/",
                "/sessions/checkin", "/account/password", "/handbook",
                "/quiz/osnovi-final", "/learn/nyama", "/language?lang=en&next=/"]
HSTS = "max-age=31536000; includeSubDomains"
UNUSED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")
ANONYMOUS_URLS = ["/", "/glossary", "/login", "/join", "/reset", "/handbook"]


def assert_no_store(response: TestResponse, what: str) -> None:
    response.close()
    assert response.headers.get("Cache-Control") == "no-store", (
        f"{what}: {response.status_code} Cache-Control={response.headers.get('Cache-Control')}")


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


@pytest.fixture
def certified(app: Flask, people: People) -> tuple[str, int, int]:
    """Ivan holds a certificate; returns its code, the session id and the group id."""
    study_everything(app, people.learner)
    found = make_session(app, people.trainer, hours=4)
    trainer = signed_in(app, "trainer")
    page = f"/sessions/{found.id}"
    submit(trainer, f"{page}/attendance/{people.learner.id}", {"status": "present"}, page=page)
    with app.app_context():
        database = db.session()
        cert = database.exec(select(Certificate)).first()
        group = database.exec(select(Group)).first()
        assert cert is not None and group is not None
        return cert.code, found.id or 0, group.id or 0


def test_every_page_for_a_signed_in_learner_is_not_stored(app: Flask, people: People) -> None:
    learner = signed_in(app, "ivan")
    for url in LEARNER_URLS:
        assert_no_store(learner.get(url), url)
    response = learner.get("/language?lang=en&next=/")
    assert response.status_code == 302
    assert_no_store(response, "a redirect")


def test_every_page_without_arguments_is_not_stored_for_an_admin(app: Flask,
                                                                 people: People) -> None:
    admin = signed_in(app, "admin")
    urls = sorted(rule.rule for rule in app.url_map.iter_rules()
                  if "GET" in (rule.methods or ()) and not rule.arguments)
    assert "/admin/" in urls and "/trainer/progress.csv" in urls
    for url in urls:
        if url.startswith("/static"):
            continue
        assert_no_store(admin.get(url), url)


def test_every_personal_download_is_not_stored(app: Flask, people: People,
                                               certified: tuple[str, int, int]) -> None:
    code, session_id, group_id = certified
    learner = signed_in(app, "ivan")
    for url in (f"/certificates/{code}.pdf", f"/sessions/{session_id}.ics"):
        response = learner.get(url)
        assert response.status_code == 200, url
        assert_no_store(response, url)
    trainer = signed_in(app, "trainer")
    for url in (f"/certificates/groups/{group_id}.zip", "/trainer/progress.csv",
                "/trainer/progress.xlsx", f"/certificates/{code}.pdf",
                f"/sessions/{session_id}.ics"):
        response = trainer.get(url)
        assert response.status_code == 200, url
        assert_no_store(response, url)
    codes = submit(trainer, f"/trainer/groups/{group_id}/codes.pdf", {},
                   page=f"/trainer/groups/{group_id}/import")
    assert_no_store(codes, "join codes PDF (or its redirect)")
    admin = signed_in(app, "admin")
    for url in ("/distribution.csv", "/distribution.xlsx",
                "/trainer/reports/donor.xlsx"):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert_no_store(response, url)


def test_json_for_a_signed_in_user_is_not_stored(app: Flask, people: People) -> None:
    trainer = signed_in(app, "trainer")
    edit = "/trainer/authoring/edit?file=modules/osnovi/01-obshtinata.md"
    token = csrf_token(trainer, edit)
    response = trainer.post("/trainer/authoring/preview?file=modules/osnovi/01-obshtinata.md",
                            json={"text": "Текст"}, headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.is_json
    assert_no_store(response, "authoring preview JSON")
    refused = trainer.post("/trainer/authoring/preview?file=modules/osnovi/01-obshtinata.md",
                           json=[1], headers={"X-CSRFToken": token})
    assert refused.status_code == 400
    assert_no_store(refused, "a refused JSON request")


def test_the_calendar_feed_is_not_stored(app: Flask, people: People) -> None:
    with app.app_context():
        token = sessions.feed_token(db.session(), people.learner)
    response = app.test_client().get(f"/sessions/calendar/{token}.ics")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_anonymous_public_pages_stay_cacheable(client: FlaskClient) -> None:
    for url in ANONYMOUS_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" not in response.headers.get("Cache-Control", ""), url


def test_shared_assets_keep_their_cache_for_a_signed_in_user(app: Flask, people: People,
                                                             build_dir: Path) -> None:
    learner = signed_in(app, "ivan")
    name = next((build_dir / "assets").iterdir()).name
    asset = learner.get(f"/course/assets/{name}")
    asset.close()
    assert asset.status_code == 200
    assert asset.cache_control.max_age == 365 * 24 * 3600 and asset.cache_control.immutable
    assert not asset.cache_control.no_store
    static = learner.get("/static/css/dobro.css")
    static.close()
    assert static.status_code == 200 and not static.cache_control.no_store


@pytest.mark.parametrize("url", ["/", "/login", "/static/css/dobro.css", "/healthz"])
def test_hsts_only_when_the_site_is_https(make_app: Any, build_dir: Path, url: str) -> None:
    secure = make_app(BASE_URL="https://obuchenie.example.bg").test_client().get(url)
    secure.close()
    assert secure.headers["Strict-Transport-Security"] == HSTS
    plain = make_app().test_client().get(url)
    plain.close()
    assert "Strict-Transport-Security" not in plain.headers


@pytest.mark.parametrize("url", ["/", "/login", "/join", "/static/css/dobro.css", "/healthz"])
def test_a_permissions_policy_on_every_response(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    response.close()
    policy = [part.strip() for part in response.headers["Permissions-Policy"].split(",")]
    for feature in UNUSED_FEATURES:
        assert f"{feature}=()" in policy


def test_the_checkin_page_needs_no_camera(app: Flask, people: People) -> None:
    page = signed_in(app, "ivan").get("/sessions/checkin").get_data(as_text=True)
    assert "getUserMedia" not in page and "<video" not in page
    scripts = Path(app.static_folder or "", "js")
    assert not any("getUserMedia" in js.read_text() for js in scripts.glob("*.js"))
