"""How a request's transaction ends (webapp.db.end_transaction), and pooled connections.

What a request leaves uncommitted is thrown away, whatever wrote it (the ORM, a bulk
UPDATE, plain SQL) and whether or not the view failed. A transaction that only read is
committed instead of rolled back, which for it is the same thing: on PostgreSQL, psycopg
forgets the connection's prepared statements at each ROLLBACK, so read-only requests
ending that way kept every query from ever being prepared. A pooled PostgreSQL connection
idle for a while is tried before use, and one that died meanwhile is replaced unseen.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy
from flask import Flask
from sqlalchemy import text, update
from sqlmodel import col, select

import webapp.db
from webapp import db
from webapp.models import User

NAME = "Радка Транзакциева"


@pytest.fixture
def probe_app(make_app: Any, build_dir: Any) -> Flask:
    """The app with routes that read or write and then end without committing."""
    app: Flask = make_app()

    @app.get("/_probe/read")
    def read() -> str:
        names = db.session().exec(select(User.name).where(col(User.name) == NAME)).all()
        return str(len(names))

    @app.get("/_probe/prepared")
    def prepared() -> str:
        found = db.session().exec(text(
            "SELECT count(*) FROM pg_prepared_statements"
            " WHERE statement LIKE '%\"user\".name = %'"))
        return str(found.one()[0])

    @app.get("/_probe/pid")
    def pid() -> str:
        return str(db.session().exec(text("SELECT pg_backend_pid()")).one()[0])

    @app.get("/_probe/add")
    def add() -> str:
        database = db.session()
        database.add(User(username="radka", name=NAME, role="learner", audience="employees"))
        database.flush()  # written in the transaction, never committed
        return "added"

    @app.get("/_probe/rename")
    def rename() -> str:
        db.session().exec(update(User).where(col(User.username) == "kept")
                          .values(name="Преименувана"))
        return "renamed"

    @app.get("/_probe/sql")
    def sql() -> str:
        db.session().exec(text("UPDATE \"user\" SET name = 'Чрез SQL' WHERE username = 'kept'"))
        return "changed"

    @app.get("/_probe/fail")
    def fail() -> str:
        database = db.session()
        database.add(User(username="failing", name=NAME, role="learner", audience="employees"))
        database.flush()
        raise RuntimeError("the view failed after writing")

    with app.app_context():
        database = db.session()
        database.add(User(username="kept", name="Запазена", role="learner",
                          audience="employees"))
        database.commit()
    return app


def names(app: Flask) -> list[str]:
    with app.app_context():
        return sorted(db.session().exec(select(User.name)).all())


@pytest.mark.parametrize("route", ["add", "rename", "sql"])
def test_what_a_request_leaves_uncommitted_is_thrown_away(probe_app: Flask, route: str) -> None:
    client = probe_app.test_client()
    assert client.get(f"/_probe/{route}").status_code == 200
    assert client.get("/_probe/read").data == b"0"
    assert names(probe_app) == ["Запазена"]


def test_a_failed_request_is_rolled_back(probe_app: Flask) -> None:
    probe_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert probe_app.test_client().get("/_probe/fail").status_code == 500
    assert names(probe_app) == ["Запазена"]


def test_a_read_only_request_keeps_the_prepared_statements(probe_app: Flask,
                                                           database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("prepared statements: psycopg on PostgreSQL")
    client = probe_app.test_client()
    for _ in range(8):  # psycopg prepares a query from its 5th execution on a connection
        assert client.get("/_probe/read").data == b"0"
    # One connection served every request (the test client asks one at a time), and it
    # still holds the prepared query: a ROLLBACK at a request's end would have dropped it.
    assert int(client.get("/_probe/prepared").data) >= 1


def test_a_connection_that_died_while_idle_is_replaced(probe_app: Flask, database_url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to lose the connection")
    client = probe_app.test_client()
    before = int(client.get("/_probe/pid").data)
    killer = sqlalchemy.create_engine(database_url)
    try:
        with killer.begin() as connection:  # PostgreSQL restarted, or closed it as idle
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
    finally:
        killer.dispose()
    monkeypatch.setattr(webapp.db, "PING_AFTER_IDLE", 0.0)  # it has been idle long enough
    answer = client.get("/_probe/pid")
    assert answer.status_code == 200 and int(answer.data) != before


def test_a_long_lived_session_keeps_only_its_open_connections(probe_app: Flask) -> None:
    """A command's session (``dobro certificates render``) commits thousands of times."""
    with probe_app.app_context():
        database = db.session()
        for _ in range(50):
            database.exec(select(User.name)).all()
            database.commit()
        assert len(database.info["dobro.connections"]) == 1
