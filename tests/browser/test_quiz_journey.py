"""A learner takes quizzes on a phone: a self-check's answers are saved as they go, with
JavaScript; a failed final shows its score but not its key while attempts remain."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from course.build import build
from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.conftest import REPO


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


def test_a_failed_final_shows_the_score_and_keeps_the_key(phone: Any, live_server: str,
                                                         course_root: Path) -> None:
    # The course's own final-test policy, on the fixture final with two attempts.
    real = yaml.safe_load((REPO / "quizzes/samoupravlenie/samoupravlenie-final.yaml")
                          .read_text(encoding="utf-8"))
    path = course_root / "quizzes/osnovi/osnovi-final.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(attempts=2, review=real["review"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    build(course_root, course_root / "build", jobs=1)
    sign_in(phone, live_server, "ivan")

    def fail_an_attempt() -> None:
        phone.goto(f"{live_server}/quiz/osnovi-final")
        phone.locator("form.quiz-start button").click()
        phone.wait_for_load_state()
        phone.get_by_role("button", name="Към предаване").first.click()
        phone.wait_for_load_state()
        phone.get_by_role("button", name="Предай опита").click()
        phone.wait_for_load_state()
        assert "/review" in phone.url

    fail_an_attempt()
    html = phone.content()
    for key in ("Бюджетът се приема от общинския съвет.", "Чл. 38 ЗМСМА.", "Кметът внася",
                "review-item", "Верен отговор"):
        assert key not in html, key
    main = phone.locator("main").inner_text()
    assert "0 %" in main and "Тестът не е положен." in main
    assert "когато използвате всичките си опити" in main
    assert_fits(phone)
    assert_accessible(phone)

    fail_an_attempt()  # the last one: now the questions and their right answers
    assert phone.locator(".review-item").count() == 2
    assert "Чл. 38 ЗМСМА." not in phone.locator("main").inner_text()  # folded per question
    for summary in phone.locator(".review-item > summary").all():
        summary.click()
    assert "Чл. 38 ЗМСМА." in phone.locator("main").inner_text()
    assert_fits(phone)
    assert_accessible(phone)
