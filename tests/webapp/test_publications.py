"""Publications in the app: Handbook downloads, Bulletin pages, the distribution list."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from tests.webapp.conftest import PASSWORD, People, login, submit
from webapp import db, jobs
from webapp.models import Organisation, User
from webapp.services import accounts

ISSUE = """---
number: 1
date: 2027-01-15
title: Програмата започва
published: true
---

Първият брой на бюлетина.
"""


@pytest.fixture
def bulletins(course_root: Path) -> Path:
    folder = course_root / "bulletins"
    folder.mkdir()
    (folder / "01-zapochva.md").write_text(ISSUE, encoding="utf-8")
    (folder / "02-chernova.md").write_text(
        ISSUE.replace("number: 1", "number: 2").replace("published: true", "published: false"),
        encoding="utf-8")
    return folder


def smolyan() -> int:
    found = db.session().exec(select(Organisation).where(Organisation.name == "Смолян")).one()
    return found.id or 0


def coordinator(app: Flask) -> None:
    with app.app_context():
        user = User(username="koord", name="Координатор", role="coordinator")
        accounts.set_password(user, PASSWORD)
        db.session().add(user)
        db.session().commit()


def test_handbook_downloads_are_built_once_per_course_version(client: FlaskClient,
                                                              app: Flask) -> None:
    page = client.get("/handbook")
    assert page.status_code == 200 and "/handbook/a4" in page.get_data(as_text=True)
    # Never built in the request: a job builds it (webapp/jobs.py), then it is served.
    assert client.get("/handbook/a4").status_code == 503
    assert client.get("/handbook/html").status_code == 503
    assert jobs.run_pending(app) == 2
    pdf = client.get("/handbook/a4")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.mimetype == "application/pdf"
    assert not (Path(app.config["COURSE_BUILD"]) / "publications").exists()  # in the database
    assert client.get("/handbook/a4").data == pdf.data
    html = client.get("/handbook/html")
    assert html.status_code == 200 and b"<!doctype html>" in html.data
    assert client.get("/handbook/epub").status_code == 404


def test_bulletins_are_for_signed_in_users_and_only_published(
        client: FlaskClient, people: People, bulletins: Path) -> None:
    assert client.get("/bulletins").status_code == 302
    login(client, "ivan")
    listing = client.get("/bulletins").get_data(as_text=True)
    assert "Програмата започва" in listing and "/bulletins/1" in listing
    assert "/bulletins/2" not in listing
    page = client.get("/bulletins/1")
    assert page.status_code == 200 and "Първият брой на бюлетина." in page.get_data(as_text=True)
    assert client.get("/bulletins/2").status_code == 404
    pdf = client.get("/bulletins/1.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_distribution_list_is_for_coordinators(client: FlaskClient, app: Flask,
                                               people: People) -> None:
    login(client, "ivan")
    assert client.get("/distribution").status_code == 403
    assert client.get("/distribution.csv").status_code == 403
    client.post("/logout")
    coordinator(app)
    other = app.test_client()
    login(other, "koord")
    assert other.get("/distribution").status_code == 200
    with app.app_context():
        org_id = smolyan()
    done = submit(other, "/distribution", {"organisation": org_id,
                                           "name": "Председател на ОбС", "copies": 3})
    assert done.status_code == 302
    assert "Председател на ОбС" in other.get("/distribution").get_data(as_text=True)
    csv = other.get("/distribution.csv")
    assert csv.status_code == 200
    text = csv.data.decode("utf-8-sig")
    assert '"Смолян","Смолян","Председател на ОбС","3"' in text and '"Общо","","","3"' in text
    xlsx = other.get("/distribution.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    assert [c.value for c in sheet[2]] == ["Смолян", "Смолян", "Председател на ОбС", 3]
    # A name typed like a formula stays text in both files (CSV/XLSX injection).
    submit(other, "/distribution", {"organisation": org_id, "name": "=HYPERLINK(\"x\")",
                                    "copies": 1})
    assert "'=HYPERLINK" in other.get("/distribution.csv").data.decode("utf-8-sig")
    sheet = load_workbook(io.BytesIO(other.get("/distribution.xlsx").data)).active
    assert sheet is not None
    assert "'=HYPERLINK(\"x\")" in [c.value for c in sheet["C"]]


def test_admin_removes_a_recipient(client: FlaskClient, app: Flask, people: People) -> None:
    login(client, "admin")
    with app.app_context():
        org_id = smolyan()
    submit(client, "/distribution", {"organisation": org_id, "name": "Кмет", "copies": 1})
    page = client.get("/distribution").get_data(as_text=True)
    recipient = page.split("/distribution/")[1].split("/delete")[0]
    removed = submit(client, f"/distribution/{recipient}/delete", {}, page="/distribution")
    assert removed.status_code == 302
    assert "Кмет" not in client.get("/distribution").get_data(as_text=True).split("<h2")[0]
