"""A municipal employee on a 360-px phone chooses their specialism on the home page and
sees, below their topics and one tap away, the modules to study first (WCAG 2.1 AA,
nothing wider than the screen)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.webapp.test_specialisms import course_root  # noqa: F401  (the course with specialisms)

SHOTS = os.environ.get("DOBRO_SCREENSHOTS", "")  # a folder to keep the screenshots in


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def test_choosing_a_specialism_on_a_phone(phone: Any, live_server: str) -> None:
    sign_in(phone, live_server, "ivan")
    invitation = phone.get_by_role("region", name="Изберете специалността си")
    assert invitation.is_visible()
    assert_accessible(phone)
    assert_fits(phone)
    shot(phone, "specialism-invitation-360.png")
    phone.get_by_label("Моята специалност").select_option(label="Юристи")
    phone.get_by_role("button", name="Запиши").click()
    phone.wait_for_load_state()
    assert "Специалността ви е запазена: Юристи." in phone.content()
    section = phone.get_by_role("region", name="Препоръчано за вашата специалност: Юристи")
    assert section.is_visible()
    assert "0 от 2 изучени" in section.inner_text()
    # The modules to study first and the reading are one tap away.
    section.get_by_text("Какво да изучите първо и допълнително четиво").click()
    steps = section.get_by_role("list", name="Изучете първо, в този ред").get_by_role("listitem")
    assert steps.count() == 2
    assert "Общината" in steps.nth(0).inner_text() and "незапочнат" in steps.nth(0).inner_text()
    assert "Общинският съвет" in steps.nth(1).inner_text()
    reading = section.get_by_role("list", name="Допълнително четиво").get_by_role("link")
    assert reading.count() == 3
    # The panel comes after the topics: the first screen is the next step and the topics.
    topics = phone.get_by_role("heading", name="Моите теми")
    assert section.bounding_box()["y"] > topics.bounding_box()["y"]
    assert_accessible(phone)
    assert_fits(phone)
    shot(phone, "specialism-chosen-360.png")
    steps.nth(0).get_by_role("link").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == "Общината"


def test_a_trainer_sets_a_learners_specialism_on_a_phone(phone: Any, live_server: str,
                                                         people: Any) -> None:
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/trainer/")
    phone.get_by_role("link", name="Съветници – Смолян, пролет 2027").click()
    phone.wait_for_load_state()
    row = phone.locator(f"#learner-{people.learner.id}")
    edit = row.get_by_role("link", name="Редактиране")
    assert "Иван Иванов" in edit.evaluate("a => a.textContent")  # named for a screen reader
    edit.click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == (
        "Редактиране на обучаем: Иван Иванов")
    assert_accessible(phone)
    assert_fits(phone)
    phone.get_by_label("Специалност (по желание)").select_option(
        label="Общински служители: Устройство на територията (ТСУ)")
    phone.get_by_role("button", name="Запази промените").click()
    phone.wait_for_load_state()
    assert "Иван Иванов: промените са запазени." in phone.content()
    assert "Устройство на територията (ТСУ)" in row.inner_text()
    assert_accessible(phone)
    assert_fits(phone)
    shot(phone, "specialism-trainer-group-360.png")
