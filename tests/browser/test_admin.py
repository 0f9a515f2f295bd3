"""Administration pages in Chromium: accessible, usable on a phone, a group made by hand."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in


def test_admin_pages_are_accessible_on_a_phone(phone: Any, live_server: str) -> None:
    sign_in(phone, live_server, "admin")
    for path in ("/admin/", "/admin/organisations", "/admin/groups", "/admin/staff"):
        phone.goto(live_server + path)
        assert_accessible(phone)
        assert_fits(phone)


def test_admin_makes_a_group_with_a_trainer(desktop: Any, live_server: str) -> None:
    sign_in(desktop, live_server, "admin")
    desktop.goto(live_server + "/admin/groups")
    desktop.get_by_label("Име").fill("Съветници – Мадан")
    desktop.get_by_label("Теодора Обучителева (Обучител)").check()
    make = desktop.get_by_role("button", name="Създай групата")
    # A primary <button> is filled with the brand colour (#123a63), not left as an outline.
    assert make.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(18, 58, 99)"
    desktop.get_by_role("button", name="Създай групата").click()
    desktop.wait_for_url("**/trainer/groups/*")
    assert desktop.get_by_role("heading", level=1).inner_text().strip() == "Съветници – Мадан"
    desktop.goto(live_server + "/admin/groups")
    assert_accessible(desktop)
    row = desktop.locator("tr", has_text="Съветници – Мадан")
    assert "Теодора Обучителева" in row.inner_text()
