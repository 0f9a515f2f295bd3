"""Web authoring: staff edit course sources in the browser, through the same checks as
``dobro check``; a text with errors is never written, and every version is kept."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from tests.webapp.conftest import People, csrf_token, login, submit
from webapp import db, livebuild
from webapp.models import SourceVersion
from webapp.services import authoring

MODULE = "modules/osnovi/01-obshtinata.md"
QUIZ = "quizzes/osnovi/obshtinata-proverka.yaml"
EDIT = f"/trainer/authoring/edit?file={MODULE}"
PREVIEW = f"/trainer/authoring/preview?file={MODULE}"
HISTORY = f"/trainer/authoring/history?file={MODULE}"
READER = "/learn/obshtinata"
NEW_SENTENCE = "Общината се управлява от избрани органи."


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def versions(app: Flask, rel: str = MODULE) -> list[SourceVersion]:
    with app.app_context():
        return list(db.session().exec(select(SourceVersion).where(SourceVersion.path == rel)
                                      .order_by(SourceVersion.id)).all())  # type: ignore[arg-type]


@pytest.fixture
def trainer(client: FlaskClient, people: People) -> FlaskClient:
    login(client, "trainer")
    return client


def save(client: FlaskClient, text: str, base: str, comment: str = "", url: str = EDIT,
         **extra: str) -> tuple[int, str]:
    response = submit(client, url, {"text": text, "base": base, "comment": comment,
                                    "save": "1", **extra})
    if response.status_code == 302:
        response = client.get(response.headers["Location"])
    return response.status_code, response.get_data(as_text=True)


def test_the_list_groups_the_sources_by_topic(trainer: FlaskClient) -> None:
    page = trainer.get("/trainer/authoring/").get_data(as_text=True)
    assert MODULE in page and QUIZ in page and "modules/course.yaml" in page
    assert page.index("Общината") < page.index(QUIZ)  # the module, then its topic's quizzes
    assert "/trainer/authoring/" in trainer.get("/trainer/").get_data(as_text=True)


def test_the_editor_shows_the_file_and_its_preview(trainer: FlaskClient,
                                                   course_root: Path) -> None:
    page = trainer.get(EDIT).get_data(as_text=True)
    assert "Органите са общинският съвет и кметът." in page  # in the textarea
    assert 'class="prose"' in page  # the preview, rendered like the reader
    assert sha((course_root / MODULE).read_bytes()) in page
    assert f'data-preview-url="{PREVIEW}"' in page


def test_a_text_with_errors_is_not_saved_but_kept_as_a_draft(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    broken = before.decode().replace("[следващия модул](02-savetat.md#kvorum)",
                                     "[следващия модул](02-savetat.md#nyama)")
    assert broken != before.decode()
    status, page = save(trainer, broken + NEW_SENTENCE, sha(before))
    assert status == 422
    assert "Не е записано" in page and "nyama" in page  # the reason, in Bulgarian
    assert NEW_SENTENCE in page  # the trainer's text stays in the textarea
    assert (course_root / MODULE).read_bytes() == before
    assert NEW_SENTENCE not in trainer.get(READER).get_data(as_text=True)
    kept = versions(app)
    assert [v.status for v in kept] == ["rejected"] and NEW_SENTENCE in kept[0].content


def test_a_good_text_is_written_rebuilt_served_and_versioned(
        app: Flask, trainer: FlaskClient, people: People, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    text = before.decode().replace("Органите са", NEW_SENTENCE + "\n\nОрганите са")
    status, page = save(trainer, text.replace("\n", "\r\n"), sha(before), "нов абзац")
    assert status == 200 and "Записано" in page
    written = (course_root / MODULE).read_bytes()
    assert written == text.encode() and b"\r\n" not in written  # LF kept, as in the file
    assert NEW_SENTENCE in trainer.get(READER).get_data(as_text=True)
    baseline, saved = versions(app)
    assert (baseline.status, baseline.author_id, baseline.sha256) == ("baseline", None, sha(before))
    assert (saved.status, saved.author_id, saved.comment) == ("saved", people.trainer.id,
                                                              "нов абзац")
    assert saved.sha256 == sha(written) and saved.created_at.tzinfo is not None
    history = trainer.get(HISTORY).get_data(as_text=True)
    assert "Теодора Обучителева" in history and "нов абзац" in history
    listing = trainer.get("/trainer/authoring/").get_data(as_text=True)
    assert "Теодора Обучителева" in listing


def test_an_old_version_can_be_restored(app: Flask, trainer: FlaskClient,
                                        course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    text = before.decode().replace("Органите са", NEW_SENTENCE + "\n\nОрганите са")
    save(trainer, text, sha(before))
    baseline = versions(app)[0]
    url = f"/trainer/authoring/version/{baseline.id}"
    page = trainer.get(url).get_data(as_text=True)
    assert "<del>" in page and NEW_SENTENCE in page  # the diff against the current file
    response = submit(trainer, f"{url}/restore", {"base": sha(text.encode())}, page=url)
    assert response.status_code == 302
    assert (course_root / MODULE).read_bytes() == before
    assert NEW_SENTENCE not in trainer.get(READER).get_data(as_text=True)
    assert versions(app)[-1].status == "restored"


def test_a_save_over_a_changed_file_is_refused(app: Flask, trainer: FlaskClient,
                                               course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    theirs = before.replace("Органите са".encode(), "Органите на общината са".encode())
    (course_root / MODULE).write_bytes(theirs)  # another trainer, or a git pull
    mine = before.decode() + "\n" + NEW_SENTENCE + "\n"
    status, page = save(trainer, mine, sha(before))
    assert status == 409
    assert "файлът е променен" in page and NEW_SENTENCE in page
    assert "Органите на общината са" in page  # the diff shows the current text
    assert (course_root / MODULE).read_bytes() == theirs
    assert versions(app)[-1].status == "rejected"


def test_a_form_sent_again_does_not_overwrite(trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    first = before.decode() + "\nПърви.\n"
    assert save(trainer, first, sha(before))[0] == 200
    assert save(trainer, first + "Втори.\n", sha(before))[0] == 409
    assert save(trainer, first, sha(before))[0] == 200  # the same text again: nothing to do
    assert (course_root / MODULE).read_text(encoding="utf-8") == first


def test_check_and_preview_without_javascript_writes_nothing(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    text = before.decode() + "\nТекст [връзка](nyama.md).\n"
    response = submit(trainer, EDIT, {"text": text, "base": sha(before), "check": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "broken-link" in page and "nyama.md" in page
    assert 'class="problem-link"' in page and "Текст" in page  # the problems and the preview
    assert (course_root / MODULE).read_bytes() == before and versions(app) == []


def test_preview_returns_the_problems_with_their_lines(trainer: FlaskClient) -> None:
    text = "---\nid: obshtinata\ntitle: Общината\n---\n\nТекст [връзка](nyama.md).\n"
    token = csrf_token(trainer, EDIT)
    response = trainer.post(PREVIEW, json={"text": text}, headers={"X-CSRFToken": token})
    assert response.status_code == 200
    data = response.get_json()
    own = [p for p in data["items"] if p["path"] == MODULE and p["severity"] == "error"]
    assert any(p["code"] == "broken-link" and p["line"] == 6 for p in own)
    assert data["errors"] >= 1 and 'data-line="6"' in data["problems"]
    assert "Текст" in data["preview"]
    caused = [p for p in data["items"] if p["path"] != MODULE]
    assert any(p["code"] == "unknown-anchor" for p in caused)  # 02-savetat links to #kakvo-e


def test_quiz_preview_shows_the_questions_with_their_key(trainer: FlaskClient,
                                                         course_root: Path) -> None:
    page = trainer.get(f"/trainer/authoring/edit?file={QUIZ}").get_data(as_text=True)
    assert "authoring-questions" in page and "<strong>вярно</strong>" in page
    pool = trainer.get("/trainer/authoring/edit?file=quizzes/osnovi/osnovi-banka.yaml")
    assert "✓" in pool.get_data(as_text=True)


@pytest.mark.parametrize("body", [None, [], {"text": 5}, {"other": "x"}])
def test_preview_refuses_bad_bodies_without_failing(trainer: FlaskClient, body: object) -> None:
    token = csrf_token(trainer, EDIT)
    response = trainer.post(PREVIEW, json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 400 and "error" in response.get_json()


def test_preview_without_the_csrf_token_is_refused(trainer: FlaskClient) -> None:
    response = trainer.post(PREVIEW, json={"text": "x"})
    assert response.status_code == 400
    assert "items" not in response.get_data(as_text=True)


def test_a_save_without_the_csrf_token_is_refused(trainer: FlaskClient,
                                                  course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    response = trainer.post(EDIT, data={"text": "x", "base": sha(before), "save": "1"})
    assert response.status_code == 400
    assert (course_root / MODULE).read_bytes() == before


@pytest.mark.parametrize("data", [{}, {"text": "x"}, {"text": "x", "base": "nope", "save": "1"},
                                  {"base": "0" * 64, "save": "1"}])
def test_incomplete_forms_are_refused_without_failing(trainer: FlaskClient, course_root: Path,
                                                      data: dict[str, str]) -> None:
    before = (course_root / MODULE).read_bytes()
    assert submit(trainer, EDIT, data).status_code == 400
    assert (course_root / MODULE).read_bytes() == before


def test_a_huge_text_gets_a_message(trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    huge = "я" * (authoring.MAX_BYTES // 2 + 10)  # over 1 MB as UTF-8
    status, page = save(trainer, huge, sha(before))
    assert status == 400 and "1 MB" in page
    assert (course_root / MODULE).read_bytes() == before
    token = csrf_token(trainer, EDIT)
    response = trainer.post(PREVIEW, json={"text": huge}, headers={"X-CSRFToken": token})
    assert response.status_code == 413 and "1 MB" in response.get_json()["error"]
    far_too_big = trainer.post(EDIT, data={"csrf_token": token, "text": "я" * 4_000_000})
    assert far_too_big.status_code == 413 and "1 MB" in far_too_big.get_data(as_text=True)


@pytest.mark.parametrize("rel", ["../../etc/passwd", "modules/../../secret.md", "/etc/passwd",
                                 "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "",
                                 "modules/osnovi/nyama.md", "build/course.json",
                                 "modules/osnovi/img/shema.png", "quizzes/osnovi",
                                 f"./{MODULE}", f"{MODULE}/", f"{MODULE}%00"])
def test_only_the_course_sources_can_be_reached(trainer: FlaskClient, rel: str) -> None:
    # A NUL anywhere in a query is refused before any view reads it (test_nul_input.py).
    refused = 400 if "%00" in rel else 404
    for url in (f"/trainer/authoring/edit?file={rel}", f"/trainer/authoring/history?file={rel}"):
        assert trainer.get(url).status_code == refused, url
    assert trainer.get("/trainer/authoring/edit").status_code == 404
    token = csrf_token(trainer, EDIT)
    response = trainer.post(f"/trainer/authoring/preview?file={rel}", json={"text": "x"},
                            headers={"X-CSRFToken": token})
    assert response.status_code == refused


def test_unknown_versions_are_not_found(trainer: FlaskClient) -> None:
    assert trainer.get("/trainer/authoring/version/999").status_code == 404
    assert trainer.get("/trainer/authoring/version/" + "9" * 30).status_code == 404
    assert trainer.get(f"{EDIT}&version={'9' * 30}").status_code == 200
    token = csrf_token(trainer, EDIT)
    response = trainer.post("/trainer/authoring/version/999/restore",
                            data={"csrf_token": token, "base": "0" * 64})
    assert response.status_code == 404


def test_learners_and_anonymous_users_are_kept_out(client: FlaskClient, people: People) -> None:
    response = client.get(EDIT)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(PREVIEW, json={"text": "x"}).status_code in (302, 400)
    login(client, "ivan")
    for url in ("/trainer/authoring/", EDIT, HISTORY, f"/trainer/authoring/edit?file={QUIZ}"):
        response = client.get(url)
        assert response.status_code == 403 and "Така гласи" not in response.get_data(as_text=True)
    token = csrf_token(client, "/")
    response = client.post(PREVIEW, json={"text": "x"}, headers={"X-CSRFToken": token})
    assert response.status_code == 403


def test_an_admin_may_edit(client: FlaskClient, people: People) -> None:
    login(client, "admin")
    assert client.get(EDIT).status_code == 200


def test_a_draft_can_be_opened_in_the_editor(app: Flask, trainer: FlaskClient,
                                             course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    save(trainer, "---\nбез край\n" + NEW_SENTENCE, sha(before))
    draft = versions(app)[-1]
    page = trainer.get(f"{EDIT}&version={draft.id}").get_data(as_text=True)
    assert NEW_SENTENCE in page
    assert trainer.get(f"{EDIT}&version=abc").status_code == 200


def test_in_live_reload_mode_the_watcher_rebuilds(make_app: Any, build_dir: Path,
                                                  people: People, course_root: Path) -> None:
    live = make_app(LIVE_RELOAD=True)
    assert livebuild.watcher(live).rebuild().ok
    client = live.test_client()
    login(client, "trainer")
    before = (course_root / MODULE).read_bytes()
    text = before.decode().replace("Органите са", NEW_SENTENCE + "\n\nОрганите са")
    assert save(client, text, sha(before))[0] == 200
    assert NEW_SENTENCE in client.get(READER).get_data(as_text=True)
    state = livebuild.build_status(live).state  # type: ignore[union-attr]
    assert state.ok and state.version == 2
    assert not livebuild.watcher(live).poll_once()  # the watcher saw the new text already


def test_crlf_files_keep_their_newlines(trainer: FlaskClient, course_root: Path) -> None:
    path = course_root / MODULE
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    before = path.read_bytes()
    text = before.decode().replace("\r\n", "\n") + "\nНов ред.\n"
    assert save(trainer, text, sha(before))[0] == 200
    assert path.read_bytes() == text.replace("\n", "\r\n").encode()
