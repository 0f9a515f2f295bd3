"""Results every worker and every app server shares, in the ``shared_cache`` table.

A value is kept under a key with a ``stamp`` naming what it was computed from; a reader
asks for the key *and* the stamp it expects, so a value computed from other data is never
returned, and the next computation simply replaces it. Writing is best effort: a value
that cannot be stored (a lock, a read-only replica) is computed again next time, and the
page is served all the same.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session

from webapp.models import SharedCache, utcnow

_TABLE = SharedCache.__table__  # type: ignore[attr-defined]
log = logging.getLogger(__name__)


def get(db: Session, key: str, stamp: str) -> bytes | None:
    """The value kept under ``key`` if it was computed from ``stamp``, else None."""
    found = db.connection().execute(sa.select(_TABLE.c.value).where(
        _TABLE.c.key == key, _TABLE.c.stamp == stamp)).scalar()
    return None if found is None else bytes(found)


def put(engine: Engine, key: str, stamp: str, value: bytes) -> None:
    """Keep ``value`` under ``key`` for ``stamp``, in a transaction of its own (the
    request's session is left as it is)."""
    row = {"key": key, "stamp": stamp, "value": value, "computed_at": utcnow()}
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(_TABLE).values(row)
    statement = statement.on_conflict_do_update(
        index_elements=[_TABLE.c.key],
        set_={"stamp": statement.excluded.stamp, "value": statement.excluded.value,
              "computed_at": statement.excluded.computed_at})
    try:
        with engine.begin() as connection:
            connection.execute(statement)
    except sa.exc.SQLAlchemyError:
        log.warning("could not keep %s in the shared cache", key, exc_info=True)


def forget(engine: Engine, prefix: str = "") -> int:
    """Drop the values whose key starts with ``prefix`` (all by default); how many."""
    with engine.begin() as connection:
        return connection.execute(sa.delete(_TABLE).where(
            _TABLE.c.key.startswith(prefix, autoescape=True))).rowcount
