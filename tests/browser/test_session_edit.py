"""A trainer changes a session's place and then cancels it (issue 16), on a phone and on a
desktop: the pages fit 360 px and are axe-clean, the cancellation waits for its box, the
enrolled learners are told (e-mail is off here: the sent log records what would have gone)
and the cancelled session leaves the learner's home page.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each page at 360 px and on a desktop.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import Flask
from sqlmodel import col, select

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.webapp.blended import make_session
from webapp import db
from webapp.localtime import SOFIA
from webapp.models import GroupMember, MailMessage, TrainingSession, User, utcnow


def give_addresses(app: Flask, *users: User) -> None:
    with app.app_context():
        database = db.session()
        for user in users:
            found = database.get(User, user.id)
            assert found is not None
            found.email = f"{found.username}@example.org"
            database.add(found)
        database.commit()


def told(app: Flask, session_id: int) -> list[MailMessage]:
    with app.app_context():
        return list(db.session().exec(select(MailMessage).where(
            col(MailMessage.kind) == "session_changed",
            col(MailMessage.key).contains(f":{session_id}:"))))


def ten_to_two(days: int) -> dict[str, datetime]:
    """A session from 10:00 to 14:00 Sofia time ``days`` from today: the edit form has one
    day and two times, so a session made "now + N days" for 4 hours, which crosses
    midnight when the tests run in the evening, could not be saved unchanged."""
    day = (utcnow() + timedelta(days=days)).astimezone(SOFIA).date()
    starts = datetime.combine(day, time(10), SOFIA).astimezone(UTC)
    return {"starts_at": starts, "ends_at": starts + timedelta(hours=4)}


def test_a_trainer_changes_then_cancels_a_session_on_a_phone(
        phone: Any, live_server: str, app: Flask, people: Any) -> None:
    give_addresses(app, people.learner, people.councillor)
    found = make_session(app, people.trainer, **ten_to_two(days=3))
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/sessions/{found.id}")
    shot(phone, "session-change-links-phone")
    assert_fits(phone)
    change = phone.locator(f"a[href$='/sessions/{found.id}/edit']")
    assert change.inner_text().startswith("Промени")
    change.click()
    phone.wait_for_url(f"**/sessions/{found.id}/edit")
    assert phone.get_by_label("Място (по желание)").input_value() == "Заседателна зала"
    shot(phone, "session-edit-phone")
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_label("Място (по желание)").fill("Читалище „Светлина“")
    phone.get_by_role("button", name="Запази промените").click()
    phone.wait_for_url(f"**/sessions/{found.id}")
    assert "Всички записани са уведомени." in phone.locator(".flashes").inner_text()
    assert "Читалище „Светлина“" in phone.locator(".meta").first.inner_text()
    assert len(told(app, found.id or 0)) == 2

    phone.get_by_role("link", name="Отмени занятието").click()
    phone.wait_for_url(f"**/sessions/{found.id}/cancel")
    assert "2 обучаеми са записани" in phone.locator("main").inner_text()
    shot(phone, "session-cancel-phone")
    assert_fits(phone)
    assert_accessible(phone)
    # The box is required: the browser keeps the form until it is ticked.
    phone.get_by_role("button", name="Отмени занятието").click()
    assert phone.url.endswith(f"/sessions/{found.id}/cancel")
    phone.get_by_label("Да, отмени занятието и уведоми всички записани").check()
    phone.get_by_role("button", name="Отмени занятието").click()
    phone.wait_for_url(f"**/sessions/{found.id}")
    notice = phone.locator(".session-cancelled-notice")
    assert "Отменено" in notice.inner_text()
    assert phone.locator(f"a[href$='/sessions/{found.id}/edit']").count() == 0
    shot(phone, "session-cancelled-phone")
    assert_fits(phone)
    assert_accessible(phone)
    assert len(told(app, found.id or 0)) == 4
    with app.app_context():
        cancelled = db.session().get(TrainingSession, found.id)
        assert cancelled is not None and cancelled.cancelled_at is not None

    phone.goto(f"{live_server}/sessions/manage")
    assert "Отменено" in phone.locator(".session-list").inner_text()
    shot(phone, "sessions-list-cancelled-phone")
    assert_fits(phone)
    assert_accessible(phone)


def test_the_edit_and_cancel_pages_on_a_desktop_and_the_learners_view(
        desktop: Any, phone: Any, live_server: str, app: Flask, people: Any) -> None:
    found = make_session(app, people.trainer, **ten_to_two(days=2))
    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}/sessions/{found.id}")
    shot(desktop, "session-change-links-desktop")
    assert_accessible(desktop)
    desktop.goto(f"{live_server}/sessions/{found.id}/edit")
    # A bad time comes back with the reason beside the field.
    desktop.get_by_label("Край").fill("08:00")
    desktop.get_by_label("Начало").fill("09:00")
    desktop.get_by_role("button", name="Запази промените").click()
    assert "Занятието трябва да завършва след началото си." in desktop.locator(
        ".field-errors").inner_text()
    shot(desktop, "session-edit-desktop")
    assert_accessible(desktop)
    desktop.goto(f"{live_server}/sessions/{found.id}/cancel")
    shot(desktop, "session-cancel-desktop")
    assert_accessible(desktop)

    sign_in(phone, live_server, "ivan")
    assert "Основи – Смолян" in phone.locator("main").inner_text()
    desktop.get_by_label("Да, отмени занятието и уведоми всички записани").check()
    desktop.get_by_role("button", name="Отмени занятието").click()
    desktop.wait_for_url(f"**/sessions/{found.id}")
    phone.reload()
    assert "Основи – Смолян" not in phone.locator("main").inner_text()


def test_the_send_by_email_box_on_the_group_page(phone: Any, live_server: str, app: Flask,
                                                 people: Any) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", MAIL_FROM="obuchenie@dobro.example.org")
    with app.app_context():
        database = db.session()
        for user in (people.learner, people.councillor):
            found = database.get(User, user.id)
            assert found is not None
            found.username, found.email = None, f"{user.username}@example.org"
            database.add(found)
        database.commit()
        group_id = database.exec(select(GroupMember.group_id)).first()
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/trainer/groups/{group_id}")
    box = phone.get_by_label("Изпрати всеки код и по електронната поща (на обучаемите с адрес)")
    assert box.is_checked()
    shot(phone, "group-send-box-phone", full_page=False)
    assert_fits(phone)
    assert_accessible(phone)
    phone.locator(".trainer-code-make").get_by_role("button").first.click()
    phone.wait_for_load_state()
    with app.app_context():
        sent = db.session().exec(select(MailMessage).where(
            col(MailMessage.kind) == "invitation")).all()
    assert sorted(m.to_address for m in sent) == ["ivan@example.org", "maria@example.org"]
