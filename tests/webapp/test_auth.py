"""Signing in and out, joining with a code, passwords, CSRF and throttling."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

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
    response = submit(client, "/join", {"code": code, "username": "petya.n",
                                        "email": "", "password": PASSWORD,
                                        "confirm": PASSWORD})
    assert response.status_code == 302
    assert "Здравейте, Петя Нова" in text(client.get("/"))
    submit(client, "/logout", {}, page="/")
    assert "Здравейте, Петя Нова" in text(client.get(login(client, "petya.n").location))


def test_join_form_errors_keep_the_form(app: Flask, client: FlaskClient,
                                        people: People) -> None:
    code = new_learner_code(app)
    page = text(submit(client, "/join", {"code": code, "username": "x",
                                         "password": "къса", "confirm": "друга"}))
    assert 'aria-invalid="true"' in page and "Паролите се различават." in page
    page = text(submit(client, "/join", {"code": "НЕВАЛИДЕН-КОД", "username": "petya.n",
                                         "password": PASSWORD, "confirm": PASSWORD}))
    assert "Този код не е валиден" in page
    page = text(submit(client, "/join", {"code": code, "username": "ivan",
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
