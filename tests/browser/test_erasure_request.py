"""Erasure from the learner's side to the coordinator's decision (issue 16, Must show): the
learner asks on "Моите данни" on a phone, a coordinator at a desk sees the request on their
home page and approves it, and the learner is signed out and cannot sign in again. The
retention page too. Every page axe-clean, none wider than a 360 px screen.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each page.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask import Flask

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.webapp.conftest import PASSWORD
from webapp import db, jobs
from webapp.models import User
from webapp.services import erasure


def checked(page: Any, name: str) -> None:
    shot(page, name)
    assert_fits(page)
    assert_accessible(page)


def test_a_learner_asks_a_coordinator_approves_and_the_learner_is_gone(
        phone: Any, desktop: Any, live_server: str, app: Flask, people: Any) -> None:
    # The learner, on a phone: "Моите данни", then the request with the password again.
    sign_in(phone, live_server, "ivan")
    phone.goto(f"{live_server}/my-data")
    phone.locator("#erasure-title").scroll_into_view_if_needed()
    shot(phone, "my-data-erasure-phone", full_page=False)
    assert_fits(phone)
    phone.locator("#erasure-link").click()
    phone.wait_for_url("**/account/erasure")
    checked(phone, "erasure-ask-phone")
    phone.get_by_role("button", name="Поискай заличаване").click()
    phone.wait_for_load_state()
    assert phone.locator(".field-errors").count() >= 1  # nothing ticked, no password
    checked(phone, "erasure-ask-errors-phone")
    phone.get_by_label("Разбирам").check()
    phone.get_by_label("Вашата парола").fill(PASSWORD)
    phone.get_by_role("button", name="Поискай заличаване").click()
    phone.wait_for_load_state()
    assert "Искането ви е записано" in phone.content()
    assert phone.get_by_text("Чака решение", exact=True).count() == 1
    checked(phone, "erasure-asked-phone")

    # The coordinator, at a desk: the home page says a request waits; approve it.
    sign_in(desktop, live_server, "admin")
    desktop.goto(f"{live_server}/trainer/")
    banner = desktop.locator("#erasure-banner")
    assert "1 искане за заличаване чака решение" in banner.inner_text()
    checked(desktop, "erasure-home-banner-desktop")
    banner.get_by_role("link").first.click()
    desktop.wait_for_url("**/coordinator/erasure")
    assert "Иван Иванов" in desktop.locator("#pending").locator("..").inner_text()
    checked(desktop, "erasure-requests-desktop")
    desktop.get_by_role("link", name=re.compile("Одобри и заличи.*Иван Иванов")).click()
    desktop.wait_for_url("**/approve")
    assert f"Заличен участник #{people.learner.id}" in desktop.content()
    checked(desktop, "erasure-confirm-desktop")
    desktop.get_by_role("button", name="Заличи данните").click()
    desktop.wait_for_load_state()
    assert "Одобрено: данните на човека са заличени." in desktop.content()
    assert "Иван Иванов" not in desktop.content()
    checked(desktop, "erasure-approved-desktop")

    # The learner: signed out at the next page, and the old password opens nothing.
    phone.goto(f"{live_server}/account/erasure")
    assert "/login" in phone.url
    sign_in(phone, live_server, "ivan")
    assert "Грешно потребителско име или парола." in phone.content()
    checked(phone, "erasure-signed-out-phone")
    with app.app_context():
        ivan = db.session().get(User, people.learner.id)
        assert ivan is not None and ivan.pseudonymised_at is not None


def test_the_coordinators_pages_on_a_phone(phone: Any, live_server: str, app: Flask,
                                           people: Any) -> None:
    with app.app_context():
        database = db.session()
        maria = database.get(User, people.councillor.id)
        assert maria is not None
        request = erasure.ask(database, maria, recorded_by=database.get(User, people.admin.id))
        database.commit()
    sign_in(phone, live_server, "admin")
    phone.goto(f"{live_server}/coordinator/erasure?q=иван")
    assert phone.get_by_role("button", name=re.compile("Впиши искането.*Иван Иванов")).count() == 1
    checked(phone, "erasure-requests-phone")
    phone.get_by_role("button", name=re.compile("Откажи.*Мария Петрова")).click()
    phone.wait_for_load_state()
    assert "Посочете причината." in phone.content()  # no reason: refused, the field says why
    checked(phone, "erasure-refuse-error-phone")
    phone.goto(f"{live_server}/coordinator/erasure/{request.id}/approve")
    checked(phone, "erasure-confirm-phone")


def test_the_retention_page_on_a_phone_and_a_desk(phone: Any, desktop: Any, live_server: str,
                                                  app: Flask, people: Any) -> None:
    app.config.update(RETENTION_MONTHS=6, PROGRAMME_END=date.today() - timedelta(days=400))
    for page, name in ((phone, "phone"), (desktop, "desktop")):
        sign_in(page, live_server, "admin")
        page.goto(f"{live_server}/coordinator/retention")
        assert "Заличи 3 участници" in page.content()
        checked(page, f"retention-{name}")
    desktop.get_by_role("button", name="Заличи 3 участници").click()
    desktop.wait_for_load_state()
    assert "3 участници се заличават във фонов режим" in desktop.content()
    checked(desktop, "retention-erasing-desktop")
    assert jobs.run_pending(app) >= 1
    desktop.reload()
    assert "Срокът не е изтекъл за никого." in desktop.content()
    checked(desktop, "retention-done-desktop")
