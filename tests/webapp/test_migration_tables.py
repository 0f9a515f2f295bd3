"""Migrations that add tables: each brings its tables as the models declare them, on SQLite
and PostgreSQL, and its downgrade removes them again.

- 0013: the job queue, the runners' heartbeats, stored files and the shared cache;
- 0015: the evaluation surveys' anonymous answer sheets and who has answered;
- 0016: the review cards and their log;
- 0017: which issue of the Bulletin went to which line of the distribution list.
"""

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

ADDED = {
    "0013": {"job", "job_runner", "stored_file", "shared_cache"},
    "0015": {"survey_response", "survey_answered"},
    "0016": {"review_card", "review_log"},
    "0017": {"bulletin_delivery"},
}


@pytest.mark.parametrize("backend", backends())
@pytest.mark.parametrize("revision", sorted(ADDED))
def test_the_new_tables_match_the_models_and_go_away_on_downgrade(
        backend: str, revision: str, tmp_path: Path) -> None:
    new, before = ADDED[revision], f"{int(revision) - 1:04d}"
    url = empty_database(backend, tmp_path)
    try:
        db.upgrade(url, before)
        engine = db.make_engine(url)
        assert not new & set(sa.inspect(engine).get_table_names())
        db.upgrade(url, revision)
        assert new <= set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            context = MigrationContext.configure(connection)
            diff = [d for d in compare_metadata(context, SQLModel.metadata)
                    if table_of(d) in new]
        assert diff == []
        if revision == "0013":  # a job with a key waits once: the index says so
            waiting = {i["name"]: i for i in sa.inspect(engine).get_indexes("job")}
            assert waiting["uq_job_waiting_key"]["unique"]
        command.downgrade(db.alembic_config(url), before)
        assert not new & set(sa.inspect(engine).get_table_names())
        engine.dispose()
    finally:
        if backend != "sqlite":
            db.upgrade(backend)
