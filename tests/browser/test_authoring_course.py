"""A trainer adds a module in the browser, places it second in its topic, and a learner
reads it there; the placement pages are accessible on a desktop and a phone."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in

BASE = "/trainer/authoring/course"
TITLE = "Кметът и общинската администрация"


def test_a_trainer_creates_a_module_places_it_second_and_a_learner_reads_it(
        desktop: Any, live_server: str) -> None:
    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}/trainer/authoring/")
    desktop.get_by_role("link", name="Теми и модули: ред, групи, нови модули и тестове").click()
    assert_accessible(desktop)
    desktop.get_by_role("link", name="Нов модул").first.click()
    assert_accessible(desktop)
    desktop.get_by_label("Заглавие").fill(TITLE)
    desktop.get_by_label("Общински съветници").check()
    desktop.get_by_label("Време за изучаване (минути)").fill("25")
    desktop.get_by_label("Място в темата").select_option(label="След „Общината“")
    with desktop.expect_navigation():
        desktop.get_by_role("button", name="Създай модула").click()
    assert "Записано." in desktop.content()
    assert "kmetat-i-obshtinskata-administraciya" in desktop.url  # the editor of the new file

    desktop.goto(f"{live_server}{BASE}/")
    items = desktop.locator("section[aria-labelledby='topic-osnovi'] ol > li > span[lang]")
    titles = items.all_inner_texts()
    assert titles[:3] == ["Общината", TITLE, "Общинският съвет"], titles
    # Keyboard only: the "up" button of the new module, reached and pressed without a mouse.
    desktop.get_by_role("button", name=f"Премести „{TITLE}“ нагоре").focus()
    with desktop.expect_navigation():
        desktop.keyboard.press("Enter")
    titles = items.all_inner_texts()
    assert titles[:2] == [TITLE, "Общината"]
    with desktop.expect_navigation():
        desktop.get_by_role("button", name=f"Премести „{TITLE}“ надолу").click()
    assert_accessible(desktop)

    desktop.get_by_role("link", name=f"Място и групи на „{TITLE}“").click()
    assert_accessible(desktop)
    desktop.get_by_role("link", name="Теми и модули").first.click()
    desktop.get_by_role("link", name="Премахни „Общинският съвет“").click()
    assert "Модулът не може да бъде премахнат" in desktop.content()
    assert_accessible(desktop)

    desktop.context.clear_cookies()
    sign_in(desktop, live_server, "maria")  # a councillor: the module is required for her
    desktop.goto(f"{live_server}/learn/kmetat-i-obshtinskata-administraciya")
    assert TITLE in desktop.locator("h1").inner_text()
    assert "Първи раздел" in desktop.content()


def test_the_placement_pages_fit_a_phone_and_are_accessible(phone: Any,
                                                             live_server: str) -> None:
    sign_in(phone, live_server, "trainer")
    for path in (f"{BASE}/", f"{BASE}/new-module?topic=osnovi", f"{BASE}/new-quiz?topic=osnovi",
                 f"{BASE}/new-page", f"{BASE}/tracks?topic=osnovi", f"{BASE}/module?module=savetat",
                 f"{BASE}/rename?module=savetat", f"{BASE}/remove?module=savetat"):
        phone.goto(f"{live_server}{path}")
        assert_fits(phone)
        assert_accessible(phone)
    phone.goto(f"{live_server}{BASE}/new-module?topic=osnovi")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Създай модула").click()  # no title
    assert "Напишете заглавие." in phone.content()
    assert_accessible(phone)
