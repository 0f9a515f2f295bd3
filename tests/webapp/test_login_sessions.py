"""Sessions end on the server: signing out, idle timeout, lifetime, signing out everywhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlmodel import col, select

from tests.webapp.conftest import PASSWORD, People, login, submit
from webapp import create_app, db
from webapp.models import LoginSession, User, utcnow
from webapp.services import login_sessions


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def signed_in(client: FlaskClient) -> bool:
    return "Здравейте" in text(client.get("/"))


def cookie(client: FlaskClient) -> str:
    found = client.get_cookie("session")
    assert found is not None
    return found.value


def stored(app: Flask, user_id: int | None = None) -> list[LoginSession]:
    with app.app_context():
        query = select(LoginSession)
        if user_id is not None:
            query = query.where(LoginSession.user_id == user_id)
        return list(db.session().exec(query).all())


def age(app: Flask, **ago: timedelta) -> None:
    """Move every stored session's times back by the given spans."""
    now = utcnow()
    with app.app_context():
        db.session().exec(update(LoginSession).values(**{k: now - v for k, v in ago.items()}))
        db.session().commit()


def test_signing_out_deletes_the_session(app: Flask, people: People) -> None:
    # The copied-cookie regression test is in test_auth.py; this is the row behind it.
    browser, other = app.test_client(), app.test_client()
    login(browser, "maria")
    login(other, "maria")
    assert len(stored(app)) == 2
    submit(browser, "/logout", {}, page="/")
    assert not signed_in(browser) and signed_in(other)
    assert len(stored(app)) == 1


def test_only_a_hash_of_the_session_id_is_stored(app: Flask, people: People) -> None:
    client = app.test_client()
    login(client, "maria")
    session_id = app.session_interface.get_signing_serializer(app).loads(  # type: ignore[attr-defined]
        cookie(client))["_user_id"]
    [row] = stored(app)
    assert len(session_id) >= 40 and session_id not in row.id_hash
    assert row.id_hash == login_sessions.hash_id(session_id)
    assert row.user_id == people.councillor.id


def test_an_idle_session_ends(app: Flask, people: People) -> None:
    client = app.test_client()
    login(client, "maria")
    age(app, last_seen_at=timedelta(minutes=119))
    assert signed_in(client)
    age(app, last_seen_at=timedelta(minutes=121))
    assert not signed_in(client)
    assert client.get("/learn/obshtinata").status_code == 302


def test_a_session_ends_after_its_lifetime_however_busy(app: Flask, people: People) -> None:
    client = app.test_client()
    login(client, "maria")
    age(app, created_at=timedelta(hours=11, minutes=59), last_seen_at=timedelta(0))
    assert signed_in(client)
    age(app, created_at=timedelta(hours=12, minutes=1), last_seen_at=timedelta(0))
    assert not signed_in(client)


