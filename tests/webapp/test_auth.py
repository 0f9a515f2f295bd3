"""Signing in and out, joining with a code, passwords, CSRF and throttling."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text as sql

from tests.webapp.conftest import PASSWORD, People, csrf_token, login, submit
from webapp import db
from webapp.services import accounts


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_reading_needs_an_account_and_comes_back_after_signing_in(client: FlaskClient,
                                                                  people: People) -> None:
    response = client.get("/learn/obshtinata")
    assert response.status_code == 302 and "/login?next=" in response.location
    page = client.get(response.location)
    token = csrf_token(client, response.location)
    done = client.post(response.location, data={"csrf_token": token, "username": "ivan",
                                                "password": PASSWORD})
    assert done.status_code == 302 and done.location == "/learn/obshtinata"
    assert page.status_code == 200


def test_the_sign_in_notice_speaks_the_users_language(client: FlaskClient,
                                                      people: People) -> None:
    response = client.get("/trainer/authoring/")
    page = client.get(response.location).get_data(as_text=True)
    assert "Влезте, за да видите тази страница." in page
    assert "Please log in" not in page
    client.get("/language?lang=en")
    page = client.get(client.get("/learn/obshtinata").location).get_data(as_text=True)
    assert "Sign in to see this page." in page


def test_wrong_password_says_so_in_bulgarian(client: FlaskClient, people: People) -> None:
    page = text(login(client, "ivan", "грешна-парола"))
    assert "Грешно потребителско име или парола." in page
    huge = login(client, "nobody", "x" * 5000)  # refused by the form's length check
    assert huge.status_code == 200 and 'aria-invalid="true"' in text(huge)


def test_throttling_after_repeated_failures(client: FlaskClient, people: People) -> None:
    for _ in range(accounts.THROTTLE_LIMIT):
        login(client, "ivan", "грешна-парола")
    page = text(login(client, "ivan"))
    assert "Твърде много неуспешни опита" in page
    assert "Здравейте" not in text(client.get("/"))


def test_sign_out_needs_a_post_with_a_token(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    assert client.get("/logout").status_code == 405
    refused = client.post("/logout")
    assert refused.status_code == 400 and "Traceback" not in text(refused)
    assert "Здравейте, Иван Иванов" in text(client.get("/"))
    submit(client, "/logout", {}, page="/")
    assert "Здравейте" not in text(client.get("/"))


def test_a_cookie_copied_before_signing_out_stops_working(app: Flask, people: People) -> None:
    browser, thief = app.test_client(), app.test_client()
    login(browser, "maria")
    copied = browser.get_cookie("session")
    assert copied is not None
    thief.set_cookie("session", copied.value)
    assert "Здравейте, Мария Петрова" in text(thief.get("/"))  # the same session …
    submit(browser, "/logout", {}, page="/")
    thief.set_cookie("session", copied.value)
    assert "Здравейте" not in text(thief.get("/"))  # … has ended on the server
    assert thief.get("/learn/obshtinata").status_code == 302


def test_next_never_leaves_the_site(client: FlaskClient, people: People) -> None:
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        token = csrf_token(client, "/login")
        response = client.post("/login", query_string={"next": target},
                               data={"csrf_token": token, "username": "ivan",
                                     "password": PASSWORD})
        assert response.location == "/", target
        submit(client, "/logout", {}, page="/")


def new_learner_code(app: Flask, purpose: str = "join") -> str:
    with app.app_context():
        database = db.session()
        user = accounts.User(name="Петя Нова", role="learner", audience="ngo")
        database.add(user)
        database.commit()
        code = accounts.issue_code(database, user, purpose, None)
        database.commit()
        return code


def test_join_with_a_code_then_sign_in(app: Flask, client: FlaskClient, people: People) -> None:
    code = new_learner_code(app)
    page = client.get(f"/join?code={code}")
    assert code in text(page)
    response = submit(client, "/join", {"privacy": "y", "code": code, "username": "petya.n",
                                        "email": "", "password": PASSWORD,
                                        "confirm": PASSWORD})
    assert response.status_code == 302
    assert "Здравейте, Петя Нова" in text(client.get("/"))
    submit(client, "/logout", {}, page="/")
    assert "Здравейте, Петя Нова" in text(client.get(login(client, "petya.n").location))


def test_join_form_errors_keep_the_form(app: Flask, client: FlaskClient,
                                        people: People) -> None:
    code = new_learner_code(app)
    page = text(submit(client, "/join", {"privacy": "y", "code": code, "username": "x",
                                         "password": "къса", "confirm": "друга"}))
    assert 'aria-invalid="true"' in page and "Паролите се различават." in page
    page = text(submit(client, "/join", {"code": "НЕВАЛИДЕН-КОД", "username": "petya.n",
                                         "password": PASSWORD, "confirm": PASSWORD,
                                         "privacy": "y"}))
    assert "Този код не е валиден" in page
    page = text(submit(client, "/join", {"privacy": "y", "code": code, "username": "ivan",
                                         "password": PASSWORD, "confirm": PASSWORD}))
    assert "Това потребителско име е заето." in page


def test_reset_code_sets_a_new_password(app: Flask, client: FlaskClient,
                                        people: People) -> None:
    with app.app_context():
        database = db.session()
        ivan = database.get(accounts.User, people.learner.id)
        code = accounts.issue_code(database, ivan, "reset", None)
        database.commit()
    new = "съвсем-нова-парола"
    submit(client, "/reset", {"code": code, "password": new, "confirm": new})
    submit(client, "/logout", {}, page="/")
    assert "Грешно" in text(login(client, "ivan"))
    assert login(client, "ivan", new).status_code == 302


def test_changing_the_password_ends_other_sessions(app: Flask, people: People) -> None:
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "ivan")
    login(laptop, "ivan")
    new = "съвсем-нова-парола"
    response = submit(laptop, "/account/password", {"current": PASSWORD, "password": new,
                                                    "confirm": new})
    assert response.status_code == 302
    assert "Здравейте" in text(laptop.get("/"))  # this session continues
    assert "Здравейте" not in text(phone.get("/"))  # the other one has ended


def test_change_password_with_a_wrong_current_one(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    page = text(submit(client, "/account/password", {"current": "грешна",
                                                     "password": "нова-парола-123",
                                                     "confirm": "нова-парола-123"}))
    assert "Настоящата парола не е вярна." in page


def test_forms_without_a_csrf_token_are_refused(client: FlaskClient, people: People) -> None:
    response = client.post("/login", data={"username": "ivan", "password": PASSWORD})
    assert response.status_code == 400
    assert "Traceback" not in text(response)
    assert "Здравейте" not in text(client.get("/"))


def test_inactive_user_is_signed_out(app: Flask, client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    with app.app_context():
        database = db.session()
        ivan = database.get(accounts.User, people.learner.id)
        ivan.active = False
        database.add(ivan)
        database.commit()
    assert client.get("/learn/obshtinata").status_code == 302


def from_address(app: Flask, address: str) -> FlaskClient:
    """A browser at ``address`` (what the server sees as the client's address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_a_stranger_cannot_lock_a_councillor_out(app: Flask, people: People,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    home, stranger = from_address(app, "192.0.2.10"), from_address(app, "203.0.113.66")
    assert login(home, "maria").status_code == 302  # her usual address from now on
    submit(home, "/logout", {}, page="/")
    pages = [text(login(stranger, "maria", f"грешна-парола-{n}")) for n in range(20)]
    # Her right password from her usual address still works; the stranger stays refused.
    assert login(home, "maria").status_code == 302
    assert "Здравейте, Мария Петрова" in text(home.get("/"))
    assert all("Грешно потребителско име или парола." in page for page in pages[:5])
    assert re.search(r"Опитайте отново след \d+ секунди\.", pages[5])
    assert all("Твърде много неуспешни опита" in page for page in pages[5:])
    assert "Твърде много неуспешни опита" in text(login(stranger, "maria"))
    assert "Здравейте" not in text(stranger.get("/"))
    # The delays grow: each failure after the wait doubles the next one.
    clock = Clock()
    monkeypatch.setattr("webapp.services.limits.utcnow", clock)
    clock.advance(30)
    assert "Грешно потребителско" in text(login(stranger, "maria", "пак-грешна-парола"))
    assert "Опитайте отново след 1 минута." in text(login(stranger, "maria"))
    clock.advance(60)
    login(stranger, "maria", "пак-грешна-парола")
    assert "Опитайте отново след 2 минути." in text(login(stranger, "maria"))


class Clock:
    """A settable ``utcnow`` for the sign-in limits."""

    def __init__(self) -> None:
        self.now = accounts.utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


def test_addresses_are_not_stored(app: Flask, people: People) -> None:
    client = from_address(app, "203.0.113.58")
    login(client, "maria", "грешна-парола")
    login(client, "maria")
    with app.app_context():
        connection = db.session().connection()
        stored = [*connection.execute(sql("SELECT key FROM throttle")).scalars(),
                  *connection.execute(sql("SELECT address FROM known_address")).scalars()]
    assert len(stored) == 4 and not any("203.0.113" in value for value in stored)


COMMON = ("password123", "qwertyuiop", "1234567890")
COMMON_MESSAGE = "Тази парола е сред най-често използваните"


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused_when_joining(app: Flask, client: FlaskClient,
                                                   people: People, password: str) -> None:
    code = new_learner_code(app)
    page = text(submit(client, "/join", {"code": code, "username": "petya.n", "email": "",
                                         "password": password, "confirm": password,
                                         "privacy": "y"}))
    assert COMMON_MESSAGE in page and "Здравейте" not in text(client.get("/"))
    good = "кисело мляко с боровинки"
    done = submit(client, "/join", {"code": code, "username": "petya.n", "email": "",
                                    "privacy": "y", "password": good, "confirm": good})
    assert done.status_code == 302 and "Здравейте, Петя Нова" in text(client.get("/"))


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused_on_reset(app: Flask, client: FlaskClient,
                                               people: People, password: str) -> None:
    with app.app_context():
        database = db.session()
        code = accounts.issue_code(database, database.get(accounts.User, people.learner.id),
                                   "reset", None)
        database.commit()
    page = text(submit(client, "/reset", {"code": code, "password": password,
                                          "confirm": password}))
    assert COMMON_MESSAGE in page
    assert "Грешно" in text(login(client, "ivan", password))
    assert login(client, "ivan").status_code == 302  # the old password still works


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused_on_change(client: FlaskClient, people: People,
                                                password: str) -> None:
    login(client, "ivan")
    page = text(submit(client, "/account/password", {"current": PASSWORD, "password": password,
                                                     "confirm": password}))
    assert COMMON_MESSAGE in page
    good = "три несвързани думи: чадър, пчела, мост"
    done = submit(client, "/account/password", {"current": PASSWORD, "password": good,
                                                "confirm": good})
    assert done.status_code == 302


def test_a_learner_is_told_of_reset_codes_others_made_for_them(app: Flask, client: FlaskClient,
                                                               people: People) -> None:
    from sqlmodel import select

    from webapp.models import Group, Invitation

    with app.app_context():
        group_id = db.session().exec(select(Group.id)).one()
    code_url = f"/trainer/groups/{group_id}/learners/{people.learner.id}/code"
    trainer = app.test_client()
    login(trainer, "trainer")
    first = re.search(r"<code>([A-Z0-9-]{14})</code>",
                      text(submit(trainer, code_url, {}, page=f"/trainer/groups/{group_id}")))
    second = submit(trainer, code_url, {}, page=f"/trainer/groups/{group_id}")
    assert first and second.status_code == 200
    assert "ще види, че вие сте създали този код" in text(second)  # the trainer knows it
    # The newer code voids the first, and both stay on record with who made them.
    assert "не е валиден" in text(submit(client, "/reset", {
        "code": first.group(1), "password": "друга-дълга-парола", "confirm":
        "друга-дълга-парола"}))
    with app.app_context():
        made = db.session().exec(select(Invitation).where(
            Invitation.user_id == people.learner.id)).all()
    assert [(i.purpose, i.created_by, i.used_at) for i in made] == [
        ("reset", people.trainer.id, None)] * 2
    # Ivan signs in with his own password: he is told, once, by whom and when.
    page = text(login(client, "ivan", PASSWORD) and client.get("/"))
    notices = re.findall(r'flash-warning">([^<]+)<', page)
    assert len(notices) == 2 and all("Теодора Обучителева" in n for n in notices)
    assert all("код за нова парола" in n and "координатора" in n for n in notices)
    submit(client, "/logout", {}, page="/")
    login(client, "ivan", PASSWORD)
    assert "flash-warning" not in text(client.get("/"))
    # A code the learner's own trainer made and someone used: the owner hears it was used.
    with app.app_context():
        database = db.session()
        ivan = database.get(accounts.User, people.learner.id)
        admin = database.get(accounts.User, people.admin.id)
        code = accounts.issue_code(database, ivan, "reset", admin)
        database.commit()
    thief = app.test_client()
    submit(thief, "/reset", {"code": code, "password": "крадена-парола-77", "confirm":
                             "крадена-парола-77"})
    owner = app.test_client()
    login(owner, "ivan", "крадена-парола-77")
    told = text(owner.get("/"))
    assert "Админ Админов" in told and "беше използван" in told


def test_me_without_a_signed_in_user_is_a_401_not_a_500(app: Flask) -> None:
    from werkzeug.exceptions import Unauthorized

    from webapp.auth import me
    with app.test_request_context("/"):
        with pytest.raises(Unauthorized):
            me()
