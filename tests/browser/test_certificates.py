"""A learner checks in to a session on a phone and sees the checklist; a trainer marks the
roster on a phone. Both pages pass axe (WCAG 2.1 AA) and fit the screen."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.webapp.blended import make_session, study_everything


def test_learner_checks_in_on_a_phone_and_sees_the_checklist(phone: Any, live_server: str,
                                                             app: Any, people: Any) -> None:
    study_everything(app, people.learner)
    make_session(app, people.trainer, hours=4)
    sign_in(phone, live_server, "ivan")
    phone.goto(f"{live_server}/sessions/checkin?code=KX7P2M")
    assert_accessible(phone)
    assert_fits(phone)
    phone.get_by_role("button", name="Отбележи ме").click()
    phone.wait_for_load_state()
    assert "Отбелязахте се на „Основи – Смолян“" in phone.content()
    # Present at a four-hour session, modules studied and the final passed: certificates.
    # The topic's card says so; its checklist is one tap away.
    topic = phone.locator("#topic-osnovi")
    assert "Завършена" in topic.inner_text()
    topic.get_by_text("Подробности и модули").click()
    checklist = topic.locator(".topic-details")
    assert "Присъствени занятия: 4 от 3 часа посетени" in checklist.inner_text()
    assert_accessible(phone)
    assert_fits(phone)
    phone.goto(f"{live_server}/certificates/")
    assert "ARO-" in phone.content()
    assert_accessible(phone)


def test_trainer_marks_the_roster_on_a_phone(phone: Any, live_server: str, app: Any,
                                             people: Any) -> None:
    found = make_session(app, people.trainer, hours=4)
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/sessions/{found.id}")
    assert_accessible(phone)
    assert_fits(phone)
    line = phone.locator(f"#learner-{people.councillor.id}")
    line.get_by_role("button", name="Закъснял").click()
    phone.wait_for_load_state()
    line = phone.locator(f"#learner-{people.councillor.id}")
    assert line.get_by_role("button", name="Закъснял").get_attribute("aria-pressed") == "true"
    assert "Неотбелязан → Закъснял" in phone.content()
    assert_accessible(phone)
