"""The donor report's page and spreadsheet: who may see them, what they show, bad input."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from webapp import db
from webapp.models import BulletinRecipient, Certificate, Organisation, User, utcnow
from webapp.services import accounts

from .blended import study_everything
from .conftest import PASSWORD, People, login

URL = "/trainer/reports/donor"


@pytest.fixture
def coordinator(app: Flask, people: People) -> User:
    with app.app_context():
        database = db.session()
        user = User(username="koord", name="Координаторка", role="coordinator")
        accounts.set_password(user, PASSWORD)
        database.add(user)
        ngo = Organisation(name="=НПО Формула", kind="ngo")
        database.add(ngo)
        database.commit()
        database.add_all([
            User(name="Нина", role="learner", audience="councillors", sex="f",
                 organisation_id=ngo.id),
            BulletinRecipient(organisation_id=ngo.id, name="Председател", copies=5),
            Certificate(code="c-1", number="ARO-2027-000001", user_id=people.learner.id,
                        kind="programme", holder_name="=Иван Иванов", title="Програма",
                        programme_title="Програма", organisation_name="Смолян",
                        issuer_name="АРО", issued_at=utcnow()),
            Certificate(code="c-2", number="ARO-2027-000002", user_id=people.councillor.id,
                        kind="programme", holder_name="Мария Петрова", title="Програма",
                        programme_title="Програма", issuer_name="АРО", status="revoked")])
        database.commit()
        study_everything(app, people.learner)
        return user


def cell(page: str, indicator: str) -> str:
    row = re.search(rf'<tr data-indicator="{indicator}">(.*?)</tr>', page, re.S)
    assert row, indicator
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1))).strip()


@pytest.mark.parametrize("who", ["koord", "admin"])
def test_coordinators_and_admins_see_the_report(client: FlaskClient, coordinator: User,
                                                who: str) -> None:
    login(client, who)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Отчет към донорите</h1>" in page
    # Learners: Иван (employees, certified), Мария and Нина (councillors), Георги (employees).
    assert cell(page, "employees").startswith("Обучени общински служители 100 2 1 1 1%")
    assert cell(page, "councillors").startswith("Обучени общински съветници 80 2 0 0 0%")
    assert cell(page, "municipalities").startswith("Достигнати общини членки 21 1 1 1 5%")
    assert cell(page, "ngos").startswith("Достигнати НПО 10 1 0 1 10%")
    assert "1 (5 копия)" in cell(page, "handbook")
    assert cell(page, "certificates").endswith("— — — 1 —")
    assert cell(page, "certificates_revoked").endswith("— — — 1 —")
    assert re.search(r'data-stage="enrolled">4<', page)
    assert re.search(r'data-stage="studied">1<', page)
    assert re.search(r'data-stage="certified">1<', page)
    assert "Цялата програма" in page or "цялата програма" in page
    for chart in ("chart-indicators", "chart-funnel", "chart-organisations"):
        svg = re.search(rf'<svg[^>]*id="{chart}"[^>]*>(.*?)</svg>', page, re.S)
        assert svg, chart
        assert 'role="img"' in svg.group(0) and f'aria-labelledby="{chart}-title' in svg.group(0)
        assert f'<title id="{chart}-title">' in svg.group(1)
    assert 'href="/trainer/reports/donor.xlsx"' in page


def test_the_link_is_shown_only_to_coordinators(client: FlaskClient, coordinator: User) -> None:
    login(client, "trainer")
    assert URL not in client.get("/trainer/").get_data(as_text=True)
    client.post("/logout")
    login(client, "koord")
    assert f'href="{URL}"' in client.get("/trainer/").get_data(as_text=True)


@pytest.mark.parametrize("who", ["trainer", "ivan"])
def test_trainers_and_learners_are_refused(client: FlaskClient, coordinator: User,
                                           who: str) -> None:
    login(client, who)
    assert client.get(URL).status_code == 403
    assert client.get(URL + ".xlsx").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    for url in (URL, URL + ".xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("query", [
    {"from": "31.12.2026"}, {"to": "not a date"}, {"from": "9" * 10_000},
    {"from": "2027-02-30"}, {"kind": "<script>"}, {"kind": "x" * 5000},
    {"from": "2027-05-01", "to": "2027-04-01"}])
def test_bad_filters_are_ignored_with_a_message(client: FlaskClient, coordinator: User,
                                                query: dict[str, str]) -> None:
    login(client, "koord")
    response = client.get(URL, query_string=query)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="flash flash-error"' in page
    assert re.search(r'data-stage="enrolled">4<', page)  # the filter was ignored
    assert "<script>" not in page.split("<main", 1)[-1].replace("<script src", "")
    assert client.get(URL + ".xlsx", query_string=query).status_code == 200


def test_a_period_is_applied_and_stated(client: FlaskClient, coordinator: User) -> None:
    login(client, "koord")
    page = client.get(URL, query_string={"from": "2001-01-01", "to": "2001-12-31",
                                         "kind": "ngo"}).get_data(as_text=True)
    assert "flash-error" not in page
    assert re.search(r'data-stage="enrolled">0<', page)
    assert "2001" in page and "НПО" in page
    assert cell(page, "certificates").endswith("— — — 0 —")


def test_the_spreadsheet(client: FlaskClient, coordinator: User) -> None:
    login(client, "koord")
    response = client.get(URL + ".xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Показатели", "По организация", "По целева група", "По пол",
                               "Сертификати", "Удовлетвореност",
                               "Без подписан лист", "Бюлетин по броеве"]
    indicators = book["Показатели"]
    assert indicators.freeze_panes == "A2" and indicators["A1"].font.bold
    rows = {r[0]: r[1:] for r in indicators.iter_rows(min_row=2, values_only=True) if r[0]}
    assert rows["Обучени общински служители"][:5] == (100, 2, 1, 1, 1)
    assert rows["Получатели на Наръчника"][:6] == (180, None, None, 1, 1, 5)
    assert isinstance(rows["Генериран"][0], datetime)
    organisations = list(book["По организация"].iter_rows(values_only=True))
    assert organisations[0][0] == "Организация" and organisations[0][1] == "Записани"
    assert ("'=НПО Формула", 1, 0, 0, 0, 0) in organisations  # a formula is neutralised
    assert ("Смолян", 3, 0, 1, 1, 1) in organisations
    by_sex = {r[0]: r[1] for r in book["По пол"].iter_rows(min_row=2, values_only=True)}
    assert by_sex == {"Жени": 1, "Мъже": 0, "Друго": 0, "Не е посочен": 3}
    certificates = list(book["Сертификати"].iter_rows(values_only=True))
    assert certificates[1][:4] == ("ARO-2027-000001", "'=Иван Иванов", "Смолян", "Програма")
    assert isinstance(certificates[1][4], datetime | date)
    assert certificates[1][5] == "Валиден" and certificates[2][5] == "Отменен"
    assert book["Сертификати"].column_dimensions["B"].width >= 12
