"""Backups: one ``.tar.gz`` archive holding the database, the instance keys and a manifest.

The archive (``manifest.json`` first, then ``database/…`` and ``instance/…``):

- the database: a SQLite file made with the online backup API, or a ``pg_dump``
  custom-format dump. Everything the app keeps is in it, including the web-authored
  versions of the course sources (table ``source_version``) and the stored files
  (``stored_file``: certificate PDFs, the Handbook);
- the instance keys: the secret key (sessions, CSRF) and the certificate issuer's
  signing key, without which the certificates' signed credentials no longer verify;
- the manifest: Dobro's version, the schema revision, the database kind, when it was
  made, and the SHA-256 of every other member. A restore checks every checksum before
  it touches anything, and refuses a member the manifest does not list.

A gzip-compressed tar because the standard tools read it anywhere (``tar tzf``), the
standard library writes it as a stream, and a SQLite file compresses several times
(a PostgreSQL custom dump is compressed already; gzip costs it little).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from alembic.util import CommandError

from webapp import backup_database, db
from webapp.backup_database import BackupError, Kind
from webapp.config import SECRET_FILE
from webapp.instance_files import PRIVATE_FILE, write_private
from webapp.services.badges import KEY_FILE

FORMAT = "dobro-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PREFIX, SUFFIX = "dobro-backup-", ".tar.gz"
DATABASE_MEMBERS: dict[Kind, str] = {"sqlite": "database/dobro.sqlite3",
                                     "postgresql": "database/dobro.pgdump"}
KEY_MEMBERS = {f"instance/{SECRET_FILE}": SECRET_FILE, f"instance/{KEY_FILE}": KEY_FILE}
CONTENTS = ("the whole database, including the web-authored versions of the course sources "
            "(table source_version) and the stored files: certificate PDFs and the Handbook "
            "(table stored_file)")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    """What an archive says about itself."""

    dobro_version: str
    schema_revision: str | None
    database: Kind
    created_at: str
    members: dict[str, str]  # name → SHA-256
    secret_key: str  # "archive", or "environment" when DOBRO_SECRET_KEY held it

    def to_json(self) -> bytes:
        data = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "dobro_version": self.dobro_version, "schema_revision": self.schema_revision,
                "database": self.database, "created_at": self.created_at,
                "contents": CONTENTS, "secret_key": self.secret_key,
                "members": {name: {"sha256": sha} for name, sha in self.members.items()}}
        return json.dumps(data, ensure_ascii=False, indent=2).encode()


def dobro_version() -> str:
    try:
        return version("dobro")
    except PackageNotFoundError:
        return "unknown"


def default_name(now: datetime) -> str:
    """``dobro-backup-2026-12-03T103000Z.tar.gz``: names sort as the times they were made."""
    return f"{PREFIX}{now.astimezone(UTC):%Y-%m-%dT%H%M%SZ}{SUFFIX}"


def file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def create(url: str, instance: Path, out: Path, now: datetime | None = None) -> Manifest:
    """Write the archive of the database at ``url`` and the keys in ``instance`` to ``out``.

    The file appears complete or not at all (written beside it, then renamed), readable
    by its owner only: it holds the keys and everyone's personal data.
    """
    now = now or datetime.now(UTC)
    kind = backup_database.kind_of(url)
    with tempfile.TemporaryDirectory(prefix="dobro-backup-") as work:
        files: dict[str, Path] = {}
        files[DATABASE_MEMBERS[kind]] = Path(work) / "database"
        backup_database.dump(url, files[DATABASE_MEMBERS[kind]])
        # SQLite: the copy's revision is the one archived, whatever happens meanwhile.
        revision = backup_database.revision(
            f"sqlite:///{files[DATABASE_MEMBERS[kind]]}" if kind == "sqlite" else url)
        for member, name in KEY_MEMBERS.items():
            if (instance / name).is_file():
                files[member] = instance / name
        manifest = Manifest(
            dobro_version=dobro_version(), schema_revision=revision, database=kind,
            created_at=now.astimezone(UTC).isoformat(timespec="seconds"),
            members={member: file_sha(path) for member, path in files.items()},
            secret_key="archive" if f"instance/{SECRET_FILE}" in files else "environment")
        write_archive(out, manifest, files, now)
    return manifest


def write_archive(out: Path, manifest: Manifest, files: dict[str, Path],
                  now: datetime) -> None:
    """The tar.gz, manifest first, written to a private temporary file then renamed."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), PRIVATE_FILE)
            # gzip's own default level: 9 takes far longer for little on a large database.
            with tarfile.open(fileobj=handle, mode="w:gz", compresslevel=6) as archive:
                body = manifest.to_json()
                archive.addfile(member_info(MANIFEST, len(body), now), io.BytesIO(body))
                for member, path in files.items():
                    with open(path, "rb") as source:
                        info = member_info(member, os.fstat(source.fileno()).st_size, now)
                        archive.addfile(info, source)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


def member_info(name: str, size: int, now: datetime) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, PRIVATE_FILE, int(now.timestamp())
    return info


