"""Migration 0015: the survey tables appear as the models declare them, on SQLite and
PostgreSQL; the downgrade removes them."""

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

NEW = {"survey_response", "survey_answered"}


@pytest.mark.parametrize("backend", backends())
def test_the_survey_tables_match_the_models_and_go_away_on_downgrade(
        backend: str, tmp_path: Path) -> None:
    url = empty_database(backend, tmp_path)
    try:
        db.upgrade(url, "0014")
        engine = db.make_engine(url)
        assert not NEW & set(sa.inspect(engine).get_table_names())
        db.upgrade(url, "0015")
        assert NEW <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            diff = [d for d in compare_metadata(context, SQLModel.metadata)
                    if table_of(d) in NEW]
        assert diff == []
        command.downgrade(db.alembic_config(url), "0014")
        assert not NEW & set(sa.inspect(engine).get_table_names())
        engine.dispose()
    finally:
        if backend != "sqlite":
            db.upgrade(backend)
