"""``dobro backup`` and ``dobro restore`` on SQLite and PostgreSQL: real data made through
the services, backed up, wiped, restored — every row equal, every certificate verifying
with the restored issuer key, every learner signing in — and the refusals: a damaged or
foreign archive, a non-empty instance, another kind of database."""

from __future__ import annotations

import configparser
import hashlib
import io
import json
import os
import shlex
import shutil
import sqlite3
import stat
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import SQLModel, select

from course.attempts import to_display
from course.grading import correct_response
from tests.conftest import REPO
from tests.course.builders import make_question, make_quiz
from tests.dbutil import PG_ENV, backends
from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import PASSWORD, People, login, submit
from webapp import backup, backup_database, db
from webapp.backup_database import BackupError
from webapp.cli import main
from webapp.models import Certificate, User
from webapp.services import (
    attempts,
    authoring,
    badges,
    certificate_pdf,
    certificates,
    stored_files,
)

HEAD = ScriptDirectory.from_config(db.alembic_config("sqlite://")).get_current_head()


# --- making real data ----------------------------------------------------------------


@dataclass
class Before:
    """What the instance answered before the backup."""

    rows: dict[str, list[tuple[Any, ...]]]
    verify: dict[str, str]  # certificate code → the verify page's verdict
    tokens: dict[str, str]  # certificate code → its signed credential
    jwks: dict[str, Any]
    keys: dict[str, bytes]  # instance file → its bytes


VERDICTS = ("Сертификатът е валиден.", "Сертификатът е отнет и вече не е валиден.",
            "заменен с нов")


def verdict(client: FlaskClient, code: str) -> str:
    html = client.get(f"/verify/{code}").get_data(as_text=True)
    found = [v for v in VERDICTS if v in html]
    assert len(found) == 1, html
    return found[0]


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the models, ordered by primary key."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(
                        sa.select(table).order_by(*table.primary_key.columns))]
                    for table in SQLModel.metadata.sorted_tables}
    finally:
        engine.dispose()


def take_a_quiz(app: Flask, user: User) -> None:
    """A practice quiz answered through the quiz engine: an attempt with its answers."""
    quiz = make_quiz(id="backup-practice", kind="practice", topic="osnovi",
                     questions=(make_question("single"), make_question("text")))
    with app.app_context():
        database = db.session()
        attempt = attempts.start(database, user, quiz)
        right = {s.question.id: to_display(s.question, s.drawn, correct_response(s.question))
                 for s in attempts.slots(attempt)}
        attempts.save(database, attempt, {"q-text": right["q-text"]})
        attempts.submit(database, attempt, right)


STORED_PDF = b"%PDF-1.7\n" + os.urandom(2048) + b"\n%%EOF\n"


def make_history(app: Flask, client: FlaskClient, people: People) -> None:
    """Learners, progress, attempts, a session with attendance, certificates (one revoked,
    one re-issued), web-authored versions and a stored PDF."""
    for learner in (people.learner, people.councillor):
        study_everything(app, learner)
    take_a_quiz(app, people.stranger)
    found = make_session(app, people.trainer, hours=4)
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    for learner in (people.learner, people.councillor):
        response = submit(client, f"{page}/attendance/{learner.id}", {"status": "present"},
                          page=page)
        assert response.status_code == 302
    with app.app_context():
        database = db.session()
        trainer = database.get(User, people.trainer.id)
        assert trainer is not None
        held = {(c.user_id, c.kind): c for c in database.exec(select(Certificate))}
        assert len(held) == 4  # a topic and a programme certificate each
        certificates.revoke(database, held[(people.councillor.id, "programme")], trainer,
                            "Присъствието е отбелязано по грешка")
        database.commit()
        new = certificates.reissue(database, held[(people.learner.id, "topic")], trainer,
                                   "Поправено име", "Иван Петров Иванов")
        rel = "modules/osnovi/obshtinata.md"
        authoring.record(database, rel, "Старият текст\n".encode("cp1251"), authoring.BASELINE,
                         None, "")
        authoring.record(database, rel, "# Общината\n\nНов текст.\n".encode(), authoring.SAVED,
                         trainer, "по-ясно")
        database.commit()
        # The new certificate's PDF as the job would store it (bytes no renderer makes, so
        # that a download after the restore can only be these).
        stored = stored_files.keep(database, certificate_pdf.STORED_KIND, new.code,
                                   "application/pdf", STORED_PDF)
        assert stored.content == STORED_PDF


