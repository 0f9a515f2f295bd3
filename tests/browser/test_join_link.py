"""A join link with the code after "#": the page's script fills the form, and the code
never travels to the server in a URL (so no access log holds it)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.browser.conftest import assert_accessible
from tests.browser.test_learner_journey import invite

PASSWORD = "моята-нова-парола"


def test_a_fragment_link_fills_the_code_and_keeps_it_out_of_requests(
        phone: Any, live_server: str, app: Flask) -> None:
    code = invite(app)
    requested: list[str] = []
    phone.on("request", lambda request: requested.append(request.url))
    phone.goto(f"{live_server}/join#code={code}")
    phone.wait_for_load_state()
    assert phone.get_by_label("Код за присъединяване").input_value() == code
    assert phone.evaluate("window.location.hash") == ""  # out of the address bar
    assert phone.evaluate("document.activeElement.id") == "username"
    assert_accessible(phone)
    phone.get_by_label("Изберете потребителско име").fill("petya.r")
    phone.get_by_label("Изберете парола").fill(PASSWORD)
    phone.get_by_label("Повторете паролата").fill(PASSWORD)
    phone.get_by_label("Запознах се с информацията за защита на личните данни").check()
    phone.get_by_role("button", name="Създай профила ми").click()
    phone.wait_for_load_state()
    assert "Добре дошли, Петя Родопска!" in phone.content()
    assert requested and not any(code in url for url in requested)


def test_a_mangled_fragment_leaves_the_field_to_be_typed(phone: Any, live_server: str) -> None:
    phone.goto(f"{live_server}/reset#code=%E0%A4%A")
    phone.wait_for_load_state()
    assert phone.get_by_label("Код за присъединяване").input_value() == ""
