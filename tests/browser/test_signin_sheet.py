"""A trainer prints a session's sign-in sheet, uploads the signed scan and adds a walk-in
written on it (issue 18's Must show), on a phone and on a desktop.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each step.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import Flask
from pypdf import PdfReader
from sqlmodel import select

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.webapp.blended import make_session
from webapp import db
from webapp.models import Attendance, StoredFile, User
from webapp.services import signin_sheets

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8


def test_a_trainer_prints_the_sheet_uploads_the_scan_and_adds_a_walk_in(
        phone: Any, desktop: Any, live_server: str, app: Flask, people: Any,
        tmp_path: Path) -> None:
    found = make_session(app, people.trainer, hours=4)
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/sessions/{found.id}#sheet-title")
    section = phone.locator(".session-sheet")
    assert "Все още няма подписан лист." in section.inner_text()
    shot(phone, "signin-sheet-phone")
    assert_fits(phone)
    assert_accessible(phone)

    # Print: the PDF holds everyone enrolled, in Cyrillic, and the page count.
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Отпечатай листа за подписи (PDF)").click()
    sheet = tmp_path / "sheet.pdf"
    download.value.save_as(sheet)
    reader = PdfReader(io.BytesIO(sheet.read_bytes()))
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    assert "Иван Иванов" in text and "Мария Петрова" in text
    assert f"Страница 1 от {len(reader.pages)}" in " ".join(text.split())

    # A wrong file first: refused, said beside the field, nothing kept.
    bad = tmp_path / "sheet.docx"
    bad.write_bytes(b"PK\x03\x04 not a scan")
    phone.set_input_files("#scan", str(bad))
    phone.get_by_role("button", name="Качи подписания лист").click()
    error = phone.locator("#scan-errors")
    assert "Това не е файл PDF, JPEG или PNG." in error.inner_text()
    assert phone.locator("#scan").get_attribute("aria-invalid") == "true"
    assert_accessible(phone)

    # The photographed sheet: kept, and offered for download.
    photo = tmp_path / "снимка на листа.jpg"
    photo.write_bytes(JPEG)
    phone.set_input_files("#scan", str(photo))
    phone.get_by_role("button", name="Качи подписания лист").click()
    assert "Подписаният лист е запазен към занятието" in phone.locator(".flashes").inner_text()
    assert "Подписаният лист е запазен (качен в" in phone.locator(".session-sheet").inner_text()
    shot(phone, "signin-sheet-kept-phone")
    assert_fits(phone)
    assert_accessible(phone)
    with app.app_context():
        kept = db.session().exec(select(StoredFile).where(
            StoredFile.kind == signin_sheets.KIND)).one()
        assert kept.content == JPEG and kept.media_type == "image/jpeg"

    # A walk-in written on the sheet, added on a desktop: in the group, marked present.
    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}/sessions/{found.id}#sheet-title")
    desktop.locator(".session-walk-in summary").click()
    desktop.fill("#walk-in-name", "Стоянка Дошла")
    desktop.select_option("#walk-in-organisation", label="Смолян")
    desktop.select_option("#walk-in-audience", value="employees")
    desktop.fill("#walk-in-position", "Секретар")
    desktop.select_option("#walk-in-group", index=1)
    shot(desktop, "signin-walk-in-desktop")
    assert_accessible(desktop)
    desktop.get_by_role("button", name="Добави и отбележи като присъствал").click()
    assert "Стоянка Дошла" in desktop.locator(".roster").inner_text()
    assert "(от подписания лист)" in desktop.content()
    with app.app_context():
        database = db.session()
        user = database.exec(select(User).where(User.name == "Стоянка Дошла")).one()
        mark = database.get(Attendance, (found.id, user.id))
        assert mark is not None and mark.status == "present"
    assert_fits(desktop)
    assert_accessible(desktop)
