"""The history pages and the quiz-change confirmation as a trainer uses them on a phone: two
saves, the numbered history with the current version, the word-level diff, who changed what
in the topic, and the confirmation asked when a learner is in the middle of the test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.browser.source import set_source, source_text
from webapp import db
from webapp.models import User
from webapp.services import attempts

MODULE = "modules/osnovi/01-obshtinata.md"
QUIZ = "quizzes/osnovi/obshtinata-proverka.yaml"


def save_in_editor(page: Any, base: str, rel: str, old: str, new: str) -> None:
    page.goto(f"{base}/trainer/authoring/edit?file={rel}")
    text = source_text(page)
    assert old in text
    set_source(page, text.replace(old, new, 1))
    with page.expect_navigation():
        page.get_by_role("button", name="Запиши", exact=True).click()


def test_history_pages_on_a_phone(phone: Any, live_server: str) -> None:
    sign_in(phone, live_server, "trainer")
    save_in_editor(phone, live_server, MODULE, "Органите са", "Избраните органи са")
    save_in_editor(phone, live_server, MODULE, "Избраните органи са", "Органите са")
    phone.goto(f"{live_server}/trainer/authoring/history?file={MODULE}")
    table = phone.locator("table.authoring-history")
    assert table.get_by_role("link", name="Версия 3").is_visible()
    assert phone.locator("tr.authoring-current").count() == 1
    assert_fits(phone)
    assert_accessible(phone)
    table.get_by_role("link", name="Версия 2").click()
    phone.wait_for_load_state()
    assert phone.locator(".authoring-word-diff del").first.inner_text().startswith("[изтрито:")
    assert "Избраните" in phone.locator(".authoring-word-diff ins").first.inner_text()
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Покажи промените ред по ред").click()
    phone.wait_for_load_state()
    assert phone.locator("pre.authoring-diff .diff-add").count() >= 1
    assert_accessible(phone)
    phone.goto(f"{live_server}/trainer/authoring/")
    phone.get_by_role("link", name="Кой какво е променил").first.click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Кой какво е променил")
    assert phone.locator("tbody tr").count() == 3
    assert_fits(phone)
    assert_accessible(phone)


def test_the_confirmation_before_changing_an_open_test(
        phone: Any, desktop: Any, live_server: str, app: Any, build_dir: Path,
        people: Any) -> None:
    with app.app_context():
        database = db.session()
        learner = database.get(User, people.learner.id)
        attempts.start(database, learner, attempts.load_quiz(build_dir, "obshtinata-proverka"))
    for page in (phone, desktop):
        sign_in(page, live_server, "trainer")
        save_in_editor(page, live_server, QUIZ, "answer: true", "answer: false")
        assert page.get_by_role("heading", level=1).inner_text() == \
            "Потвърдете промяната във въпросите"
        assert page.get_by_role("alert").inner_text().startswith("1 обучаем има отворен опит")
        assert_fits(page)
        assert_accessible(page)
    phone.get_by_role("button", name="Запиши", exact=True).click()  # not ticked: asked again
    phone.wait_for_load_state()
    assert "Отбележете полето" in phone.content()
    assert_accessible(phone)
    phone.get_by_label("Разбирам: запиши въпросите с досегашните им идентификатори.").check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Запиши", exact=True).click()
    assert "/trainer/authoring/edit" in phone.url and "answer: false" in \
        phone.locator("#text").input_value()
