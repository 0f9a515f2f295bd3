"""Migration 0013: the job queue, the runners' heartbeats, stored files and the shared cache
appear as the models declare them, on SQLite and PostgreSQL, and the downgrade removes them."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import webapp.models  # noqa: F401  (the tables, for the metadata)
from tests.dbutil import backends
from webapp import db

NEW = {"job", "job_runner", "stored_file", "shared_cache"}


def _url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'dobro.db'}"
    engine = db.make_engine(backend)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return backend


@pytest.mark.parametrize("backend", backends())
def test_the_new_tables_match_the_models_and_go_away_on_downgrade(
        backend: str, tmp_path: Path) -> None:
    url = _url(backend, tmp_path)
    try:
        db.upgrade(url, "0012")
        engine = db.make_engine(url)
        assert not NEW & set(sa.inspect(engine).get_table_names())
        db.upgrade(url, "0013")
        assert NEW <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            diff = [d for d in compare_metadata(context, SQLModel.metadata)
                    if _table_of(d) in NEW]
        assert diff == []
        waiting = {i["name"]: i for i in sa.inspect(engine).get_indexes("job")}
        assert waiting["uq_job_waiting_key"]["unique"]
        command.downgrade(db.alembic_config(url), "0012")
        assert not NEW & set(sa.inspect(engine).get_table_names())
        engine.dispose()
    finally:
        if backend != "sqlite":
            db.upgrade(backend)


def _table_of(difference: object) -> str | None:
    """The table an autogenerate difference is about (a tuple, or a list of tuples)."""
    first = difference[0] if isinstance(difference, list) else difference
    assert isinstance(first, tuple)
    for item in first[1:]:
        name = getattr(item, "name", None)
        table = getattr(item, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(item, sa.Table):
            return str(name)
    return None
