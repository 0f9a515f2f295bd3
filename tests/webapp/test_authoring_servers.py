"""Web authoring on several app servers: one database, each server its own copy of the
course. The database's web versions are the truth; every server's files follow them
(``web_versions``, ``websync``), and git's newer text wins over a version it replaced."""

from __future__ import annotations

import hashlib
import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, select
from werkzeug.test import TestResponse

from course.build import build
from tests.conftest import copy_course
from tests.webapp.conftest import MINI, PASSWORD, csrf_token, login, submit
from tests.webapp.test_images import png
from webapp import cli, db, websync
from webapp.models import Organisation, SourceVersion, StoredFile, User
from webapp.services import accounts, web_versions
from webapp.services.authoring import BASELINE, REMOVED, SAVED, encode
from webapp.services.web_versions import Known

MODULE = "modules/osnovi/01-obshtinata.md"
OTHER = "modules/osnovi/02-savetat.md"
PAGE = "modules/pages/vavedenie.md"
EDIT = "/trainer/authoring/edit?file="
COURSE = "/trainer/authoring/course"
MANIFEST = "modules/course.yaml"
READER = "/learn/obshtinata"
NEW_SENTENCE = "Общината се управлява от избрани органи."


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Server:
    """One app server: its own course copy and instance folder, the shared database."""

    app: Flask
    root: Path
    client: FlaskClient

    @property
    def build(self) -> Path:
        return self.root / "build"

    def text(self, rel: str = MODULE) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def sync(self) -> web_versions.SyncReport | None:
        """One poll of a newly started process (the first: it compares every path)."""
        return websync.WebSync(self.app).sync_once()


@pytest.fixture
def server(make_app: Any, tmp_path: Path) -> Callable[[str], Server]:
    """A factory of app servers named ``name``, each on a fresh built copy of the course."""
    def make(name: str) -> Server:
        root = copy_course(MINI, tmp_path / name)
        build(root, root / "build", jobs=1)
        app = make_app(CONTENT_ROOT=root, INSTANCE_PATH=tmp_path / f"{name}-instance")
        return Server(app, root, app.test_client())
    return make


@pytest.fixture
def servers(server: Callable[[str], Server]) -> tuple[Server, Server]:
    """Two servers with a trainer signed in on each."""
    a, b = server("a"), server("b")
    with a.app.app_context():
        database = db.session()
        org = Organisation(name="Смолян", kind="municipality", oblast="Смолян")
        database.add(org)
        database.commit()
        user = User(username="trainer", name="Теодора Обучителева", role="trainer",
                    organisation_id=org.id)
        accounts.set_password(user, PASSWORD)
        database.add(user)
        database.commit()
    for each in (a, b):
        login(each.client, "trainer")
    return a, b


def save(client: FlaskClient, rel: str, text: str, base: str) -> tuple[int, str]:
    response = submit(client, EDIT + rel, {"text": text, "base": base, "comment": "",
                                           "save": "1"})
    return response.status_code, response.get_data(as_text=True)


def edited(server: Server, rel: str = MODULE, sentence: str = NEW_SENTENCE) -> str:
    """The file's text on ``server`` with ``sentence`` added as a paragraph."""
    return server.text(rel) + f"\n{sentence}\n"


def save_on(server: Server, rel: str = MODULE, sentence: str = NEW_SENTENCE) -> str:
    """Save a new text of ``rel`` through ``server``'s editor; return the text."""
    text = edited(server, rel, sentence)
    status, _page = save(server.client, rel, text, sha((server.root / rel).read_bytes()))
    assert status == 302
    return text


def upload(client: FlaskClient, root: Path, rel: str, data: bytes, filename: str,
           text: str | None = None) -> TestResponse:
    before = (root / rel).read_bytes()
    return client.post(EDIT + rel, content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, EDIT + rel), "base": sha(before),
        "text": before.decode() if text is None else text, "comment": "", "alt": "Схема",
        "insert": "1", "image": (io.BytesIO(data), filename)})


def reader(server: Server) -> str:
    return server.client.get(READER).get_data(as_text=True)


