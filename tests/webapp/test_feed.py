"""The private calendar feed link: renewed by its owner, void after a new password."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.blended import make_session
from tests.webapp.conftest import PASSWORD, People, login, submit
from webapp import db
from webapp.models import User
from webapp.services import accounts, sessions

FEED_LINK = re.compile(r'href="(/sessions/calendar/[^"]+\.ics)"')
NEW_PASSWORD = "съвсем-нова-парола-2028"


def feed_link(client: FlaskClient) -> str:
    """The feed link the learner's home page shows."""
    match = FEED_LINK.search(client.get("/").get_data(as_text=True))
    assert match, "no calendar feed link on the home page"
    return match.group(1)


def calendar_of(app: Flask, link: str) -> int:
    """The status a calendar app, signed in as nobody, gets for ``link``."""
    response = app.test_client().get(link)
    if response.status_code == 200:
        assert "BEGIN:VCALENDAR" in response.get_data(as_text=True)
    return response.status_code


@pytest.fixture
def learner(app: Flask, client: FlaskClient, people: People) -> FlaskClient:
    make_session(app, people.trainer)
    assert login(client, "ivan").status_code == 302
    return client


def test_the_owner_renews_the_link_and_the_old_one_stops(app: Flask,
                                                         learner: FlaskClient) -> None:
    old = feed_link(learner)
    assert calendar_of(app, old) == 200
    response = submit(learner, "/sessions/calendar/renew", {}, page="/")
    assert response.status_code == 302
    page = learner.get(response.location).get_data(as_text=True)
    assert "Календарният ви абонамент има нова връзка" in page
    new = feed_link(learner)
    assert new != old
    assert calendar_of(app, old) == 404
    assert calendar_of(app, new) == 200
    assert feed_link(learner) == new  # stable until renewed again


def test_renewing_needs_the_csrf_token_and_a_signed_in_user(app: Flask,
                                                            learner: FlaskClient) -> None:
    old = feed_link(learner)
    assert learner.post("/sessions/calendar/renew").status_code == 400
    anonymous = app.test_client().post("/sessions/calendar/renew")
    assert anonymous.status_code in (302, 400)
    assert feed_link(learner) == old and calendar_of(app, old) == 200


def test_a_password_change_voids_the_link(app: Flask, learner: FlaskClient) -> None:
    old = feed_link(learner)
    changed = submit(learner, "/account/password", {"current": PASSWORD,
                                                    "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert calendar_of(app, old) == 404
    fresh = app.test_client()
    assert login(fresh, "ivan", NEW_PASSWORD).status_code == 302
    new = feed_link(fresh)
    assert new != old and calendar_of(app, new) == 200


def test_a_password_set_with_a_reset_code_voids_the_link(app: Flask, people: People,
                                                         learner: FlaskClient) -> None:
    old = feed_link(learner)
    with app.app_context():
        database = db.session()
        user = database.get(User, people.learner.id)
        assert user is not None
        accounts.set_password(user, NEW_PASSWORD)
        database.add(user)
        database.commit()
    assert calendar_of(app, old) == 404


def test_a_closed_account_has_no_feed(app: Flask, people: People, learner: FlaskClient) -> None:
    link = feed_link(learner)
    with app.app_context():
        database = db.session()
        user = database.get(User, people.learner.id)
        assert user is not None
        user.active = False
        database.add(user)
        database.commit()
    assert calendar_of(app, link) == 404


def test_one_learner_cannot_seal_another_learners_token(app: Flask, people: People) -> None:
    with app.app_context():
        database = db.session()
        ivan, maria = (database.get(User, p.id) for p in (people.learner, people.councillor))
        assert ivan is not None and maria is not None
        ivans = sessions.feed_token(database, ivan)
        marias = sessions.feed_token(database, maria)
    stored, seal = ivans.split(".")
    assert calendar_of(app, f"/sessions/calendar/{stored}.{marias.split('.')[1]}.ics") == 404
    assert calendar_of(app, f"/sessions/calendar/{ivans}.ics") == 200


@pytest.mark.parametrize("token", ["x", ".", "x.", ".x", "a.b.c", "%00", "ж" * 80,
                                   "A" * 32, "A" * 300])
def test_bad_links_are_not_found(app: Flask, people: People, token: str) -> None:
    with app.app_context():
        stored = sessions.feed_token(db.session(), people.learner).split(".")[0]
    assert calendar_of(app, f"/sessions/calendar/{token}.ics") == 404
    assert calendar_of(app, f"/sessions/calendar/{stored}.ics") == 404  # no seal
    assert calendar_of(app, f"/sessions/calendar/{stored}.{token}.ics") == 404
