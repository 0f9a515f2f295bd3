"""The whole learner journey on a 360-pixel phone, as the issue describes it:
invitation code → password → dashboard → read a module → self-check →
fail the final test → retake → pass."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlmodel import select

from course.attempts import to_display
from course.grading import correct_response
from tests.browser.conftest import assert_accessible, assert_fits
from webapp import db
from webapp.models import Attempt, User
from webapp.services import accounts, attempts

PASSWORD = "моята-нова-парола"


def invite(app: Flask) -> str:
    """What the trainer does: a new participant and a one-time code on paper."""
    with app.app_context():
        database = db.session()
        user = User(name="Петя Родопска", role="learner", audience="councillors")
        database.add(user)
        database.commit()
        code = accounts.issue_code(database, user, "join", None)
        database.commit()
        return code


def open_attempt_answers(app: Flask, right: bool) -> dict[str, str]:
    """Form values (display positions) that answer the open attempt right, or all wrong."""
    with app.app_context():
        database = db.session()
        attempt = database.exec(select(Attempt).where(Attempt.state == "open")).one()
        values = {}
        for slot in attempts.slots(attempt):
            shown = to_display(slot.question, slot.drawn, correct_response(slot.question))
            if slot.question.type == "true-false":
                values[slot.question.id] = str(shown if right else not shown).lower()
            else:  # single choice: the right position, or the one after it
                count = len(slot.question.choices)
                values[slot.question.id] = str(shown if right else (shown + 1) % count)
        return values


def take_final(page: Any, app: Flask, base: str, right: bool) -> str:
    page.goto(f"{base}/quiz/osnovi-final")
    page.locator("form.quiz-start button").click()
    page.wait_for_load_state()
    for question_id, value in open_attempt_answers(app, right).items():
        page.locator(f'input[name="a.{question_id}"][value="{value}"]').check()
    page.get_by_role("button", name="Към предаване").first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Предай опита").click()
    page.wait_for_load_state()
    assert "/review" in page.url
    return page.content()


def test_from_invitation_to_a_passed_final_test(phone: Any, live_server: str,
                                               app: Flask) -> None:
    code = invite(app)

    phone.goto(f"{live_server}/join?code={code}")
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_label("Изберете потребителско име").fill("petya.r")
    phone.get_by_label("Изберете парола").fill(PASSWORD)
    phone.get_by_label("Повторете паролата").fill(PASSWORD)
    phone.get_by_label("Запознах се с информацията за защита на личните данни").check()
    phone.get_by_role("button", name="Създай профила ми").click()
    phone.wait_for_load_state()
    assert "Добре дошли, Петя Родопска!" in phone.content()
    assert_accessible(phone)

    phone.get_by_role("link", name="Общината").first.click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == "Общината"
    assert_fits(phone)
    phone.get_by_role("button", name="Изучих този модул").click()
    phone.wait_for_load_state()
    # The end of the module: the self-check (optional) beside the next module.
    assert phone.url.endswith("/learn/obshtinata#module-end")
    phone.locator(".module-end").get_by_role("link", name="Самопроверка").click()
    phone.wait_for_load_state()
    assert "/quiz/obshtinata-proverka" in phone.url

    phone.get_by_role("button", name="Започни опит").click()
    phone.wait_for_load_state()
    phone.get_by_label("Вярно").first.check()
    phone.get_by_role("button", name="Към предаване").first.click()
    phone.wait_for_load_state()
    phone.get_by_role("button", name="Предай опита").click()
    phone.wait_for_load_state()
    assert "100" in phone.locator("main").inner_text()

    failed = take_final(phone, app, live_server, right=False)
    assert "Тестът не е положен." in failed
    passed = take_final(phone, app, live_server, right=True)
    assert "Тестът е положен." in passed
    assert_fits(phone)
    assert_accessible(phone)

    phone.goto(live_server)
    assert "Заключителен тест: издържан (100%)" in phone.content()
