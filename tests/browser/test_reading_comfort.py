"""Reading comfort (issue 14): a header that leaves a phone's first screen to the text, a
text size the reader picks once, readable lines on a desktop and a clean printed module.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots, and the printed module as PDF (and
PNG pages when ``pdftoppm`` is installed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.conftest import copy_course
from tests.webapp.conftest import MINI

MODULE = "/learn/obshtinata"
EXTERNAL = "https://www.lex.bg/laws/ldoc/2132657665"


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    """The mini course, its first module with a link that leaves the course."""
    root = copy_course(MINI, tmp_path)
    module = root / "modules" / "osnovi" / "01-obshtinata.md"
    module.write_text(module.read_text(encoding="utf-8")
                      + f"\nПълният текст: [Закона за местното самоуправление]({EXTERNAL}).\n",
                      encoding="utf-8")
    return root



def header_height(page: Any) -> float:
    found = page.locator("header.site-header").bounding_box()
    assert found is not None
    return float(found["height"])


def body_font_size(page: Any) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)"))


def test_on_a_phone_the_header_is_one_line_and_the_menu_opens(phone: Any,
                                                              live_server: str) -> None:
    sign_in(phone, live_server, "ivan")
    for url in ("/", MODULE):
        phone.goto(live_server + url)
        assert header_height(phone) <= 0.2 * 800, url
        assert_fits(phone)
        assert_accessible(phone)
    shot(phone, "comfort-module-phone", full_page=False)
    toggle = phone.get_by_role("button", name="Меню")
    assert toggle.get_attribute("aria-expanded") == "false"
    home_link = phone.locator(".site-nav").get_by_role("link", name="Начало")
    assert not home_link.is_visible()
    # The skip link comes first, and the menu button opens from the keyboard.
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip-link"
    toggle.focus()
    phone.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    for name in ("Начало", "Речник", "Издания", "Парола"):
        assert phone.locator(".site-nav").get_by_role("link", name=name).is_visible()
    assert phone.get_by_role("button", name="Изход").is_visible()
    assert phone.locator(".site-menu").get_by_role("link", name="English").is_visible()
    assert phone.get_by_role("searchbox", name="Търсене в курса").is_visible()
    assert_fits(phone)
    assert_accessible(phone)
    shot(phone, "comfort-menu-open-phone", full_page=False)
    phone.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert phone.evaluate("document.activeElement.classList.contains('menu-toggle')")
    assert not home_link.is_visible()


def test_without_scripts_the_menu_stays_open(browser: Any, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 800},
                                  java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/")
    assert page.locator(".site-nav").get_by_role("link", name="Речник").is_visible()
    assert not page.locator(".menu-toggle").is_visible()
    assert not page.locator(".text-size").is_visible()  # it needs the script
    context.close()


def test_the_text_size_is_chosen_once_and_kept(phone: Any, desktop: Any,
                                               live_server: str) -> None:
    sign_in(desktop, live_server, "ivan")
    desktop.goto(live_server + MODULE)
    normal = body_font_size(desktop)
    group = desktop.get_by_role("group", name="Размер на текста")
    largest = group.get_by_role("button", name="А++ (най-голям)")
    assert group.get_by_role("button", name="А (нормален)").get_attribute("aria-pressed") == (
        "true")
    largest.click()
    assert largest.get_attribute("aria-pressed") == "true"
    assert body_font_size(desktop) >= normal * 1.3
    desktop.reload()
    assert body_font_size(desktop) >= normal * 1.3
    assert group.get_by_role("button", name="А++ (най-голям)").get_attribute(
        "aria-pressed") == "true"
    desktop.goto(live_server + "/")  # every page
    assert body_font_size(desktop) >= normal * 1.3
    assert_accessible(desktop)
    shot(desktop, "comfort-largest-desktop", full_page=False)
    group.get_by_role("button", name="А (нормален)").click()
    assert body_font_size(desktop) == normal

    # On a phone, in the menu; the largest text still fits the screen.
    sign_in(phone, live_server, "ivan")
    phone.goto(live_server + MODULE)
    normal = body_font_size(phone)
    phone.get_by_role("button", name="Меню").click()
    phone.get_by_role("button", name="А+ (по-голям)").click()
    assert body_font_size(phone) > normal
    phone.get_by_role("button", name="А++ (най-голям)").click()
    phone.reload()
    assert body_font_size(phone) >= normal * 1.3
    assert header_height(phone) <= 0.2 * 800
    assert_fits(phone)
    shot(phone, "comfort-largest-phone", full_page=False)


def test_desktop_lines_are_65_to_75_characters(desktop: Any, live_server: str) -> None:
    sign_in(desktop, live_server, "ivan")
    desktop.goto(live_server + MODULE)
    text = desktop.locator(".prose > p").first.bounding_box()
    column = desktop.locator(".prose").bounding_box()
    table = desktop.locator(".prose table").first.bounding_box()
    assert text and column and table
    # Characters per line of a long paragraph of ordinary Bulgarian prose, as the module's
    # own paragraphs are laid out (the mini course's are too short to measure).
    average = desktop.evaluate("""sentence => {
        const p = document.createElement('p');
        p.textContent = sentence.repeat(12);
        document.querySelector('.prose').appendChild(p);
        const lines = p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight);
        const result = p.textContent.length / lines;
        p.remove();
        return result;
    }""", "Местното самоуправление е правото и възможността на хората в една община "
          "сами да решават въпросите от местно значение. ")
    assert 62 <= average <= 78, average
    # Tables keep the whole column: only running text is narrowed.
    assert table["width"] >= text["width"]
    assert column["width"] > text["width"]
    assert_accessible(desktop)
    shot(desktop, "comfort-module-desktop", full_page=False)


def test_a_printed_module_is_the_text_only(desktop: Any, live_server: str,
                                           tmp_path: Path) -> None:
    sign_in(desktop, live_server, "ivan")
    desktop.goto(live_server + MODULE)
    desktop.emulate_media(media="print")
    for hidden in (".site-header", ".breadcrumb", ".toc", ".pager", ".module-end",
                   ".site-footer"):
        assert desktop.locator(hidden).first.evaluate(
            "e => getComputedStyle(e).display") == "none", hidden
    # Nothing to click on paper: no form, no button is drawn.
    assert desktop.locator("main form, main button, main .button").evaluate_all(
        "all => all.length > 0 && all.every(e => e.getClientRects().length === 0)")
    link = desktop.locator(f'.prose a[href="{EXTERNAL}"]')
    assert EXTERNAL in link.evaluate("e => getComputedStyle(e, '::after').content")
    inner = desktop.locator('.prose a[href^="/"], .prose a[href^="#"]').first
    assert inner.evaluate("e => getComputedStyle(e, '::after').content") in ("none", "normal")
    assert desktop.evaluate("getComputedStyle(document.body).backgroundColor") in (
        "rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    assert desktop.evaluate("getComputedStyle(document.querySelector('.prose p')).color") == (
        "rgb(0, 0, 0)")
    assert desktop.locator(".prose table").first.evaluate(
        "e => getComputedStyle(e.querySelector('tr')).breakInside") == "avoid"
    folder = Path(os.environ.get("DOBRO_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / "comfort-module-print.pdf"
    desktop.pdf(path=str(pdf), format="A4")
    assert pdf.stat().st_size > 10_000
    if os.environ.get("DOBRO_SHOTS") and shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf),
                        str(folder / "comfort-module-print")], check=True)
