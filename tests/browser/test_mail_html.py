"""The HTML of every message kind (issue 16 item 3), opened on a 360 px phone: axe-clean
(WCAG 2.1 AA), nothing wider than the screen, real text and a link.

Set ``DOBRO_SHOTS`` to a folder to keep a screenshot of each message.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlmodel import col, select

from tests.browser.conftest import assert_accessible, assert_fits, shot
from tests.webapp.blended import make_session
from webapp import db
from webapp.models import Group, Invitation, MailMessage, TrainingSession, User, utcnow
from webapp.services import accounts, mail_messages, mail_sweep


def make_every_message(app: Flask, people: Any) -> list[MailMessage]:
    found = make_session(app, people.trainer, starts_in=timedelta(hours=1))
    with app.app_context():
        database = db.session()
        learner = database.get(User, people.learner.id)
        trainer = database.get(User, people.trainer.id)
        session = database.get(TrainingSession, found.id)
        group = database.exec(select(Group)).one()
        assert learner is not None and trainer is not None and session is not None
        for user in (learner, trainer):
            user.email = f"{user.username}@example.org"
            database.add(user)
        code, invitation = accounts.issue_invitation(database, learner, "join", trainer)
        mail_messages.code_made(database, learner, code, invitation, trainer, True)
        code, invitation = accounts.issue_invitation(database, learner, "reset", trainer)
        mail_messages.code_made(database, learner, code, invitation, trainer, False)
        mail_messages.password_changed(database, learner)
        mail_messages.enrolled(database, session, group.id or 0, trainer)
        mail_messages.changed(database, session, trainer)
        mail_messages.reminder(database, session, [learner], "2h")
        app.config["MAIL_NUDGE_DAYS"] = 7
        learner.joined_at = utcnow() - timedelta(days=30)
        database.add(learner)
        mail_sweep.nudges(database, utcnow(), 7)
        session.cancelled_at = utcnow()
        mail_messages.cancelled(database, session, trainer)
        database.commit()
        assert database.exec(select(Invitation)).first() is not None
        return list(database.exec(select(MailMessage).order_by(col(MailMessage.id))))


def test_every_message_reads_well_on_a_phone(phone: Any, app: Flask, people: Any) -> None:
    found = make_every_message(app, people)
    kinds = {m.kind for m in found}
    assert {"invitation", "reset_code", "password_changed", "session_enrolled",
            "session_changed", "session_reminder", "inactivity_nudge"} <= kinds
    for message in found:
        phone.set_content(message.html_body)
        assert phone.title() == message.subject
        assert phone.locator("a").count() >= 1
        assert "Здравейте" in phone.locator("body").inner_text()
        shot(phone, f"mail-{message.kind}-{message.id}")
        assert_fits(phone)
        assert_accessible(phone)
