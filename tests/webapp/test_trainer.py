"""The trainer area: who may see which group, adding learners, and codes that really work."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from webapp import db
from webapp.models import Group, GroupMember, GroupTrainer, Invitation, Organisation, User
from webapp.services import accounts

from .conftest import PASSWORD, People, login, submit

CODE = re.compile(r'<p class="code-card-code"><code>([A-Z0-9-]+)</code></p>')
CARD = re.compile(r'<p class="code-card-name">([^<]+)</p>.*?<code>([A-Z0-9-]+)</code>', re.S)
NEW_PASSWORD = "нова-парола-за-курса"


@pytest.fixture(autouse=True)
def close_connections(app: Flask) -> Iterator[None]:
    """Close the app's pooled connections (PostgreSQL warns about any left open)."""
    yield
    app.extensions["dobro.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client that keeps no request context between requests.

    The shared fixture's ``with`` keeps the last context pushed, and a second client's
    request would reuse its ``g`` (and so its signed-in user); here people take turns.
    """
    return app.test_client()


@dataclass
class Other:
    """A second trainer with a group of their own, and a coordinator who sees every group."""

    group_a: int  # the people fixture's group (trainer, ivan, maria)
    group_b: int  # trainer2's group (petar)
    petar: int
    organisation: int


@pytest.fixture
def other(app: Flask, people: People) -> Other:
    with app.app_context():
        database = db.session()
        organisation = database.exec(select(Organisation)).one()
        group_a = database.exec(select(Group)).one()
        trainer2 = User(username="trainer2", name="Борис Второв", role="trainer")
        coordinator = User(username="coord", name="Калина Координаторова", role="coordinator")
        petar = User(username="petar", name="Петър Петров", role="learner", audience="employees",
                     organisation_id=organisation.id)
        for user in (trainer2, coordinator, petar):
            accounts.set_password(user, PASSWORD)
        group_b = Group(name="Служители – Кърджали, есен 2027")
        database.add_all([trainer2, coordinator, petar, group_b])
        database.commit()
        assert group_a.id and group_b.id and petar.id and trainer2.id and organisation.id
        database.add_all([GroupTrainer(group_id=group_b.id, user_id=trainer2.id),
                          GroupMember(group_id=group_b.id, user_id=petar.id)])
        database.commit()
        return Other(group_a.id, group_b.id, petar.id, organisation.id)


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def group_url(group_id: int) -> str:
    return f"/trainer/groups/{group_id}"


def post(client: FlaskClient, url: str, data: Mapping[str, object] | None = None,
         page: str = "/account/password") -> TestResponse:
    """Post with the session's CSRF token, taken from a page any signed-in user may open."""
    return submit(client, url, dict(data or {}), page=page)


def codes_in(response: TestResponse) -> list[str]:
    return CODE.findall(text(response))


def add_learner(client: FlaskClient, group_id: int, name: str, organisation: int) -> TestResponse:
    return post(client, f"{group_url(group_id)}/learners",
                {"name": name, "organisation": organisation, "audience": "employees",
                 "position": "юрисконсулт"}, page=group_url(group_id))


def user_id(app: Flask, name: str) -> int:
    with app.app_context():
        found = db.session().exec(select(User).where(User.name == name)).one()
        assert found.id is not None
        return found.id


# Access


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, other: Other) -> None:
    for url in ("/trainer/", group_url(other.group_a)):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login?next=")


def test_learners_are_refused(client: FlaskClient, people: People, other: Other) -> None:
    login(client, "ivan")
    assert client.get("/trainer/").status_code == 403
    assert client.get(group_url(other.group_a)).status_code == 403
    assert post(client, f"{group_url(other.group_a)}/codes").status_code == 403
    code_url = f"{group_url(other.group_a)}/learners/{people.councillor.id}/code"
    assert post(client, code_url).status_code == 403


def test_a_trainer_sees_only_their_groups(client: FlaskClient, people: People,
                                          other: Other) -> None:
    login(client, "trainer")
    home = text(client.get("/trainer/"))
    assert "Съветници – Смолян, пролет 2027" in home and "Кърджали" not in home
    assert "2 обучаеми" in home and "2 от 2 с профил" in home
    assert client.get(group_url(other.group_b)).status_code == 404
    assert client.get(group_url(9999)).status_code == 404


def test_a_trainer_cannot_touch_another_trainers_learners(client: FlaskClient, people: People,
                                                         other: Other, app: Flask) -> None:
    login(client, "trainer")
    b = group_url(other.group_b)
    assert post(client, f"{b}/learners/{other.petar}/code").status_code == 404
    assert post(client, f"{b}/codes").status_code == 404
    assert add_learner(client, other.group_b, "Нахлул Нахлуев", other.organisation
                       ).status_code == 404
    # Nor through their own group's address: petar and georgi are not in it.
    a = group_url(other.group_a)
    for stranger in (other.petar, people.stranger.id, 9999):
        assert post(client, f"{a}/learners/{stranger}/code").status_code == 404
    with app.app_context():
        assert db.session().exec(select(Invitation)).all() == []
        assert db.session().exec(select(User).where(User.name == "Нахлул Нахлуев")).first() is None


