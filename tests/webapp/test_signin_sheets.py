"""Sign-in sheets (issue 18 item 2): the printed sheet, the signed scan kept with the
session, walk-ins added from it, and the sessions the donor report finds without one."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.webapp.blended import make_session
from tests.webapp.conftest import People, csrf_token, login, submit
from webapp import db
from webapp.models import (
    Attendance,
    AttendanceChange,
    AuditEntry,
    GroupMember,
    Organisation,
    StoredFile,
    TrainingSession,
    User,
    utcnow,
)
from webapp.services import signin_sheets

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() or "" for page in reader.pages)


def enrol_many(app: Flask, count: int) -> list[str]:
    """``count`` more learners in the enrolled group, with Cyrillic names; their names."""
    names = [f"Участник Родопски-{chr(0x410 + i % 32)}{i:03d}" for i in range(count)]
    with app.app_context():
        database = db.session()
        org = database.exec(select(Organisation)).first()
        group_id = database.exec(select(GroupMember.group_id)).first()
        assert org is not None and group_id is not None
        for name in names:
            user = User(name=name, role="learner", audience="employees",
                        organisation_id=org.id, position="Главен експерт")
            database.add(user)
            database.flush()
            assert user.id is not None
            database.add(GroupMember(group_id=group_id, user_id=user.id))
        database.commit()
    return names


def upload(client: FlaskClient, page: str, data: bytes, name: str = "sheet.pdf") -> str:
    # Encoded here, in memory: the test client spools a large body to a temporary file
    # that it never closes.
    boundary, body = encode_multipart({"csrf_token": csrf_token(client, page),
                                       "scan": FileStorage(io.BytesIO(data), name)})
    response = client.post(f"{page}/sign-in-sheet", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code in (302, 400, 413), response.status_code
    return response.get_data(as_text=True) if response.status_code != 302 else ""


def test_the_sheet_lists_everyone_enrolled_with_page_n_of_m(client: FlaskClient, app: Flask,
                                                           people: People) -> None:
    found = make_session(app, people.trainer)
    names = enrol_many(app, 30)  # with Иван and Мария: 32 rows and the blank ones, 3 pages
    login(client, "trainer")
    response = client.get(f"/sessions/{found.id}/sign-in-sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    pages, text = pdf_text(response.data)
    flat = re.sub(r"\s+", " ", text)
    for name in [*names, "Иван Иванов", "Мария Петрова"]:
        assert name in flat, name
    assert pages >= 2
    for page in range(1, pages + 1):
        assert f"Страница {page} от {pages}" in flat
    for label in ("Лист за подписи", "Основи – Смолян", "Смолян, Заседателна зала",
                  "Подпис", "Главен експерт", people.trainer.name):
        assert label in flat, label
    with app.app_context():
        logged = db.session().exec(select(AuditEntry).where(
            AuditEntry.action == "export_signin_sheet")).one()
        assert logged.target == f"session:{found.id}" and logged.count == 32


def test_blank_rows_fill_the_last_page() -> None:
    assert signin_sheets.blank_rows(0) == 18
    assert signin_sheets.blank_rows(10) == signin_sheets.BLANK_ROWS
    for enrolled in range(60):
        blank = signin_sheets.blank_rows(enrolled)
        assert blank >= signin_sheets.BLANK_ROWS
        assert (enrolled + blank) % signin_sheets.ROWS_PER_PAGE == 0


@pytest.mark.parametrize(("data", "name", "media_type"), [
    (PDF, "sheet.pdf", "application/pdf"), (JPEG, "снимка.JPG", "image/jpeg"),
    (PNG, "scan.png", "image/png")])
def test_a_signed_scan_is_kept_replaced_and_served(client: FlaskClient, app: Flask,
                                                   people: People, data: bytes, name: str,
                                                   media_type: str) -> None:
    found = make_session(app, people.trainer)
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    assert "Все още няма подписан лист." in client.get(page).get_data(as_text=True)
    assert client.get(f"{page}/sign-in-sheet/scan").status_code == 404
    assert upload(client, page, PDF) == ""
    assert upload(client, page, data, name) == ""  # a second upload replaces the first
    html = client.get(page).get_data(as_text=True)
    assert "Подписаният лист е запазен" in html
    served = client.get(f"{page}/sign-in-sheet/scan")
    assert served.status_code == 200 and served.data == data
    assert served.mimetype == media_type
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        rows = db.session().exec(select(StoredFile).where(
            StoredFile.kind == signin_sheets.KIND)).all()
        assert [(r.key, r.media_type, r.size) for r in rows] == [
            (f"session:{found.id}", media_type, len(data))]


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"<html><script>alert(1)</script></html>", "sheet.pdf",
     "Това не е файл PDF, JPEG или PNG."),
    (b"GIF89a" + b"\x00" * 50, "sheet.gif", "Това не е файл PDF, JPEG или PNG."),
    (b"", "sheet.pdf", "Изберете файла с подписания лист."),
    (b"%PDF-" + b"0" * signin_sheets.MAX_SCAN, "big.pdf",
     "Файлът е твърде голям: най-много 10 MB."),
])
def test_a_wrong_type_or_size_is_refused_and_keeps_the_sheet_kept(
        client: FlaskClient, app: Flask, people: People, data: bytes, name: str,
        message: str) -> None:
    found = make_session(app, people.trainer)
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    assert upload(client, page, PNG) == ""
    html = upload(client, page, data, name)
    assert message in html
    assert client.get(f"{page}/sign-in-sheet/scan").data == PNG  # nothing lost


def test_a_body_over_the_limit_gets_the_size_message(client: FlaskClient, app: Flask,
                                                     people: People) -> None:
    found = make_session(app, people.trainer)
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    html = upload(client, page, b"%PDF-" + b"0" * (signin_sheets.MAX_SCAN + 512 * 1024))
    assert "най-много 10 MB" in html


def test_access_and_bad_ids(client: FlaskClient, app: Flask, people: People) -> None:
    found = make_session(app, people.trainer)
    cancelled = make_session(app, people.trainer, checkin_code="CNCL22",
                             cancelled_at=utcnow())
    login(client, "ivan")
    for path in (f"/sessions/{found.id}/sign-in-sheet.pdf",
                 f"/sessions/{found.id}/sign-in-sheet/scan"):
        assert client.get(path).status_code == 403
    login(client, "trainer")
    for path in ("/sessions/99999/sign-in-sheet.pdf", "/sessions/99999/sign-in-sheet/scan",
                 f"/sessions/{cancelled.id}/sign-in-sheet.pdf",
                 "/sessions/99999999999999/sign-in-sheet.pdf"):
        assert client.get(path).status_code == 404, path
    assert "Лист за подписи" not in client.get(f"/sessions/{cancelled.id}").get_data(
        as_text=True)
    no_token = client.post(f"/sessions/{found.id}/sign-in-sheet",
                           data={"scan": (io.BytesIO(PDF), "a.pdf")},
                           content_type="multipart/form-data")
    assert no_token.status_code == 400


def test_a_walk_in_is_added_to_the_group_and_marked_present(
        client: FlaskClient, app: Flask, people: People) -> None:
    found = make_session(app, people.trainer)
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    with app.app_context():
        database = db.session()
        org = database.exec(select(Organisation)).one()
        group_id = database.exec(select(GroupMember.group_id)).first()
    fields = {"name": "Стоянка Дошла-Без-Покана", "organisation": str(org.id),
              "audience": "employees", "position": "Секретар", "specialism": "",
              "group": str(group_id)}
    refused = submit(client, f"{page}/walk-ins", {**fields, "name": "", "group": ""}, page=page)
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Въведете името на обучаемия." in html and "Изберете група от списъка." in html
    done = submit(client, f"{page}/walk-ins", fields, page=page)
    assert done.status_code == 302
    with app.app_context():
        database = db.session()
        user = database.exec(select(User).where(User.name == "Стоянка Дошла-Без-Покана")).one()
        assert database.get(GroupMember, (group_id, user.id)) is not None
        mark = database.get(Attendance, (found.id, user.id))
        assert mark is not None and mark.status == "present"
        change = database.exec(select(AttendanceChange).where(
            AttendanceChange.user_id == user.id)).one()
        assert change.via == "sheet"
    html = client.get(page).get_data(as_text=True)
    assert "(от подписания лист)" in html and "Стоянка Дошла-Без-Покана" in html


def test_a_walk_in_goes_only_into_a_group_of_the_session(client: FlaskClient, app: Flask,
                                                        people: People) -> None:
    found = make_session(app, people.trainer)
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    with app.app_context():
        org = db.session().exec(select(Organisation)).one()
    response = submit(client, f"{page}/walk-ins", {
        "name": "Някой", "organisation": str(org.id), "audience": "employees",
        "position": "", "specialism": "", "group": "424242"}, page=page)
    assert response.status_code == 400
    with app.app_context():
        assert db.session().exec(select(User).where(User.name == "Някой")).first() is None


def test_a_cancelled_session_takes_no_attendance(client: FlaskClient, app: Flask,
                                                 people: People) -> None:
    """A session that was cancelled never took place: marking someone present there would
    count hours towards their certificate."""
    found = make_session(app, people.trainer, cancelled_at=utcnow())
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    assert 'class="roster-marks"' not in client.get(page).get_data(as_text=True)
    response = submit(client, f"{page}/attendance/{people.learner.id}", {"status": "present"},
                      page=page)
    assert response.status_code == 404
    with app.app_context():
        assert db.session().get(Attendance, (found.id, people.learner.id)) is None


def test_the_sessions_held_without_a_signed_sheet(client: FlaskClient, app: Flask,
                                                  people: People) -> None:
    held = make_session(app, people.trainer, starts_in=timedelta(days=-3), hours=2,
                        title="Проведено без списък")
    signed = make_session(app, people.trainer, starts_in=timedelta(days=-2), hours=2,
                          title="Проведено със списък", checkin_code="SIGN22")
    make_session(app, people.trainer, starts_in=timedelta(days=2), title="Предстои",
                 checkin_code="NEXT22")
    make_session(app, people.trainer, starts_in=timedelta(days=-1), hours=2,
                 title="Отменено", checkin_code="CNCL22", cancelled_at=utcnow())
    login(client, "trainer")
    assert upload(client, f"/sessions/{signed.id}", PDF) == ""
    with app.app_context():
        database = db.session()
        assert [s.id for s in signin_sheets.held_without_scan(database)] == [held.id]
        assert signin_sheets.held_without_scan(database, since=utcnow()) == []
        every = list(database.exec(select(TrainingSession)))
        assert signin_sheets.scanned_ids(database, every) == {signed.id}


def test_the_donor_report_lists_the_sessions_without_a_signed_sheet(
        client: FlaskClient, app: Flask, people: People) -> None:
    held = make_session(app, people.trainer, starts_in=timedelta(days=-3), hours=2,
                        title="Проведено без списък")
    signed = make_session(app, people.trainer, starts_in=timedelta(days=-2), hours=2,
                          title="Проведено със списък", checkin_code="SIGN22")
    login(client, "trainer")
    assert upload(client, f"/sessions/{signed.id}", PDF) == ""
    login(client, "admin")
    html = client.get("/trainer/reports/donor").get_data(as_text=True)
    section = html[html.index('id="sheets"'):html.index('id="funnel"')]
    assert "1 проведено занятие в периода още няма подписан лист" in section
    assert f'href="/sessions/{held.id}"' in section and "Теодора Обучителева" in section
    assert "Проведено със списък" not in section
    book = load_workbook(io.BytesIO(client.get("/trainer/reports/donor.xlsx").data))
    rows = list(book["Без подписан лист"].iter_rows(values_only=True))
    assert rows[1][0] == "Проведено без списък" and len(rows) == 2
    assert upload_as_trainer(app, held.id) and "Всяко проведено занятие в периода има" in \
        client.get("/trainer/reports/donor").get_data(as_text=True)


def upload_as_trainer(app: Flask, session_id: int) -> bool:
    trainer = app.test_client()
    login(trainer, "trainer")
    return upload(trainer, f"/sessions/{session_id}", JPEG) == ""
