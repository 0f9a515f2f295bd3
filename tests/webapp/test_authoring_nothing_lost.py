"""Nothing an author writes is ever lost: a Windows-1251 file keeps every letter and its
original bytes, a refused draft is offered again, and another file's errors neither block a
save nor go unnamed."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import People, csrf_token, login, submit
from tests.webapp.test_authoring import sha, versions
from webapp.services import authoring

MODULE = "modules/osnovi/01-obshtinata.md"
OTHER = "modules/osnovi/02-savetat.md"
EDIT = f"/trainer/authoring/edit?file={MODULE}"
EDIT_OTHER = f"/trainer/authoring/edit?file={OTHER}"
CONVERT = f"/trainer/authoring/convert?file={OTHER}"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъьюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЬЮЯ „Цитат“ — №5"
NEW_SENTENCE = "Общината се управлява от избрани органи."


@pytest.fixture
def trainer(client: FlaskClient, people: People) -> FlaskClient:
    login(client, "trainer")
    return client


def save(client: FlaskClient, url: str, text: str, base: str) -> tuple[int, str]:
    response = submit(client, url, {"text": text, "base": base, "comment": "", "save": "1"})
    if response.status_code == 302:
        response = client.get(response.headers["Location"])
    return response.status_code, response.get_data(as_text=True)


# --- A Windows-1251 module ---------------------------------------------------------------


@pytest.fixture
def windows_1251(course_root: Path) -> tuple[str, bytes]:
    """The second module, with every Bulgarian letter, saved as Notepad's "ANSI" would."""
    path = course_root / OTHER
    text = path.read_text(encoding="utf-8").replace(
        "Заседанието е законно", f"{CYRILLIC}\n\nЗаседанието е законно")
    original = text.encode("cp1251")
    path.write_bytes(original)
    return text, original


def test_a_windows_1251_module_round_trips_through_the_editor(
        app: Flask, trainer: FlaskClient, course_root: Path,
        windows_1251: tuple[str, bytes]) -> None:
    text, original = windows_1251
    page = trainer.get(EDIT_OTHER).get_data(as_text=True)
    assert "не е в кодировка UTF-8: отваря се само за четене" in page
    assert "Windows-1251" in page and "readonly" in page
    assert CYRILLIC in page  # shown converted, before anything is saved
    assert "\ufffd" not in page
    assert 'name="text"' not in page  # no editable text that could be saved garbled
    assert (course_root / OTHER).read_bytes() == original  # opening writes nothing

    response = submit(trainer, CONVERT, {"base": sha(original)}, page=EDIT_OTHER)
    assert response.status_code == 302
    page = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Записано" in page and 'name="text"' in page  # now an ordinary, editable file
    assert (course_root / OTHER).read_bytes() == text.encode("utf-8")  # every letter kept
    assert CYRILLIC in trainer.get("/learn/savetat").get_data(as_text=True)

    edited = text + "\nОще един ред.\n"
    status, page = save(trainer, EDIT_OTHER, edited, sha(text.encode()))
    assert status == 200 and "Записано" in page
    written = (course_root / OTHER).read_text(encoding="utf-8")
    assert written == edited and CYRILLIC in written and "\ufffd" not in written

    baseline, converted, saved = versions(app, OTHER)
    assert (baseline.status, baseline.raw, baseline.sha256) == ("baseline", original,
                                                               sha(original))
    assert baseline.content == text  # shown as its letters in the history, never as "�"
    assert converted.comment == "Преобразуван от Windows-1251 в UTF-8" and converted.raw is None
    version_page = trainer.get(f"/trainer/authoring/version/{baseline.id}")
    assert "не е в UTF-8" in version_page.get_data(as_text=True)
    restore = f"/trainer/authoring/version/{baseline.id}/restore"
    response = submit(trainer, restore, {"base": sha(edited.encode())},
                      page=f"/trainer/authoring/version/{baseline.id}")
    assert response.status_code == 302
    assert (course_root / OTHER).read_bytes() == original  # the very bytes of the original
    assert "само за четене" in trainer.get(EDIT_OTHER).get_data(as_text=True)


def test_a_conversion_is_only_of_the_text_that_was_shown(
        app: Flask, trainer: FlaskClient, course_root: Path,
        windows_1251: tuple[str, bytes]) -> None:
    _text, original = windows_1251
    response = submit(trainer, CONVERT, {"base": "0" * 64}, page=EDIT_OTHER)
    assert response.status_code == 302
    assert "беше показан" in trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert submit(trainer, CONVERT, {}, page=EDIT_OTHER).status_code == 302
    assert trainer.post(CONVERT, data={"base": sha(original)}).status_code == 400  # no CSRF
    assert (course_root / OTHER).read_bytes() == original and versions(app, OTHER) == []


