"""``dobro backup`` and ``dobro restore``: the command-line side of ``webapp.backup``."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from course.commands.common import EXIT_OK, EXIT_USAGE
from webapp import backup
from webapp.backup_database import BackupError
from webapp.commands import configured_app, fail, one_line_errors, shown_url
from webapp.instance_files import private_dir

BACKUP_DIR_ENV = "DOBRO_BACKUP_DIR"


def usage_error(message: str) -> int:
    print(f"dobro: {message}", file=sys.stderr)
    return EXIT_USAGE


def archive_path(out: str | None, name: str) -> Path | None:
    """Where to write: ``--out`` (a file, or a folder for the default name), else
    ``DOBRO_BACKUP_DIR`` (created, private), else the current folder. None: no such folder."""
    if out:
        target = Path(out)
        if target.is_dir():
            return target / name
        return target if target.parent.is_dir() else None
    folder = os.environ.get(BACKUP_DIR_ENV)
    if folder:
        return private_dir(Path(folder)) / name
    return Path.cwd() / name


@one_line_errors
def run_backup(args: argparse.Namespace) -> int:
    """Write one archive of the database and the instance keys; keep the newest N."""
    if args.keep is not None and args.keep < 1:
        return usage_error("--keep трябва да е поне 1 / --keep must be at least 1")
    with configured_app() as app:
        url = app.config["DATABASE_URL"]
        instance = Path(app.instance_path)
    now = datetime.now(UTC)
    out = archive_path(args.out, backup.default_name(now))
    if out is None:
        return usage_error(f"няма папка {Path(args.out).parent} / no such folder")
    try:
        manifest = backup.create(url, instance, out, now)
    except BackupError as exc:
        return fail(str(exc))
    size = out.stat().st_size / 1024 / 1024
    print(f"Резервно копие / Backup: {out} ({size:.1f} MB; {manifest.database} "
          f"{shown_url(url)}; схема / schema {manifest.schema_revision})")
    if manifest.secret_key == "environment":
        print("Тайният ключ е в DOBRO_SECRET_KEY и не е в архива: пазете го отделно. "
              "/ The secret key comes from DOBRO_SECRET_KEY and is not in the archive.")
    if args.keep is not None:
        for gone in backup.prune(out.parent, args.keep):
            print(f"Изтрито старо копие / Removed old backup: {gone.name}")
    return EXIT_OK


@one_line_errors
def run_restore(args: argparse.Namespace) -> int:
    """Check an archive, restore it into an empty instance (or any with --force), migrate."""
    path = Path(args.file)
    if not path.is_file():
        return usage_error(f"няма такъв файл: {path} / no such file")
    with configured_app() as app:
        url = app.config["DATABASE_URL"]
        instance = Path(app.instance_path)
    try:
        done = backup.restore(path, url, instance, force=args.force)
    except BackupError as exc:
        return fail(str(exc))
    made = done.manifest
    print(f"Възстановено / Restored: {path.name} (от / made {made.created_at}, Dobro "
          f"{made.dobro_version}, схема / schema {made.schema_revision}) в / into "
          f"{shown_url(url)}; схема сега / schema now {done.revision}")
    print(f"Ключове / Keys: {', '.join(done.keys) or '—'} в / in {instance}")
    if made.secret_key == "environment":
        print("Архивът няма таен ключ (беше в DOBRO_SECRET_KEY): задайте същия DOBRO_SECRET_KEY. "
              "/ The archive has no secret key: set the same DOBRO_SECRET_KEY.")
    return EXIT_OK
