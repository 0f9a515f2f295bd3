"""``dobro participants import``: the preview in lines, dry runs, exit codes, no duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.conftest import REPO
from webapp.db import make_engine
from webapp.models import Group, GroupMember, User
from webapp.services.seed import seed_organisations

from .test_cli import count, run

FIXTURES = REPO / "tests" / "fixtures" / "participants"


@pytest.fixture
def database(environment: Path, database_url: str, build_dir: Path,
             monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated database with the member organisations, and a compiled course."""
    monkeypatch.setenv("DOBRO_DATABASE_URL", database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        seed_organisations(session)
        session.commit()
    engine.dispose()
    return database_url


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, course_root: Path) -> Path:
    instance = tmp_path / "cli-instance"
    monkeypatch.setenv("DOBRO_INSTANCE", str(instance))
    monkeypatch.setenv("DOBRO_CONTENT", str(course_root))
    return instance


def users(url: str) -> list[User]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(User).order_by(User.name)))
    finally:
        engine.dispose()


def test_a_dry_run_prints_the_preview_and_saves_nothing(
        database: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "participants", "import", str(FIXTURES / "group.csv"),
                         "--group", "Смолян 2027", "--dry-run")
    assert code == 0, err
    assert "нова група / new group: Смолян 2027" in out
    assert "ред 2: нов / new: Анна Иванова (Община Смолян)" in out
    assert "Нови / new: 3, промени / updates: 0" in out and "Dry run" in out
    assert count(database, "user") == 0 and count(database, "learner_group") == 0


def test_import_then_again_creates_no_duplicates(
        database: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(FIXTURES / "group.csv")
    code, out, _err = run(capsys, "participants", "import", path, "--group", "Смолян 2027")
    assert code == 0 and "Внесено: 3 нови, 0 променени, 0 без промяна, 1 нови групи" in out
    code, out, _err = run(capsys, "participants", "import", path, "--group", "Смолян 2027")
    assert code == 0 and "Внесено: 0 нови, 0 променени, 3 без промяна, 0 нови групи" in out
    assert [u.name for u in users(database)] == ["Анна Иванова", "Борис Петров",
                                                  "Весела Тодорова"]
    engine = make_engine(database)
    with Session(engine) as session:
        group = session.exec(select(Group)).one()
        assert len(session.exec(select(GroupMember).where(
            GroupMember.group_id == group.id)).all()) == 3
    engine.dispose()


def test_errors_are_file_row_col_lines_and_exit_1(
        database: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "errors.csv"
    code, _out, err = run(capsys, "participants", "import", str(path))
    assert code == 1
    assert f"{path}:6:C: error: Целева група: непозната целева група „съветници2“" in err
    assert f"{path}:3:A: error: Име: задължително поле" in err
    assert f"{path}:7:-: error: повтаря ред 2" in err
    assert count(database, "user") == 0


def test_usage_and_file_errors(database: str, capsys: pytest.CaptureFixture[str],
                               tmp_path: Path) -> None:
    assert run(capsys, "participants", "import", str(tmp_path / "none.csv"))[0] == 2
    assert run(capsys, "participants")[0] == 2
    wrong = tmp_path / "people.pdf"
    wrong.write_bytes(b"%PDF")
    code, _out, err = run(capsys, "participants", "import", str(wrong))
    assert code == 1 and f"{wrong}: error: Непознат вид файл" in err