def test_an_unreadable_file_is_never_saved_garbled_through_the_editor_form(
        app: Flask, trainer: FlaskClient, course_root: Path,
        windows_1251: tuple[str, bytes]) -> None:
    _text, original = windows_1251
    status, _page = save(trainer, EDIT_OTHER, "---\nid: savetat\n---\n\nx\n", "0" * 64)
    assert status == 409  # a stale form: the file is never overwritten
    assert (course_root / OTHER).read_bytes() == original


def test_a_file_in_no_known_encoding_is_read_only_without_a_conversion(
        trainer: FlaskClient, course_root: Path) -> None:
    (course_root / OTHER).write_bytes(b"---\nid: savetat\n---\n\n\x98\x98\x98\n")
    page = trainer.get(EDIT_OTHER).get_data(as_text=True)
    assert "Кодировката му не е разпозната" in page and 'name="text"' not in page
    history = trainer.get(f"/trainer/authoring/history?file={OTHER}")
    assert history.status_code == 200


def test_the_service_decodes_strictly() -> None:
    with pytest.raises(authoring.NotUtf8) as raised:
        authoring.decode("Общината".encode("cp1251"))
    assert raised.value.codec == "cp1251" and raised.value.converted == "Общината"
    assert authoring.decode("Общината\r\n".encode()) == "Общината\n"


# --- A refused draft ---------------------------------------------------------------------