def test_a_save_on_one_server_is_served_by_the_other(
        servers: tuple[Server, Server]) -> None:
    a, b = servers
    assert NEW_SENTENCE not in reader(b)
    text = save_on(a)
    assert NEW_SENTENCE in reader(a)
    assert NEW_SENTENCE not in reader(b)  # not yet: B's files and build are its own
    poller = websync.WebSync(b.app)
    report = poller.sync_once()
    assert report is not None and report.written == (MODULE,) and report.kept == ()
    assert b.text() == text and (b.root / MODULE).read_bytes() == (a.root / MODULE).read_bytes()
    assert NEW_SENTENCE in reader(b)
    with a.app.app_context():
        newest = web_versions.newest_id(db.session())
    assert web_versions.read_marker(b.build) == newest
    assert poller.sync_once() is None  # nothing new: no lock, no writing


def test_the_poller_thread_brings_the_other_server_up_within_seconds(
        servers: tuple[Server, Server]) -> None:
    a, b = servers
    websync.start(b.app)  # polling every POLL_SECONDS (2 s), as in dobro serve
    try:
        time.sleep(0.5)  # past the first poll (every path compared, one rebuild)
        save_on(a)
        deadline = time.monotonic() + 5
        while NEW_SENTENCE not in reader(b) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert NEW_SENTENCE in reader(b)
    finally:
        websync.stop(b.app)


def test_the_editor_on_the_other_server_opens_the_saved_text(
        servers: tuple[Server, Server]) -> None:
    a, b = servers
    text = save_on(a)
    page = b.client.get(EDIT + MODULE).get_data(as_text=True)  # B has not polled
    assert NEW_SENTENCE in page and sha((a.root / MODULE).read_bytes()) in page
    assert "authoring-changed-outside" not in page  # the same text as the web save
    assert b.text() == text  # the editor brought B's file up first
    status, _page = save(b.client, MODULE, text + "\nВтори.\n", sha(text.encode()))
    assert status == 302 and b.text().endswith("Втори.\n")


def test_a_stale_base_on_the_other_server_is_a_conflict(
        servers: tuple[Server, Server]) -> None:
    a, b = servers
    stale = (b.root / MODULE).read_bytes()
    ours = save_on(a)
    status, page = save(b.client, MODULE, stale.decode() + "\nДруго.\n", sha(stale))
    assert status == 409
    assert b.text() == ours  # the other server's save stands; nothing was overwritten
    with a.app.app_context():
        rows = db.session().exec(select(SourceVersion.status)
                                 .where(SourceVersion.path == MODULE)
                                 .order_by(SourceVersion.id)).all()  # type: ignore[arg-type]
    assert rows == [BASELINE, SAVED, "rejected"]


def test_a_new_server_applies_every_web_version(server: Callable[[str], Server],
                                                servers: tuple[Server, Server]) -> None:
    a, _b = servers
    module, page = save_on(a), save_on(a, PAGE, "Нов абзац на страницата.")
    save_on(a, MODULE, "Още едно изречение.")
    c = server("c")
    report = c.sync()
    assert report is not None and sorted(report.written) == sorted([MODULE, PAGE])
    assert c.text() == module + "\nОще едно изречение.\n" and c.text(PAGE) == page
    assert c.text(OTHER) == a.text(OTHER)


def test_a_newer_git_text_wins_over_the_web_version_it_never_saw(
        servers: tuple[Server, Server], server: Callable[[str], Server]) -> None:
    a, b = servers
    save_on(a)
    from_git = b.text().replace("Общината", "Общината (от git)", 1)  # a pull on B
    (b.root / MODULE).write_text(from_git, encoding="utf-8")
    report = b.sync()
    assert report is not None and report.kept == (MODULE,) and report.written == ()
    assert b.text() == from_git
    page = b.client.get(EDIT + MODULE).get_data(as_text=True)
    assert "Общината (от git)" in page
    assert "authoring-changed-outside" in page and "променен извън браузъра" in page
    # Saved through the web, git's text becomes a baseline; every server then follows.
    status, _page = save(b.client, MODULE, from_git + "\nНа B.\n", sha(from_git.encode()))
    assert status == 302
    c = server("c")
    assert c.sync() is not None and c.text() == from_git + "\nНа B.\n"


def test_an_older_text_put_back_by_a_deploy_is_replaced_at_the_next_start(
        servers: tuple[Server, Server]) -> None:
    a, b = servers
    original = (b.root / MODULE).read_bytes()
    text = save_on(a)
    assert b.sync() is not None and b.text() == text
    (b.root / MODULE).write_bytes(original)  # git checkout of the repository's text
    assert b.sync() is not None and b.text() == text  # a new process compares everything


