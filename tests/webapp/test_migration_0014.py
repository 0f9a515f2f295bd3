"""Migration 0014: the outbox, mail preferences, privacy consents, erasure requests and the
audit log appear as the models declare them (and the new columns of user and
training_session), on SQLite and PostgreSQL; the downgrade removes them."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import webapp.models  # noqa: F401  (the tables, for the metadata)
from tests.dbutil import backends, empty_database, table_of
from webapp import db

NEW = {"mail_message", "mail_preference", "privacy_consent", "erasure_request", "audit_entry"}
COLUMNS = {"user": {"language", "pseudonymised_at"}, "training_session": {"cancelled_at"}}



@pytest.mark.parametrize("backend", backends())
def test_the_new_tables_match_the_models_and_go_away_on_downgrade(
        backend: str, tmp_path: Path) -> None:
    url = empty_database(backend, tmp_path)
    try:
        db.upgrade(url, "0013")
        engine = db.make_engine(url)
        assert not NEW & set(sa.inspect(engine).get_table_names())
        for table, columns in COLUMNS.items():
            assert not columns & _columns(engine, table)
        db.upgrade(url, "0014")
        assert NEW <= set(sa.inspect(engine).get_table_names())
        for table, columns in COLUMNS.items():
            assert columns <= _columns(engine, table)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            diff = [d for d in compare_metadata(context, SQLModel.metadata)
                    if table_of(d) in NEW | set(COLUMNS)]
        assert diff == []
        command.downgrade(db.alembic_config(url), "0013")
        assert not NEW & set(sa.inspect(engine).get_table_names())
        for table, columns in COLUMNS.items():
            assert not columns & _columns(engine, table)
        engine.dispose()
    finally:
        if backend != "sqlite":
            db.upgrade(backend)



def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(engine).get_columns(table)}
