"""Alembic environment: the URL comes from ``webapp.db.alembic_config``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import webapp.models  # noqa: F401  (registers every table on SQLModel.metadata)
from webapp.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.attributes["url"], target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(config.attributes["url"])
    try:
        with engine.connect() as connection:
            # SQLite alters tables by copying them; batch mode does that for us.
            context.configure(connection=connection, target_metadata=target_metadata,
                              render_as_batch=connection.dialect.name == "sqlite")
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
