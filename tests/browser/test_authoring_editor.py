"""The source editor itself: a toolbar used from the keyboard, problems beside their lines, a
preview that follows the cursor, the plain text field for whoever prefers it, and a phone."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.browser.source import focus_source, source_text, type_at_end

MODULE = "modules/osnovi/01-obshtinata.md"
EDITOR = f"/trainer/authoring/edit?file={MODULE}"
BAD = "Вижте [липсващия раздел](#nyama)."


def csp_errors(page: Any) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text else None)
    return found


def test_the_toolbar_is_one_tab_stop_and_its_buttons_work_from_the_keyboard(
        desktop: Any, live_server: str) -> None:
    refused = csp_errors(desktop)
    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}{EDITOR}")
    toolbar = desktop.get_by_role("toolbar", name="Форматиране и инструменти")
    first = toolbar.get_by_role("button", name="Заглавие", exact=True)
    first.focus()
    desktop.keyboard.press("ArrowRight")
    assert desktop.evaluate("document.activeElement.textContent") == "Подзаглавие"
    desktop.keyboard.press("End")
    assert desktop.evaluate("document.activeElement.textContent") == "Обикновено текстово поле"
    desktop.keyboard.press("Home")
    desktop.keyboard.press("Tab")  # out of the toolbar in one step: into the text
    assert desktop.evaluate("!!document.activeElement.closest('.cm-editor')")

    type_at_end(desktop, "\nНов ред")
    desktop.keyboard.press("Home")
    desktop.keyboard.press("Shift+End")
    first.click()  # "Heading" on the line: ## in front
    desktop.keyboard.press("Control+b")  # bold around the selection
    assert "## **Нов ред**" in source_text(desktop)
    desktop.keyboard.press("End")
    toolbar.get_by_role("button", name="Бележка под линия").click()
    desktop.keyboard.type("ЗМСМА, чл. 21")
    text = source_text(desktop)
    # The module already has [^1]: the next free number.
    assert "## **Нов ред**[^2]" in text and text.rstrip().endswith("[^2]: ЗМСМА, чл. 21")
    toolbar.get_by_role("button", name="Търсене и замяна").click()
    assert desktop.get_by_role("textbox", name="Търсене в текста").is_visible()
    assert_accessible(desktop)
    assert not refused, refused


def test_problems_stand_beside_their_lines_and_the_preview_follows_the_cursor(
        desktop: Any, live_server: str) -> None:
    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}{EDITOR}")
    type_at_end(desktop, "\n" + "\n".join(f"Абзац {n}.\n" for n in range(60)) + BAD + "\n")
    marker = desktop.locator(".cm-gutter-lint .cm-lint-marker-error")
    marker.wait_for(timeout=15_000)  # the live check, beside the line
    assert desktop.locator(".cm-lintRange-error", has_text="#nyama").count() == 1

    box = desktop.locator(".authoring-preview")
    desktop.keyboard.press("Control+Home")
    desktop.wait_for_function("document.querySelector('.authoring-preview').scrollTop < 50")
    focus_source(desktop)
    desktop.keyboard.press("Control+End")  # the end of the module: the preview scrolls down
    desktop.wait_for_function("document.querySelector('.authoring-preview').scrollTop > 200",
                              timeout=10_000)
    assert box.evaluate("b => b.scrollHeight > b.clientHeight")


def test_the_plain_text_field_is_one_press_away_and_remembered(phone: Any,
                                                               live_server: str) -> None:
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}{EDITOR}")
    assert_fits(phone)
    assert_accessible(phone)
    type_at_end(phone, "\nНаписано в редактора.")
    toggle = phone.get_by_role("button", name="Обикновено текстово поле")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    plain = phone.locator("textarea#text")
    assert plain.is_visible() and "Написано в редактора." in plain.input_value()
    assert phone.locator(".cm-editor").count() == 0
    assert phone.get_by_role("button", name="Таблица").is_hidden()
    plain.press("Control+End")
    plain.type("\n" + BAD)
    link = phone.locator("#authoring-problems a.problem-link")
    link.wait_for(timeout=15_000)  # the live check works on the plain field too
    link.click()
    assert phone.evaluate("document.activeElement.id") == "text"
    assert_fits(phone)
    assert_accessible(phone)

    phone.reload()  # the choice is remembered
    assert phone.locator("textarea#text").is_visible() and phone.locator(".cm-editor").count() == 0
    phone.get_by_role("button", name="Обикновено текстово поле").click()
    phone.locator(".cm-editor").wait_for()
    assert phone.locator("textarea#text").is_hidden()


def test_the_dialogs_fit_a_phone(phone: Any, live_server: str) -> None:
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}{EDITOR}")
    for button, title in (("Връзка…", "Вмъкване на връзка"), ("Каре…", "Вмъкване на каре"),
                          ("Термин от речника…", "Връзка към термин от речника")):
        focus_source(phone)
        phone.get_by_role("button", name=button).click()
        dialog = phone.get_by_role("dialog", name=title)
        dialog.wait_for()
        assert_fits(phone)
        assert_accessible(phone)
        phone.keyboard.press("Escape")
        dialog.wait_for(state="hidden")  # closes on the next frame: waited for, not raced
        assert phone.evaluate("!!document.activeElement.closest('.cm-editor')")
    phone.get_by_role("button", name="Връзка…").click()
    phone.get_by_label("Или адрес на уебсайт").fill("javascript:alert(1)")
    phone.get_by_role("dialog").get_by_role("button", name="Вмъкни", exact=True).click()
    phone.get_by_role("alert").filter(has_text="https://").wait_for()
    assert "javascript:" not in source_text(phone)
