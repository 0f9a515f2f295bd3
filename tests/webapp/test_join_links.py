"""Printed join and reset cards carry the code after "#", which no access log records;
old cards with ``?code=`` still work, and so does a code typed by hand without scripts."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlmodel import select

from tests.webapp.conftest import People, login, submit
from webapp import db
from webapp.models import Group, GroupMember, User
from webapp.services import accounts

CODE = re.compile(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")
SCRIPT = '<script src="/static/js/joincode.js" defer></script>'
NEW_PASSWORD = "съвсем-нова-парола-2028"


def newcomer(app: Flask) -> tuple[int, int]:
    """A participant in the trainer's group who has not joined; returns (user, group) ids."""
    with app.app_context():
        database = db.session()
        group = database.exec(select(Group)).first()
        assert group is not None
        user = User(name="Стефка Моллова", role="learner", audience="employees")
        database.add(user)
        database.commit()
        database.add(GroupMember(group_id=group.id, user_id=user.id))
        database.commit()
        return user.id or 0, group.id or 0


def test_the_printed_cards_put_the_code_after_a_hash(app: Flask, client: FlaskClient,
                                                     people: People) -> None:
    _user, group = newcomer(app)
    login(client, "trainer")
    page = submit(client, f"/trainer/groups/{group}/codes", {},
                  page=f"/trainer/groups/{group}").get_data(as_text=True)
    [code] = set(CODE.findall(page))
    assert f"/join#code={code}" in page
    assert "?code=" not in page


def test_the_pdf_cards_put_the_code_after_a_hash(app: Flask, client: FlaskClient,
                                                 people: People) -> None:
    _user, group = newcomer(app)
    login(client, "trainer")
    response = submit(client, f"/trainer/groups/{group}/codes.pdf", {},
                      page=f"/trainer/groups/{group}/import")
    assert response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", "", text)  # the link may wrap on the card
    [code] = set(CODE.findall(text))
    assert f"/join#code={code}" in text
    assert "?code=" not in text


def test_a_reset_card_puts_the_code_after_a_hash(app: Flask, client: FlaskClient,
                                                 people: People) -> None:
    _user, group = newcomer(app)
    login(client, "trainer")
    page = submit(client, f"/trainer/groups/{group}/learners/{people.learner.id}/code", {},
                  page=f"/trainer/groups/{group}").get_data(as_text=True)
    [code] = set(CODE.findall(page))
    assert f"/reset#code={code}" in page and "?code=" not in page


def test_join_and_reset_load_the_code_script_and_no_inline_one(client: FlaskClient) -> None:
    for url in ("/join", "/reset"):
        page = client.get(url).get_data(as_text=True)
        assert SCRIPT in page
        assert "<script>" not in page
    script = client.get("/static/js/joincode.js")
    script.close()
    assert script.status_code == 200 and script.mimetype == "text/javascript"


def test_an_old_card_with_the_code_in_the_query_still_fills_the_form(
        app: Flask, client: FlaskClient, people: People) -> None:
    user, _group = newcomer(app)
    with app.app_context():
        database = db.session()
        found = database.get(User, user)
        assert found is not None
        code = accounts.issue_code(database, found, "join", None)
        database.commit()
    page = client.get(f"/join?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in page


def test_a_code_typed_by_hand_joins_without_scripts(app: Flask, client: FlaskClient,
                                                    people: People) -> None:
    user, _group = newcomer(app)
    with app.app_context():
        database = db.session()
        found = database.get(User, user)
        assert found is not None
        code = accounts.issue_code(database, found, "join", None)
        database.commit()
    joined = submit(client, "/join", {"privacy": "y", "code": code.lower(), "username": "stefka",
                                      "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert joined.status_code == 302
