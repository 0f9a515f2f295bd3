"""The e-mail pages in a browser (issue 16): a learner's "Известия по имейл", the
unsubscribe confirmation and its result, and the coordinators' sent log — at 360 px and
on a desktop, axe-clean, nothing wider than the screen.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each page.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlmodel import select

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from webapp import db
from webapp.models import MAIL_FAILED, MAIL_SENT, MailMessage, MailPreference, User, utcnow
from webapp.services import outbox

VIEWS = ("phone", "desktop")


@pytest.fixture
def app(make_app: Any, build_dir: Any) -> Flask:
    # E-mail on (nothing is sent: no job runs in these tests).
    flask_app: Flask = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_SECURITY="none",
                                MAIL_FROM="obuchenie@dobro.example.org")
    return flask_app


def give_email(app: Flask, username: str) -> User:
    with app.app_context():
        database = db.session()
        user = database.exec(select(User).where(User.username == username)).one()
        user.email = f"{username}.s.dalgo.ime@obshtina-smolyan.example.bg"
        database.add(user)
        database.commit()
        return user


def test_the_learner_chooses_messages_and_language(phone: Any, desktop: Any, live_server: str,
                                                   app: Flask, people: Any) -> None:
    ivan = give_email(app, "ivan")
    for name in VIEWS:
        page = phone if name == "phone" else desktop
        sign_in(page, live_server, "ivan")
        page.goto(f"{live_server}/account/password")
        page.get_by_role("link", name="Изберете кои писма да получавате").click()
        assert page.get_by_role("heading", name="Известия по имейл").is_visible()
        shot(page, f"mail-preferences-{name}")
        assert_fits(page)
        assert_accessible(page)
    desktop.get_by_label("Напомняния преди занятие").uncheck()
    desktop.get_by_label("English").check()
    desktop.get_by_role("button", name="Запиши").click()
    desktop.get_by_text("Настройките за имейл са запазени.").wait_for()
    assert not desktop.get_by_label("Напомняния преди занятие").is_checked()
    with app.app_context():
        row = db.session().get(MailPreference, (ivan.id, "session_reminder"))
        assert row is not None and not row.enabled
    shot(desktop, "mail-preferences-saved-desktop")
    assert_accessible(desktop)
    app.config["SMTP_HOST"] = ""  # e-mail off: the page says so
    phone.reload()
    assert phone.locator("#mail-off").is_visible()
    shot(phone, "mail-preferences-off-phone")
    assert_fits(phone)
    assert_accessible(phone)


def test_unsubscribe_from_a_link_without_signing_in(phone: Any, desktop: Any, live_server: str,
                                                     app: Flask, people: Any) -> None:
    ivan = give_email(app, "ivan")
    with app.app_context():
        token = outbox.unsubscribe_token(app, ivan, "certificate_issued")
    for name in VIEWS:
        page = phone if name == "phone" else desktop
        page.goto(f"{live_server}/unsubscribe/{token}")
        assert page.get_by_text("Издаден сертификат").is_visible()
        shot(page, f"mail-unsubscribe-{name}")
        assert_fits(page)
        assert_accessible(page)
    phone.get_by_role("button", name="Спиране на тези писма").click()
    phone.get_by_role("heading", name="Писмата са спрени").wait_for()
    shot(phone, "mail-unsubscribed-phone")
    assert_fits(phone)
    assert_accessible(phone)
    with app.app_context():
        row = db.session().get(MailPreference, (ivan.id, "certificate_issued"))
        assert row is not None and not row.enabled
    desktop.goto(f"{live_server}/unsubscribe/{token[:-3]}xyz")
    assert desktop.get_by_role("heading", name="Връзката не работи").is_visible()
    shot(desktop, "mail-unsubscribe-bad-desktop")
    assert_accessible(desktop)


def test_the_sent_log(phone: Any, desktop: Any, live_server: str, app: Flask,
                      people: Any) -> None:
    ivan = give_email(app, "ivan")
    with app.app_context():
        database = db.session()
        now = utcnow()
        for number in range(60):
            failed = number % 7 == 0
            database.add(MailMessage(
                key=f"demo:{number}", kind="session_reminder" if number % 2 else "invitation",
                user_id=ivan.id, to_address=ivan.email or "",
                subject=f"Напомняне: занятие „Бюджет на общината“ след 2 дни ({number})",
                text_body="…", status=MAIL_FAILED if failed else MAIL_SENT,
                tries=7 if failed else 1,
                error=("SMTPRecipientsRefused: 550 5.1.1 <ivan.s.dalgo.ime@obshtina-smolyan"
                       ".example.bg>: Recipient address rejected: User unknown") if failed else "",
                created_at=now - timedelta(minutes=number), sent_at=None if failed else now))
        database.commit()
    for name in VIEWS:
        page = phone if name == "phone" else desktop
        sign_in(page, live_server, "admin")
        page.goto(f"{live_server}/trainer/")
        page.get_by_role("link", name="Изпратени имейли").click()
        assert page.locator("#mail-log tbody tr").count() == 50
        shot(page, f"mail-log-{name}")
        assert_fits(page)
        assert_accessible(page)
    desktop.select_option("#filter-status", "failed")
    desktop.get_by_role("button", name="Покажи").click()
    desktop.wait_for_url("**status=failed**")
    assert desktop.locator("#mail-log tbody tr").count() == 9
    desktop.locator("#mail-log tbody tr").first.get_by_role("button").click()
    desktop.get_by_text("Писмото е наредено за повторно изпращане.").wait_for()
    shot(desktop, "mail-log-sent-again-desktop")
    assert_accessible(desktop)


def test_the_html_of_an_email_reads_on_a_phone(phone: Any, desktop: Any, app: Flask,
                                               people: Any) -> None:
    from tests.webapp.test_mail_core import with_probes

    ivan = give_email(app, "ivan")
    with_probes(app)
    with app.app_context():
        database = db.session()
        found = outbox.queue(database, kind="certificate_issued", key="shot", user=ivan,
                             template="probe", context={"what": "сертификата"})
        database.commit()
        assert found is not None
    for name in VIEWS:
        page = phone if name == "phone" else desktop
        page.set_content(found.html_body)
        assert page.get_by_role("link", name="Спрете писмата от този вид").is_visible()
        shot(page, f"mail-html-{name}")
        assert_fits(page)
        assert_accessible(page)
