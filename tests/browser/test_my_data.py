""""Моите данни" and the privacy notice in a browser (issue 16, Must show): a learner on a
phone opens "Моите данни" from the footer, downloads the ZIP and reads its summary.html in
the browser; the notice, the join form's box and the changed-notice page are axe-clean at
360 px and on a desktop.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each page.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from flask import Flask
from sqlmodel import select

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.webapp.test_my_data import give_activity
from webapp import db
from webapp.models import PrivacyConsent


def page_height(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def test_a_learner_downloads_and_reads_their_data_on_a_phone(
        phone: Any, live_server: str, app: Flask, people: Any, tmp_path: Path) -> None:
    give_activity(app, people, people.learner, "IVAN1")
    sign_in(phone, live_server, "ivan")
    phone.get_by_role("contentinfo").get_by_role("link", name="Моите данни").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == "Моите данни"
    assert "Иван Иванов" in phone.locator("main").inner_text()
    shot(phone, "my-data-phone")
    assert_fits(phone)
    assert_accessible(phone)

    with phone.expect_download() as info:
        phone.get_by_role("button", name="Изтегли всичко").click()
    saved = tmp_path / "moite-danni.zip"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "dobro-moite-danni-ivan.zip"
    folder = tmp_path / "unpacked"
    with zipfile.ZipFile(saved) as zipped:
        assert {"data.json", "summary.html"} <= set(zipped.namelist())
        zipped.extractall(folder)

    phone.goto((folder / "summary.html").as_uri())
    assert phone.get_by_role("heading", level=1).inner_text() == "Моите данни в Dobro"
    body = phone.locator("body").inner_text()
    for part in ("Иван Иванов", "ARO-2027-IVAN1", "Сертификат IVAN1", "Занятие IVAN1"):
        assert part in body, part
    shot(phone, "my-data-summary-phone")
    assert_fits(phone)
    assert_accessible(phone)
    print(f"summary.html at 360 px: {page_height(phone)} px high")


def test_the_notice_the_join_box_and_the_changed_notice_are_accessible(
        phone: Any, desktop: Any, live_server: str, app: Flask, people: Any) -> None:
    for page, size in ((phone, "phone"), (desktop, "desktop")):
        page.goto(f"{live_server}/")
        page.get_by_role("contentinfo").get_by_role(
            "link", name="Защита на личните данни").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text() == "Защита на личните данни"
        shot(page, f"privacy-notice-{size}")
        assert_fits(page)
        assert_accessible(page)
        print(f"/privacy on the {size}: {page_height(page)} px high")

        page.goto(f"{live_server}/join")
        page.get_by_role("button", name="Създай профила ми").click()  # the box left empty
        page.wait_for_load_state()
        box = page.get_by_label("Запознах се с информацията за защита на личните данни")
        assert box.get_attribute("aria-invalid") == "true"
        shot(page, f"join-privacy-{size}")
        assert_fits(page)
        assert_accessible(page)

    for page, size in ((phone, "phone"), (desktop, "desktop")):
        forget_reading(app, people.learner.id)
        sign_in(page, live_server, "ivan")
        assert "/privacy/changed" in page.url
        heading = page.get_by_role("heading", level=1).inner_text()
        assert heading == "Информацията за защита на личните данни е променена"
        shot(page, f"privacy-changed-{size}")
        assert_fits(page)
        assert_accessible(page)
        page.get_by_role("button", name="Прочетох я, продължете").click()
        page.wait_for_load_state()
        assert page.url == f"{live_server}/"


def forget_reading(app: Flask, user_id: int) -> None:
    """Make the person's reading of the notice one of an older version."""
    with app.app_context():
        database = db.session()
        for row in database.exec(select(PrivacyConsent).where(PrivacyConsent.user_id == user_id)):
            row.notice_version = "0123456789abcdef"
            database.add(row)
        database.commit()
