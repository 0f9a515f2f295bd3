"""The access log page ("Журнал на достъпа", issue 16 item 10) at 360 px and on a desktop:
axe-clean, no sideways scroll, the filters in Bulgarian, a bad date said on the page.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each page at 360 px and on a desktop.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from webapp import db
from webapp.models import utcnow
from webapp.services import audit


def fill_log(app: Flask, people: Any) -> None:
    """Sixty entries (two pages), of several kinds, over the last few days."""
    now = utcnow()
    kinds = [("view_learner", people.learner, "group:1", 0),
             ("reset_code", people.councillor, f"user:{people.councillor.id}", 0),
             ("export_report", None, "report:progress", 12),
             ("certificate_revoked", people.learner, "certificate:1", 0)]
    with app.app_context():
        database = db.session()
        for number in range(60):
            action, subject, target, count = kinds[number % len(kinds)]
            entry = audit.record(database, people.trainer if number % 3 else people.admin,
                                 action, subject, target, count)
            entry.at = now - timedelta(hours=number * 2)
        database.commit()


def test_the_log_on_a_phone_and_a_desktop(phone: Any, desktop: Any, live_server: str,
                                          app: Flask, people: Any) -> None:
    fill_log(app, people)
    for page, name in ((phone, "phone"), (desktop, "desktop")):
        sign_in(page, live_server, "admin")
        page.goto(f"{live_server}/admin/")
        page.get_by_role("link", name="Журнал на достъпа").click()
        page.wait_for_url("**/admin/audit/")
        assert page.locator("h1").inner_text() == "Журнал на достъпа"
        assert page.locator("#audit-table tbody tr").count() == 50
        assert "Записи 1–50 от 60" in page.locator("#audit-range").inner_text()
        shot(page, f"audit-{name}")
        shot(page, f"audit-{name}-first-screen", full_page=False)
        assert_fits(page)
        assert_accessible(page)

        page.select_option("#a-action", "reset_code")
        page.fill("#a-person", "Мария")
        page.get_by_role("button", name="Покажи").click()
        page.wait_for_load_state()
        rows = page.locator("#audit-table tbody tr")
        assert rows.count() == 15
        assert "Мария Петрова" in rows.first.inner_text()
        assert_fits(page)
        assert_accessible(page)

        page.goto(f"{live_server}/admin/audit/?since=12.03.2027")
        assert "не е дата" in page.locator("#audit-notes").inner_text()
        shot(page, f"audit-{name}-bad-date", full_page=False)
        assert_fits(page)
        assert_accessible(page)
