"""The progress dashboard: who is shown to whom, the numbers, the filters and the exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import event
from sqlmodel import select

from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import People, login
from tests.webapp.test_stats import take
from webapp import db
from webapp.content import current_course
from webapp.models import Attendance, Certificate, Group, ModuleProgress, Organisation, User, utcnow
from webapp.services import dashboard, paging, standings

FINAL = "osnovi-final"
URLS = ("/trainer/progress", "/trainer/progress.csv", "/trainer/progress.xlsx")


def study(app: Flask, user: User, module_id: str, days_ago: int = 0) -> None:
    with app.app_context():
        database = db.session()
        when = utcnow() - timedelta(days=days_ago)
        database.add(ModuleProgress(user_id=user.id, module_id=module_id, topic_id="osnovi",
                                    first_opened_at=when, last_opened_at=when,
                                    studied_at=when, studied_version="v"))
        database.commit()


def row_of(page: str, user: User, topic: str = "osnovi") -> str:
    match = re.search(rf'<tr id="p-{user.id}-{topic}".*?</tr>', page, re.S)
    assert match, user.name
    return match.group(0)


def stat(row: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}"[^>]*>(.*?)</td>', row, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def exported_csv(client: FlaskClient, **args: str) -> list[list[str]]:
    response = client.get("/trainer/progress.csv", query_string=args)
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def exported_xlsx(client: FlaskClient, **args: str) -> list[list[object]]:
    response = client.get("/trainer/progress.xlsx", query_string=args)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet is not None
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_learners_may_not_see_the_dashboard(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    for url in URLS:
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient) -> None:
    for url in URLS:
        assert client.get(url).status_code in (302, 401), url


def test_trainer_sees_only_their_groups(app: Flask, client: FlaskClient,
                                        people: People) -> None:
    login(client, "trainer")
    page = client.get("/trainer/progress").get_data(as_text=True)
    assert "Иван Иванов" in page and "Мария Петрова" in page
    assert "Георги Непознат" not in page
    names = {line[0] for line in exported_csv(client)[1:]}
    assert names == {"Иван Иванов", "Мария Петрова"}
    assert {line[0] for line in exported_xlsx(client)[1:]} == names
    with app.app_context():
        other = Group(name="Чужда група")
        db.session().add(other)
        db.session().commit()
        other_id = other.id
    assert client.get("/trainer/progress", query_string={"group": other_id}).status_code == 404
    assert client.get("/trainer/progress.csv",
                      query_string={"group": other_id}).status_code == 404


def test_admin_sees_everyone(client: FlaskClient, people: People) -> None:
    login(client, "admin")
    page = client.get("/trainer/progress").get_data(as_text=True)
    for name in ("Иван Иванов", "Мария Петрова", "Георги Непознат"):
        assert name in page
    assert "Теодора" not in page  # staff are not learners
    assert len(exported_csv(client)) == 4


def test_numbers_of_a_constructed_case(app: Flask, client: FlaskClient, build_dir: Path,
                                       people: People) -> None:
    study(app, people.learner, "obshtinata")
    final = take(app, build_dir, people.learner, FINAL, 100)
    assert final.passed and final.percent is not None
    login(client, "trainer")
    page = client.get("/trainer/progress").get_data(as_text=True)
    ivan = row_of(page, people.learner)
    assert stat(ivan, "modules") == "1 / 2"
    assert stat(ivan, "pretest") == "не"
    assert "100" in stat(ivan, "final")
    assert stat(ivan, "hours") == "0"
    assert 'data-status="in_progress"' in ivan
    maria = row_of(page, people.councillor)
    assert stat(maria, "modules") == "0 / 2" and 'data-status="not_started"' in maria

    with app.app_context():
        learner = db.session().get(User, people.learner.id)
        assert learner is not None
        [found] = dashboard.rows(db.session(), current_course(), build_dir, [learner])
        [topic] = found.topics
        assert (topic.studied, topic.total, topic.final_percent, topic.final_passed) == \
            (1, 2, final.percent, True)
        assert topic.certificate == "none" and not topic.complete
        assert found.groups == ("Съветници – Смолян, пролет 2027",)

    header, *lines = exported_csv(client)
    assert header[0] == "Обучаем"
    by_name = {line[0]: line for line in lines}
    record = dict(zip(header, by_name["Иван Иванов"], strict=True))
    assert record["Изучени модули"] == "1" and record["Модули общо"] == "2"
    assert record["Заключителен тест издържан"] == "да"
    assert record["Състояние"] == "В процес"
    assert record["Тема"] == "Основи на самоуправлението"
    assert dict(zip(header, by_name["Мария Петрова"], strict=True))["Състояние"] == "Не е започнал"

    rows = exported_xlsx(client)
    assert rows[0] == header
    xrecord = dict(zip(rows[0], next(r for r in rows if r[0] == "Иван Иванов"), strict=True))
    assert xrecord["Изучени модули"] == 1 and xrecord["Модули общо"] == 2


def test_complete_and_stuck(app: Flask, client: FlaskClient, build_dir: Path,
                            people: People) -> None:
    study_everything(app, people.learner)
    found = make_session(app, people.trainer, starts_in=timedelta(days=-1), hours=4)
    with app.app_context():
        db.session().add(Attendance(session_id=found.id, user_id=people.learner.id,
                                    status="present"))
        db.session().commit()
    study(app, people.councillor, "obshtinata", days_ago=20)
    study(app, people.stranger, "obshtinata", days_ago=3)
    login(client, "admin")
    page = client.get("/trainer/progress").get_data(as_text=True)
    assert 'data-status="complete"' in row_of(page, people.learner)
    assert stat(row_of(page, people.learner), "hours") == "4"
    assert 'data-status="stuck"' in row_of(page, people.councillor)
    assert 'data-status="in_progress"' in row_of(page, people.stranger)


def test_filters(app: Flask, client: FlaskClient, people: People) -> None:
    study(app, people.learner, "obshtinata")
    login(client, "trainer")

    def names(**args: str) -> set[str]:
        return {line[0] for line in exported_csv(client, **args)[1:]}

    assert names(status="not_started") == {"Мария Петрова"}
    assert names(status="in_progress") == {"Иван Иванов"}
    assert names(audience="councillors") == {"Мария Петрова"}
    page = client.get("/trainer/progress", query_string={"audience": "employees"})
    text = page.get_data(as_text=True)
    assert "Иван Иванов" in text and "Мария Петрова" not in text
    with app.app_context():
        group = db.session().exec(select(Group)).first()
        assert group is not None
        group_id = str(group.id)
        org = Organisation(name="Другаде", kind="municipality", oblast="Видин")
        db.session().add(org)
        db.session().commit()
        org_id = str(org.id)
        home_id = str(db.session().get(User, people.learner.id).organisation_id)  # type: ignore[union-attr]
    assert names(group=group_id) == {"Иван Иванов", "Мария Петрова"}
    assert names(organisation=org_id) == set()
    assert names(organisation=home_id, status="not_started") == {"Мария Петрова"}
    page = client.get("/trainer/progress", query_string={"organisation": org_id})
    assert "Иван Иванов" not in page.get_data(as_text=True)


def test_rows_load_in_bulk_and_show_certificates(app: Flask, build_dir: Path,
                                                 people: People) -> None:
    study(app, people.learner, "obshtinata")
    study(app, people.councillor, "savetat")
    with app.app_context():
        database = db.session()
        for number, (user, status) in enumerate(((people.learner, "valid"),
                                                 (people.councillor, "revoked")), 1):
            database.add(Certificate(code=f"c{number}", number=f"N-{number}", user_id=user.id,
                                     topic_id="osnovi", holder_name=user.name, title="Основи",
                                     programme_title="Курс", issuer_name="Издател",
                                     status=status))
        database.commit()
        learners = list(database.exec(select(User).where(User.role == "learner")))
        statements: list[str] = []

        def count(*args: object) -> None:
            statements.append(str(args[2]))

        engine = app.extensions["dobro.engine"]
        event.listen(engine, "before_cursor_execute", count)
        try:
            few = dashboard.rows(database, current_course(), build_dir, learners[:1])
            used = len(statements)
            statements.clear()
            found = dashboard.rows(database, current_course(), build_dir, learners)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert 0 < len(statements) == used <= 8  # the same handful, whatever the number of learners
        assert len(few) == 1
        certificate = {r.user.id: r.topics[0].certificate for r in found}
        assert certificate == {people.learner.id: "valid", people.councillor.id: "revoked",
                               people.stranger.id: "none"}


# --- Pages of learners and the summary by organisation ----------------------------------------

PAGE_LINK = re.compile(r'<a href="([^"]*page=\d+[^"]*)"( aria-current="page")?')


def learner_names(page: str) -> list[str]:
    return re.findall(r'<th scope="row" rowspan="\d+">([^<]+?)\s*<span', page)


def test_learners_come_in_pages(client: FlaskClient, people: People,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 2)
    login(client, "admin")
    first = client.get("/trainer/progress").get_data(as_text=True)
    assert learner_names(first) == ["Георги Непознат", "Иван Иванов"]
    assert 'aria-label="Страници с обучаеми"' in first
    links = PAGE_LINK.findall(first)
    assert [current for _url, current in links if current] == [' aria-current="page"'] * 2
    second = client.get("/trainer/progress", query_string={"page": "2"}).get_data(as_text=True)
    assert learner_names(second) == ["Мария Петрова"]
    assert re.search(r'page=2"[^>]*aria-current="page"', second)
    # Every status is counted, whatever the page: the counts are of everyone filtered.
    assert re.search(r'data-status="not_started">3<', second)


@pytest.mark.parametrize("value", ["99", "0", "-1", "abc", "2.5", "", "1e3", "٣",
                                   "99999999999999999999999"])
def test_any_page_number_gives_a_page(client: FlaskClient, people: People,
                                      monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 2)
    login(client, "admin")
    response = client.get("/trainer/progress", query_string={"page": value})
    assert response.status_code == 200
    # Nor does a filter too large for the database fail.
    assert client.get("/trainer/progress", query_string={
        "page": value, "organisation": "99999999999999999999"}).status_code == 200
    names = learner_names(response.get_data(as_text=True))
    # Past the end: the last page; anything else that is not a page number: the first.
    assert names == (["Мария Петрова"] if value == "99" else ["Георги Непознат", "Иван Иванов"])


def test_page_links_keep_the_filters(app: Flask, client: FlaskClient, people: People,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 1)
    login(client, "admin")
    page = client.get("/trainer/progress", query_string={
        "audience": "employees", "status": "not_started"}).get_data(as_text=True)
    assert learner_names(page) == ["Георги Непознат"]
    links = [url.replace("&amp;", "&") for url, _ in PAGE_LINK.findall(page)]
    assert links and all("audience=employees" in u and "status=not_started" in u for u in links)
    # The exports are never paged: every learner that matches the filters.
    assert {line[0] for line in exported_csv(client, audience="employees")[1:]} == \
        {"Георги Непознат", "Иван Иванов"}
    assert len({r[0] for r in exported_xlsx(client)[1:]}) == 3


def summary_cells(page: str, key: str) -> dict[str, str]:
    row = re.search(rf'<tr id="org-{key}">.*?</tr>', page, re.S)
    assert row, key
    return {name: value for name, value in re.findall(
        r'data-stat="([a-z_]+)">([^<]*)</td>', row.group(0))}


def test_summary_by_organisation(app: Flask, client: FlaskClient, build_dir: Path,
                                 people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dashboard, "PAGE_SIZE", 1)  # the summary counts every page
    study_everything(app, people.learner)
    found = make_session(app, people.trainer, starts_in=timedelta(days=-1), hours=4)
    study(app, people.councillor, "obshtinata", days_ago=20)
    with app.app_context():
        database = db.session()
        database.add(Attendance(session_id=found.id, user_id=people.learner.id,
                                status="present"))
        other = Organisation(name="Община Девин", kind="municipality", oblast="Смолян")
        database.add(other)
        database.commit()
        stranger = database.get(User, people.stranger.id)
        assert stranger is not None
        stranger.organisation_id = other.id
        database.add(User(name="Без Организация", role="learner", audience="employees"))
        # A programme certificate counts (even issued by hand); a topic certificate does not.
        database.add(Certificate(code="c1", number="N-1", user_id=people.councillor.id,
                                 kind="programme", topic_id="", holder_name="Мария Петрова",
                                 title="Курс", programme_title="Курс", issuer_name="Издател"))
        database.add(Certificate(code="c2", number="N-2", user_id=people.stranger.id,
                                 topic_id="osnovi", holder_name="Георги Непознат",
                                 title="Основи", programme_title="Курс", issuer_name="Издател"))
        database.commit()
        home, devin = str(people.learner.organisation_id), str(other.id)
    login(client, "admin")
    page = client.get("/trainer/progress").get_data(as_text=True)
    assert summary_cells(page, home) == {"learners": "2", "not_started": "0",
                                         "in_progress": "0", "stuck": "1", "complete": "1",
                                         "certified": "1"}
    assert summary_cells(page, devin) == {"learners": "1", "not_started": "1",
                                          "in_progress": "0", "stuck": "0", "complete": "0",
                                          "certified": "0"}
    assert summary_cells(page, "none")["not_started"] == "1"
    assert page.index('id="org-' + devin) < page.index('id="org-' + home)  # by name
    assert page.index('id="org-none"') > page.index('id="org-' + home)  # last
    # The summary follows the filters.
    filtered = client.get("/trainer/progress", query_string={"status": "complete"})
    text = filtered.get_data(as_text=True)
    assert summary_cells(text, home)["learners"] == "1" and 'id="org-' + devin not in text
    # Both passes agree on every learner's status.
    with app.app_context():
        database = db.session()
        course = current_course()
        everyone = list(database.exec(select(User).where(User.role == "learner")))
        detail = {r.user.id: r.status for r in dashboard.rows(database, course, build_dir,
                                                              everyone)}
        plain = [standings.Learner(u.id or 0, u.name, u.organisation_id, u.audience)
                 for u in everyone]
        quick = {uid: s.status for uid, s in
                 standings.standings(database, course, build_dir, plain).items()}
        assert quick == detail
        assert sorted(detail.values()) == ["complete", "not_started", "not_started", "stuck"]


def test_pager_window() -> None:
    _items, pager = paging.paginate(list(range(1000)), 10, 50)
    assert (pager.number, pager.pages, pager.first, pager.last) == (10, 20, 451, 500)
    assert pager.window() == [1, None, 8, 9, 10, 11, 12, None, 20]
    shown, pager = paging.paginate([], 3, 50)
    assert shown == [] and (pager.number, pager.pages, pager.first, pager.last) == (1, 1, 0, 0)
