"""A learner completes a review of due questions on a 360-px phone (issue 18, Must show): the
home page says how many are due, a round of 5 is chosen, each question is answered, its
result shown and a rating chosen (or the learner just goes on), until the round ends.
The trainer's activity page, too, at 360 px and on a desktop; every page axe-clean.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import select

from course.build import build
from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.webapp import test_review as app_tests
from webapp import db
from webapp.models import ReviewLog


@pytest.fixture
def build_dir(course_root: Path) -> Path:
    app_tests.write_quiz(course_root, app_tests.QUESTIONS)
    out = course_root / "build"
    build(course_root, out, jobs=1)
    return out


def answer(page: Any, right: bool) -> None:
    """Answer the question shown, whatever its type."""
    form = page.locator("form.quiz-form")
    if form.locator('input[value="true"]').count():
        form.get_by_label("Вярно" if right else "Невярно", exact=True).check()
    elif form.locator('input[type="radio"]').count():
        form.get_by_label("Гражданите" if right else "Съветът", exact=True).check()
    else:
        form.get_by_label("Вашият отговор").fill("съвет" if right else "кмет")
    page.get_by_role("button", name="Провери отговора").click()
    page.wait_for_load_state()


def test_a_learner_completes_a_review_on_a_phone(phone: Any, desktop: Any, live_server: str,
                                                 app: Flask, people: Any) -> None:
    app_tests.studied(app, people.learner, "obshtinata", days_ago=3)
    sign_in(phone, live_server, "ivan")
    phone.goto(f"{live_server}/")
    home_review = phone.locator(".home-review")
    assert "6 въпроса за преговор днес" in home_review.inner_text()
    shot(phone, "review-home-phone")
    home_review.get_by_role("link").click()
    phone.wait_for_url("**/review")
    shot(phone, "review-index-phone")
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="5 въпроса").click()
    for number in range(5):
        phone.wait_for_url("**/review/next*")
        assert phone.locator("fieldset.question").count() == 1
        if number == 0:
            shot(phone, "review-question-phone")
            assert_fits(phone)
            assert_accessible(phone)
        answer(phone, right=number != 1)
        phone.wait_for_url("**/review/answer/*")
        verdict = phone.locator("h1").inner_text()
        assert ("Грешно" in verdict) if number == 1 else ("Вярно" in verdict)
        if number == 1:
            assert phone.locator(".review-key").count() == 1  # the right answer, after
            shot(phone, "review-result-wrong-phone")
            assert_fits(phone)
            assert_accessible(phone)
            phone.get_by_role("button", name="Трудно").click()
        elif number == 0:
            shot(phone, "review-result-phone")
            assert_accessible(phone)
            phone.get_by_role("button", name="Добре").click()
        else:  # no rating chosen: the derived one stays
            phone.get_by_role("link", name="Следващ въпрос" if number < 4
                              else "Край на кръга").click()
    phone.wait_for_url("**/review")
    assert "Кръгът приключи" in phone.locator("main").inner_text()
    assert "1 въпрос за преговор днес" in phone.locator("#due-title").inner_text()
    shot(phone, "review-done-phone")
    assert_accessible(phone)
    with app.app_context():
        logs = db.session().exec(select(ReviewLog).order_by(ReviewLog.id)).all()
        assert [log.rated_by for log in logs] == ["learner", "learner", "derived", "derived",
                                                  "derived"]
        assert logs[1].result == "wrong" and logs[1].rating == 2
        assert all(log.reviewed_at - log.before_due < timedelta(days=3) for log in logs)

    # The trainer sees the group's activity.
    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}/review/groups")
    row = desktop.locator("table.review-activity tbody tr").first
    assert row.locator("td").all_inner_texts() == ["5", "5", "1 от 2", "1"]
    shot(desktop, "review-activity-desktop")
    assert_accessible(desktop)
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/review/groups")
    shot(phone, "review-activity-phone")
    assert_fits(phone)
    assert_accessible(phone)


def test_the_review_pages_on_a_desktop(desktop: Any, live_server: str, app: Flask,
                                       people: Any) -> None:
    app_tests.studied(app, people.learner, "obshtinata", days_ago=3)
    sign_in(desktop, live_server, "ivan")
    desktop.goto(f"{live_server}/review")
    shot(desktop, "review-index-desktop")
    assert_accessible(desktop)
    desktop.get_by_role("link", name="20 въпроса").click()
    shot(desktop, "review-question-desktop")
    assert_accessible(desktop)
    answer(desktop, right=True)
    shot(desktop, "review-result-desktop")
    assert_accessible(desktop)
