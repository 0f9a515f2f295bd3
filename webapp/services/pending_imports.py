"""Uploaded participant files kept between the preview and the confirmation.

The confirmation carries only a random token; the file stays in the instance folder
(``imports/``), tied to the user and the group that uploaded it, for ``LIFETIME``.
So the file that is applied is exactly the one that was previewed, and no one else's.

The files hold personal data: they are owner-only (0600, in a 0700 folder), and an
expired one is refused and deleted; every save and load also deletes whatever else
has expired, so an abandoned preview does not stay on disk.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from webapp.instance_files import private_dir, write_private

LIFETIME = 30 * 60  # seconds
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class PendingNotFound(Exception):
    """No such upload, or it expired, or it belongs to someone else."""


@dataclass(frozen=True)
class Pending:
    token: str
    filename: str
    data: bytes


def folder(instance_path: str) -> Path:
    return Path(instance_path) / "imports"


def save(instance_path: str, filename: str, data: bytes, user_id: int, group_id: int) -> str:
    """Keep an upload and return its token; expired uploads are removed on the way."""
    where = private_dir(folder(instance_path))
    _remove_expired(where)
    token = secrets.token_urlsafe(24)
    write_private(where / f"{token}.bin", data)
    meta = {"filename": filename, "user_id": user_id, "group_id": group_id}
    # Written last: an upload counts only once its description is there.
    write_private(where / f"{token}.json", json.dumps(meta).encode("utf-8"))
    return token


def load(instance_path: str, token: str, user_id: int, group_id: int) -> Pending:
    """The upload ``token``, if it is still fresh and was made by this user for this group."""
    if not TOKEN.match(token):
        raise PendingNotFound(token)
    where = folder(instance_path)
    _remove_expired(where)  # this one too, if it has expired
    meta_path, data_path = where / f"{token}.json", where / f"{token}.bin"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        fresh = time.time() - meta_path.stat().st_mtime < LIFETIME
        data = data_path.read_bytes()
    except (OSError, ValueError):
        raise PendingNotFound(token) from None
    if not fresh or meta.get("user_id") != user_id or meta.get("group_id") != group_id:
        raise PendingNotFound(token)
    return Pending(token, str(meta.get("filename", "")), data)


def discard(instance_path: str, token: str) -> None:
    """Remove the upload ``token`` (after it was applied)."""
    if TOKEN.match(token):
        for suffix in (".json", ".bin"):
            (folder(instance_path) / f"{token}{suffix}").unlink(missing_ok=True)


def _remove_expired(where: Path) -> None:
    # Both halves are judged by their own age, so a file whose description was never
    # written (a save cut short) goes too.
    now = time.time()
    for path in [*where.glob("*.json"), *where.glob("*.bin")]:
        try:
            if now - path.stat().st_mtime >= LIFETIME:
                discard(str(where.parent), path.stem)
        except OSError:
            continue
