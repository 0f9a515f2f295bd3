"""Join codes on the group page (issue 14): the safe actions come first, and new codes for
everyone, which void the cards already handed out, only after an explicit confirmation."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from webapp import db
from webapp.models import Group, GroupMember, GroupTrainer, Invitation, Organisation, User

from .conftest import People, login, submit

CARD = re.compile(r'<p class="code-card-name">([^<]+)</p>.*?<code>([A-Z0-9-]+)</code>', re.S)
PASSWORD = "нова-парола-за-курса"


@pytest.fixture(autouse=True)
def close_connections(app: Flask) -> Iterator[None]:
    yield
    app.extensions["dobro.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def group(app: Flask, people: People) -> int:
    """The people fixture's group (Иван and Мария have joined) with two who have not."""
    with app.app_context():
        database = db.session()
        found = database.exec(select(Group)).one()
        organisation = database.exec(select(Organisation)).one()
        for name in ("Стефка Моллова", "Атанас Каров"):
            user = User(name=name, role="learner", audience="employees",
                        organisation_id=organisation.id)
            database.add(user)
            database.flush()
            database.add(GroupMember(group_id=found.id, user_id=user.id))
        database.commit()
        assert found.id is not None
        return found.id


def user_id(app: Flask, name: str) -> int:
    with app.app_context():
        found = db.session().exec(select(User).where(User.name == name)).one()
        assert found.id is not None
        return found.id


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def cards(response: TestResponse) -> dict[str, str]:
    return dict(CARD.findall(text(response)))


def post(client: FlaskClient, url: str, data: dict[str, str] | None = None) -> TestResponse:
    return submit(client, url, dict(data or {}), page="/account/password")


def joins(app: Flask, code: str, username: str) -> bool:
    """Whether ``code`` still lets someone join (it is used up if it does)."""
    response = submit(app.test_client(), "/join", {"privacy": "y",
        "code": code, "username": username, "password": PASSWORD, "confirm": PASSWORD})
    return response.status_code == 302


def test_the_group_page_offers_the_safe_actions_first(client: FlaskClient, app: Flask,
                                                      group: int) -> None:
    login(client, "trainer")
    page = text(client.get(f"/trainer/groups/{group}"))
    assert "2 обучаеми още нямат профил." in page
    assert "Направи кодове за присъединяване за 2 обучаеми без код" in page
    assert page.count("Няма код за присъединяване, който да важи") == 2
    # Nothing handed out yet: no bulk re-issue to offer.
    assert "/codes/renew" not in page and "Създай кодове за присъединяване" not in page

    made = post(client, f"/trainer/groups/{group}/codes")
    assert sorted(cards(made)) == ["Атанас Каров", "Стефка Моллова"]
    page = text(client.get(f"/trainer/groups/{group}"))
    assert "2 от тях имат код за присъединяване, който още важи." in page
    assert "Направи кодове за присъединяване" not in page  # nobody is without one
    assert page.count("Кодът за присъединяване важи до") == 2
    assert "сегашният му код спира да важи" in page  # said on each "New code"
    renew = re.search(r'<a href="(/trainer/groups/\d+/codes/renew)">([^<]+)</a>', page)
    assert renew and renew.group(2) == ("Нови кодове за всички, които не са се присъединили – "
                                        "старите кодове спират да важат")


def test_making_the_missing_codes_voids_none(client: FlaskClient, app: Flask,
                                             group: int) -> None:
    login(client, "trainer")
    stefka = user_id(app, "Стефка Моллова")
    single = post(client, f"/trainer/groups/{group}/learners/{stefka}/code")
    [handed_out] = cards(single).values()
    made = post(client, f"/trainer/groups/{group}/codes")
    assert sorted(cards(made)) == ["Атанас Каров"]  # Стефка holds one already
    assert joins(app, handed_out, "stefka")  # her card still works
    assert joins(app, cards(made)["Атанас Каров"], "atanas")
    # Nobody left without a code: nothing is made, and the page says why.
    again = post(client, f"/trainer/groups/{group}/codes")
    assert again.status_code == 302
    assert "Всички в групата вече имат профил" in text(client.get(again.location))


def test_everyone_who_holds_a_code_is_told_so(client: FlaskClient, app: Flask,
                                              group: int) -> None:
    login(client, "trainer")
    post(client, f"/trainer/groups/{group}/codes")
    for url in (f"/trainer/groups/{group}/codes", f"/trainer/groups/{group}/codes.pdf"):
        response = post(client, url)
        assert response.status_code == 302
        told = text(client.get(response.location))
        assert "Всички, които не са се присъединили, имат код" in told


