"""Test databases: a fresh SQLite file per test, and PostgreSQL when configured.

``DOBRO_TEST_DATABASE_URL`` names a PostgreSQL database the tests may wipe;
with ``CI=true`` it is required, so the PostgreSQL layer can never be skipped
silently in CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Table, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from webapp.db import make_engine, upgrade

PG_ENV = "DOBRO_TEST_DATABASE_URL"
_migrated: set[str] = set()
_engines: dict[str, Engine] = {}


def backends() -> list[object]:
    """The database backends to run app tests on, as pytest params."""
    params: list[object] = [pytest.param("sqlite", id="sqlite")]
    url = os.environ.get(PG_ENV)
    if url:
        params.append(pytest.param(url, id="postgresql"))
    elif os.environ.get("CI") == "true":
        raise RuntimeError(f"CI=true but {PG_ENV} is not set: the PostgreSQL tests must run")
    return params


def empty_database(backend: str, tmp_path: Path) -> str:
    """The URL of an empty database with no schema at all, for a migration test: a new
    SQLite file, or the PostgreSQL test database wiped (the test upgrades it to head when
    it is done, for the tests after it)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'dobro.db'}"
    engine = make_engine(backend)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return backend


def table_of(difference: object) -> str | None:
    """The table an Alembic autogenerate difference is about (a tuple, or a list of
    tuples), to keep a migration test's comparison to its own tables."""
    first = difference[0] if isinstance(difference, list) else difference
    assert isinstance(first, tuple)
    for item in first[1:]:
        name = getattr(item, "name", None)
        table = getattr(item, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(item, Table):
            return str(name)
    return None


def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """Yield the URL of an empty, migrated database for one test."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        upgrade(url)
        yield url
        return
    engine = _engine_for(backend)
    if backend not in _migrated:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(backend)
        _migrated.add(backend)
    _truncate(engine)
    yield backend


def _engine_for(url: str) -> Engine:
    """One engine per PostgreSQL test database for the whole run, never disposed: an
    engine made and disposed for each test now and then left a connection for the garbage
    collector, whose ResourceWarning then failed whichever test was running."""
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def _truncate(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
