"""The instance folder is the app's account's alone: 0700, and the database, the keys and
the uploads in it 0600 whatever the umask; wider modes left from before are narrowed at
start-up; pending uploads expire and are deleted."""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from webapp import create_app, db
from webapp.services import badges, pending_imports


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o022, 0o002], ids=["umask-022", "umask-002"])
def permissive_umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


@pytest.fixture
def instance(tmp_path: Path) -> Path:
    return tmp_path / "var" / "instance"


def make(instance: Path, course_root: Path, translations: Path) -> Flask:
    """An app whose secret key and SQLite database live in ``instance``, as by default."""
    config: dict[str, Any] = {
        "TESTING": True, "SECRET_KEY": "", "CONTENT_ROOT": course_root,
        "INSTANCE_PATH": instance, "DATABASE_URL": f"sqlite:///{instance / 'dobro.sqlite3'}",
        "BABEL_TRANSLATION_DIRECTORIES": str(translations)}
    return create_app(config)


def use_database(app: Flask) -> None:
    with app.app_context(), db.engine().begin() as connection:
        connection.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
        connection.execute(text("INSERT INTO probe VALUES (1)"))


def test_everything_the_app_writes_is_owner_only(instance: Path, course_root: Path,
                                                 translations: Path,
                                                 permissive_umask: int) -> None:
    app = make(instance, course_root, translations)
    try:
        use_database(app)
        badges.private_key(instance)
        token = pending_imports.save(app.instance_path, "хора.csv", b"x", 1, 2)
        assert mode(instance) == 0o700
        assert mode(instance / "imports") == 0o700
        written = [instance / "secret_key", instance / "issuer-key.pem",
                   instance / "dobro.sqlite3", instance / "imports" / f"{token}.bin",
                   instance / "imports" / f"{token}.json"]
        written += [p for p in instance.glob("dobro.sqlite3-*")]  # the WAL, while open
        assert len(written) >= 6
        assert {str(p.relative_to(instance)): mode(p) for p in written} == {
            str(p.relative_to(instance)): 0o600 for p in written}
    finally:
        app.extensions["dobro.engine"].dispose()


def test_wider_modes_are_narrowed_at_start_and_logged(instance: Path, course_root: Path,
                                                      translations: Path,
                                                      permissive_umask: int,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    (instance / "imports").mkdir(parents=True)
    for folder in (instance, instance / "imports"):
        os.chmod(folder, 0o775)
    files = [instance / "secret_key", instance / "issuer-key.pem",
             instance / "imports" / "old.bin"]
    files[0].write_text("0" * 64, encoding="ascii")
    badges.private_key(instance)
    files[2].write_bytes(b"x")
    for file in files:
        os.chmod(file, 0o664)
    with caplog.at_level(logging.WARNING):
        app = make(instance, course_root, translations)
    app.extensions["dobro.engine"].dispose()
    assert mode(instance) == 0o700 and mode(instance / "imports") == 0o700
    assert [mode(f) for f in files] == [0o600] * 3
    logged = caplog.text
    assert all(str(path) in logged for path in (instance, *files))
    assert app.config["SECRET_KEY"] == "0" * 64  # narrowed, not replaced


def test_a_narrower_mode_is_left_alone(instance: Path, course_root: Path,
                                       translations: Path) -> None:
    instance.mkdir(parents=True)
    key = instance / "secret_key"
    key.write_text("1" * 64, encoding="ascii")
    os.chmod(key, 0o400)
    app = make(instance, course_root, translations)
    app.extensions["dobro.engine"].dispose()
    assert mode(key) == 0o400


# Pending uploads --------------------------------------------------------------------------

def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_an_expired_upload_is_refused_and_deleted(tmp_path: Path) -> None:
    where = str(tmp_path)
    token = pending_imports.save(where, "хора.csv", b"data", 1, 2)
    files = [tmp_path / "imports" / f"{token}{suffix}" for suffix in (".json", ".bin")]
    assert pending_imports.load(where, token, 1, 2).data == b"data"
    for file in files:
        age(file, pending_imports.LIFETIME + 1)
    with pytest.raises(pending_imports.PendingNotFound):
        pending_imports.load(where, token, 1, 2)
    assert not [f for f in files if f.exists()]


def test_expired_uploads_are_purged_by_any_save_or_load(tmp_path: Path) -> None:
    where = str(tmp_path)
    old = pending_imports.save(where, "стар.csv", b"old", 1, 2)
    orphan = tmp_path / "imports" / ("o" * 32 + ".bin")  # a save cut short: no description
    orphan.write_bytes(b"half")
    for file in (tmp_path / "imports").iterdir():
        age(file, pending_imports.LIFETIME + 60)
    fresh = pending_imports.save(where, "нов.csv", b"new", 1, 2)
    assert sorted(p.name for p in (tmp_path / "imports").iterdir()) == [
        f"{fresh}.bin", f"{fresh}.json"]
    with pytest.raises(pending_imports.PendingNotFound):
        pending_imports.load(where, old, 1, 2)
    for file in (tmp_path / "imports").iterdir():
        age(file, pending_imports.LIFETIME + 60)
    with pytest.raises(pending_imports.PendingNotFound):
        pending_imports.load(where, "n" * 32, 1, 2)  # any load purges too
    assert list((tmp_path / "imports").iterdir()) == []
