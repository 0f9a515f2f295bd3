"""A learner's and a visitor's journeys in Chromium, on a phone and a desktop."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in


def test_visitor_sees_the_course_and_how_to_join(phone: Any, live_server: str) -> None:
    phone.goto(live_server)
    assert phone.get_by_role("heading", level=1).count() == 1
    assert phone.get_by_role("link", name="Присъединяване с код").first.is_visible()
    assert_fits(phone)
    assert_accessible(phone)
    phone.goto(f"{live_server}/login")
    assert_accessible(phone)
    phone.goto(f"{live_server}/join")
    assert_accessible(phone)


def test_learner_reads_a_module_and_marks_it_studied(phone: Any, live_server: str) -> None:
    sign_in(phone, live_server, "ivan")
    assert "Здравейте, Иван Иванов" in phone.content()
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Продължете откъдето спряхте").count()
    phone.goto(f"{live_server}/learn/obshtinata")
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_role("button", name="Изучих този модул").click()
    phone.wait_for_load_state()
    assert "Отбелязано като изучено." in phone.content()
    phone.goto(live_server)
    assert "1 от 2 модула" in phone.locator("#topic-osnovi").inner_text()


def test_keyboard_reaches_the_main_content_first(desktop: Any, live_server: str) -> None:
    desktop.goto(live_server)
    desktop.keyboard.press("Tab")
    focused = desktop.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Към съдържанието"
    desktop.keyboard.press("Enter")
    assert desktop.evaluate("location.hash") == "#main"


def test_dashboard_on_a_desktop_is_accessible(desktop: Any, live_server: str) -> None:
    sign_in(desktop, live_server, "maria")
    assert_accessible(desktop)
    desktop.goto(f"{live_server}/glossary")
    assert_accessible(desktop)
