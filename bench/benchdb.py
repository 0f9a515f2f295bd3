"""What the in-process benches share: the machine's load, and a fresh, migrated database."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text

from webapp.db import make_engine, upgrade


def load() -> str:
    """The load average, to print beside the figures (a busy machine skews them)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} cores)"


def fresh_database(url: str | None, work: Path) -> str:
    """A migrated, empty database: a new SQLite file in ``work``, or the PostgreSQL
    database ``url`` wiped (its whole public schema)."""
    if url is None:
        path = work / "bench.sqlite3"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    return url
