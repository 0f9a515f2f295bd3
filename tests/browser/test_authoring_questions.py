"""A trainer adds a single-choice, a true/false and a matching question through the forms,
with no YAML typed, and a learner sees them in the self-check; the pages are accessible on a
desktop and a phone."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in

QUIZ = "quizzes/osnovi/obshtinata-proverka.yaml"
BASE = "/trainer/authoring/questions"
QUESTIONS = ("Кой приема бюджета на общината?", "Кметът се избира от общинския съвет.",
             "Свържете органа с ролята му.")


def save(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Проверете и запазете").click()


def new_question(page: Any, kind: str) -> None:
    page.get_by_role("link", name=kind).click()
    assert_accessible(page)


def test_a_trainer_adds_three_questions_and_a_learner_sees_them(desktop: Any,
                                                                live_server: str) -> None:
    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}/trainer/authoring/edit?file={QUIZ}")
    desktop.get_by_role("link", name="Въпроси като формуляри").click()
    assert_accessible(desktop)

    new_question(desktop, "Един верен отговор")
    desktop.get_by_label("Въпрос", exact=True).fill(QUESTIONS[0])
    desktop.locator("[name='choices-0-text']").fill("Общинският съвет")
    desktop.locator("[name='choices-1-text']").fill("Кметът")
    save(desktop)  # no correct answer marked yet
    assert "Отбележете верния отговор." in desktop.content()
    assert_accessible(desktop)
    desktop.locator("[name='choices-0-correct']").check()
    desktop.locator("[name='choices-1-feedback']").fill("Кметът внася проекта.")
    desktop.get_by_label("Разделът, който проверява").select_option(
        label="Общината → Какво е общината")
    save(desktop)
    assert "Записано." in desktop.content()

    new_question(desktop, "Вярно или невярно")
    desktop.get_by_label("Въпрос", exact=True).fill(QUESTIONS[1])
    desktop.get_by_label("Невярно", exact=True).check()
    desktop.get_by_label("Обратна връзка за „невярно“").fill("Да: кметът се избира пряко.")
    save(desktop)
    assert "Записано." in desktop.content()

    new_question(desktop, "Съпоставяне")
    desktop.get_by_label("Въпрос", exact=True).fill(QUESTIONS[2])
    for row, (left, right) in enumerate([("Кметът", "Изпълнителна власт"),
                                         ("Общинският съвет", "Решаващ орган")]):
        desktop.locator(f"[name='pairs-{row}-left']").fill(left)
        desktop.locator(f"[name='pairs-{row}-right']").fill(right)
    with desktop.expect_navigation():
        desktop.get_by_role("button", name="Добавете ред").first.click()
    assert desktop.locator("[name='pairs-4-left']").count() == 1
    desktop.locator("[name='pairs-4-left']").fill("Председателят")
    desktop.locator("[name='pairs-4-right']").fill("Свиква съвета")
    save(desktop)
    assert "Записано." in desktop.content()
    assert_accessible(desktop)
    listed = desktop.content()
    assert all(question in listed for question in QUESTIONS)

    desktop.context.clear_cookies()
    sign_in(desktop, live_server, "ivan")
    desktop.goto(f"{live_server}/quiz/obshtinata-proverka")
    with desktop.expect_navigation():
        desktop.get_by_role("button", name="Започни опит").click()
    attempt = desktop.url.split("?")[0]
    seen = ""
    for number in range(1, 6):
        desktop.goto(f"{attempt}?page={number}")
        seen += desktop.content()
    assert all(question in seen for question in QUESTIONS)


def test_the_question_pages_fit_a_phone_and_are_accessible(phone: Any,
                                                            live_server: str) -> None:
    sign_in(phone, live_server, "trainer")
    for path in (f"/?file={QUIZ}", f"/edit?file={QUIZ}&id=q1", f"/delete?file={QUIZ}&id=q1",
                 *(f"/edit?file={QUIZ}&type={t}" for t in ("single", "multiple", "true-false",
                                                          "text", "number", "match", "order"))):
        phone.goto(f"{live_server}{BASE}{path}")
        assert_fits(phone)
        assert_accessible(phone)
    phone.goto(f"{live_server}{BASE}/edit?file={QUIZ}&type=number")
    phone.locator("[name='answers-0-low']").fill("9")
    phone.locator("[name='answers-0-high']").fill("1")
    save(phone)
    assert "Началото на интервала е по-голямо от края му." in phone.content()
    assert_accessible(phone)
