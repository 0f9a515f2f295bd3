"""Migration 0012: users get a ``specialism`` (NULL for everyone already there), on SQLite
and on PostgreSQL, and the downgrade takes it away again without touching the users."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from tests.dbutil import backends, empty_database
from webapp import db


def _columns(engine: sa.engine.Engine) -> dict[str, dict[str, object]]:
    return {c["name"]: c for c in sa.inspect(engine).get_columns("user")}


@pytest.mark.parametrize("backend", backends())
def test_upgrade_adds_an_empty_specialism_and_downgrade_removes_it(
        backend: str, tmp_path: Path) -> None:
    url = empty_database(backend, tmp_path)
    try:
        db.upgrade(url, "0011")
        engine = db.make_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text(
                'INSERT INTO "user" (name, role, audience, session_version, created_at, '
                "position, sex, phone, active) VALUES ('Иван Юристов', 'learner', 'employees', "
                "1, '2026-12-01 10:00:00', '', '', '', TRUE)"))
        assert "specialism" not in _columns(engine)
        db.upgrade(url, "0012")
        column = _columns(engine)["specialism"]
        assert column["nullable"] is True
        assert getattr(column["type"], "length", None) == 100
        with engine.begin() as connection:
            assert connection.execute(sa.text(
                'SELECT name, specialism FROM "user"')).all() == [("Иван Юристов", None)]
            connection.execute(sa.text("UPDATE \"user\" SET specialism = 'yuristi'"))
        command.downgrade(db.alembic_config(url), "0011")
        assert "specialism" not in _columns(engine)
        with engine.connect() as connection:
            assert connection.execute(sa.text(
                'SELECT name, audience FROM "user"')).all() == [("Иван Юристов", "employees")]
        engine.dispose()
    finally:
        db.upgrade(url)  # the PostgreSQL test database is left at head for the other tests
