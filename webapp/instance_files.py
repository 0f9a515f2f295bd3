"""The instance folder and what it holds, readable by the app's own account only.

It keeps the secret key, the certificate issuer's signing key, the SQLite database
and participant files waiting for confirmation: personal data and the keys that
make certificates and sessions trustworthy. The folder is 0700 and every file in it
0600 whatever the umask the app was started with (a service manager's default of
022 would make them world-readable). Folders and files left wider by an earlier
version or by hand are narrowed at start-up, when they are ours, and the change is
logged so that an administrator sees it.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600

log = logging.getLogger(__name__)


def secure_instance(path: Path) -> Path:
    """Create the instance folder if missing and make it and everything in it private."""
    private_dir(path)
    for folder, dirs, files in os.walk(path):
        for name in dirs:
            narrow(Path(folder) / name, PRIVATE_DIR)
        for name in files:
            narrow(Path(folder) / name, PRIVATE_FILE)
    return path


def private_dir(path: Path) -> Path:
    """Create the folder ``path`` (owner-only) if missing; return it."""
    if path.is_dir():
        narrow(path, PRIVATE_DIR)
    else:
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
        os.chmod(path, PRIVATE_DIR)  # exactly: mkdir's mode went through the umask
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, a file only its owner may read, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        # open() honours the umask only to take bits away, and leaves an existing file's
        # mode alone: set it outright.
        os.fchmod(handle.fileno(), PRIVATE_FILE)
        handle.write(data)


def private_database(url: str) -> None:
    """Create the SQLite file of ``url`` owner-only before SQLite makes it with the umask.

    SQLite gives the journal and WAL files the database file's mode, so they follow.
    Other databases, in-memory ones and a folder that does not exist are left alone.
    """
    from sqlalchemy.engine import make_url  # late: config imports this module at CLI start

    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, PRIVATE_FILE)
        os.fchmod(fd, PRIVATE_FILE)
        os.close(fd)
    for companion in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm",
                                                                       "-journal"))):
        if companion.exists():
            narrow(companion, PRIVATE_FILE)


def narrow(path: Path, mode: int) -> None:
    """Take away every permission bit outside ``mode`` from ``path``, if we own it; log it."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        return  # not ours to change (or a link, whose target is someone else's business)
    current = stat.S_IMODE(info.st_mode)
    if current & ~mode:
        os.chmod(path, current & mode)
        log.warning("%s was readable by others (mode %o); narrowed to %o",
                    path, current, current & mode)
