"""The offline copy in a real browser: opened from the file system, no server at all."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from course.cli import main
from tests.browser.conftest import assert_accessible
from tests.conftest import FIXTURES

MINIMAL = FIXTURES / "courses" / "minimal"


def unpack(tmp_path: Path) -> Path:
    assert main(["export", "offline", str(MINIMAL), "--out", str(tmp_path / "o.zip")]) == 0
    with zipfile.ZipFile(tmp_path / "o.zip") as archive:
        archive.extractall(tmp_path)
    return tmp_path / "dobro-offline"


def test_offline_copy_navigates_and_grades_a_self_check(phone: Any, tmp_path: Path) -> None:
    site = unpack(tmp_path)
    page = phone
    page.goto((site / "index.html").as_uri())
    page.get_by_role("link", name="Общината и нейните органи").click()
    assert page.url.endswith("/first.html")
    assert_accessible(page)
    # Every link on the page leads to a file that exists, with its anchor.
    targets = page.eval_on_selector_all(
        "a[href]", "links => links.map(a => [a.href, decodeURIComponent(a.hash.slice(1))])")
    for href, anchor in targets:
        if not href.startswith("file://"):
            continue
        other = phone.context.new_page()
        other.goto(href)
        if anchor:
            assert other.locator(f"[id='{anchor}']").count() == 1, href
        other.close()
    form = page.locator("form.selfcheck-form")
    form.locator("fieldset[data-type=single]").get_by_label("Общинският съвет").check()
    form.locator("fieldset[data-type=text] input").fill("  Общински СЪВЕТ. ")
    form.get_by_role("button", name="Провери").click()
    assert form.locator("fieldset[data-type=single] .result").inner_text().startswith("Вярно.")
    assert form.locator("fieldset[data-type=text] .result").inner_text().startswith("Вярно.")
    assert form.locator("fieldset[data-type=order] .result").inner_text() \
        .startswith("Без отговор.")
    assert "Резултат: " in form.locator(".total").inner_text()
    page.get_by_role("link", name="Речник").first.click()
    assert page.url.endswith("/glossary.html")