def test_staff_in_a_group_never_get_codes_through_it(client: FlaskClient, people: People,
                                                     other: Other, app: Flask) -> None:
    with app.app_context():
        assert people.admin.id is not None
        db.session().add(GroupMember(group_id=other.group_a, user_id=people.admin.id))
        db.session().commit()
    login(client, "trainer")
    page = text(client.get(group_url(other.group_a)))
    assert "Админ Админов" in page
    assert f"/learners/{people.admin.id}/code" not in page
    response = post(client, f"{group_url(other.group_a)}/learners/{people.admin.id}/code")
    assert response.status_code == 404


@pytest.mark.parametrize("username", ["coord", "admin"])
def test_coordinators_and_admins_see_every_group(client: FlaskClient, people: People,
                                                 other: Other, username: str) -> None:
    login(client, username)
    home = text(client.get("/trainer/"))
    assert "Съветници – Смолян, пролет 2027" in home and "Служители – Кърджали" in home
    assert "Петър Петров" in text(client.get(group_url(other.group_b)))


# The group page and adding learners


def test_the_group_page_lists_the_learners(client: FlaskClient, app: Flask, people: People,
                                           other: Other) -> None:
    login(app.test_client(), "maria")  # a sign-in the trainer will see
    login(client, "trainer")
    page = text(client.get(group_url(other.group_a)))
    assert "Иван Иванов" in page and "Мария Петрова" in page and "Георги" not in page
    assert "Общински служители" in page and "Общински съветници" in page  # course audiences
    assert "<code>ivan</code>" in page and "<code>maria</code>" in page and "Смолян" in page
    signed_in = re.findall(r'data-label="Последно влизане">([^<]*)</td>', page)
    assert signed_in[0] == "—" and re.search(r"\d", signed_in[1])  # ivan never; maria just now
    assert page.count(">Нов код</button>") == 2 and "за нова парола" in page


def test_adding_a_learner(client: FlaskClient, people: People, other: Other, app: Flask) -> None:
    login(client, "trainer")
    response = add_learner(client, other.group_a, "  Стефка   Моллова ", other.organisation)
    assert response.status_code == 302
    page = text(client.get(response.location))
    assert "Стефка Моллова е в групата." in page and "още няма профил" in page
    assert "юрисконсулт" in page and "1 обучаем още няма профил." in page
    with app.app_context():
        added = db.session().exec(select(User).where(User.name == "Стефка Моллова")).one()
        assert (added.role, added.audience, added.username) == ("learner", "employees", None)


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Въведете името на обучаемия."),
    ({"name": "   "}, "Въведете името на обучаемия."),
    ({"organisation": ""}, "Изберете организация от списъка."),
    ({"organisation": "9999"}, "Изберете организация от списъка."),
    ({"organisation": "abc"}, "Изберете организация от списъка."),
    ({"organisation": "9" * 40}, "Изберете организация от списъка."),
    ({"audience": "martians"}, "Изберете целева група от списъка."),
    ({"name": "Я" * 10_000}, "Най-много 200 знака."),
    ({"position": "x" * 201}, "Най-много 200 знака."),
], ids=["nothing", "blank-name", "no-organisation", "unknown-organisation",
        "not-a-number", "huge-number", "unknown-audience", "huge-name", "long-position"])
def test_bad_learner_input_shows_the_form_again(client: FlaskClient, people: People,
                                                other: Other, app: Flask,
                                                data: dict[str, str], message: str) -> None:
    login(client, "trainer")
    valid = {"name": "Стефка Моллова", "organisation": str(other.organisation),
             "audience": "employees", "position": ""}
    posted = {} if not data else {**valid, **data}
    response = post(client, f"{group_url(other.group_a)}/learners", posted,
                    page=group_url(other.group_a))
    assert response.status_code == 200
    page = text(response)
    assert message in page and 'aria-invalid="true"' in page
    assert "Иван Иванов" in page  # the learners are still listed
    with app.app_context():
        assert len(db.session().exec(select(GroupMember).where(
            GroupMember.group_id == other.group_a)).all()) == 2


# Codes


