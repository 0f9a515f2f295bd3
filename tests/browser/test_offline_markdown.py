"""The offline self-check in a real browser: feedback shows its Markdown as markup, and what
the reader types is shown as text, never run as markup."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from course.cli import main


def test_feedback_renders_and_typed_text_stays_text(phone: Any, minimal: Path,
                                                    tmp_path: Path) -> None:
    path = minimal / "quizzes/t1/first-check.yaml"
    source = path.read_text(encoding="utf-8")
    for old, new in [("{text: Кметът, feedback: Кметът внася проекта.}",
                      "{text: Кметът, feedback: 'Кметът **внася** проекта.'}"),
                     ("explanation: Четири години.",
                      "explanation: 'Четири *години* <img src=x onerror=alert(1)>.'"),
                     ("{min: 0, text: Прегледайте модула отново.}",
                      "{min: 0, text: 'Прегледайте **модула** отново.'}")]:
        assert old in source, old
        source = source.replace(old, new, 1)
    path.write_text(source, encoding="utf-8")
    assert main(["export", "offline", str(minimal), "--out", str(tmp_path / "o.zip")]) == 0
    with zipfile.ZipFile(tmp_path / "o.zip") as archive:
        archive.extractall(tmp_path)
    page = phone
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto((tmp_path / "dobro-offline" / "first.html").as_uri())

    form = page.locator("form.selfcheck-form")
    form.locator("fieldset[data-type=single]").get_by_label("Кметът").check()
    form.locator("fieldset[data-type=number] input").fill("<b>пет</b>")
    form.get_by_role("button", name="Провери").click()

    single = form.locator("fieldset[data-type=single] .result")
    assert single.locator("strong").inner_text() == "внася"
    assert "Кметът внася проекта." in single.inner_text()
    number = form.locator("fieldset[data-type=number] .result")
    assert "„<b>пет</b>“ не е число." in number.inner_text()  # shown as typed
    assert number.locator("b").count() == 0
    assert number.locator("em").inner_text() == "години"
    assert number.locator("img").count() == 0 and not dialogs
    total = form.locator(".total")
    assert total.locator("strong").inner_text() == "модула"
