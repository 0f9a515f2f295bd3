"""A coordinator records on a phone which Bulletin issue went to whom, and the donor report
counts the recipients per issue.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots at 360 px and on a desktop.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.webapp.test_bulletin_delivery import recipients
from tests.webapp.test_publications import ISSUE, coordinator
from webapp import content, db
from webapp.services import bulletins


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
    phone.get_by_text("Отметнете поне един получател.").wait_for()
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


def test_a_scaffolded_issue_reads_well(phone: Any, desktop: Any, live_server: str,
                                       app: Flask, people: Any, course_root: Path) -> None:
    with app.app_context():
        found = bulletins.figures(db.session(), content.current_course(),
                                  content.store().build_dir, date(2027, 3, 1))
    path = bulletins.write_issue(course_root, 2, found)
    path.write_text(path.read_text(encoding="utf-8").replace("published: false",
                                                             "published: true"), "utf-8")
    for page, name in ((phone, "phone"), (desktop, "desktop")):
        sign_in(page, live_server, "ivan")
        page.goto(f"{live_server}/bulletins/2")
        chart = page.get_by_role("img", name=re.compile("Обучени участници по целеви групи"))
        width = chart.evaluate("e => e.complete && e.naturalWidth > 0 ? "
                               "e.getBoundingClientRect().width : 0")
        assert width > 250, f"the chart is {width}px wide on the {name}"
        shot(page, f"bulletin-scaffold-{name}")
        assert_fits(page)
        assert_accessible(page)