def test_new_and_removed_modules_reach_the_other_server(
        servers: tuple[Server, Server]) -> None:
    a, b = servers
    poller = websync.WebSync(b.app)
    poller.sync_once()
    page = submit(a.client, f"{COURSE}/new-module?topic=osnovi",
                  {"title": "Такси", "minutes": "20", "position": "1"}, page=f"{COURSE}/")
    assert page.status_code == 302
    [new] = [p.relative_to(a.root).as_posix()
             for p in (a.root / "modules/osnovi").glob("*taksi.md")]
    report = poller.sync_once()
    assert report is not None and sorted(report.written) == sorted([new, MANIFEST])
    assert b.text(new) == a.text(new) and b.text(MANIFEST) == a.text(MANIFEST)
    assert b.client.get("/learn/taksi").status_code == 200  # B rebuilt with it
    page = submit(a.client, f"{COURSE}/remove?module=taksi", {"remove": "1"}, page=f"{COURSE}/")
    assert page.status_code == 302 and not (a.root / new).exists()
    report = poller.sync_once()
    assert report is not None and report.removed == (new,) and report.written == (MANIFEST,)
    assert not (b.root / new).exists() and b.text(MANIFEST) == a.text(MANIFEST)
    assert b.client.get("/learn/taksi").status_code == 404  # and rebuilt without it
    history = b.client.get(f"/trainer/authoring/history?file={new}").get_data(as_text=True)
    assert "премахнат от курса" in history  # the removal is no version of its own there


def test_an_image_uploaded_on_one_server_is_written_on_the_other(
        servers: tuple[Server, Server]) -> None:
    a, b = servers
    response = upload(a.client, a.root, MODULE, png(2400, 1200), "x.png")
    assert response.status_code == 302, response.get_data(as_text=True)
    images = ["modules/osnovi/img/print/x.png", "modules/osnovi/img/x.png"]
    report = websync.WebSync(b.app).sync_once()
    assert report is not None and report.written == (*images, MODULE)  # images first
    for rel in images:
        assert (b.root / rel).read_bytes() == (a.root / rel).read_bytes()
    assert 'alt="Схема"' in reader(b)  # B's build has the image


def test_a_refused_upload_keeps_no_file_in_the_database(
        servers: tuple[Server, Server]) -> None:
    a, _b = servers
    broken = a.text().replace("02-savetat.md#kvorum", "02-savetat.md#nyama")
    response = upload(a.client, a.root, MODULE, png(40, 20), "x.png", text=broken)
    assert response.status_code == 422
    with a.app.app_context():
        assert db.session().exec(select(StoredFile)).all() == []


def test_a_failed_rebuild_keeps_the_last_good_course(servers: tuple[Server, Server]) -> None:
    a, b = servers
    (b.root / OTHER).write_text("---\nбез край\n", encoding="utf-8")  # broken on B only
    save_on(a)
    before = (b.build / "course.json").read_bytes()
    report = b.sync()
    assert report is not None and report.written == (MODULE,)
    assert (b.build / "course.json").read_bytes() == before
    assert NEW_SENTENCE not in reader(b)  # the last good build, still served


def test_a_marker_ahead_of_the_database_compares_everything(
        servers: tuple[Server, Server]) -> None:
    a, b = servers
    web_versions.write_marker(b.build, 10_000)  # the database was restored from a backup
    text = save_on(a)
    with b.app.app_context():
        report = web_versions.catch_up(db.session(), websync.paths_of(b.app))
    assert report is not None and b.text() == text
    assert web_versions.read_marker(b.build) < 10_000


