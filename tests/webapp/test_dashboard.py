"""The progress dashboard: who is shown to whom, the numbers, the filters and the exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

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
from webapp.services import dashboard

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
    assert record["Изходящ тест издържан"] == "да"
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
