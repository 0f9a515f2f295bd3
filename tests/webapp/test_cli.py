"""The web verbs of ``dobro``: db upgrade, demo and organisations, configured by the environment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from webapp.cli import main
from webapp.db import make_engine
from webapp.services.seed import DEMO_GROUP, ORGANISATIONS

from .conftest import login

LOGIN_ROW = re.compile(r"^  \S.*?\s{2,}(demo-[a-z]+)\s{2,}", re.M)
PASSWORD_LINE = re.compile(r"Password for all: (\S+)$", re.M)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, course_root: Path) -> Path:
    """Run the commands the way ``make run`` does: settings from the environment only."""
    instance = tmp_path / "cli-instance"
    monkeypatch.setenv("DOBRO_INSTANCE", str(instance))
    monkeypatch.setenv("DOBRO_CONTENT", str(course_root))
    return instance


@pytest.fixture
def database(environment: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database (SQLite, and PostgreSQL when configured) named by the environment."""
    monkeypatch.setenv("DOBRO_DATABASE_URL", database_url)
    return database_url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for telling whether a command changed anything."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: sorted(map(tuple, connection.execute(table.select())), key=repr)
                    for table in SQLModel.metadata.sorted_tables}
    finally:
        engine.dispose()


def count(url: str, table: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
    finally:
        engine.dispose()


def test_db_upgrade_creates_the_instance_and_the_tables(
        environment: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert not environment.exists()
    code, out, err = run(capsys, "db", "upgrade")
    assert (code, err) == (0, "")
    database = environment / "dobro.sqlite3"
    assert database.exists() and "upgraded from empty to" in out
    engine = make_engine(f"sqlite:///{database}")
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"organisation", "user", "learner_group", "invitation", "alembic_version"} <= tables
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and "already up to date" in out


def test_db_without_a_verb_is_a_usage_error(environment: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "db")
    assert code == 2 and "upgrade" in err


def test_an_unreachable_database_is_one_line_and_exit_1(
        environment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DOBRO_DATABASE_URL", f"sqlite:///{tmp_path}/no/such/folder/x.sqlite3")
    for argv in (["db", "upgrade"], ["demo"], ["organisations"]):
        code, _, err = run(capsys, *argv)
        assert code == 1, argv
        assert err.count("\n") == 1 and err.startswith("dobro: ") and "Traceback" not in err
        assert "database unreachable" in err


def test_organisations_are_seeded_once(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "organisations")
    assert code == 0 and "25 added" in out
    code, out, _ = run(capsys, "organisations")
    assert code == 0 and "0 added" in out
    assert count(database, "organisation") == 25 == len(ORGANISATIONS)
    names = {row[1] for row in snapshot(database)["organisation"]}
    assert {"Община Брацигово", "Община Родопи", "Областна администрация Пазарджик"} <= names


def test_organisations_need_the_tables_first(environment: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "organisations")
    assert code == 1 and "dobro db upgrade" in err


def test_demo_twice_changes_nothing_and_prints_the_same_logins(
        database: str, capsys: pytest.CaptureFixture[str], build_dir: Path) -> None:
    code, first, err = run(capsys, "demo")
    assert (code, err) == (0, "")
    assert LOGIN_ROW.findall(first) == ["demo-slujitel", "demo-savetnik", "demo-npo",
                                        "demo-oblast", "demo-obuchitel", "demo-koordinator",
                                        "demo-admin"]
    assert len(PASSWORD_LINE.findall(first)) == 1
    assert "http://127.0.0.1:5000/login" in first
    before = snapshot(database)
    code, second, _ = run(capsys, "demo")
    assert code == 0 and second == first
    assert snapshot(database) == before
    # 25 organisations and the demo NGO; 7 demo logins and 2 invitees who have not joined.
    assert len(before["organisation"]) == 26 and len(before["user"]) == 9
    assert len(before["learner_group"]) == 1 and len(before["groupmember"]) == 6
    # Two sessions of the course's first topic for the demo group: one held, with
    # attendance marked (and logged), one to come.
    assert [row[1] for row in before["training_session"]] == ["osnovi", "osnovi"]
    assert len(before["sessiongroup"]) == 2
    assert sorted(row[2] for row in before["attendance"]) == ["absent", "late", "present",
                                                             "present"]
    assert len(before["attendancechange"]) == 4


def test_the_printed_logins_sign_in(database: str, capsys: pytest.CaptureFixture[str],
                                    make_app: Any, build_dir: Path) -> None:
    _, out, _ = run(capsys, "demo")
    password = PASSWORD_LINE.search(out)
    assert password
    app = make_app()
    try:
        trainer = app.test_client()
        assert login(trainer, "demo-obuchitel", password.group(1)).status_code == 302
        groups = trainer.get("/trainer/").get_data(as_text=True)
        assert DEMO_GROUP in groups and "6 обучаеми" in groups and "4 от 6 с профил" in groups
        learner = app.test_client()
        assert login(learner, "demo-npo", password.group(1)).status_code == 302
        assert learner.get("/trainer/").status_code == 403
    finally:
        app.extensions["dobro.engine"].dispose()


def test_demo_refuses_an_https_site_unless_forced(database: str,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DOBRO_BASE_URL", "https://dobro.example.bg")
    code, out, err = run(capsys, "demo")
    assert code == 1 and out == "" and "--force" in err and err.count("\n") == 1
    assert count(database, "user") == 0
    code, out, _ = run(capsys, "demo", "--force")
    assert code == 0 and "https://dobro.example.bg/login" in out
    assert count(database, "user") == 9