def look(app: Flask, url: str) -> Before:
    """The rows, the verify pages, the credentials, the published key and the key files."""
    visitor = app.test_client()
    with app.app_context():
        codes = [c.code for c in db.session().exec(select(Certificate))]
    tokens = {code: visitor.get(f"/credentials/{code}.jwt").get_data(as_text=True)
              for code in codes}
    verify = {code: verdict(visitor, code) for code in codes}
    instance = Path(app.instance_path)
    keys = {p.name: p.read_bytes() for p in sorted(instance.iterdir())
            if p.name in ("secret_key", badges.KEY_FILE)}
    return Before(snapshot(url), verify, tokens, visitor.get("/issuer/jwks.json").get_json(),
                  keys)


def wipe(app: Flask, url: str) -> None:
    """Lose everything: the database and the instance keys."""
    app.extensions["dobro.engine"].dispose()
    if url.startswith("sqlite"):
        path = backup_database.sqlite_path(url)
        for name in (path.name, path.name + "-wal", path.name + "-shm"):
            (path.parent / name).unlink(missing_ok=True)
    else:
        drop_schema(url)
    for name in ("secret_key", badges.KEY_FILE):
        (Path(app.instance_path) / name).unlink(missing_ok=True)


def drop_schema(url: str) -> None:
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def dobro(*argv: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The ``dobro`` command in a process of its own, configured by ``env``."""
    return subprocess.run([sys.executable, "-c", "import sys; from webapp.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", *argv], capture_output=True,
                          text=True, env={**os.environ, **env}, cwd=cwd, timeout=300,
                          check=False)


@pytest.fixture
def cli_env(app: Flask, database_url: str, course_root: Path) -> dict[str, str]:
    """The settings under which ``dobro`` sees the test app's database and instance."""
    return {"DOBRO_DATABASE_URL": database_url, "DOBRO_INSTANCE": app.instance_path,
            "DOBRO_CONTENT": str(course_root), "DOBRO_SECRET_KEY": ""}


@pytest.fixture
def restored_db(database_url: str) -> Iterator[str]:
    """The test database, left at the latest schema for the next test whatever happens."""
    yield database_url
    if not database_url.startswith("sqlite"):
        engine = db.make_engine(database_url)
        tables = sa.inspect(engine).get_table_names()
        engine.dispose()
        if "alembic_version" not in tables:
            drop_schema(database_url)
        db.upgrade(database_url)


# --- the round trip -----------------------------------------------------------------


def test_backup_wipe_restore_gives_back_every_row_certificate_and_sign_in(
        app: Flask, make_app: Any, client: FlaskClient, people: People, restored_db: str,
        cli_env: dict[str, str], tmp_path: Path) -> None:
    url = restored_db
    make_history(app, client, people)
    made = dobro("backup", env=cli_env, cwd=tmp_path)  # also writes the secret key file
    assert made.returncode == 0, made.stderr
    [archive] = tmp_path.glob("dobro-backup-*.tar.gz")
    before = look(app, url)
    assert set(before.keys) == {"secret_key", badges.KEY_FILE}
    assert set(before.verify.values()) == set(VERDICTS)
    os.unlink(archive)
    made = dobro("backup", "--out", str(tmp_path / "nightly.tar.gz"), env=cli_env, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "Резервно копие / Backup:" in made.stdout
    archive = tmp_path / "nightly.tar.gz"
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600

    wipe(app, url)
    done = dobro("restore", str(archive), env=cli_env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"схема сега / schema now {HEAD}" in done.stdout

    assert snapshot(url) == before.rows
    assert before.rows["source_version"] and before.rows["stored_file"]
    assert before.rows["answer"] and before.rows["attendance"]
    instance = Path(app.instance_path)
    for name, data in before.keys.items():
        assert (instance / name).read_bytes() == data
        assert stat.S_IMODE((instance / name).stat().st_mode) == 0o600
    again = make_app()
    visitor = again.test_client()
    jwks = visitor.get("/issuer/jwks.json").get_json()
    assert jwks == before.jwks
    for code, token in before.tokens.items():
        assert verdict(visitor, code) == before.verify[code]
        assert badges.verify(token, jwks)["id"].endswith(code)  # signed before the backup
        signed_now = visitor.get(f"/credentials/{code}.jwt").get_data(as_text=True)
        assert badges.verify(signed_now, jwks)["id"].endswith(code)  # and by the restored key
    for username in ("ivan", "maria", "trainer", "admin", "georgi"):
        person = again.test_client()
        response = login(person, username, PASSWORD)
        assert response.status_code == 302 and "/login" not in response.location, username
        if username == "ivan":  # his re-issued certificate's stored PDF, served as it was
            with again.app_context():
                [new] = db.session().exec(select(Certificate).where(
                    Certificate.user_id == people.learner.id, Certificate.kind == "topic",
                    Certificate.status == "valid")).all()
            assert person.get(f"/certificates/{new.code}.pdf").data == STORED_PDF


def test_the_restored_secret_key_keeps_the_sessions_signed_before(
        app: Flask, make_app: Any, people: People, restored_db: str, tmp_path: Path) -> None:
    """With the key from the instance folder (no DOBRO_SECRET_KEY), a new machine's app
    accepts the cookies the old one signed."""
    old = make_app(SECRET_KEY="")
    assert old.config["SECRET_KEY"] == (Path(old.instance_path) / "secret_key").read_text()
    archive = tmp_path / "b.tar.gz"
    backup.create(restored_db, Path(old.instance_path), archive)
    wipe(old, restored_db)
    backup.restore(archive, restored_db, Path(old.instance_path))
    assert make_app(SECRET_KEY="").config["SECRET_KEY"] == old.config["SECRET_KEY"]


# --- what is in an archive ----------------------------------------------------------


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {info.name: tar.extractfile(info).read()  # type: ignore[union-attr]
                for info in tar}


def test_the_archive_holds_a_manifest_with_every_checksum(app: Flask, people: People,
                                                          database_url: str,
                                                          tmp_path: Path) -> None:
    app.test_client().get("/issuer/jwks.json")  # the issuer key is made on first use
    archive = tmp_path / "b.tar.gz"
    backup.create(database_url, Path(app.instance_path), archive)
    found = members(archive)
    manifest = json.loads(found.pop("manifest.json"))
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    assert manifest["format"] == "dobro-backup" and manifest["database"] == kind
    assert manifest["schema_revision"] == HEAD and manifest["dobro_version"]
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert "source_version" in manifest["contents"] and "stored_file" in manifest["contents"]
    assert set(found) == {backup.DATABASE_MEMBERS[kind], f"instance/{badges.KEY_FILE}"}
    assert manifest["secret_key"] == "environment"  # the tests set SECRET_KEY outright
    for name, data in found.items():
        assert manifest["members"][name]["sha256"] == hashlib.sha256(data).hexdigest()
    assert list(members(archive))[0] == "manifest.json"


def test_the_archive_is_private_whatever_the_umask(app: Flask, database_url: str,
                                                   tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        archive = tmp_path / "b.tar.gz"
        backup.create(database_url, Path(app.instance_path), archive)
    finally:
        os.umask(old)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no tmp left


def test_keep_deletes_the_oldest_archives_only(app: Flask, database_url: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "backups"
    monkeypatch.setenv("DOBRO_DATABASE_URL", database_url)
    monkeypatch.setenv("DOBRO_INSTANCE", app.instance_path)
    monkeypatch.setenv("DOBRO_BACKUP_DIR", str(folder))
    folder.mkdir()
    older = [folder / backup.default_name(datetime(2026, 11, day, 3, tzinfo=UTC))
             for day in (1, 2, 3)]
    for path in older:
        path.write_bytes(b"old")
    (folder / "notes.txt").write_text("mine")
    assert main(["backup", "--keep", "2"]) == 0
    left = sorted(p.name for p in folder.iterdir())
    assert left[0] == older[2].name and len(left) == 3 and left[-1] == "notes.txt"
    assert "Removed old backup: " + older[0].name in capsys.readouterr().out
    assert main(["backup", "--keep", "0"]) == 2


def test_default_name_sorts_by_time() -> None:
    names = [backup.default_name(datetime(2026, 12, 3, h, m, tzinfo=UTC))
             for h, m in ((9, 59), (10, 0), (23, 1))]
    assert names == sorted(names)
    assert names[1] == "dobro-backup-2026-12-03T100000Z.tar.gz"


# --- refusals -----------------------------------------------------------------------


def test_a_damaged_archive_is_refused_and_nothing_is_touched(
        app: Flask, people: People, database_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    archive = tmp_path / "b.tar.gz"
    backup.create(database_url, Path(app.instance_path), archive)
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0x01  # one byte changed
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(bytes(data))
    rows = snapshot(database_url)
    monkeypatch.setenv("DOBRO_DATABASE_URL", database_url)
    monkeypatch.setenv("DOBRO_INSTANCE", app.instance_path)
    assert main(["restore", "--force", str(damaged)]) == 1
    err = capsys.readouterr().err
    assert "повреден" in err and err.count("\n") == 1 and "Traceback" not in err
    assert snapshot(database_url) == rows


def rebuilt(archive: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of ``archive`` with members replaced (or left out, for None), manifest kept."""
    found = members(archive) | change
    with tarfile.open(target, "w:gz") as tar:
        for name, data in found.items():
            if data is not None:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return target


def test_a_member_that_does_not_match_its_checksum_is_refused(
        app: Flask, people: People, database_url: str, tmp_path: Path) -> None:
    archive = tmp_path / "b.tar.gz"
    backup.create(database_url, Path(app.instance_path), archive)
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    name = backup.DATABASE_MEMBERS[kind]
    body = bytearray(members(archive)[name])
    body[-100] ^= 0x01
    rows = snapshot(database_url)
    cases = {"changed": {name: bytes(body)}, "missing": {name: None},
             "foreign": {"manifest.json": None}, "extra": {"../../etc/passwd": b"x"}}
    messages = {}
    for case, change in cases.items():
        with pytest.raises(BackupError) as caught:
            backup.restore(rebuilt(archive, tmp_path / f"{case}.tar.gz", change), database_url,
                           Path(app.instance_path), force=True)
        messages[case] = str(caught.value)
    assert "друга контролна сума" in messages["changed"]
    assert "липсва" in messages["missing"]
    assert "не е архив на Dobro" in messages["foreign"]
    assert "непознат файл" in messages["extra"]
    (tmp_path / "text.tar.gz").write_text("not an archive")
    with pytest.raises(BackupError, match="повреден"):
        backup.restore(tmp_path / "text.tar.gz", database_url, Path(app.instance_path))
    assert snapshot(database_url) == rows
    assert not (tmp_path.parent / "etc").exists()


def test_an_archive_from_a_newer_dobro_is_refused(app: Flask, database_url: str,
                                                  tmp_path: Path) -> None:
    archive = tmp_path / "b.tar.gz"
    backup.create(database_url, Path(app.instance_path), archive)
    manifest = json.loads(members(archive)["manifest.json"])
    manifest["schema_revision"] = "0099"
    newer = rebuilt(archive, tmp_path / "newer.tar.gz",
                    {"manifest.json": json.dumps(manifest).encode()})
    with pytest.raises(BackupError, match="по-нова версия на Dobro"):
        backup.restore(newer, database_url, Path(app.instance_path), force=True)
    assert backup_database.revision(database_url) == HEAD


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sqlite_backup_is_consistent_while_the_app_writes(app: Flask, people: People,
                                                           database_url: str,
                                                           tmp_path: Path) -> None:
    """Users are added one per transaction while backups are made: each copy holds a
    whole number of them and passes SQLite's integrity check."""
    stop = threading.Event()

    def writer() -> None:
        engine = db.make_engine(database_url)
        number = 0
        while not stop.is_set():
            number += 1
            with engine.begin() as connection:
                connection.execute(sa.text(
                    'INSERT INTO "user" (name, role, session_version, created_at, position, '
                    "sex, phone, active) VALUES (:n, 'learner', 1, '2026-12-01', '', '', '', "
                    "TRUE)"), {"n": f"Нов {number}"})
                connection.execute(sa.text("UPDATE organisation SET name = :n"),
                                   {"n": f"Смолян {number}"})
        engine.dispose()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        counts = []
        for n in range(5):
            archive = tmp_path / f"b{n}.tar.gz"
            backup.create(database_url, Path(app.instance_path), archive)
            target = tmp_path / f"r{n}"
            backup.unpack(archive, target)
            copy = sqlite3.connect(target / "database" / "dobro.sqlite3")
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            [(added,)] = copy.execute(
                "SELECT count(*) FROM user WHERE name LIKE 'Нов %'").fetchall()
            [org] = copy.execute("SELECT name FROM organisation").fetchall()
            copy.close()
            assert org[0] == (f"Смолян {added}" if added else "Смолян")  # same transaction
            counts.append(added)
    finally:
        stop.set()
        thread.join()
    assert counts == sorted(counts) and counts[-1] > 0


def test_a_non_empty_instance_is_refused_without_force(
        app: Flask, people: People, restored_db: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    url = restored_db
    archive = tmp_path / "b.tar.gz"
    backup.create(url, Path(app.instance_path), archive)
    with app.app_context():
        database = db.session()
        database.add(User(username="later", name="Добавен след копието", role="learner"))
        database.commit()
    app.extensions["dobro.engine"].dispose()
    monkeypatch.setenv("DOBRO_DATABASE_URL", url)
    monkeypatch.setenv("DOBRO_INSTANCE", app.instance_path)
    assert main(["restore", str(archive)]) == 1
    assert "--force" in capsys.readouterr().err
    assert "later" in [row[1] for row in snapshot(url)["user"]]
    assert main(["restore", "--force", str(archive)]) == 0
    assert "later" not in [row[1] for row in snapshot(url)["user"]]
    assert len(snapshot(url)["user"]) == 5
    assert main(["restore", str(tmp_path / "nowhere.tar.gz")]) == 2


def test_an_instance_with_tables_but_no_users_counts_as_empty(database_url: str,
                                                              tmp_path: Path) -> None:
    assert backup_database.is_empty(database_url)  # migrated, nobody in it
    assert backup_database.is_empty(f"sqlite:///{tmp_path / 'none.sqlite3'}")
    assert not (tmp_path / "none.sqlite3").exists()


# --- an older schema ------------------------------------------------------------------


def test_an_archive_at_revision_0012_is_upgraded_to_head(
        restored_db: str, tmp_path: Path) -> None:
    url = restored_db
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        drop_schema(url)
    db.upgrade(url, "0012")
    engine = db.make_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            'INSERT INTO "user" (name, role, audience, session_version, created_at, position, '
            "sex, phone, active, specialism) VALUES ('Иван Юристов', 'learner', 'employees', 1, "
            "'2026-12-01 10:00:00', '', '', '', TRUE, 'yuristi')"))
    engine.dispose()
    instance = tmp_path / "instance"
    instance.mkdir()
    archive = tmp_path / "old.tar.gz"
    assert backup.create(url, instance, archive).schema_revision == "0012"
    if url.startswith("sqlite"):
        backup_database.sqlite_path(url).unlink()
    else:
        drop_schema(url)
    done = backup.restore(archive, url, instance)
    assert (done.manifest.schema_revision, done.revision) == ("0012", HEAD)
    engine = db.make_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sa.text('SELECT name, specialism FROM "user"')).all() == [
            ("Иван Юристов", "yuristi")]
        assert sa.inspect(connection).has_table("stored_file")  # 0013 ran
    engine.dispose()


# --- PostgreSQL's tools and kinds -----------------------------------------------------


def pg_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} not set")
    return url


def test_a_sqlite_archive_is_refused_by_postgresql(tmp_path: Path) -> None:
    url = pg_url()
    sqlite = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    db.upgrade(sqlite)
    archive = tmp_path / "x.tar.gz"
    backup.create(sqlite, tmp_path, archive)
    with pytest.raises(BackupError, match="между различни видове"):
        backup.restore(archive, url, tmp_path, force=True)


def test_missing_or_old_pg_dump_is_named(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    url = pg_url()
    monkeypatch.setattr(backup_database.shutil, "which", lambda _name: None)
    with pytest.raises(BackupError, match="pg_dump липсва.*postgresql-client"):
        backup.create(url, tmp_path, tmp_path / "x.tar.gz")
    monkeypatch.undo()
    monkeypatch.setattr(backup_database, "tool_major", lambda _path: 9)
    with pytest.raises(BackupError, match=r"pg_dump 9 е по-стар от сървъра PostgreSQL \d+"):
        backup.create(url, tmp_path, tmp_path / "x.tar.gz")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("database_url", backends()[1:], indirect=True)
def test_a_postgresql_restore_that_fails_at_the_end_changes_nothing(
        app: Flask, people: People, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The drops, the tables and the rows are one transaction: an error in the dump's very
    last statement leaves the database as it was."""
    url = app.config["DATABASE_URL"]
    archive = tmp_path / "b.tar.gz"
    backup.create(url, Path(app.instance_path), archive)
    with app.app_context():
        database = db.session()
        database.add(User(username="later", name="Добавен след копието", role="learner"))
        database.commit()
    app.extensions["dobro.engine"].dispose()
    rows = snapshot(url)
    real = shutil.which("pg_restore")
    wrapper = tmp_path / "pg_restore"
    wrapper.write_text(f'#!/bin/sh\n{real} "$@"; rc=$?\n'
                       'case "$*" in *--file=-*) echo "SELECT 1/0;";; esac\nexit $rc\n')
    wrapper.chmod(0o700)
    which = shutil.which
    monkeypatch.setattr(backup_database.shutil, "which",
                        lambda name: str(wrapper) if name == "pg_restore" else which(name))
    with pytest.raises(BackupError, match="division by zero"):
        backup.restore(archive, url, Path(app.instance_path), force=True)
    assert snapshot(url) == rows


def test_the_password_never_reaches_the_command_line() -> None:
    uri, env = backup_database.libpq(
        "postgresql+psycopg://dobro:s3cret@db.example:5433/dobro?sslmode=require")
    assert uri == "postgresql://dobro@db.example:5433/dobro?sslmode=require"
    assert env["PGPASSWORD"] == "s3cret"



def test_the_postgresql_tools_get_the_password_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = pg_url()
    password = sa.engine.make_url(url).password
    calls: list[tuple[list[str], dict[str, str]]] = []
    real = subprocess.run

    def spy(args: list[str], **kwargs: Any) -> Any:
        calls.append((args, kwargs.get("env") or {}))
        return real(args, **kwargs)

    monkeypatch.setattr(backup_database.subprocess, "run", spy)
    backup.create(url, tmp_path, tmp_path / "x.tar.gz")
    [(_dump, env)] = [c for c in calls if c[0][0].endswith("pg_dump") and len(c[0]) > 2]
    assert env["PGPASSWORD"] == password
    assert not any(f":{password}@" in arg for args, _env in calls for arg in args)


# --- the systemd timer --------------------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(REPO / "deploy" / "systemd" / name, encoding="utf-8")
    return parser


def test_the_timer_runs_the_backup_daily_with_retention(
        app: Flask, database_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    service, timer = unit("dobro-backup.service"), unit("dobro-backup.timer")
    assert timer["Timer"]["OnCalendar"] == "*-*-* 02:30:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    assert service["Service"]["Type"] == "oneshot" and service["Service"]["UMask"] == "0077"
    assert service["Service"]["ProtectSystem"] == "strict"
    program, *argv = shlex.split(service["Service"]["ExecStart"])
    assert program == "/srv/dobro/app/.venv/bin/dobro"
    assert argv == ["backup", "--out", "/var/backups/dobro", "--keep", "14"]
    assert "-/var/backups/dobro" in service["Service"]["ReadWritePaths"].split()
    assert "/var/backups/dobro" in service["Service"]["ExecStartPre"]
    # The app's units read the same environment file and instance folder.
    for other in (REPO / "deploy" / "systemd").glob("*.service"):
        settings = unit(other.name)["Service"]
        assert settings["EnvironmentFile"] == "/etc/dobro/dobro.env", other.name
        assert settings["WorkingDirectory"] == "/srv/dobro/app", other.name
    # The very command line works, into a folder of the test's own.
    folder = tmp_path / "backups"
    folder.mkdir(mode=0o700)
    monkeypatch.setenv("DOBRO_DATABASE_URL", database_url)
    monkeypatch.setenv("DOBRO_INSTANCE", app.instance_path)
    monkeypatch.setenv("DOBRO_BACKUP_DIR", "")  # as in deploy/dobro.env.example
    old = folder / backup.default_name(datetime(2026, 1, 1, tzinfo=UTC))
    old.write_bytes(b"old")
    command = [str(folder) if arg == "/var/backups/dobro" else arg for arg in argv]
    assert main([*command[:-1], "1"]) == 0  # --keep 1: the old one goes
    [made] = folder.iterdir()
    assert made.name.startswith("dobro-backup-") and made != old


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
def test_systemd_accepts_the_backup_units(tmp_path: Path) -> None:
    dobro = Path(sys.executable).parent / "dobro"
    for name in ("dobro-backup.service", "dobro-backup.timer"):
        text = (REPO / "deploy" / "systemd" / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("/srv/dobro/app/.venv/bin/dobro", str(dobro)),
                                     encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "dobro-backup.service"),
                             str(tmp_path / "dobro-backup.timer")],
                            capture_output=True, text=True, check=False)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "dobro" in line and "Failed to" not in line]
    assert not problems, problems


def test_every_damaged_byte_of_the_compressed_stream_is_refused(
        app: Flask, people: People, database_url: str, tmp_path: Path) -> None:
    """A byte changed anywhere in the compressed data is refused, even where it would only
    change a tar header or padding that the manifest's checksums do not cover: the whole
    gzip stream is read, and its CRC checked, before anything is extracted."""
    archive = tmp_path / "b.tar.gz"
    backup.create(database_url, Path(app.instance_path), archive)
    data = archive.read_bytes()
    for step in range(1, 40):
        damaged = bytearray(data)
        damaged[20 + (len(data) - 40) * step // 40] ^= 0x01
        target = tmp_path / f"damaged-{step}.tar.gz"
        target.write_bytes(bytes(damaged))
        with pytest.raises(backup.BackupError, match="повреден"):
            backup.unpack(target, tmp_path / f"out-{step}")
