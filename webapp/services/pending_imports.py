"""Uploaded participant files kept between the preview and the confirmation.

The confirmation carries only a random token; the file stays in the instance folder
(``imports/``), tied to the user and the group that uploaded it, for ``LIFETIME``.
So the file that is applied is exactly the one that was previewed, and no one else's.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

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
    where = folder(instance_path)
    where.mkdir(parents=True, exist_ok=True)
    _remove_expired(where)
    token = secrets.token_urlsafe(24)
    (where / f"{token}.bin").write_bytes(data)
    meta = {"filename": filename, "user_id": user_id, "group_id": group_id}
    (where / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def load(instance_path: str, token: str, user_id: int, group_id: int) -> Pending:
    """The upload ``token``, if it is still fresh and was made by this user for this group."""
    if not TOKEN.match(token):
        raise PendingNotFound(token)
    where = folder(instance_path)
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
    now = time.time()
    for path in where.glob("*.json"):
        try:
            if now - path.stat().st_mtime >= LIFETIME:
                discard(str(where.parent), path.stem)
        except OSError:
            continue
