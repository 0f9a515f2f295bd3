"""A trainer edits a module in the browser: the live check points at the line, the fixed
text is saved and learners see it; the editor is accessible on a desktop and a phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.browser.source import source_selection, source_text, type_at_end

MODULE = "modules/osnovi/01-obshtinata.md"
EDITOR = f"/trainer/authoring/edit?file={MODULE}"
BAD = "Вижте [липсващия модул](nyama.md)."
GOOD = "Общината се управлява от избрани органи."


def line_of(page: Any, needle: str) -> int:
    """The line of the text that holds ``needle`` (1-based)."""
    return next(i for i, line in enumerate(source_text(page).split("\n"), 1) if needle in line)


def plain_selection(page: Any) -> tuple[bool, int, str]:
    """In the plain text field: whether it has the focus, the line its selection starts on,
    the selected text."""
    found = page.evaluate("""() => { const t = document.getElementById('text');
        return [document.activeElement === t,
                t.value.slice(0, t.selectionStart).split('\\n').length,
                t.value.slice(t.selectionStart, t.selectionEnd)]; }""")
    return bool(found[0]), int(found[1]), str(found[2])


def test_a_trainer_fixes_an_error_at_its_line_and_publishes(desktop: Any,
                                                            live_server: str) -> None:
    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}/trainer/authoring/")
    desktop.get_by_role("link", name="Общината", exact=True).click()
    desktop.wait_for_url(lambda url: url.endswith(EDITOR))
    assert_accessible(desktop)

    type_at_end(desktop, "\n" + BAD + "\n")
    line = line_of(desktop, "nyama.md")
    problem = desktop.locator(f"#authoring-problems a.problem-link[data-line='{line}']")
    problem.wait_for(timeout=10_000)  # the live check, without a page load
    assert "nyama.md" in desktop.locator("#authoring-problems").inner_text()
    assert "грешка" in desktop.locator(".authoring-status").inner_text()
    desktop.locator(".cm-gutter-lint .cm-lint-marker-error").first.wait_for()  # beside the line
    problem.click()
    focused, at, selected = source_selection(desktop)
    assert focused and at == line and "nyama.md" in selected

    with desktop.expect_navigation():
        desktop.get_by_role("button", name="Запиши").click()  # refused: the text stays
    assert "Не е записано: проверката откри грешки" in desktop.content()
    assert BAD in source_text(desktop)
    assert_accessible(desktop)

    desktop.locator(f".panel a.problem-link[data-line='{line}']").click()  # from the banner
    focused, at, selected = source_selection(desktop)
    assert focused and at == line and "nyama.md" in selected
    desktop.keyboard.type(GOOD)  # replaces the selected, broken link
    desktop.locator(".authoring-summary-ok").wait_for(timeout=10_000)
    assert GOOD in desktop.locator("#authoring-preview").inner_text()
    assert_accessible(desktop)

    with desktop.expect_navigation():
        desktop.get_by_role("button", name="Запиши").click()  # the comment may stay empty
    assert "Записано." in desktop.content()
    desktop.get_by_role("link", name="Отвори както го виждат обучаемите").click()
    desktop.wait_for_url("**/learn/obshtinata")
    assert GOOD in desktop.locator(".prose").inner_text()
    assert "nyama" not in desktop.content()


def test_the_editor_fits_a_phone_and_is_accessible(phone: Any, live_server: str) -> None:
    sign_in(phone, live_server, "trainer")
    for path in ("/trainer/authoring/", EDITOR, "/trainer/authoring/edit?file=modules/course.yaml",
                 "/trainer/authoring/edit?file=quizzes/osnovi/osnovi-banka.yaml",
                 f"/trainer/authoring/history?file={MODULE}"):
        phone.goto(f"{live_server}{path}")
        assert_fits(phone)
        assert_accessible(phone)
    phone.goto(f"{live_server}{EDITOR}")
    width = phone.evaluate(
        "document.querySelector('.authoring-code').getBoundingClientRect().width")
    assert width >= 300  # the editor takes the phone's width


def test_a_refused_draft_is_offered_again_on_a_phone(phone: Any, live_server: str) -> None:
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}{EDITOR}")
    type_at_end(phone, "\n" + BAD + "\n")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Запиши").click()
    assert "Не е записано: проверката откри грешки" in phone.content()

    phone.get_by_role("link", name="Файлове на курса").first.click()  # leave the editor
    phone.wait_for_url("**/trainer/authoring/")
    phone.goto(f"{live_server}{EDITOR}")  # and come back: the file as it is, and the offer
    assert BAD not in source_text(phone)
    offer = phone.get_by_role("link", name=re.compile("^Продължете с черновата от "))
    assert offer.is_visible()
    assert_fits(phone)
    assert_accessible(phone)
    offer.click()
    phone.wait_for_url(lambda url: "version=" in url)
    assert BAD in source_text(phone)
    assert phone.get_by_role("link", name=re.compile("^Продължете с черновата")).count() == 0
    assert_accessible(phone)


def test_a_windows_1251_file_opens_read_only_on_a_phone(phone: Any, live_server: str,
                                                         course_root: Path) -> None:
    path = course_root / "modules/osnovi/02-savetat.md"
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1251"))
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/trainer/authoring/edit?file=modules/osnovi/02-savetat.md")
    assert "само за четене" in phone.locator(".authoring-undecodable").inner_text()
    assert "Общинският съвет" in phone.locator("#text").input_value()
    assert_fits(phone)
    assert_accessible(phone)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Запиши като UTF-8").click()
    assert "Записано" in phone.content()
    assert path.read_text(encoding="utf-8").startswith("---\nid: savetat\ntitle: Общинският съвет")


def test_typed_text_survives_leaving_without_saving(desktop: Any, live_server: str) -> None:
    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}{EDITOR}")
    type_at_end(desktop, "\n" + GOOD + "\n")
    desktop.wait_for_function(  # the live check answered (it keeps the text as a draft)
        "document.querySelector('.authoring-status').textContent.includes('Няма грешки')",
        timeout=10_000)
    desktop.goto(f"{live_server}/trainer/authoring/")  # the tab is left without "Save"
    desktop.goto(f"{live_server}{EDITOR}")
    assert GOOD not in source_text(desktop)
    desktop.get_by_role("link", name=re.compile("^Продължете с черновата от ")).click()
    desktop.wait_for_url(lambda url: "version=" in url)
    assert GOOD in source_text(desktop)
    assert_accessible(desktop)
