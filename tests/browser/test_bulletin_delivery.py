"""A coordinator records on a phone which Bulletin issue went to whom, and the donor report
counts the recipients per issue.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots at 360 px and on a desktop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.webapp.test_bulletin_delivery import recipients
from tests.webapp.test_publications import ISSUE, coordinator


def test_a_coordinator_marks_an_issue_sent(phone: Any, desktop: Any, live_server: str,
                                           app: Flask, people: Any, course_root: Path) -> None:
    (course_root / "bulletins").mkdir()
    (course_root / "bulletins" / "01-zapochva.md").write_text(ISSUE, encoding="utf-8")
    recipients(app)
    coordinator(app)
    sign_in(phone, live_server, "koord")
    phone.goto(f"{live_server}/distribution")
    assert_fits(phone)
    assert_accessible(phone)
    form = phone.locator(".delivery-form")
    form.get_by_label("Брой").select_option("1")
    form.get_by_label("Смолян: Кмет").check()
    form.get_by_label("НПО Родопи: НПО").check()
    shot(phone, "distribution-phone-before")
    form.get_by_role("button", name="Отбележи като изпратен на отметнатите").click()
    phone.wait_for_url(f"{live_server}/distribution")
    assert "Брой 1: отбелязан като изпратен на 2 получатели." in phone.content()
    shot(phone, "distribution-phone")
    assert_fits(phone)
    assert_accessible(phone)
    # Nothing ticked: said next to the list, nothing recorded.
    phone.locator(".delivery-form").get_by_role(
        "button", name="Отбележи като изпратен на отметнатите").click()
    assert phone.get_by_text("Отметнете поне един получател.").is_visible()
    shot(phone, "distribution-phone-error")
    assert_accessible(phone)

    phone.goto(f"{live_server}/trainer/reports/donor")
    section = phone.locator("#bulletin-table")
    assert "Брой 1" in section.inner_text()
    section.scroll_into_view_if_needed()
    shot(phone, "donor-bulletin-phone", full_page=False)
    assert_fits(phone)

    sign_in(desktop, live_server, "koord")
    desktop.goto(f"{live_server}/distribution")
    shot(desktop, "distribution-desktop")
    assert_accessible(desktop)
    desktop.goto(f"{live_server}/trainer/reports/donor")
    desktop.locator("#bulletin").scroll_into_view_if_needed()
    shot(desktop, "donor-bulletin-desktop", full_page=False)
    assert_accessible(desktop)