def test_a_refused_draft_is_offered_when_its_author_comes_back(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    draft_text = before.decode() + "\nВижте [липсващия модул](nyama.md).\n"
    status, _page = save(trainer, EDIT, draft_text, sha(before))
    assert status == 422
    draft = versions(app, MODULE)[-1]

    page = trainer.get(EDIT).get_data(as_text=True)
    assert "Продължете с черновата от" in page
    assert f"version={draft.id}" in page
    assert "липсващия модул" not in page.split('name="text"')[1].split("</textarea>")[0]
    resumed = trainer.get(f"{EDIT}&version={draft.id}").get_data(as_text=True)
    assert "липсващия модул" in resumed and "Продължете с черновата" not in resumed


def test_a_draft_is_offered_to_its_author_only(app: Flask, client: FlaskClient, people: People,
                                               course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    login(client, "trainer")
    save(client, EDIT, before.decode() + "\n[x](nyama.md)\n", sha(before))
    other = app.test_client()
    login(other, "admin")
    assert "Продължете с черновата" not in other.get(EDIT).get_data(as_text=True)


def test_a_draft_can_be_set_aside_and_stays_in_the_history(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    save(trainer, EDIT, before.decode() + "\n[първа](nyama.md)\n", sha(before))
    save(trainer, EDIT, before.decode() + "\n[втора](nyama.md)\n", sha(before))
    newest = versions(app, MODULE)[-1]
    response = submit(trainer, f"/trainer/authoring/draft/{newest.id}/discard", {}, page=EDIT)
    assert response.status_code == 302
    page = trainer.get(response.headers["Location"]).get_data(as_text=True)
    assert "Продължете с черновата" not in page  # the older draft is not offered either
    assert [v.status for v in versions(app, MODULE)] == ["discarded", "discarded"]
    assert "втора" in trainer.get(f"/trainer/authoring/version/{newest.id}").get_data(
        as_text=True)
    assert trainer.post(f"/trainer/authoring/draft/{newest.id}/discard").status_code == 400


def test_only_its_author_may_set_a_draft_aside(client: FlaskClient, people: People,
                                               course_root: Path, app: Flask) -> None:
    before = (course_root / MODULE).read_bytes()
    login(client, "trainer")
    save(client, EDIT, before.decode() + "\n[x](nyama.md)\n", sha(before))
    draft = versions(app, MODULE)[-1]
    other = app.test_client()
    login(other, "admin")
    response = submit(other, f"/trainer/authoring/draft/{draft.id}/discard", {}, page=EDIT)
    assert response.status_code == 404
    assert submit(other, "/trainer/authoring/draft/99999/discard", {}, page=EDIT).status_code == 404
    assert versions(app, MODULE)[-1].status == "rejected"


def test_a_draft_older_than_the_last_save_is_not_offered(
        trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    save(trainer, EDIT, before.decode() + "\n[x](nyama.md)\n", sha(before))
    good = before.decode() + "\n" + NEW_SENTENCE + "\n"
    assert save(trainer, EDIT, good, sha(before))[0] == 200
    assert "Продължете с черновата" not in trainer.get(EDIT).get_data(as_text=True)


# --- Another file's errors ---------------------------------------------------------------


@pytest.fixture
def broken_other(course_root: Path) -> str:
    """Someone else's module, broken on disk (a git pull, an editor on the server)."""
    path = course_root / OTHER
    path.write_text(path.read_text(encoding="utf-8") + "\nВижте [стария модул](nyama.md).\n",
                    encoding="utf-8")
    return OTHER


def test_another_files_errors_do_not_block_a_save_and_are_named(
        trainer: FlaskClient, course_root: Path, broken_other: str) -> None:
    before = (course_root / MODULE).read_bytes()
    page = trainer.get(EDIT).get_data(as_text=True)
    assert "може да бъде записан: не добавя грешки" in page
    assert f'href="/trainer/authoring/edit?file={OTHER}"' in page  # a link to open it
    line = (course_root / OTHER).read_text(encoding="utf-8").splitlines().index(
        "Вижте [стария модул](nyama.md).") + 1
    assert f"<code>:{line}:" in page and "nyama.md" in page  # where, and what

    text = before.decode().replace("Органите са", NEW_SENTENCE + "\n\nОрганите са")
    status, page = save(trainer, EDIT, text, sha(before))
    assert status == 200 and "Записано" in page
    assert (course_root / MODULE).read_text(encoding="utf-8") == text
    assert OTHER in page.split("Записано", 1)[1]  # why learners do not see it yet


def test_a_save_that_adds_errors_elsewhere_is_refused_and_says_where(
        trainer: FlaskClient, course_root: Path, broken_other: str) -> None:
    before = (course_root / MODULE).read_bytes()
    text = before.decode().replace(" {#kakvo-e}", "")  # the second module links to #kakvo-e
    status, page = save(trainer, EDIT, text, sha(before))
    assert status == 422 and "Не е записано" in page
    panel = page.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "Грешки, които текстът ви причинява в други файлове" in panel
    assert OTHER in panel and "kakvo-e" in panel
    assert "nyama.md" not in panel  # the error that was already there is not the reason
    assert (course_root / MODULE).read_bytes() == before


def test_a_save_with_errors_in_its_own_file_is_refused_even_when_others_are_broken(
        trainer: FlaskClient, course_root: Path, broken_other: str) -> None:
    before = (course_root / MODULE).read_bytes()
    status, page = save(trainer, EDIT, before.decode() + "\n[x](lipsva.md)\n", sha(before))
    assert status == 422
    panel = page.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "Грешки в този файл" in panel and "lipsva.md" in panel
    assert (course_root / MODULE).read_bytes() == before


def test_a_refused_conversion_is_kept_and_can_be_finished(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    path = course_root / OTHER
    text = path.read_text(encoding="utf-8") + "\nВижте [липсващия модул](nyama.md).\n"
    original = text.encode("cp1251")
    path.write_bytes(original)
    response = submit(trainer, CONVERT, {"base": sha(original)}, page=EDIT_OTHER)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Не е записано" in page and "nyama.md" in page
    assert 'name="text"' in page and "Вижте [липсващия модул]" in page  # editable, letters kept
    assert path.read_bytes() == original

    page = trainer.get(EDIT_OTHER).get_data(as_text=True)  # back later: read-only, and the offer
    assert "само за четене" in page and "Продължете с черновата от" in page
    draft = versions(app, OTHER)[-1]
    assert draft.status == "rejected" and draft.content == text
    resumed = trainer.get(f"{EDIT_OTHER}&version={draft.id}").get_data(as_text=True)
    assert 'name="text"' in resumed and sha(original) in resumed
    fixed = text.replace("[липсващия модул](nyama.md)", "липсващия модул")
    status, page = save(trainer, EDIT_OTHER, fixed, sha(original))
    assert status == 200 and "Записано" in page
    assert path.read_bytes() == fixed.encode("utf-8")
    baseline = [v for v in versions(app, OTHER) if v.status == "baseline"]
    assert [v.raw for v in baseline] == [original]  # the very original bytes
    assert "Продължете с черновата" not in trainer.get(EDIT_OTHER).get_data(as_text=True)


def test_text_typed_but_never_saved_is_offered_too(app: Flask, trainer: FlaskClient,
                                                   course_root: Path) -> None:
    before = (course_root / MODULE).read_bytes()
    token = csrf_token(trainer, EDIT)
    preview = f"/trainer/authoring/preview?file={MODULE}"
    for typed in ("\nПърва мисъл", "\nПърва мисъл, довършена."):  # the live check, as one types
        response = trainer.post(preview, json={"text": before.decode() + typed},
                                headers={"X-CSRFToken": token})
        assert response.status_code == 200
    kept = versions(app, MODULE)
    assert [v.status for v in kept] == ["unsaved"]  # one row, kept up to date
    assert kept[0].content.endswith("Първа мисъл, довършена.")
    assert (course_root / MODULE).read_bytes() == before  # nothing written to the file

    page = trainer.get(EDIT).get_data(as_text=True)  # the tab was closed; the trainer returns
    assert "Продължете с черновата от" in page and f"version={kept[0].id}" in page
    resumed = trainer.get(f"{EDIT}&version={kept[0].id}").get_data(as_text=True)
    assert "Първа мисъл, довършена." in resumed

    trainer.post(preview, json={"text": before.decode()}, headers={"X-CSRFToken": token})
    assert len(versions(app, MODULE)) == 1  # the file's own text is no draft
