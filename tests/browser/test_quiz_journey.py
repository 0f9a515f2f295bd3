"""A learner takes a self-check on a phone: answers are saved as they go, with JavaScript."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in


def test_self_check_on_a_phone_saves_as_it_goes(phone: Any, live_server: str) -> None:
    sign_in(phone, live_server, "ivan")
    phone.goto(f"{live_server}/quiz/obshtinata-proverka")
    assert_accessible(phone)
    phone.get_by_role("button", name="Започни опит").click()
    phone.wait_for_load_state()
    assert_fits(phone)
    assert_accessible(phone)
    attempt_url = phone.url

    # Choosing an answer saves it without pressing any button.
    phone.get_by_label("Вярно").first.check()
    status = phone.locator(".quiz-saved")
    status.filter(has_text="Запазено").wait_for(timeout=10_000)

    # Coming back to the page later (another device, a reload) shows the answer kept.
    phone.goto(attempt_url)
    assert phone.get_by_label("Вярно").first.is_checked()

    phone.get_by_role("button", name="Към предаване").first.click()
    phone.wait_for_load_state()
    assert_accessible(phone)
    phone.get_by_role("button", name="Предай опита").click()
    phone.wait_for_load_state()
    assert "/review" in phone.url
    assert_fits(phone)
    assert_accessible(phone)


def test_the_open_attempt_page_carries_no_answer_key(phone: Any, live_server: str) -> None:
    sign_in(phone, live_server, "ivan")
    phone.goto(f"{live_server}/quiz/obshtinata-proverka")
    phone.get_by_role("button", name="Започни опит").click()
    phone.wait_for_load_state()
    html = phone.content()
    assert "Така гласи Конституцията." not in html  # the explanation comes after submitting
    assert "weight" not in html and "correct" not in html
