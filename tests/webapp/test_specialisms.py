"""A learner's specialism on the web: choosing it, what the home page recommends for it, and
a trainer setting it (participant import, the add and edit forms).

The webapp-mini course gets two specialisms for its employees (its councillors have none);
``savetat`` is made to require ``obshtinata`` so that a module that still waits shows it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from course.build import check
from tests.conftest import copy_course
from webapp import db
from webapp.models import Group, Organisation, User
from webapp.services.course_edit import links_to

from .conftest import MINI, People, login, submit

SPECIALISMS = """\
  - id: employees
    title: Общински служители
    specialisms:
      - id: yuristi
        title: Юристи
        description: Юристът следи за законосъобразността на актовете.
        first: [obshtinata, savetat]
        reading:
          - vavedenie#kak-se-uchi
          - savetat#kvorum
          - title: Законите в актуалната им редакция
            url: https://www.lex.bg/
      - id: tsu
        title: Устройство на територията (ТСУ)
        first: [savetat]
"""


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    """The webapp-mini course with specialisms for its employees."""
    root = copy_course(MINI, tmp_path)
    manifest = root / "modules" / "course.yaml"
    text = manifest.read_text(encoding="utf-8")
    plain = "  - id: employees\n    title: Общински служители\n"
    assert plain in text
    manifest.write_text(text.replace(plain, SPECIALISMS), encoding="utf-8")
    module = root / "modules" / "osnovi" / "02-savetat.md"
    module.write_text(module.read_text(encoding="utf-8").replace(
        "quiz: savetat-proverka\n", "quiz: savetat-proverka\nrequires: [obshtinata]\n"),
        encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def close_connections(app: Flask) -> Iterator[None]:
    yield
    app.extensions["dobro.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def stored(app: Flask, username: str) -> str | None:
    with app.app_context():
        user = db.session().exec(select(User).where(User.username == username)).one()
        return user.specialism


def choose(client: FlaskClient, value: str) -> TestResponse:
    return submit(client, "/specialism", {"specialism": value}, page="/")


def panel(page: str) -> str:
    """The specialism panel of the home page ("" if there is none)."""
    found = re.search(r'<section class="panel panel-specialism".*?</section>', page, re.S)
    return found.group(0) if found else ""


# The learner


def test_a_learner_without_one_is_invited_to_choose(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    page = text(client.get("/"))
    found = panel(page)
    assert "Изберете специалността си" in found
    # The label names the select, and no other element has its id.
    assert '<label for="specialism">Моята специалност</label>' in found
    assert page.count('id="specialism"') == 1 and '<select id="specialism"' in found
    assert 'action="/specialism"' in found and 'name="csrf_token"' in found
    options = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', found)
    assert options == [("", "Няма"), ("yuristi", "Юристи"),
                       ("tsu", "Устройство на територията (ТСУ)")]
    assert "Препоръчано" not in found


def test_an_audience_without_specialisms_sees_no_panel(client: FlaskClient,
                                                        people: People) -> None:
    login(client, "maria")
    page = text(client.get("/"))
    assert "Моите теми" in page and panel(page) == "" and "/specialism" not in page


def test_choosing_shows_the_recommendations_in_order_with_their_states(
        client: FlaskClient, people: People, app: Flask) -> None:
    login(client, "ivan")
    response = choose(client, "yuristi")
    assert response.status_code == 302 and response.location == "/#my-specialism"
    assert stored(app, "ivan") == "yuristi"
    page = text(client.get("/"))
    assert "Специалността ви е запазена: Юристи." in page
    found = panel(page)
    assert "Препоръчано за вашата специалност:" in found and "Юристи" in found
    assert "Юристът следи за законосъобразността на актовете." in found
    # Below the topics: the first screen is the next step, the next session and the topics.
    assert page.index("Моите теми") < page.index("panel-specialism")
    steps = re.findall(r'<li class="specialism-step specialism-([a-z-]+)">\s*'
                       r'<a href="([^"]+)"[^>]*>([^<]+)</a>', found)
    assert steps == [("not-started", "/learn/obshtinata", "Общината"),
                     ("not-started", "/learn/savetat", "Общинският съвет")]
    assert "0 от 2 изучени" in found and found.count("незапочнат") == 2
    # The second needs the first: the order says so, no "opens after" note.
    assert "Отваря се след" not in found
    reading = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>',
                         found.split('class="specialism-reading"')[1].split("</ul>")[0])
    assert reading == [("/page/vavedenie#kak-se-uchi", "Въведение в мини курса – Как се учи"),
                       ("/learn/savetat#kvorum", "Общинският съвет – Кворум"),
                       ("https://www.lex.bg/", "Законите в актуалната им редакция")]
    # The learner opens the first module, then marks it studied.
    client.get("/learn/obshtinata")
    found = panel(text(client.get("/")))
    assert "specialism-in-progress" in found and "започнат" in found
    submit(client, "/learn/obshtinata/studied", {}, page="/learn/obshtinata")
    found = panel(text(client.get("/")))
    assert re.findall(r'specialism-step specialism-([a-z-]+)"', found) == [
        "studied", "not-started"]
    assert "1 от 2 изучени" in found


def test_a_prerequisite_outside_the_list_is_named_until_it_is_studied(
        client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    choose(client, "tsu")  # only savetat, which needs obshtinata
    found = panel(text(client.get("/")))
    assert re.search(r'Отваря се след:\s*<a href="/learn/obshtinata"[^>]*>Общината</a>', found)
    client.get("/learn/obshtinata")
    submit(client, "/learn/obshtinata/studied", {}, page="/learn/obshtinata")
    assert "Отваря се след" not in panel(text(client.get("/")))


def test_changing_and_choosing_none(client: FlaskClient, people: People, app: Flask) -> None:
    login(client, "ivan")
    choose(client, "yuristi")
    assert "Смяна на специалността" in panel(text(client.get("/")))
    choose(client, "TSU")  # an id is matched whatever its case
    assert stored(app, "ivan") == "tsu"
    choose(client, "")
    assert stored(app, "ivan") is None
    page = text(client.get("/"))
    assert "Вече нямате избрана специалност." in page
    assert "Изберете специалността си" in panel(page)


@pytest.mark.parametrize(("who", "value", "message"), [
    ("ivan", "marsianci", "„marsianci“ не е сред специалностите на вашата група, затова нищо "
                          "не е променено. Изберете от списъка."),
    ("ivan", "<b>x</b>" * 50, "„&lt;b&gt;x&lt;/b&gt;"),
    ("maria", "yuristi", "Вашата група няма специалности, от които да избирате, затова нищо "
                         "не е променено."),
], ids=["unknown", "long-markup", "another-audiences"])
def test_a_wrong_or_foreign_value_is_refused_and_nothing_is_lost(
        client: FlaskClient, people: People, app: Flask, who: str, value: str,
        message: str) -> None:
    with app.app_context():
        database = db.session()
        user = database.exec(select(User).where(User.username == who)).one()
        user.specialism = "tsu" if who == "ivan" else None
        database.add(user)
        database.commit()
    login(client, who)
    response = choose(client, value)
    assert response.status_code == 302
    page = text(client.get(response.location))
    assert message in page and "<b>x</b>" not in page
    assert stored(app, who) == ("tsu" if who == "ivan" else None)


def test_without_the_csrf_token_nothing_is_saved(client: FlaskClient, people: People,
                                                  app: Flask) -> None:
    login(client, "ivan")
    response = client.post("/specialism", data={"specialism": "yuristi"})
    assert response.status_code == 400
    assert stored(app, "ivan") is None


def test_someone_not_signed_in_is_sent_to_sign_in(client: FlaskClient, app: Flask) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # the login check comes before the form's
    response = client.post("/specialism", data={"specialism": "yuristi"})
    assert response.status_code == 302 and "/login" in response.location


# The trainer


GROUP_HEADER = "Име,Организация,Аудитория,Специалност\n"


def import_rows(client: FlaskClient, group_id: int, rows: str) -> TestResponse:
    data = (GROUP_HEADER + rows).encode()
    return submit(client, f"/trainer/groups/{group_id}/import",
                  {"file": (io.BytesIO(data), "хора.csv")}, content_type="multipart/form-data")


def confirm(client: FlaskClient, preview: TestResponse, group_id: int) -> TestResponse:
    match = re.search(r'action="(/trainer/groups/\d+/import/[A-Za-z0-9_-]+)"', text(preview))
    assert match, "no confirm form on the preview"
    return submit(client, match.group(1), {}, page=f"/trainer/groups/{group_id}/import")


@pytest.fixture
def group_id(app: Flask, people: People) -> int:
    with app.app_context():
        found = db.session().exec(select(Group)).one()
        assert found.id is not None
        return found.id


def by_name(app: Flask, name: str) -> User:
    with app.app_context():
        return db.session().exec(select(User).where(User.name == name)).one()


def test_import_takes_the_specialism_by_id_or_title_in_any_case(
        client: FlaskClient, app: Flask, group_id: int) -> None:
    login(client, "trainer")
    preview = import_rows(client, group_id,
                          "Анна Юристова,Смолян,employees,ЮРИСТИ\n"
                          "Борис Планов,Смолян,Общински служители,  tsu \n"
                          "Вера Без,Смолян,employees,\n"
                          "Иван Иванов,Смолян,employees,yuristi\n")
    html = text(preview)
    assert preview.status_code == 200 and "Грешки" not in html
    assert "Общински служители · Юристи" in html  # the new learner's row
    assert "Специалност: <del>—</del> → <ins>Юристи</ins>" in html  # Ivan's change
    confirm(client, preview, group_id)
    assert by_name(app, "Анна Юристова").specialism == "yuristi"
    assert by_name(app, "Борис Планов").specialism == "tsu"
    assert by_name(app, "Вера Без").specialism is None
    assert by_name(app, "Иван Иванов").specialism == "yuristi"
    # An empty cell keeps the specialism; another audience without it takes it away.
    preview = import_rows(client, group_id, "Иван Иванов,Смолян,employees,\n"
                                            "Борис Планов,Смолян,councillors,\n")
    html = text(preview)
    assert "Иван Иванов" in html.split("Без промяна")[1]
    assert "Специалност: <del>Устройство на територията (ТСУ)</del> → <ins>—</ins>" in html
    confirm(client, preview, group_id)
    assert by_name(app, "Иван Иванов").specialism == "yuristi"
    assert (by_name(app, "Борис Планов").audience, by_name(app, "Борис Планов").specialism) == (
        "councillors", None)


def test_an_unknown_or_foreign_specialism_is_a_row_error(client: FlaskClient, app: Flask,
                                                          group_id: int) -> None:
    login(client, "trainer")
    preview = import_rows(client, group_id, "Анна Юристова,Смолян,employees,Юрист\n"
                                            "Борис Петров,Смолян,councillors,yuristi\n")
    html = text(preview)
    assert ("ред 2, колона D (Специалност): непозната специалност „Юрист“ за целевата група "
            "„Общински служители“: напишете една от Юристи, Устройство на територията (ТСУ) "
            "или оставете клетката празна") in html
    assert ("ред 3, колона D (Специалност): целевата група „Общински съветници“ няма "
            "специалности: оставете клетката празна") in html
    assert "/import/" not in html.split("Грешки")[1]  # no confirm form
    with app.app_context():
        assert db.session().exec(select(User).where(User.name == "Анна Юристова")).first() is None


def test_the_import_page_names_the_column(client: FlaskClient, group_id: int) -> None:
    login(client, "trainer")
    page = text(client.get(f"/trainer/groups/{group_id}/import"))
    assert "<code>Специалност</code> / <code>specialism</code>" in page


LEARNER = {"name": "Стефка Моллова", "audience": "employees", "position": "", "specialism": ""}


def organisation_id(app: Flask) -> str:
    with app.app_context():
        return str(db.session().exec(select(Organisation)).one().id)


def test_the_trainer_adds_a_learner_with_a_specialism(client: FlaskClient, app: Flask,
                                                       group_id: int) -> None:
    login(client, "trainer")
    url = f"/trainer/groups/{group_id}"
    page = text(client.get(url))
    assert '<option value="yuristi">Общински служители: Юристи</option>' in page
    data = {**LEARNER, "organisation": organisation_id(app)}
    refused = submit(client, f"{url}/learners", {**data, "audience": "councillors",
                                                  "specialism": "yuristi"}, page=url)
    assert refused.status_code == 200
    assert "Целевата група Общински съветници няма специалности: изберете „Няма“." in text(refused)
    with app.app_context():
        assert db.session().exec(select(User).where(User.name == "Стефка Моллова")).first() is None
    done = submit(client, f"{url}/learners", {**data, "specialism": "tsu"}, page=url)
    assert done.status_code == 302
    assert by_name(app, "Стефка Моллова").specialism == "tsu"
    page = text(client.get(url))
    assert '<span class="meta trainer-specialism">Устройство на територията (ТСУ)</span>' in page


def test_the_trainer_edits_a_learners_specialism(client: FlaskClient, app: Flask,
                                                  people: People, group_id: int) -> None:
    login(client, "trainer")
    ivan = people.learner.id
    url = f"/trainer/groups/{group_id}/learners/{ivan}"
    assert f'href="{url}"' in text(client.get(f"/trainer/groups/{group_id}"))
    page = text(client.get(url))
    assert 'value="Иван Иванов"' in page and "Редактиране на обучаем: Иван Иванов" in page
    data = {"name": "Иван Иванов", "organisation": organisation_id(app),
            "audience": "employees", "position": "юрисконсулт", "specialism": "marsianci"}
    refused = submit(client, url, data)
    assert refused.status_code == 200 and "Това не е специалност на целевата група" in text(refused)
    assert by_name(app, "Иван Иванов").specialism is None
    done = submit(client, url, {**data, "specialism": "yuristi"})
    assert done.status_code == 302 and done.location.endswith(f"#learner-{ivan}")
    ivan_now = by_name(app, "Иван Иванов")
    assert (ivan_now.specialism, ivan_now.position) == ("yuristi", "юрисконсулт")
    # The learner sees the trainer's choice on their home page.
    learner = app.test_client()
    login(learner, "ivan")
    assert "Препоръчано за вашата специалност:" in panel(text(learner.get("/")))


def test_a_learner_outside_the_trainers_groups_cannot_be_edited(
        client: FlaskClient, people: People, group_id: int) -> None:
    login(client, "trainer")
    assert client.get(f"/trainer/groups/{group_id}/learners/{people.stranger.id}"
                      ).status_code == 404
    assert client.get(f"/trainer/groups/{group_id}/learners/{people.trainer.id}"
                      ).status_code == 404


# Web authoring


def test_a_module_in_a_specialism_is_not_removed_from_under_it(course_root: Path) -> None:
    course, _ = check(course_root)
    savetat = next(d for d in course.modules if d.id == "savetat")
    found = [(i.path, i.what) for i in links_to(course, savetat)]
    assert found.count(("modules/course.yaml", "specialism")) == 3  # first twice, reading once
