"""The database part of a backup: SQLite through its online backup API, PostgreSQL
through ``pg_dump`` / ``pg_restore`` in custom format; and what a database holds
(its kind, its schema revision, whether it is empty).

The PostgreSQL tools get the password in ``PGPASSWORD``, never on the command line,
where every user of the machine could read it in the process list.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path
from typing import IO, Literal

from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine, make_url

from webapp.db import make_engine
from webapp.instance_files import PRIVATE_FILE

Kind = Literal["sqlite", "postgresql"]
KINDS: tuple[Kind, ...] = ("sqlite", "postgresql")
TOOL_TIMEOUT = 6 * 3600  # seconds: a dump of a large database takes long, never forever


class BackupError(Exception):
    """A backup or restore that cannot be carried out; the message is one line for the CLI."""


def kind_of(url: str) -> Kind:
    """``sqlite`` or ``postgresql``; any other database is refused."""
    backend = make_url(url).get_backend_name()
    for kind in KINDS:
        if backend == kind:
            return kind
    raise BackupError(f"резервни копия се правят само на SQLite и PostgreSQL, не на {backend} "
                      "/ only SQLite and PostgreSQL can be backed up")


def sqlite_path(url: str) -> Path:
    """The file of a SQLite URL; an in-memory database has none and is refused."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("базата данни SQLite е в паметта, няма файл за копиране "
                          "/ an in-memory SQLite database has no file")
    return Path(database)


def is_empty(url: str) -> bool:
    """Whether the database has no users: no tables at all, or no rows in ``user``."""
    if kind_of(url) == "sqlite" and not sqlite_path(url).exists():
        return True  # never create the file just to look into it
    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("user"):
            return True
        with engine.connect() as connection:
            return connection.execute(text('SELECT 1 FROM "user" LIMIT 1')).first() is None
    finally:
        engine.dispose()


def revision(url: str) -> str | None:
    """The database's Alembic revision (None: never migrated)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def dump(url: str, target: Path) -> None:
    """Write a consistent copy of the database to ``target``, while the app keeps serving."""
    if kind_of(url) == "sqlite":
        dump_sqlite(sqlite_path(url), target)
    else:
        dump_postgresql(url, target)


def restore(url: str, copy: Path) -> None:
    """Replace the database's contents with ``copy`` (made by ``dump`` for the same kind)."""
    if kind_of(url) == "sqlite":
        restore_sqlite(sqlite_path(url), copy)
    else:
        restore_postgresql(url, copy)


def dump_sqlite(path: Path, target: Path) -> None:
    """SQLite's online backup: page by page, consistent even while others write."""
    if not path.is_file():
        raise BackupError(f"няма база данни {path} / no database file")
    with closing(sqlite3.connect(path, timeout=30)) as source, \
            closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
        # One self-contained file: no WAL beside it in the archive.
        copy.execute("PRAGMA journal_mode=DELETE")
    os.chmod(target, PRIVATE_FILE)


def restore_sqlite(path: Path, copy: Path) -> None:
    """Put ``copy`` in place of the database file, atomically."""
    with closing(sqlite3.connect(copy)) as check:
        found = check.execute("PRAGMA quick_check").fetchone()
    if not found or found[0] != "ok":
        raise BackupError("копието на базата данни SQLite е повредено / the SQLite copy "
                          "is damaged")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.restore")
    shutil.copyfile(copy, tmp)
    os.chmod(tmp, PRIVATE_FILE)
    # The old database's write-ahead log would be replayed into the new file: it goes first.
    for suffix in ("-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    os.replace(tmp, path)


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL as libpq reads it, without the password, and the environment carrying it."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    # ``URL.set(password=None)`` would keep the password: build the URL without it.
    plain = URL.create("postgresql", username=parsed.username, host=parsed.host,
                       port=parsed.port, database=parsed.database, query=parsed.query)
    return plain.render_as_string(hide_password=False), env


def tool(name: str) -> str:
    """The path of a PostgreSQL client program, or a clear error when it is missing."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} липсва: инсталирайте клиента на PostgreSQL (Debian: apt "
                          f"install postgresql-client) / {name} not found")
    return path


def tool_major(path: str) -> int:
    """The major version of a PostgreSQL client program (``pg_dump (PostgreSQL) 15.18``)."""
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False,
                         timeout=60).stdout
    found = re.search(r"\)\s*(\d+)", out)
    if found is None:
        raise BackupError(f"не разбирам версията на {path}: {out.strip()!r}")
    return int(found.group(1))


def server_major(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def checked_tool(name: str, url: str) -> str:
    """``name``, refused when its major version is older than the server's."""
    path = tool(name)
    engine = make_engine(url)
    try:
        server = server_major(engine)
    finally:
        engine.dispose()
    client = tool_major(path)
    if client < server:
        raise BackupError(f"{name} {client} е по-стар от сървъра PostgreSQL {server}: "
                          f"инсталирайте postgresql-client-{server} / {name} {client} is older "
                          f"than the server ({server})")
    return path


def run_tool(args: list[str], env: dict[str, str], stdin: IO[bytes] | None = None) -> None:
    """Run a PostgreSQL program; its first error line becomes the message."""
    done = subprocess.run(args, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=env, check=False, timeout=TOOL_TIMEOUT)
    if done.returncode != 0:
        lines = [line for line in done.stderr.decode(errors="replace").splitlines()
                 if line.strip()]
        name = Path(args[0]).name
        raise BackupError(f"{name}: {lines[0] if lines else f'изход {done.returncode}'}")


def dump_postgresql(url: str, target: Path) -> None:
    """``pg_dump --format=custom``: compressed, restorable table by table."""
    program = checked_tool("pg_dump", url)
    uri, env = libpq(url)
    run_tool([program, "--format=custom", "--no-password", f"--file={target}",
              f"--dbname={uri}"], env)
    os.chmod(target, PRIVATE_FILE)


def restore_postgresql(url: str, copy: Path) -> None:
    """Replace the database's tables with the dump's, in one transaction.

    ``pg_restore`` turns the dump into SQL and ``psql --single-transaction`` runs it
    after dropping every table the database has now (tables of a newer schema too: the
    migrations afterwards must find the archive's schema and nothing else). Any error
    rolls all of it back: the database is left as it was. The dump is read with
    ``--list`` first, so an archive this ``pg_restore`` cannot read is named as such.
    """
    restorer, psql = checked_tool("pg_restore", url), checked_tool("psql", url)
    uri, env = libpq(url)
    run_tool([restorer, "--list", str(copy)], env)
    engine = make_engine(url)
    try:
        names = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    drop = ["--command=DROP TABLE IF EXISTS " + ", ".join(
        '"' + name.replace('"', '""') + '"' for name in names) + " CASCADE"] if names else []
    with tempfile.TemporaryFile() as errors, subprocess.Popen(
            [restorer, "--no-owner", "--no-privileges", "--file=-", str(copy)],
            stdout=subprocess.PIPE, stderr=errors, env=env) as script:
        assert script.stdout is not None
        try:
            run_tool([psql, "--no-psqlrc", "--quiet", "--single-transaction",
                      "--set=ON_ERROR_STOP=1", "--no-password", f"--dbname={uri}", *drop,
                      "--file=-"], env, stdin=script.stdout)
        finally:
            script.stdout.close()
            script.wait(timeout=TOOL_TIMEOUT)
        if script.returncode != 0:
            errors.seek(0)
            lines = [line for line in errors.read().decode(errors="replace").splitlines()
                     if line.strip()]
            raise BackupError(f"pg_restore: {lines[0] if lines else script.returncode}")