def test_the_limits_come_from_the_environment(make_app: Any, build_dir: Any, people: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOBRO_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("DOBRO_SESSION_MAX_HOURS", "1")
    app = make_app()
    assert (app.config["SESSION_IDLE_MINUTES"], app.config["SESSION_MAX_HOURS"]) == (5, 1)
    client = app.test_client()
    login(client, "maria")
    age(app, last_seen_at=timedelta(minutes=4))
    assert signed_in(client)
    age(app, last_seen_at=timedelta(minutes=6))
    assert not signed_in(client)
    login(client, "maria")
    age(app, created_at=timedelta(minutes=61), last_seen_at=timedelta(0))
    assert not signed_in(client)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5", "99999999", "²"])
def test_a_bad_limit_stops_the_start(tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                                     value: str) -> None:
    monkeypatch.setenv("DOBRO_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DOBRO_SESSION_IDLE_MINUTES", value)
    with pytest.raises(ValueError, match="DOBRO_SESSION_IDLE_MINUTES"):
        create_app()


def test_activity_is_written_at_most_once_in_five_minutes(app: Flask, people: People) -> None:
    client = app.test_client()
    login(client, "maria")
    [first] = stored(app)
    for _ in range(3):
        client.get("/learn/obshtinata")
    assert stored(app)[0].last_seen_at == first.last_seen_at
    age(app, last_seen_at=timedelta(minutes=4, seconds=50))
    client.get("/learn/obshtinata")
    assert utcnow() - stored(app)[0].last_seen_at > timedelta(minutes=4)  # not written
    age(app, last_seen_at=timedelta(minutes=5, seconds=10))
    client.get("/learn/obshtinata")
    assert utcnow() - stored(app)[0].last_seen_at < timedelta(seconds=30)


def test_a_short_idle_timeout_is_kept_to_within_a_24th(make_app: Any, build_dir: Any,
                                                        people: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOBRO_SESSION_IDLE_MINUTES", "24")  # written again after a minute
    client = make_app().test_client()
    login(client, "maria")
    age(client.application, last_seen_at=timedelta(seconds=50))
    client.get("/learn/obshtinata")
    assert utcnow() - stored(client.application)[0].last_seen_at > timedelta(seconds=40)
    age(client.application, last_seen_at=timedelta(seconds=70))
    client.get("/learn/obshtinata")
    assert utcnow() - stored(client.application)[0].last_seen_at < timedelta(seconds=30)


def test_sign_out_everywhere(app: Flask, people: People) -> None:
    phone, laptop, other = app.test_client(), app.test_client(), app.test_client()
    login(phone, "maria")
    login(laptop, "maria")
    login(other, "ivan")
    page = text(laptop.get("/account/password"))
    assert "Влезли сте от 2 устройства или браузъра." in page
    assert "Изход от всички устройства" in page
    assert laptop.get("/account/sessions/end").status_code == 405
    refused = laptop.post("/account/sessions/end")  # no CSRF token
    assert refused.status_code == 400 and signed_in(phone)
    done = submit(laptop, "/account/sessions/end", {}, page="/account/password")
    assert done.status_code == 302 and done.location == "/login"
    assert "Излязохте от профила си на всички устройства." in text(laptop.get("/login"))
    assert not signed_in(phone) and not signed_in(laptop)
    assert signed_in(other)  # someone else's sessions go on
    assert stored(app, people.councillor.id) == []
    assert login(phone, "maria").status_code == 302 and signed_in(phone)


def test_a_new_password_ends_the_other_sessions_on_the_server(app: Flask,
                                                              people: People) -> None:
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "maria")
    login(laptop, "maria")
    copied = cookie(phone)
    new = "съвсем-нова-парола"
    submit(laptop, "/account/password", {"current": PASSWORD, "password": new, "confirm": new})
    assert signed_in(laptop) and not signed_in(phone)
    phone.set_cookie("session", copied)
    assert not signed_in(phone)
    assert len(stored(app, people.councillor.id)) == 1


def test_a_closed_account_is_signed_out(app: Flask, people: People) -> None:
    client = app.test_client()
    login(client, "trainer")
    with app.app_context():
        database = db.session()
        database.exec(update(User).where(col(User.id) == people.trainer.id)
                      .values(active=False, session_version=User.session_version + 1))
        database.commit()
    assert not signed_in(client)


def test_ended_sessions_are_purged_at_the_next_sign_in(app: Flask, people: People) -> None:
    first, second = app.test_client(), app.test_client()
    login(first, "maria")
    age(app, last_seen_at=timedelta(hours=3))
    login(second, "ivan")
    assert [row.user_id for row in stored(app)] == [people.learner.id]


@pytest.mark.parametrize("forged", ["1:1", "1", "", "x" * 43, "ü" * 43, "a:b:c"])
def test_old_or_forged_session_ids_mean_signed_out(app: Flask, people: People,
                                                   forged: str) -> None:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = forged
    response = client.get("/learn/obshtinata")
    assert response.status_code == 302 and "/login" in response.location
