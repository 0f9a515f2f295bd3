"""A learner answers a session's evaluation on a 360-px phone; the trainer reads the results
with their charts (issue 18). Set ``DOBRO_SHOTS`` to keep screenshots of each page."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlmodel import select

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.webapp.test_surveys import (  # noqa: F401  (course_root: the mini course + surveys)
    answer_as,
    course_root,
    held_session,
    learners,
)
from webapp import db
from webapp.models import SurveyResponse


def test_a_learner_answers_a_session_evaluation_on_a_phone(
        phone: Any, desktop: Any, live_server: str, app: Flask, people: Any) -> None:
    session_id = held_session(app, people.trainer, [people.learner])
    sign_in(desktop, live_server, "ivan")  # the same pages on a desktop, not sent from there
    desktop.goto(f"{live_server}/")
    shot(desktop, "survey-home-desktop", full_page=False)
    assert_accessible(desktop)
    desktop.goto(f"{live_server}/surveys/osnovi-ocenka-sesiya/session/{session_id}")
    shot(desktop, "survey-form-desktop")
    assert_accessible(desktop)

    sign_in(phone, live_server, "ivan")
    phone.goto(f"{live_server}/")
    invite = phone.locator(".home-surveys")
    assert "Оценете обучението" in invite.inner_text()
    shot(phone, "survey-home-phone", full_page=False)
    assert_accessible(phone)
    invite.get_by_role("link", name="Оценка на занятието").click()
    phone.wait_for_url(f"**/surveys/osnovi-ocenka-sesiya/session/{session_id}")
    shot(phone, "survey-form-phone")
    assert_fits(phone)
    assert_accessible(phone)

    # Sent half-filled: the missing answers are named, what was given stays.
    phone.get_by_label("Подходяща").check()
    phone.get_by_label("Какво да подобрим?").fill("Повече примери.")
    phone.get_by_role("button", name="Изпрати отговорите").click()
    errors = phone.locator("#survey-errors")
    assert "1 въпрос има нужда от отговор" in errors.inner_text()
    assert phone.get_by_label("Подходяща").is_checked()
    assert phone.get_by_label("Какво да подобрим?").input_value() == "Повече примери."
    shot(phone, "survey-errors-phone")
    assert_fits(phone)
    assert_accessible(phone)

    phone.locator("#q-sadarzhanie").get_by_label("Напълно съгласен").check()
    phone.get_by_label("Материалите").check()
    phone.get_by_role("button", name="Изпрати отговорите").click()
    phone.wait_for_url(f"{live_server}/")
    assert "Благодарим" in phone.locator(".flashes").inner_text()
    assert phone.locator(".home-surveys").count() == 0
    with app.app_context():
        (sheet,) = db.session().exec(select(SurveyResponse)).all()
        assert sheet.answers == {"sadarzhanie": 4, "prodalzhitelnost": 1, "chasti": [1],
                                 "podobrenie": "Повече примери."}

    phone.goto(f"{live_server}/surveys/osnovi-ocenka-sesiya/session/{session_id}")
    assert "Вече сте попълнили" in phone.locator("#survey-answered").inner_text()
    assert_accessible(phone)


def test_the_trainer_reads_the_results_with_charts(
        phone: Any, desktop: Any, live_server: str, app: Flask, people: Any) -> None:
    crowd = learners(app, 6)
    session_id = held_session(app, people.trainer, crowd)
    answer_as(app, crowd[:5], session_id)
    answer_as(app, crowd[5:], session_id, {"sadarzhanie": 0, "prodalzhitelnost": 2,
                                           "chasti": [0, 1, 2], "podobrenie": "По-кратко."})
    for page, name in ((desktop, "desktop"), (phone, "phone")):
        sign_in(page, live_server, "trainer")
        page.goto(f"{live_server}/surveys/results")
        shot(page, f"survey-index-{name}")
        assert_fits(page)
        assert_accessible(page)
        page.locator("#by-session").get_by_role("link").first.click()
        page.wait_for_url("**/surveys/results/osnovi-ocenka-sesiya?session=*")
        assert page.locator("svg.chart").count() == 3
        assert page.locator("#response-count").inner_text() == "6"
        assert "По-кратко." in page.locator("#result-podobrenie").inner_text()
        shot(page, f"survey-results-{name}")
        assert_fits(page)
        assert_accessible(page)