def test_printed_join_codes_work_at_join(client: FlaskClient, app: Flask, people: People,
                                         other: Other) -> None:
    login(client, "trainer")
    add_learner(client, other.group_a, "Стефка Моллова", other.organisation)
    add_learner(client, other.group_a, "Атанас Каров", other.organisation)
    response = post(client, f"{group_url(other.group_a)}/codes", page=group_url(other.group_a))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = text(response)
    cards = dict(CARD.findall(page))
    assert sorted(cards) == ["Атанас Каров", "Стефка Моллова"]  # ivan and maria have joined
    code = cards["Стефка Моллова"]
    assert f"http://127.0.0.1:5000/join#code={code}" in page
    assert "Кодът се показва само веднъж: запишете го или го отпечатайте." in page
    assert "js/print.js" in page and "<script>" not in page

    learner = app.test_client()
    joined = submit(learner, "/join", {"privacy": "y", "code": code.lower(), "username": "stefka",
                                       "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert joined.status_code == 302
    assert "Стефка Моллова" in text(learner.get("/"))
    group_page = text(client.get(group_url(other.group_a)))
    assert "<code>stefka</code>" in group_page and "1 обучаем още няма профил." in group_page


def test_making_codes_again_invalidates_the_earlier_ones(client: FlaskClient, app: Flask,
                                                        people: People, other: Other) -> None:
    login(client, "trainer")
    add_learner(client, other.group_a, "Стефка Моллова", other.organisation)
    codes_url = f"{group_url(other.group_a)}/codes"
    renew = {"renew": "all", "confirm": "y"}  # new codes for all, confirmed
    [first] = codes_in(post(client, codes_url, page=group_url(other.group_a)))
    [second] = codes_in(post(client, codes_url, renew, page=group_url(other.group_a)))
    assert first != second
    learner = app.test_client()
    stale = submit(learner, "/join", {"privacy": "y", "code": first, "username": "stefka",
                                      "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert stale.status_code == 200 and "Този код не е валиден" in text(stale)
    fresh = submit(learner, "/join", {"privacy": "y", "code": second, "username": "stefka",
                                      "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert fresh.status_code == 302
    # A single "new code" invalidates the printed card as well.
    add_learner(client, other.group_a, "Атанас Каров", other.organisation)
    [printed] = codes_in(post(client, codes_url, page=group_url(other.group_a)))
    single = post(client, f"{group_url(other.group_a)}/learners/"
                  f"{user_id(app, 'Атанас Каров')}/code", page=group_url(other.group_a))
    assert codes_in(single) != [printed]
    stale = submit(app.test_client(), "/join", {"code": printed, "username": "atanas",
                                                "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                                "privacy": "y"})
    assert "Този код не е валиден" in text(stale)


def test_no_codes_when_everyone_has_joined(client: FlaskClient, people: People,
                                           other: Other) -> None:
    login(client, "trainer")
    response = post(client, f"{group_url(other.group_a)}/codes", page=group_url(other.group_a))
    assert response.status_code == 302
    assert "Всички в групата вече имат профил" in text(client.get(response.location))


def test_a_reset_code_sets_a_new_password(client: FlaskClient, app: Flask, people: People,
                                          other: Other) -> None:
    login(client, "trainer")
    response = post(client, f"{group_url(other.group_a)}/learners/{people.learner.id}/code",
                    page=group_url(other.group_a))
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = text(response)
    assert "Нов код за нова парола" in page and "Потребителското ви име остава: ivan" in page
    [code] = codes_in(response)
    assert f"http://127.0.0.1:5000/reset#code={code}" in page

    learner = app.test_client()
    assert login(learner, "ivan").status_code == 302  # the old password works until then
    learner = app.test_client()
    reset = submit(learner, "/reset", {"code": code, "password": NEW_PASSWORD,
                                       "confirm": NEW_PASSWORD})
    assert reset.status_code == 302
    fresh = app.test_client()
    assert login(fresh, "ivan").status_code == 200  # the old password: refused
    assert login(fresh, "ivan", NEW_PASSWORD).status_code == 302


def test_a_new_joiner_gets_a_join_code_not_a_reset(client: FlaskClient, app: Flask,
                                                   people: People, other: Other) -> None:
    login(client, "trainer")
    add_learner(client, other.group_a, "Стефка Моллова", other.organisation)
    url = f"{group_url(other.group_a)}/learners/{user_id(app, 'Стефка Моллова')}/code"
    response = post(client, url, page=group_url(other.group_a))
    assert "Нов код за присъединяване" in text(response)
    [code] = codes_in(response)
    assert f"/join#code={code}" in text(response)


def test_cards_stay_bulgarian_when_the_trainer_reads_english(client: FlaskClient,
                                                             people: People,
                                                             other: Other) -> None:
    login(client, "trainer")
    client.get("/language?lang=en")
    response = post(client, f"{group_url(other.group_a)}/learners/{people.learner.id}/code",
                    page=group_url(other.group_a))
    page = text(response)
    assert "New password code" in page and "Print" in page  # the trainer's screen
    assert '<div class="code-cards" lang="bg">' in page
    assert "Вашият еднократен код:" in page and "Your one-time code" not in page
