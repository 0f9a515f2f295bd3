"""Who got which issue: the coordinator's marks on the distribution list, counted for the
donor report against the 180 target."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import select

from tests.webapp.conftest import People, csrf_token, login
from tests.webapp.test_publications import ISSUE, coordinator, smolyan
from webapp import db
from webapp.models import BulletinDelivery, BulletinRecipient, Organisation
from webapp.services import bulletins, publications
from webapp.services.donor_report import Filters


def recipients(app: Flask) -> list[int]:
    with app.app_context():
        database = db.session()
        ngo = Organisation(name="НПО Родопи", kind="ngo")
        database.add(ngo)
        database.commit()
        rows = [BulletinRecipient(organisation_id=smolyan(), name="Кмет", copies=3),
                BulletinRecipient(organisation_id=smolyan(), name="Председател на ОбС"),
                BulletinRecipient(organisation_id=ngo.id or 0, name="НПО", copies=2)]
        database.add_all(rows)
        database.commit()
        return [r.id or 0 for r in rows]


def mark(client: FlaskClient, **fields: Any) -> Any:
    data = {"sent-csrf_token": csrf_token(client, "/distribution"), "sent-issue": 1,
            "sent-sent_on": "2027-02-01", **{f"sent-{k}": v for k, v in fields.items()}}
    return client.post("/distribution/sent", data=data, follow_redirects=True)


def marks(app: Flask) -> set[tuple[int, int, date, int]]:
    with app.app_context():
        return {(d.recipient_id, d.issue, d.sent_on, d.copies)
                for d in db.session().exec(select(BulletinDelivery))}


def test_a_coordinator_records_who_got_which_issue(client: FlaskClient, app: Flask,
                                                   people: People, course_root: Path) -> None:
    (course_root / "bulletins").mkdir()
    (course_root / "bulletins" / "01-zapochva.md").write_text(ISSUE, encoding="utf-8")
    mayor, chair, ngo = recipients(app)
    coordinator(app)
    login(client, "koord")
    page = client.get("/distribution").get_data(as_text=True)
    assert "Отбележете кой брой е изпратен" in page and "1 — Програмата започва" in page
    done = mark(client, recipients=[mayor, ngo], selected="1")
    assert "Брой 1: отбелязан като изпратен на 2 получатели." in done.get_data(as_text=True)
    assert marks(app) == {(mayor, 1, date(2027, 2, 1), 3), (ngo, 1, date(2027, 2, 1), 2)}
    done = mark(client, issue=2, sent_on="2027-05-02", everyone="1")
    assert "на 3 получатели" in done.get_data(as_text=True)
    done = mark(client, issue=2, recipients=[ngo], unsent="1")
    assert "Брой 2: отбелязването е премахнато за 1 получател." in done.get_data(as_text=True)
    assert len(marks(app)) == 4
    page = client.get("/distribution").get_data(as_text=True)
    assert "<td>1, 2</td>" in page and "<td>1</td>" in page
    with app.app_context():
        found = bulletins.per_issue(db.session(), Filters())
        assert [(r.issue, r.recipients, r.copies, r.percent) for r in found] == [
            (1, 2, 5, 1), (2, 2, 4, 1)]
        assert [(r.issue, r.recipients) for r in bulletins.per_issue(
            db.session(), Filters(end=date(2027, 3, 1)))] == [(1, 2)]
        assert [(r.issue, r.recipients) for r in bulletins.per_issue(
            db.session(), Filters(kind="ngo"))] == [(1, 1)]
    donor = client.get("/trainer/reports/donor").get_data(as_text=True)
    assert "Бюлетин: получатели по брой" in donor and "спрямо целта от 180" in donor
    assert "<th scope=\"row\">Брой 2</th><td class=\"num\">2</td>" in donor
    book = load_workbook(io.BytesIO(client.get("/trainer/reports/donor.xlsx").data))
    sheet = book["Бюлетин по броеве"]
    assert [c.value for c in sheet[2]] == [1, 2, 5, 180, 1]
    # Removing a line takes its marks with it.
    removed = client.post(f"/distribution/{mayor}/delete",
                          data={"csrf_token": csrf_token(client, "/distribution")})
    assert removed.status_code == 302
    assert {m[0] for m in marks(app)} == {chair, ngo}


def test_bad_input_is_refused_in_bulgarian(client: FlaskClient, app: Flask,
                                           people: People) -> None:
    mayor, _chair, _ngo = recipients(app)
    login(client, "ivan")
    assert client.post("/distribution/sent").status_code in (400, 403)
    client.post("/logout")
    coordinator(app)
    login(client, "koord")
    nobody = mark(client, selected="1")
    assert nobody.status_code == 200 and "Отметнете поне един получател." in nobody.get_data(
        as_text=True)
    for bad in ({"issue": 9}, {"sent_on": "вчера"}, {"recipients": [999999]}):
        answer = mark(client, selected="1", **{"recipients": [mayor], **bad})
        assert answer.status_code == 200 and "field-errors" in answer.get_data(as_text=True)
    no_token = client.post("/distribution/sent", data={"sent-issue": 1, "sent-selected": "1",
                                                       "sent-recipients": [mayor],
                                                       "sent-sent_on": "2027-02-01"})
    assert no_token.status_code in (200, 400)
    assert marks(app) == set()


def test_an_issue_shows_its_chart(client: FlaskClient, app: Flask, people: People,
                                  course_root: Path) -> None:
    folder = course_root / "bulletins"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "01-obucheni.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>', "utf-8")
    (folder / "01-zapochva.md").write_text(
        ISSUE + "\n![Обучени по целеви групи](img/01-obucheni.svg)\n", encoding="utf-8")
    assert client.get("/bulletins/img/01-obucheni.svg").status_code == 302  # signed in only
    login(client, "ivan")
    assert 'src="img/01-obucheni.svg"' in client.get("/bulletins/1").get_data(as_text=True)
    image = client.get("/bulletins/img/01-obucheni.svg")
    assert image.status_code == 200 and image.mimetype == "image/svg+xml"
    assert "sandbox" in image.headers["Content-Security-Policy"]
    assert client.get("/bulletins/img/../01-zapochva.md").status_code == 404
    assert client.get("/bulletins/img/nyama.svg").status_code == 404
    # A redrawn chart makes a new PDF: the one built before would show the old chart.
    assert client.get("/bulletins/1.pdf").data.startswith(b"%PDF")
    (folder / "img" / "01-obucheni.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="2" height="1"/>', "utf-8")
    assert client.get("/bulletins/1.pdf").status_code == 200
    built = publications.publications_dir(Path(app.config["COURSE_BUILD"]))
    assert len(list(built.glob("bulletin-01-*.pdf"))) == 2
