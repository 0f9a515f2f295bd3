"""The database: an engine built from configuration, one session per request,
and Alembic migrations run from code (``dobro db upgrade``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from flask import Flask, current_app, g
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
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
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine, "checkin", _checked_in)
        event.listen(engine, "checkout", _pinger(engine.dialect))
    event.listen(engine, "begin", _began)
    event.listen(engine, "before_cursor_execute", _note_write)
    return engine


# Whether the connection's transaction ran anything but a SELECT; see end_transaction.
WROTE = "dobro.wrote"


def _began(connection: Connection) -> None:
    connection.info[WROTE] = False


def _note_write(connection: Connection, _cursor: Any, statement: str, _parameters: Any,
                context: Any, _many: bool) -> None:
    if connection.info.get(WROTE):
        return
    compiled = getattr(context, "compiled", None)
    reads = (compiled is not None and not context.is_text and not context.isinsert
             and not context.isupdate and not context.isdelete)
    if not reads:
        connection.info[WROTE] = True


# A pooled connection idle this long is tried before use (one round trip): PostgreSQL may
# have restarted or closed it meanwhile. SQLAlchemy's pool_pre_ping tries every one at
# every checkout, a round trip more for each request, which is 1/8 of a busy server's
# (bench/load.py); a connection in use seconds ago is alive or fails with its request.
PING_AFTER_IDLE = 10.0  # seconds
IDLE_SINCE = "dobro.idle_since"


def _checked_in(_dbapi_connection: Any, record: Any) -> None:
    record.info[IDLE_SINCE] = time.monotonic()


def _pinger(dialect: Any) -> Any:
    """The pool's checkout listener: raising DisconnectionError makes the pool drop the
    connection and take (or open) another, as pool_pre_ping does."""
    def ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return  # new, or in use a moment ago
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the driver raises for a dead connection
            raise DisconnectionError("the pooled connection is gone") from exc
        if not alive:
            raise DisconnectionError("the pooled connection is gone")
    return ping_if_idle


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
        g.db = RequestSession(engine(), expire_on_commit=False)
    return g.db  # type: ignore[no-any-return]


class RequestSession(Session):
    """A request's session, which remembers its connections for end_transaction."""


@event.listens_for(RequestSession, "after_begin")
def _connected(db: Session, _transaction: Any, connection: Connection) -> None:
    # Those of ended transactions go: a command's session may run thousands of them.
    db.info["dobro.connections"] = [c for c in db.info.get("dobro.connections", ())
                                    if not c.closed] + [connection]


def _close_session(exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        if exc is None:
            end_transaction(db)
        db.close()


def end_transaction(db: Session) -> None:
    """End the session's transaction: COMMIT when it only read, else ROLLBACK.

    What a request leaves uncommitted is thrown away, as before; but a transaction that
    ran nothing but SELECTs is committed, which for it is the same thing. Why: psycopg
    forgets every prepared statement of the connection at each ROLLBACK (and sends
    DEALLOCATE ALL), so with read-only requests ending in ROLLBACK no statement was ever
    executed often enough to be prepared, and PostgreSQL parsed and planned each query
    of each request again (bench/load.py: PostgreSQL's CPU per request).
    """
    transaction = db.get_transaction()
    if transaction is None:
        return
    connections = [c for c in db.info.get("dobro.connections", ())
                   if not c.closed and c.in_transaction()]
    if db.new or db.dirty or db.deleted or any(c.info.get(WROTE, True) for c in connections):
        db.rollback()
        return
    try:
        db.commit()
    except SQLAlchemyError:
        db.rollback()


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