def prune(folder: Path, keep: int) -> list[Path]:
    """Delete all but the ``keep`` newest archives named ``dobro-backup-….tar.gz`` in
    ``folder``; return what was deleted. Other files are never touched."""
    archives = sorted(p for p in folder.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    gone = archives[:-keep] if keep > 0 else archives
    for path in gone:
        path.unlink()
    return gone


def unpack(path: Path, into: Path) -> Manifest:
    """Check the archive against its manifest and extract it into ``into``.

    Refused, with ``BackupError``: an archive that is not gzip/tar, is cut short or has a
    byte changed anywhere (the gzip CRC), one
    without a Dobro manifest, a member the manifest does not list or with another
    checksum, a listed member that is missing.
    """
    try:
        # The whole gzip stream first: its CRC covers every byte, also the tar headers and
        # padding that the manifest's checksums do not (tarfile stops at the end-of-archive
        # blocks, before the gzip trailer that holds the CRC).
        with gzip.open(path, "rb") as stream:
            while stream.read(1 << 20):
                pass
        with tarfile.open(path, "r:gz") as archive:
            manifest = read_manifest(archive)
            found: dict[str, str] = {}
            for info in archive:
                if info.name != MANIFEST:
                    check_member(info, manifest)
                    found[info.name] = extract(archive, info, into)
    except (tarfile.TarError, zlib.error, EOFError, gzip.BadGzipFile) as exc:
        raise BackupError(f"архивът е повреден или не е архив на Dobro / damaged or not a "
                          f"Dobro backup: {exc}") from exc
    for member, sha in manifest.members.items():
        if found.get(member) != sha:
            what = "липсва" if member not in found else "има друга контролна сума"
            raise BackupError(f"архивът е повреден: {member} {what} / damaged archive: "
                              f"{member} does not match the manifest")
    return manifest


def read_manifest(archive: tarfile.TarFile) -> Manifest:
    info = archive.next()
    handle = archive.extractfile(info) if info is not None and info.name == MANIFEST \
        and info.isfile() else None
    if handle is None:
        raise BackupError("не е архив на Dobro: няма manifest.json / not a Dobro backup")
    try:
        data: dict[str, Any] = json.loads(handle.read(CHUNK))
        if (data["format"], data["format_version"]) != (FORMAT, FORMAT_VERSION) \
                or data["database"] not in DATABASE_MEMBERS:
            raise ValueError("another format")
        members = {str(k): str(v["sha256"]) for k, v in data["members"].items()}
        return Manifest(dobro_version=str(data["dobro_version"]),
                        schema_revision=data["schema_revision"], database=data["database"],
                        created_at=str(data["created_at"]), members=members,
                        secret_key=str(data.get("secret_key", "archive")))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError("не е архив на Dobro (непознат manifest.json) / not a Dobro "
                          "backup") from exc


def check_member(info: tarfile.TarInfo, manifest: Manifest) -> None:
    """Refuse anything but the regular files the manifest lists, with the names Dobro
    writes: no path of an archive ever reaches the disk as it is."""
    allowed = {DATABASE_MEMBERS[manifest.database], *KEY_MEMBERS}
    if not info.isfile() or info.name not in allowed or info.name not in manifest.members:
        raise BackupError(f"архивът съдържа непознат файл {info.name!r} / unexpected member")


def extract(archive: tarfile.TarFile, info: tarfile.TarInfo, into: Path) -> str:
    """Copy one member to ``into`` (under its fixed, known name); return its SHA-256."""
    source = archive.extractfile(info)
    assert source is not None  # a regular file, checked by check_member
    target = into / info.name
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError as exc:
        raise BackupError(f"архивът съдържа {info.name} два пъти / a member appears twice") \
            from exc
    with os.fdopen(fd, "wb") as handle:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    manifest: Manifest
    revision: str | None  # the schema revision after the migrations
    keys: tuple[str, ...]  # the instance files put back


def restore(path: Path, url: str, instance: Path, force: bool = False) -> Restored:
    """Restore the archive at ``path`` into the database at ``url`` and ``instance``.

    Nothing is touched until the archive has been checked; a database with users is
    refused unless ``force``. The schema is then brought to the latest revision.
    """
    kind = backup_database.kind_of(url)
    with tempfile.TemporaryDirectory(prefix="dobro-restore-") as work:
        manifest = unpack(path, Path(work))
        if manifest.database != kind:
            raise BackupError(f"архивът е от {manifest.database}, а базата данни е {kind}: "
                              "възстановяване между различни видове бази данни не се поддържа "
                              f"/ a {manifest.database} backup cannot be restored into {kind}")
        if not known_revision(url, manifest.schema_revision):
            raise BackupError(f"архивът е от по-нова версия на Dobro (схема "
                              f"{manifest.schema_revision}, Dobro {manifest.dobro_version}): "
                              "обновете Dobro първо / the archive is from a newer Dobro")
        if not force and not backup_database.is_empty(url):
            raise BackupError("базата данни вече има потребители; добавете --force, за да ги "
                              "замените с архива / the database is not empty (use --force)")
        backup_database.restore(url, Path(work) / DATABASE_MEMBERS[kind])
        keys = []
        for member, name in KEY_MEMBERS.items():
            if member in manifest.members:
                put_key(Path(work) / member, instance / name)
                keys.append(name)
    db.upgrade(url)
    return Restored(manifest, backup_database.revision(url), tuple(keys))


def known_revision(url: str, revision: str | None) -> bool:
    """Whether this Dobro's migrations know ``revision`` (an archive from a newer Dobro
    has one they do not, and could not be migrated)."""
    if revision is None:
        return True
    scripts = ScriptDirectory.from_config(db.alembic_config(url))
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False


def put_key(source: Path, target: Path) -> None:
    """Replace an instance key atomically; the file is the owner's only."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.restore")
    try:
        write_private(tmp, source.read_bytes())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
