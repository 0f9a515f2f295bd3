"""The database: an engine built from configuration, one session per request,
and Alembic migrations run from code (``dobro db upgrade``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL, foreign keys and a busy timeout."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs["poolclass"] = StaticPool  # one shared in-memory database
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_app(app: Flask) -> None:
    """Bind an engine to ``app`` and close each request's session at its end."""
    app.extensions["dobro.engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["dobro.engine"]  # type: ignore[no-any-return]


def session() -> Session:
    """The request's database session, opened on first use."""
    if "db" not in g:
        g.db = Session(engine(), expire_on_commit=False)
    return g.db  # type: ignore[no-any-return]


def _close_session(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


def ping() -> bool:
    """Tell whether the database answers."""
    try:
        with engine().connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not healthy"; /healthz reports it
        return False
    return True


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url`` without an alembic.ini file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``."""
    command.upgrade(alembic_config(url), revision)
