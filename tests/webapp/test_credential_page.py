"""The digital credential page (issue 14): what the signed Open Badge is, its verification
link to copy and the signed file to download — for the holder and their trainers only."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import People, login, submit
from webapp import db
from webapp.models import Certificate


def text(client: FlaskClient, url: str) -> str:
    return client.get(url).get_data(as_text=True)


@pytest.fixture
def topic(app: Flask, people: People) -> Certificate:
    """Ivan's topic certificate: he studied, passed the final and was marked present."""
    study_everything(app, people.learner)
    found = make_session(app, people.trainer, hours=4)
    trainer = app.test_client()
    login(trainer, "trainer")
    page = f"/sessions/{found.id}"
    response = submit(trainer, f"{page}/attendance/{people.learner.id}", {"status": "present"},
                      page=page)
    assert response.status_code == 302
    with app.app_context():
        cert = db.session().exec(select(Certificate).where(
            Certificate.user_id == people.learner.id, Certificate.kind == "topic")).one()
    return cert


@pytest.fixture
def ivan(app: Flask) -> FlaskClient:
    client = app.test_client()
    login(client, "ivan")
    return client


def test_the_holder_sees_what_it_is_and_how_to_share_it(topic: Certificate,
                                                        ivan: FlaskClient) -> None:
    html = text(ivan, f"/certificates/{topic.code}/credential")
    assert "Open Badges 3.0" in html and "Какво е това?" in html
    # The verification link in a read-only field: copied without a script too.
    field = re.search(r'<input type="text" id="verify-link" value="([^"]+)" readonly', html)
    assert field and field.group(1) == f"http://127.0.0.1:5000/verify/{topic.code}"
    assert '<label for="verify-link">Връзка за проверка</label>' in html
    assert "data-copy=\"verify-link\"" in html and "hidden>Копирай връзката" in html
    # LinkedIn, Europass and wallets, and the signed file as one option with what it is.
    for said in ("LinkedIn", "Европас", "Цифров портфейл", topic.number, "формат VC-JWT"):
        assert said in html, said
    assert (f'href="/credentials/{topic.code}.jwt" download="{topic.number}.jwt"' in html)
    assert f'href="/certificates/{topic.code}.pdf"' in html


def test_my_certificates_lead_to_the_page_not_to_a_bare_file(topic: Certificate,
                                                             ivan: FlaskClient) -> None:
    html = text(ivan, "/certificates/")
    assert f'href="/certificates/{topic.code}/credential"' in html
    assert "Електронен сертификат (Open Badge)" in html
    assert f"/credentials/{topic.code}.jwt" not in html
    assert 'id="checklist-title"' in html  # what is left, where a passed final points


def test_only_the_holder_and_their_trainer_see_it(topic: Certificate, app: Flask,
                                                  people: People) -> None:
    url = f"/certificates/{topic.code}/credential"
    for username in ("georgi", "maria"):  # a stranger; a learner of the same group
        other = app.test_client()
        login(other, username)
        assert other.get(url).status_code == 404, username
    trainer = app.test_client()
    login(trainer, "trainer")
    html = text(trainer, url)
    assert f'href="/certificates/learners/{people.learner.id}"' in html  # back to the learner
    assert url in text(trainer, f"/certificates/learners/{people.learner.id}")
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.location


@pytest.mark.parametrize("code", ["nope", "x" * 65, "x" * 5000, "%00", "код", "a'b\"c",
                                  "..%2F..%2Fetc"])
def test_a_wrong_code_is_not_found(topic: Certificate, ivan: FlaskClient, code: str) -> None:
    response = ivan.get(f"/certificates/{code}/credential")
    assert response.status_code == 404


def test_a_revoked_certificate_is_not_offered_for_sharing(topic: Certificate, app: Flask,
                                                          people: People,
                                                          ivan: FlaskClient) -> None:
    trainer = app.test_client()
    login(trainer, "trainer")
    response = submit(trainer, f"/certificates/{topic.code}/revoke",
                      {"reason": "Грешно отбелязано присъствие"},
                      page=f"/certificates/learners/{people.learner.id}")
    assert response.status_code == 302
    html = text(ivan, f"/certificates/{topic.code}/credential")
    assert "вече не е валиден" in html
    assert "verify-link" not in html and ".jwt" not in html
