"""After a failed final test on a phone (issue 14): the result, the attempts left and the
retake button come first, and "not passed" is said once; the review of each question
folds away below it.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of the result at 360 px and on a desktop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from flask import Flask

from course.build import build
from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.conftest import REPO
from tests.webapp.conftest import login, submit
from tests.webapp.test_quiz import load, page_fields, start
from webapp.services import attempts

QUESTIONS = 16
FIRST_SCREEN = 800



def long_final(course_root: Path) -> None:
    """The fixture final with sixteen questions, each reviewed after every attempt.

    Right and wrong after each attempt is what makes the review long (the course's own
    finals keep it for the last attempt); the bands are the course's own, whose "not
    passed" repeats the page's verdict word for word.
    """
    bank_path = course_root / "quizzes/osnovi/osnovi-banka.yaml"
    bank = yaml.safe_load(bank_path.read_text(encoding="utf-8"))
    for n in range(len(bank["questions"]) + 1, QUESTIONS + 1):
        bank["questions"].append({
            "id": f"extra{n}", "type": "single",
            "text": f"Упражнение {n}: кой орган на общината приема наредбите за местните "
                    "данъци и такси?",
            "choices": [{"text": "Общинският съвет", "correct": True},
                        {"text": "Кметът", "feedback": "Кметът внася проекта."},
                        {"text": "Областният управител"}],
            "explanation": "Наредбите са нормативни актове на общинския съвет (чл. 21 ЗМСМА)."})
    bank_path.write_text(yaml.safe_dump(bank, allow_unicode=True, sort_keys=False),
                         encoding="utf-8")
    real = yaml.safe_load((REPO / "quizzes/samoupravlenie/samoupravlenie-final.yaml")
                          .read_text(encoding="utf-8"))
    final_path = course_root / "quizzes/osnovi/osnovi-final.yaml"
    final = yaml.safe_load(final_path.read_text(encoding="utf-8"))
    final.update(draw=QUESTIONS, attempts=3, pass_mark=70, feedback=real["feedback"],
                 review={"after_submit": ["score", "correctness", "feedback", "explanation"],
                         "after_close": ["score", "correctness", "feedback", "explanation",
                                         "answers"]})
    final_path.write_text(yaml.safe_dump(final, allow_unicode=True, sort_keys=False),
                          encoding="utf-8")
    build(course_root, course_root / "build", jobs=1)


def fail_the_final(page: Any, base: str) -> None:
    page.goto(f"{base}/quiz/osnovi-final")
    page.locator("form.quiz-start button").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Към предаване").first.click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Предай опита").click()
    page.wait_for_load_state()
    assert "/review" in page.url


def pass_the_final(app: Flask) -> int:
    """Ivan answers every question of the final right, page by page; the attempt's id."""
    client = app.test_client()
    login(client, "ivan")
    attempt_id = start(client, "osnovi-final")
    slots = attempts.slots(load(app, attempt_id))
    url = f"/attempt/{attempt_id}"
    pages = -(-QUESTIONS // 5)
    for number in range(1, pages + 1):
        here = f"{url}?page={number}"
        _, data = page_fields(client.get(here).get_data(as_text=True), slots)
        submit(client, here, {**data, "go": "next" if number < pages else "submit"}, page=here)
    response = submit(client, f"{url}/submit", {}, page=f"{url}/submit")
    assert response.location == f"{url}/review"
    return attempt_id


def bottom(page: Any, locator: Any) -> float:
    found = locator.bounding_box()
    assert found is not None, "not shown"
    return float(found["y"] + found["height"])


def test_after_a_failed_final_the_retake_comes_first(phone: Any, desktop: Any,
                                                     live_server: str,
                                                     course_root: Path) -> None:
    long_final(course_root)
    sign_in(phone, live_server, "ivan")
    fail_the_final(phone, live_server)
    height = phone.evaluate("document.documentElement.scrollHeight")
    print(f"review page at 360 px: {height} px tall")
    shot(phone, "review-failed-phone")
    shot(phone, "review-failed-phone-first-screen", full_page=False)

    # The result, the pass mark, the attempts left and the retake: all on the first screen.
    retake = phone.get_by_role("button", name="Започни нов опит")
    assert retake.count() == 1
    assert bottom(phone, retake) <= FIRST_SCREEN
    summary = phone.locator(".result-panel")
    assert bottom(phone, summary.get_by_text("Остават ви 2 от 3 опита.")) <= FIRST_SCREEN
    assert "Нужни са 70 %" in summary.inner_text()
    assert "0 %" in summary.inner_text()
    # "Not passed" once: the band's opening sentence is the verdict word for word.
    main = phone.locator("main").inner_text()
    assert main.count("не е положен") == 1, main
    assert "Прегледайте отново модулите на темата и опитайте пак." in main

    # Each question folds: closed at first, its number and whether it was right in sight.
    items = phone.locator("details.review-item")
    assert items.count() == QUESTIONS
    assert phone.locator("details.review-item[open]").count() == 0
    first = items.first
    assert "Въпрос 1" in first.locator("summary").inner_text()
    assert "без отговор" in first.locator("summary").inner_text()
    explanation = first.locator(".review-answers")
    assert not explanation.is_visible()
    first.locator("summary").click()
    assert first.get_attribute("open") is not None and explanation.is_visible()
    first.locator("summary").click()
    assert not explanation.is_visible()
    phone.emulate_media(media="print")  # printed, every question shows its review
    assert explanation.is_visible() and items.last.locator(".review-answers").is_visible()
    phone.emulate_media(media="screen")
    assert height < 4000
    assert_fits(phone)
    assert_accessible(phone)

    sign_in(desktop, live_server, "ivan")
    desktop.goto(phone.url)
    shot(desktop, "review-failed-desktop")
    assert bottom(desktop, desktop.get_by_role("button", name="Започни нов опит")) <= 900
    assert_accessible(desktop)


def test_with_no_attempt_left_the_top_says_so(phone: Any, live_server: str,
                                              course_root: Path) -> None:
    long_final(course_root)
    sign_in(phone, live_server, "ivan")
    for _ in range(3):
        fail_the_final(phone, live_server)
    shot(phone, "review-last-phone-first-screen", full_page=False)
    panel = phone.locator(".result-panel")
    assert "Използвахте всичките си опити" in panel.inner_text()
    assert bottom(phone, panel) <= FIRST_SCREEN
    assert phone.get_by_role("button", name="Започни нов опит").count() == 0
    # The right answers come now (after_close), still folded per question.
    items = phone.locator("details.review-item")
    assert items.count() == QUESTIONS
    items.nth(2).locator("summary").click()
    assert "Верен отговор" in items.nth(2).inner_text()
    items.nth(2).scroll_into_view_if_needed()
    shot(phone, "review-last-phone-open-question", full_page=False)
    assert_fits(phone)
    assert_accessible(phone)


def test_a_passed_final_points_to_what_comes_next(phone: Any, desktop: Any, live_server: str,
                                                  app: Flask, people: Any,
                                                  course_root: Path) -> None:
    long_final(course_root)
    attempt_id = pass_the_final(app)
    sign_in(phone, live_server, "ivan")
    phone.goto(f"{live_server}/attempt/{attempt_id}/review")
    shot(phone, "review-passed-phone-first-screen", full_page=False)
    panel = phone.locator(".result-panel")
    assert panel.get_by_role("heading", name="Тестът е положен.").is_visible()
    next_step = panel.get_by_role("link", name="Вижте какво остава за сертификата")
    assert bottom(phone, next_step) <= FIRST_SCREEN
    assert panel.get_by_role("link", name="Обратно към темата").is_visible()
    assert phone.locator("details.review-item.state-correct").count() == QUESTIONS
    assert_fits(phone)
    assert_accessible(phone)
    next_step.click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/certificates/#checklist-title")
    assert phone.get_by_role("heading", name="Какво остава до сертификата").is_visible()

    sign_in(desktop, live_server, "ivan")
    desktop.goto(f"{live_server}/attempt/{attempt_id}/review")
    shot(desktop, "review-passed-desktop", full_page=False)
    assert_accessible(desktop)