def test_export_writes_the_web_versions_into_a_working_tree(
        servers: tuple[Server, Server], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    a, _b = servers
    text = save_on(a)
    tree = copy_course(MINI, tmp_path / "tree")
    monkeypatch.setenv("DOBRO_DATABASE_URL", a.app.config["DATABASE_URL"])
    monkeypatch.setenv("DOBRO_CONTENT", str(a.root))
    monkeypatch.setenv("DOBRO_INSTANCE", str(tmp_path / "cli-instance"))
    assert cli.main(["authoring", "export", "--to", str(tree)]) == 0
    assert (tree / MODULE).read_text(encoding="utf-8") == text
    assert f"записан / written: {MODULE}" in capsys.readouterr().out
    (tree / MODULE).write_text("нов текст от git\n", encoding="utf-8")
    assert cli.main(["authoring", "export", "--to", str(tree), "--since", "2000-01-01"]) == 0
    assert (tree / MODULE).read_text(encoding="utf-8") == "нов текст от git\n"
    assert "kept, git has a newer text" in capsys.readouterr().err
    assert cli.main(["authoring", "export", "--to", str(tree), "--since", "вчера"]) == 2
    assert cli.main(["authoring", "export", "--to", str(tmp_path)]) == 2  # not a course


def test_export_since_leaves_out_older_versions(servers: tuple[Server, Server],
                                                tmp_path: Path) -> None:
    a, _b = servers
    save_on(a)
    tree = copy_course(MINI, tmp_path / "tree")
    with a.app.app_context():
        report = web_versions.export(db.session(), tree,
                                     since=datetime.now(UTC) + timedelta(days=1))
    assert report.written == () and (tree / MODULE).read_bytes() != (a.root / MODULE).read_bytes()
    sofia = timezone(timedelta(hours=3))  # a moment given with its zone is compared in UTC
    with a.app.app_context():
        report = web_versions.export(db.session(), tree,
                                     since=datetime.now(sofia) - timedelta(minutes=5))
    assert report.written == (MODULE,)


def test_one_save_at_a_time_holds_across_sessions(servers: tuple[Server, Server]) -> None:
    a, _b = servers
    with a.app.app_context():
        engine = db.engine()
    if engine.dialect.name != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; on SQLite the file lock does it")
    order: list[str] = []
    with Session(engine) as first:
        web_versions.one_save_at_a_time(first)

        def second() -> None:
            with Session(engine) as other:
                web_versions.one_save_at_a_time(other)
                order.append("second")
                other.commit()

        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(0.3)
        order.append("first")
        first.commit()  # the lock goes with the transaction
        waiting.join(5)
    assert order == ["first", "second"]


def version(number: int, data: bytes, status: str = SAVED) -> SourceVersion:
    return SourceVersion(id=number, path=MODULE, content=data.decode(), sha256=sha(data),
                         status=status)


OLD, WEB, GIT = b"old\n", b"web\n", b"git\n"


@pytest.mark.parametrize(("disk", "rows", "expected"), [
    (WEB, [(1, OLD, BASELINE)], "same"),
    (OLD, [(1, OLD, BASELINE)], "write"),  # the text the version replaced
    (GIT, [(1, OLD, BASELINE)], "keep"),  # git changed it after: git wins
    (None, [], "write"),  # born in the browser on another server
    (None, [(1, OLD, BASELINE)], "keep"),  # removed in git
    (OLD, [(1, OLD, BASELINE), (3, GIT, BASELINE)], "write"),  # older texts are known too
    (None, [(1, OLD, BASELINE), (3, b"", REMOVED)], "keep"),  # removed after this version
    (None, [(1, OLD, BASELINE), (1, b"", REMOVED)], "write"),  # brought back
])
def test_decide(disk: bytes | None, rows: list[tuple[int, bytes, str]], expected: str) -> None:
    history = Known(tuple((n, sha(data), status) for n, data, status in rows))
    assert web_versions.decide(version(2, WEB), disk, history) == expected


@pytest.mark.parametrize(("disk", "rows", "expected"), [
    (OLD, [(1, OLD, BASELINE)], "remove"),
    (None, [(1, OLD, BASELINE)], "same"),
    (GIT, [(1, OLD, BASELINE)], "keep"),  # git's newer text of a file removed on the web
])
def test_decide_a_removal(disk: bytes | None, rows: list[tuple[int, bytes, str]],
                          expected: str) -> None:
    history = Known(tuple((n, sha(data), status) for n, data, status in rows))
    assert web_versions.decide(version(2, b"", REMOVED), disk, history) == expected


@pytest.mark.parametrize("like", [b"a\n", b"a\r\n", b"\xef\xbb\xbfa\n", b"\xef\xbb\xbfa\r\n"])
def test_a_version_is_written_with_its_own_newlines_and_bom(like: bytes) -> None:
    data = encode("ред едно\nред две\n", like)
    found = version(2, data)
    found.content = "ред едно\nред две\n"
    assert web_versions.version_bytes(found) == data  # whatever the file there has
    assert web_versions.version_bytes(found, b"x\r\n") == data

