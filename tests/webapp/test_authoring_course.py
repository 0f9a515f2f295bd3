"""Placing and adding modules in the browser: new modules, tests and pages, order, topics,
groups and prerequisites, written to course.yaml through the same checks as a web save."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from course.build import check
from tests.conftest import copy_course
from tests.webapp.conftest import MINI, People, csrf_token, login, submit
from webapp import db
from webapp.models import SourceVersion

BASE = "/trainer/authoring/course"
MANIFEST = "modules/course.yaml"
SECOND_TOPIC = """
  # A second topic, so modules can move between topics.
  - id: vtora
    title: Втора тема
    audiences: [employees, councillors]
    modules:
      - byudzhet
      - danaci
    completion:
      final: none
"""
BYUDZHET = """---
id: byudzhet
title: Бюджетът
minutes: 20
objectives:
  - Описва бюджета.
---

## Приемане {#priemane}

Текст.
"""


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    """The mini course with a second topic."""
    root = copy_course(MINI, tmp_path)
    manifest = root / MANIFEST
    manifest.write_text(manifest.read_text(encoding="utf-8") + SECOND_TOPIC, encoding="utf-8")
    (root / "modules/vtora").mkdir()
    (root / "modules/vtora/01-byudzhet.md").write_text(BYUDZHET, encoding="utf-8")
    danaci = BYUDZHET.replace("byudzhet", "danaci").replace("Бюджетът", "Данъците")
    (root / "modules/vtora/02-danaci.md").write_text(danaci, encoding="utf-8")
    return root


@pytest.fixture
def trainer(client: FlaskClient, people: People) -> FlaskClient:
    login(client, "trainer")
    return client


def topic_modules(root: Path, topic: str) -> list[str]:
    lines = (root / MANIFEST).read_text(encoding="utf-8").splitlines()
    start = lines.index(f"  - id: {topic}")
    block = lines[start + 1:]
    at = next(i for i, line in enumerate(block) if line.strip() == "modules:")
    found = []
    for line in block[at + 1:]:
        if not line.startswith("      - "):
            break
        found.append(line.strip()[2:])
    return found


def post(client: FlaskClient, url: str, data: dict[str, object]) -> tuple[int, str]:
    response = submit(client, url, data, page=f"{BASE}/")
    status = response.status_code
    if status == 302:
        response = client.get(response.headers["Location"])
    return status, response.get_data(as_text=True)


def test_staff_only(client: FlaskClient, people: People) -> None:
    assert client.get(f"{BASE}/").status_code == 302
    login(client, "ivan")
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/new-module?topic=osnovi").status_code == 403


def test_the_sources_page_links_here(trainer: FlaskClient) -> None:
    page = trainer.get("/trainer/authoring/").get_data(as_text=True)
    assert f"{BASE}/new-module?topic=osnovi" in page and f'href="{BASE}/"' in page


def test_create_a_module_second_in_the_topic_and_read_it(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    form = f"{BASE}/new-module?topic=osnovi"
    assert "Общински съветници" in trainer.get(form).get_data(as_text=True)
    status, page = post(trainer, form, {"title": "Кметът на общината", "minutes": "25",
                                        "audiences": ["councillors"], "position": "1"})
    assert status == 302, page
    rel = "modules/osnovi/03-kmetat-na-obshtinata.md"
    text = (course_root / rel).read_text(encoding="utf-8")
    assert text.startswith("---\nid: kmetat-na-obshtinata\ntitle: \"Кметът на общината\"\n")
    assert "audiences: [councillors]" in text and "## Обобщение" in text
    assert topic_modules(course_root, "osnovi") == ["obshtinata", "kmetat-na-obshtinata",
                                                    "savetat"]
    assert (course_root / MANIFEST).read_text(encoding="utf-8").startswith("# A tiny valid")
    with app.app_context():
        rows = db.session().exec(select(SourceVersion).where(SourceVersion.path == rel)).all()
        assert [(r.status, r.author_id is not None) for r in rows] == [("saved", True)]
    assert trainer.get("/learn/kmetat-na-obshtinata").status_code == 200
    overview = trainer.get(f"{BASE}/").get_data(as_text=True)
    assert overview.index("Общината") < overview.index("Кметът на общината") < overview.index(
        "Общинският съвет")


@pytest.mark.parametrize(("title", "message"), [
    ("", "Напишете заглавие"),
    ("я" * 10_000, "Заглавието е твърде дълго"),
    ("!!!", "поне една буква"),
    ("Общината", "вече има"),  # the id obshtinata is taken
    ("../../etc/passwd", None),  # becomes the harmless id etc-passwd
])
def test_bad_titles_get_a_bulgarian_message(trainer: FlaskClient, course_root: Path, title: str,
                                            message: str | None) -> None:
    before = sorted(p.name for p in (course_root / "modules/osnovi").iterdir())
    status, page = post(trainer, f"{BASE}/new-module?topic=osnovi",
                        {"title": title, "minutes": "20", "position": "0"})
    if message is None:
        assert status == 302 and (course_root / "modules/osnovi/03-etc-passwd.md").is_file()
        assert not Path("/etc/passwd.md").exists()
        return
    assert status == 422 and message in page
    assert sorted(p.name for p in (course_root / "modules/osnovi").iterdir()) == before


@pytest.mark.parametrize("url", [f"{BASE}/new-module?topic=nyama",
                                 f"{BASE}/new-module?topic=../osnovi",
                                 f"{BASE}/module?module=nyama", f"{BASE}/remove?module=",
                                 f"{BASE}/tracks"])
def test_unknown_topics_and_modules_say_so(trainer: FlaskClient, url: str) -> None:
    response = trainer.get(url)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Няма такава тема" in page or "Няма такъв модул" in page


def test_bad_minutes_and_positions_are_refused(trainer: FlaskClient) -> None:
    for data in ({"title": "Нов", "minutes": "0", "position": "0"},
                 {"title": "Нов", "minutes": "много", "position": "0"},
                 {"title": "Нов", "minutes": "20", "position": "99"},
                 {"title": "Нов", "minutes": "20", "position": "0", "audiences": ["ngo"]}):
        status, page = post(trainer, f"{BASE}/new-module?topic=osnovi", data)
        assert status == 422, data


def test_every_form_needs_its_csrf_token(trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MANIFEST).read_bytes()
    response = trainer.post(f"{BASE}/move", data={"topic": "osnovi", "module": "savetat",
                                                  "up": "1"})
    assert response.status_code in (302, 400)
    assert (course_root / MANIFEST).read_bytes() == before


def test_reorder_up_and_back_gives_the_same_file(trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / MANIFEST).read_bytes()
    status, _ = post(trainer, f"{BASE}/move", {"topic": "osnovi", "module": "savetat", "up": "1"})
    assert status == 302
    assert topic_modules(course_root, "osnovi") == ["savetat", "obshtinata"]
    post(trainer, f"{BASE}/move", {"topic": "osnovi", "module": "savetat", "down": "1"})
    assert (course_root / MANIFEST).read_bytes() == before


def test_the_last_module_of_a_topic_does_not_leave_it(trainer: FlaskClient,
                                                      course_root: Path) -> None:
    post(trainer, f"{BASE}/module?module=danaci", {"place": "osnovi:0"})
    status, page = post(trainer, f"{BASE}/module?module=byudzhet", {"place": "osnovi:0"})
    assert status == 422 and "няма модули" in page
    assert (course_root / "modules/vtora/01-byudzhet.md").is_file()


@pytest.mark.parametrize(("topic", "module", "message"), [
    ("../osnovi", "savetat", "Няма тема „../osnovi“"),
    ("osnovi", "byudzhet", "Модулът „byudzhet“ не е в тази тема"),
    ("osnovi", "x" * 10_000, "не е в тази тема")])
def test_moving_what_is_not_there_says_so(trainer: FlaskClient, course_root: Path, topic: str,
                                          module: str, message: str) -> None:
    before = (course_root / MANIFEST).read_bytes()
    status, page = post(trainer, f"{BASE}/move", {"topic": topic, "module": module, "up": "1"})
    assert status == 302 and message in page
    assert (course_root / MANIFEST).read_bytes() == before


def test_a_file_not_in_utf8_is_left_alone_with_a_message(trainer: FlaskClient,
                                                         course_root: Path) -> None:
    module = course_root / "modules/vtora/01-byudzhet.md"
    module.write_bytes(BYUDZHET.encode("cp1251"))
    before = (course_root / MANIFEST).read_bytes()
    status, page = post(trainer, f"{BASE}/module?module=byudzhet",
                        {"place": "vtora:1", "requires": ["obshtinata"]})
    assert status == 404 and "Няма такъв модул" in page  # it cannot be read: not a module now
    assert module.read_bytes() == BYUDZHET.encode("cp1251")
    assert (course_root / MANIFEST).read_bytes() == before


def test_move_a_module_to_another_topic(trainer: FlaskClient, course_root: Path) -> None:
    status, page = post(trainer, f"{BASE}/module?module=byudzhet",
                        {"place": "osnovi:1", "requires": ["obshtinata"]})
    assert status == 302, page
    assert topic_modules(course_root, "osnovi") == ["obshtinata", "byudzhet", "savetat"]
    assert not (course_root / "modules/vtora/01-byudzhet.md").exists()
    moved = (course_root / "modules/osnovi/03-byudzhet.md").read_text(encoding="utf-8")
    assert "requires: [obshtinata]" in moved and moved.endswith("Текст.\n")


def test_a_module_with_links_and_images_moves_with_them_rewritten(
        trainer: FlaskClient, course_root: Path) -> None:
    status, page = post(trainer, f"{BASE}/module?module=obshtinata", {"place": "vtora:2"})
    assert status == 302, page
    assert not (course_root / "modules/osnovi/01-obshtinata.md").exists()
    moved = (course_root / "modules/vtora/03-obshtinata.md").read_text(encoding="utf-8")
    # Its own links and images point where they did; the image stays in the old topic.
    assert "![Схема на общината](../osnovi/img/shema.png)" in moved
    assert "[следващия модул](../osnovi/02-savetat.md#kvorum)" in moved
    assert "[ЗМСМА](glossary:змсма)" in moved
    assert (course_root / "modules/osnovi/img/shema.png").is_file()
    # Links to it from its old neighbour and from a page follow it.
    savetat = (course_root / "modules/osnovi/02-savetat.md").read_text(encoding="utf-8")
    assert "[първия модул](../vtora/03-obshtinata.md#kakvo-e)" in savetat
    assert "Виж [кворума](#kvorum)" in savetat
    page_text = (course_root / "modules/pages/vavedenie.md").read_text(encoding="utf-8")
    assert "[първия модул](../vtora/03-obshtinata.md)" in page_text
    assert topic_modules(course_root, "vtora") == ["byudzhet", "danaci", "obshtinata"]
    _, problems = check(course_root, jobs=1)
    assert not [p for p in problems if p.is_error]


def test_moving_back_gives_the_links_back(trainer: FlaskClient, course_root: Path) -> None:
    assert post(trainer, f"{BASE}/module?module=obshtinata", {"place": "vtora:0"})[0] == 302
    assert post(trainer, f"{BASE}/module?module=obshtinata", {"place": "osnovi:0"})[0] == 302
    moved = (course_root / "modules/osnovi/03-obshtinata.md").read_text(encoding="utf-8")
    assert "](img/shema.png)" in moved and "](02-savetat.md#kvorum)" in moved
    savetat = (course_root / "modules/osnovi/02-savetat.md").read_text(encoding="utf-8")
    assert "[първия модул](03-obshtinata.md#kakvo-e)" in savetat
    page_text = (course_root / "modules/pages/vavedenie.md").read_text(encoding="utf-8")
    assert "[първия модул](../osnovi/03-obshtinata.md)" in page_text


def test_required_for_an_audience_and_prerequisites(trainer: FlaskClient,
                                                    course_root: Path) -> None:
    status, _ = post(trainer, f"{BASE}/module?module=savetat",
                     {"place": "osnovi:1", "audiences": ["councillors"],
                      "requires": ["obshtinata"]})
    assert status == 302
    text = (course_root / "modules/osnovi/02-savetat.md").read_text(encoding="utf-8")
    assert "audiences: [councillors]" in text and "requires: [obshtinata]" in text
    status, page = post(trainer, f"{BASE}/module?module=savetat",
                        {"place": "osnovi:1", "requires": ["savetat"]})
    assert status == 422  # not a choice: a module is not its own prerequisite


def test_a_prerequisite_cycle_is_refused_by_the_checks(trainer: FlaskClient,
                                                       course_root: Path) -> None:
    post(trainer, f"{BASE}/module?module=savetat", {"place": "osnovi:1",
                                                    "requires": ["obshtinata"]})
    before = (course_root / "modules/osnovi/01-obshtinata.md").read_bytes()
    status, page = post(trainer, f"{BASE}/module?module=obshtinata",
                        {"place": "osnovi:0", "requires": ["savetat"]})
    assert status == 422 and "prerequisite-cycle" in page
    assert (course_root / "modules/osnovi/01-obshtinata.md").read_bytes() == before


def test_topic_tracks(trainer: FlaskClient, course_root: Path) -> None:
    status, _ = post(trainer, f"{BASE}/tracks?topic=vtora",
                     {"required": ["councillors"], "optional": ["employees"]})
    assert status == 302
    text = (course_root / MANIFEST).read_text(encoding="utf-8")
    assert "    audiences: [councillors]\n    optional_for: [employees]\n" in text
    status, page = post(trainer, f"{BASE}/tracks?topic=vtora",
                        {"required": ["councillors"], "optional": ["councillors"]})
    assert status == 422 and "едновременно" in page


def test_removing_a_linked_module_is_refused_with_the_links(trainer: FlaskClient,
                                                            course_root: Path) -> None:
    page = trainer.get(f"{BASE}/remove?module=savetat").get_data(as_text=True)
    assert "modules/osnovi/01-obshtinata.md" in page
    assert "/trainer/authoring/edit?file=modules/osnovi/01-obshtinata.md" in page
    status, _ = post(trainer, f"{BASE}/remove?module=savetat", {"remove": "1"})
    assert status == 409 and (course_root / "modules/osnovi/02-savetat.md").is_file()


def test_remove_an_unlinked_module(trainer: FlaskClient, course_root: Path) -> None:
    post(trainer, f"{BASE}/new-module?topic=vtora", {"title": "Такси", "minutes": "20",
                                                     "position": "1"})
    assert topic_modules(course_root, "vtora") == ["byudzhet", "taksi", "danaci"]
    assert (course_root / "modules/vtora/03-taksi.md").is_file()
    status, _ = post(trainer, f"{BASE}/remove?module=taksi", {"remove": "1"})
    assert status == 302 and topic_modules(course_root, "vtora") == ["byudzhet", "danaci"]
    assert not (course_root / "modules/vtora/03-taksi.md").exists()


def test_rename_title_only_or_with_the_id(trainer: FlaskClient, course_root: Path) -> None:
    status, _ = post(trainer, f"{BASE}/rename?module=byudzhet", {"title": "Общинският бюджет"})
    assert status == 302
    text = (course_root / "modules/vtora/01-byudzhet.md").read_text(encoding="utf-8")
    assert "id: byudzhet\ntitle: Общинският бюджет\n" in text
    status, _ = post(trainer, f"{BASE}/rename?module=byudzhet",
                     {"title": "Общинският бюджет", "new_id": "y"})
    assert status == 302
    assert (course_root / "modules/vtora/01-obshtinskiyat-byudzhet.md").is_file()
    assert topic_modules(course_root, "vtora") == ["obshtinskiyat-byudzhet", "danaci"]
    status, page = post(trainer, f"{BASE}/rename?module=savetat",
                        {"title": "Общинският съвет и комисиите", "new_id": "y"})
    assert status == 409 and "01-obshtinata.md" in page


def test_new_self_check_is_attached_to_its_module(trainer: FlaskClient,
                                                  course_root: Path) -> None:
    status, page = post(trainer, f"{BASE}/new-quiz?topic=vtora",
                        {"kind": "self-check", "title": "Бюджетът – проверка",
                         "module": "byudzhet"})
    assert status == 302, page
    assert (course_root / "quizzes/vtora/byudzhetat-proverka.yaml").is_file()
    assert "quiz: byudzhetat-proverka" in (course_root / "modules/vtora/01-byudzhet.md").read_text(
        encoding="utf-8")
    status, page = post(trainer, f"{BASE}/new-quiz?topic=vtora",
                        {"kind": "self-check", "title": "Пак", "module": "byudzhet"})
    assert status == 422


def test_new_final_and_pool(trainer: FlaskClient, course_root: Path) -> None:
    status, page = post(trainer, f"{BASE}/new-quiz?topic=vtora",
                        {"kind": "final", "title": "Втора – финал", "pool": "osnovi-banka"})
    assert status == 302, page
    assert "final: vtora-final" in (course_root / MANIFEST).read_text(encoding="utf-8")
    status, page = post(trainer, f"{BASE}/new-quiz?topic=vtora",
                        {"kind": "final", "title": "Без банка", "pool": ""})
    assert status == 422 and "банка" in page
    status, _ = post(trainer, f"{BASE}/new-quiz?topic=vtora", {"kind": "pool", "title": "Банка"})
    assert status == 302 and (course_root / "quizzes/vtora/banka.yaml").is_file()


def test_new_page(trainer: FlaskClient, course_root: Path) -> None:
    status, _ = post(trainer, f"{BASE}/new-page", {"title": "Речник на съкращенията"})
    assert status == 302
    assert (course_root / "modules/pages/rechnik-na-sakrashteniyata.md").is_file()
    assert trainer.get("/learn/page/rechnik-na-sakrashteniyata").status_code in (200, 404)


def test_csrf_token_is_on_every_form(trainer: FlaskClient) -> None:
    for url in (f"{BASE}/", f"{BASE}/new-module?topic=osnovi", f"{BASE}/new-quiz?topic=osnovi",
                f"{BASE}/new-page", f"{BASE}/tracks?topic=osnovi", f"{BASE}/module?module=savetat",
                f"{BASE}/rename?module=savetat"):
        assert csrf_token(trainer, url)


def removed_version(app: Flask, rel: str) -> int:
    with app.app_context():
        found = db.session().exec(select(SourceVersion).where(SourceVersion.path == rel)).all()
        # The removal itself is recorded too (for the other app servers), with no text.
        return max(v.id for v in found if v.id is not None and v.status != "removed")


def test_a_removed_module_keeps_its_history_read_only_and_comes_back(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    rel = "modules/vtora/02-danaci.md"
    text = (course_root / rel).read_text(encoding="utf-8")
    status, _ = post(trainer, f"{BASE}/remove?module=danaci", {"remove": "1"})
    assert status == 302 and not (course_root / rel).exists()
    topic = trainer.get("/trainer/authoring/topic/vtora/history").get_data(as_text=True)
    assert f"/trainer/authoring/history?file={rel}" in topic  # where a trainer finds it
    history = trainer.get(f"/trainer/authoring/history?file={rel}")
    assert history.status_code == 200 and "премахнат от курса" in history.get_data(as_text=True)
    version_id = removed_version(app, rel)
    url = f"/trainer/authoring/version/{version_id}"
    page = trainer.get(url).get_data(as_text=True)
    assert "премахнат от курса" in page and "Данъците" in page
    assert 'name="csrf_token"' in page and "/recreate/" in page
    # Restoring as if the file were there says what to do, and changes nothing.
    response = submit(trainer, f"{url}/restore", {"base": "0" * 64}, page=url)
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert not (course_root / rel).exists()
    # Without the form's token nothing comes back.
    bare = trainer.post(f"{BASE}/recreate/{version_id}")
    assert bare.status_code in (302, 400) and not (course_root / rel).exists()
    status, _ = post(trainer, f"{BASE}/recreate/{version_id}", {"recreate": "1"})
    assert status == 302
    assert (course_root / rel).read_text(encoding="utf-8") == text
    assert topic_modules(course_root, "vtora") == ["byudzhet", "danaci"]
    # Once back, the file is edited and restored as any other.
    status, page = post(trainer, f"{BASE}/recreate/{version_id}", {"recreate": "1"})
    assert "отново в курса" in page


def test_a_removed_module_comes_back_with_its_self_check(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    post(trainer, f"{BASE}/new-quiz?topic=vtora", {"kind": "self-check",
                                                  "title": "Бюджетът – проверка",
                                                  "module": "byudzhet"})
    quiz = "quizzes/vtora/byudzhetat-proverka.yaml"
    assert (course_root / quiz).is_file()
    status, _ = post(trainer, f"{BASE}/remove?module=byudzhet", {"remove": "1"})
    assert status == 302 and not (course_root / quiz).exists()
    version_id = removed_version(app, "modules/vtora/01-byudzhet.md")
    status, page = post(trainer, f"{BASE}/recreate/{version_id}", {"recreate": "1"})
    assert status == 302, page
    assert (course_root / quiz).is_file()
    assert (course_root / "modules/vtora/01-byudzhet.md").is_file()
    assert topic_modules(course_root, "vtora") == ["danaci", "byudzhet"]


def test_the_history_of_a_file_never_in_the_course_is_a_404(trainer: FlaskClient) -> None:
    for rel in ("modules/vtora/99-nyama.md", "../etc/passwd"):
        assert trainer.get(f"/trainer/authoring/history?file={rel}").status_code == 404