def test_one_learners_code_voids_only_theirs(client: FlaskClient, app: Flask,
                                            group: int) -> None:
    login(client, "trainer")
    printed = cards(post(client, f"/trainer/groups/{group}/codes"))
    atanas = user_id(app, "Атанас Каров")
    response = post(client, f"/trainer/groups/{group}/learners/{atanas}/code")
    assert response.status_code == 200 and "Нов код за присъединяване" in text(response)
    [fresh] = cards(response).values()
    assert not joins(app, printed["Атанас Каров"], "atanas")  # his lost card
    assert joins(app, printed["Стефка Моллова"], "stefka")  # hers still works
    assert joins(app, fresh, "atanas")


def test_the_confirmation_names_what_stops_working(client: FlaskClient, app: Flask,
                                                   group: int) -> None:
    login(client, "trainer")
    stefka = user_id(app, "Стефка Моллова")
    post(client, f"/trainer/groups/{group}/learners/{stefka}/code")
    response = client.get(f"/trainer/groups/{group}/codes/renew")
    assert response.status_code == 200
    page = text(response)
    assert "2 обучаеми още нямат профил: всеки получава нов код за присъединяване" in page
    assert "1 код за присъединяване, който вече е даден, спира да важи." in page
    warning = page.split('class="trainer-warning"')[1].split("</div>")[0]
    assert "Стефка Моллова" in warning and "Атанас Каров" not in warning
    assert '<input type="checkbox" id="confirm" name="confirm" value="y" required>' in page
    assert "Разбирам: 1 код за присъединяване, който вече е даден, спира да важи." in page


@pytest.mark.parametrize("target", ["codes", "codes.pdf"])
def test_new_codes_for_all_are_refused_without_the_box_ticked(
        client: FlaskClient, app: Flask, group: int, target: str) -> None:
    login(client, "trainer")
    printed = cards(post(client, f"/trainer/groups/{group}/codes"))
    with app.app_context():
        before = [(i.id, i.expires_at) for i in db.session().exec(select(Invitation))]
    for data in ({"renew": "all"}, {"renew": "all", "confirm": ""}):
        response = post(client, f"/trainer/groups/{group}/{target}", data)
        assert response.status_code == 200 and response.mimetype == "text/html"
        page = text(response)
        assert "Отбележете полето, за да потвърдите" in page
        assert 'aria-invalid="true"' in page and "code-card" not in page
    with app.app_context():  # nothing voided, nothing made
        assert [(i.id, i.expires_at) for i in db.session().exec(select(Invitation))] == before
    assert joins(app, printed["Стефка Моллова"], "stefka")


def test_new_codes_for_all_once_confirmed(client: FlaskClient, app: Flask, group: int) -> None:
    login(client, "trainer")
    printed = cards(post(client, f"/trainer/groups/{group}/codes"))
    response = post(client, f"/trainer/groups/{group}/codes", {"renew": "all", "confirm": "y"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    fresh = cards(response)
    assert sorted(fresh) == ["Атанас Каров", "Стефка Моллова"]
    assert not joins(app, printed["Стефка Моллова"], "stefka")
    assert joins(app, fresh["Стефка Моллова"], "stefka")
    pdf = post(client, f"/trainer/groups/{group}/codes.pdf", {"renew": "all", "confirm": "y"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert not joins(app, fresh["Атанас Каров"], "atanas")  # the PDF replaced it


def test_the_confirmation_is_the_trainers_own(client: FlaskClient, app: Flask, people: People,
                                              group: int) -> None:
    with app.app_context():
        database = db.session()
        other = Group(name="Чужда група")
        trainer2 = User(username="trainer2", name="Борис Второв", role="trainer")
        database.add_all([other, trainer2])
        database.commit()
        database.add(GroupTrainer(group_id=other.id, user_id=trainer2.id))
        database.commit()
        other_id = other.id
    login(client, "trainer")
    assert client.get(f"/trainer/groups/{other_id}/codes/renew").status_code == 404
    assert post(client, f"/trainer/groups/{other_id}/codes",
                {"renew": "all", "confirm": "y"}).status_code == 404
    learner = app.test_client()
    login(learner, "ivan")
    assert learner.get(f"/trainer/groups/{group}/codes/renew").status_code == 403
