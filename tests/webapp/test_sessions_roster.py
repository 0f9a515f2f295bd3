"""The roster tells the trainer what a mark caused, and the check-in code is one tap away.

Marking someone present can complete their topic and issue certificates by themselves
(issue 14): the roster says so beside the learner, once, and shows who has completed the
session's topic. On a phone the roster comes before the check-in code, which also has a
page of its own for a projector.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import People, login, submit
from webapp import db
from webapp.models import Certificate, User

TOPIC_NOTICE = "Сертификатът на Мария Петрова за тема „Основи на самоуправлението“ е издаден."
PROGRAMME_NOTICE = "Сертификатът на Мария Петрова за цялата програма „{title}“ е издаден."


def certificates(app: Flask) -> list[Certificate]:
    with app.app_context():
        return list(db.session().exec(select(Certificate).order_by(Certificate.id)))


def line_of(html: str, user: User) -> str:
    """The roster line of ``user``."""
    found = re.search(rf'<li class="roster-line" id="learner-{user.id}">(.*?)</li>', html, re.S)
    assert found, f"no roster line for {user.name}"
    return found.group(1)


def test_a_mark_that_issues_certificates_says_so_once(client: FlaskClient, app: Flask,
                                                      people: People) -> None:
    found = make_session(app, people.trainer, hours=4)
    study_everything(app, people.councillor)  # Мария: only the session is missing
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    before = client.get(page).get_data(as_text=True)
    assert "Темата е завършена" not in before and "е издаден" not in before

    response = submit(client, f"{page}/attendance/{people.councillor.id}",
                      {"status": "present"}, page=page)
    assert response.status_code == 302
    assert response.location.endswith(f"#learner-{people.councillor.id}")
    issued = certificates(app)
    assert sorted(c.kind for c in issued) == ["programme", "topic"]
    programme = next(c for c in issued if c.kind == "programme")
    html = client.get(response.location).get_data(as_text=True)
    line = line_of(html, people.councillor)
    # Beside the learner, where the page opens after the mark: each certificate, by name.
    assert TOPIC_NOTICE in line
    assert PROGRAMME_NOTICE.format(title=programme.title) in line
    assert 'role="status"' in line
    assert f"/certificates/learners/{people.councillor.id}" in line
    # And the roster now shows who has completed the topic (text, not a colour).
    assert "Темата е завършена · издаден сертификат" in line
    assert "Темата е завършена" not in line_of(html, people.learner)
    assert "1 е завършил темата" in html

    # Said once: the page again, or another save, says nothing more and issues nothing.
    again = client.get(page).get_data(as_text=True)
    assert "е издаден." not in again and "Темата е завършена" in line_of(again, people.councillor)
    for status in ("late", "present"):
        response = submit(client, f"{page}/attendance/{people.councillor.id}",
                          {"status": status}, page=page)
        html = client.get(response.location).get_data(as_text=True)
        assert "е издаден." not in html
    assert [c.id for c in certificates(app)] == [c.id for c in issued]


def test_a_mark_that_completes_nothing_says_nothing(client: FlaskClient, app: Flask,
                                                    people: People) -> None:
    found = make_session(app, people.trainer, hours=4)
    login(client, "trainer")  # Иван has studied nothing: attending does not complete the topic
    page = f"/sessions/{found.id}"
    response = submit(client, f"{page}/attendance/{people.learner.id}", {"status": "present"},
                      page=page)
    html = client.get(response.location).get_data(as_text=True)
    assert "е издаден." not in html and "Темата е завършена" not in html
    assert "0 са завършили темата" in html
    assert certificates(app) == []


def test_a_notice_is_only_for_this_roster(client: FlaskClient, app: Flask,
                                          people: People) -> None:
    """Only a certificate of a learner on the roster shown is ever named on it."""
    found = make_session(app, people.trainer, hours=4)
    other = make_session(app, people.trainer, enrol=False, checkin_code="ZZ7P2M")
    study_everything(app, people.councillor)
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    submit(client, f"{page}/attendance/{people.councillor.id}", {"status": "present"},
           page=page)
    ids = [c.id for c in certificates(app)]
    # Not on a roster she is not on (the other session has no group enrolled) ...
    html = client.get(f"/sessions/{other.id}").get_data(as_text=True)
    assert "е издаден." not in html
    # ... and shown once where she is, whatever ids the cookie is given.
    with client.session_transaction() as cookie:
        cookie["roster_issued"] = [*ids, "x", 9999]
    html = client.get(page).get_data(as_text=True)
    assert html.count("е издаден.") == 2
    with client.session_transaction() as cookie:
        cookie["roster_issued"] = ids
    assert "е издаден." not in client.get(f"/sessions/{other.id}").get_data(as_text=True)


def test_the_roster_comes_before_the_check_in_code(client: FlaskClient, app: Flask,
                                                   people: People) -> None:
    found = make_session(app, people.trainer)
    login(client, "trainer")
    html = client.get(f"/sessions/{found.id}").get_data(as_text=True)
    roster, code = html.index('id="roster"'), html.index('id="checkin-title"')
    assert roster < code
    # One tap from the top: a link to the code, and to it full screen.
    shortcuts = html.index('href="#checkin-title"')
    assert shortcuts < roster and "Покажи кода за отбелязване" in html
    assert html.index(f'href="/sessions/{found.id}/screen"') < roster


def test_the_check_in_code_full_screen(client: FlaskClient, app: Flask, people: People) -> None:
    found = make_session(app, people.trainer)
    login(client, "trainer")
    response = client.get(f"/sessions/{found.id}/screen")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<p class="checkin-screen-code" aria-label="Код за отбелязване">KX7P2M</p>' in html
    assert "<svg" in html and 'viewBox="' in html  # a QR that scales to the screen
    assert "http://127.0.0.1:5000/sessions/checkin" in html  # the address to type
    assert 'class="site-header"' not in html  # nothing else on the screen
    assert f'href="/sessions/{found.id}"' in html  # and the way back


def test_the_full_screen_code_is_the_trainers_only(client: FlaskClient, app: Flask,
                                                   people: People) -> None:
    found = make_session(app, people.admin, enrol=False)
    login(client, "trainer")  # not their session, nor one of their groups'
    assert client.get(f"/sessions/{found.id}/screen").status_code == 404
    learner = app.test_client()
    login(learner, "ivan")
    assert learner.get(f"/sessions/{found.id}/screen").status_code == 403
    assert app.test_client().get(f"/sessions/{found.id}/screen").status_code == 302
