"""A trainer's whole task in the browser, with no YAML typed: a new module with a table, a
callout, an image with its alternative text and a link to another module's section, written
with the editor's toolbar; placed second in its topic; a self-check with a single-choice, a
true/false and a matching question made through the forms; previewed; saved; read and taken
by a learner; and an earlier version restored."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.browser.source import focus_source, put_cursor_before, source_text
from tests.webapp.test_images import png

TITLE = "Кметът и общинската администрация"
MODULE_ID = "kmetat-i-obshtinskata-administraciya"
MODULE = f"modules/osnovi/03-{MODULE_ID}.md"
QUIZ_TITLE = "Самопроверка: кметът"
ALT = "Схема: кметът, заместник-кметовете и общинската администрация"
SECTION_TEXT = "Кметът ръководи изпълнителната власт в общината."
QUESTIONS = ("Кой ръководи общинската администрация?", "Кметът се избира от общинския съвет.",
             "Свържете органа с ролята му.")


def toolbar(page: Any, name: str) -> None:
    page.get_by_role("toolbar").get_by_role("button", name=name, exact=True).click()


def save_editor(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Запиши", exact=True).click()
    assert "Записано." in page.content(), page.locator("main").inner_text()[:2000]


def save_question(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Проверете и запазете").click()
    assert "Записано." in page.content(), page.locator("main").inner_text()[:2000]


def test_a_trainer_writes_places_tests_and_restores_a_module_without_yaml(
        desktop: Any, live_server: str, course_root: Path, tmp_path: Path) -> None:
    page = desktop
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, "trainer")

    # 1. A new module, placed second in its topic.
    page.goto(f"{live_server}/trainer/authoring/")
    page.get_by_role("link", name="Теми и модули: ред, групи, нови модули и тестове").click()
    page.get_by_role("link", name="Нов модул").first.click()
    page.get_by_label("Заглавие").fill(TITLE)
    page.get_by_label("Общински съветници").check()
    page.get_by_label("Време за изучаване (минути)").fill("20")
    page.get_by_label("Място в темата").select_option(label="След „Общината“")
    with page.expect_navigation():
        page.get_by_role("button", name="Създай модула").click()
    assert "Записано." in page.content() and MODULE_ID in page.url
    page.locator(".authoring-code").wait_for()
    assert_accessible(page)

    # 2. Its text, with the toolbar: a section's words, a table, a callout and a link.
    put_cursor_before(page, "Текстът на раздела.")
    page.keyboard.press("Shift+End")
    page.keyboard.type(SECTION_TEXT)
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    toolbar(page, "Таблица")  # inserted with "Колона 1" selected, ready to be typed over
    page.keyboard.type("Орган")
    page.keyboard.press("Tab")  # Tab leaves the editor: no keyboard trap
    assert page.evaluate("document.activeElement.closest('.cm-editor') === null")
    focus_source(page)
    text = source_text(page)
    assert "| Орган | Колона 2 |\n|---|---|" in text

    put_cursor_before(page, "## Обобщение")
    toolbar(page, "Каре…")
    callout = page.get_by_role("dialog", name="Вмъкване на каре")
    callout.wait_for()
    assert_accessible(page)
    callout.get_by_label("Вид").select_option("внимание")
    callout.get_by_label("Заглавие (по желание)").fill("Срокове")
    callout.get_by_role("button", name="Вмъкни", exact=True).click()
    page.keyboard.type("Кметът връща незаконосъобразните решения в 7-дневен срок.")

    page.keyboard.press("End")
    page.keyboard.press("ArrowDown")  # past the callout's closing line
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("За кворума виж ")
    page.keyboard.press("Control+k")  # the link picker, from the keyboard
    dialog = page.get_by_role("dialog", name="Вмъкване на връзка")
    dialog.wait_for()
    dialog.get_by_label("Текст на връзката").fill("кворума на съвета")
    dialog.get_by_label("Към модул, страница или раздел").select_option(
        label="Общинският съвет → Кворум")
    page.keyboard.press("Enter")  # from the text field: inserts
    assert not dialog.is_visible()
    page.keyboard.type(".")
    text = source_text(page)
    assert "::: внимание Срокове\nКметът връща" in text
    assert "За кворума виж [кворума на съвета](02-savetat.md#kvorum)." in text

    # 3. The preview shows it as learners will, with no problem found.
    preview = page.locator("#authoring-preview")
    preview.get_by_role("link", name="кворума на съвета").wait_for(timeout=15_000)  # live
    assert page.locator(".authoring-summary-ok").count() == 1
    assert preview.locator("table th", has_text="Орган").count() == 1
    assert preview.locator(".callout", has_text="7-дневен срок").count() == 1
    save_editor(page)

    # 4. An image with its alternative text, put where the cursor is, saved with the text.
    picture = tmp_path / "Схема на администрацията.png"
    picture.write_bytes(png(1200, 800))
    put_cursor_before(page, "## Обобщение")
    page.locator("#image").set_input_files(str(picture))
    page.get_by_label("Алтернативен текст").fill(ALT)
    with page.expect_navigation():
        page.get_by_role("button", name="Вмъкни изображението").click()
    assert "Записано." in page.content()
    saved = (course_root / MODULE).read_text(encoding="utf-8")
    assert f"![{ALT}](img/shema-na-administraciyata.png)" in saved

    # 5. Placed second: the topic's list shows it after the first module.
    page.goto(f"{live_server}/trainer/authoring/course/")
    items = page.locator("section[aria-labelledby='topic-osnovi'] ol > li > span[lang]")
    assert items.all_inner_texts()[:3] == ["Общината", TITLE, "Общинският съвет"]

    # 6. A self-check with three questions made through the forms.
    page.get_by_role("link", name="Нов тест").first.click()
    page.get_by_label("Вид").select_option(label="Самопроверка към модул")
    page.get_by_label("Заглавие").fill(QUIZ_TITLE)
    page.get_by_label("Модул (за самопроверка)").select_option(label=TITLE)
    with page.expect_navigation():
        page.get_by_role("button", name="Създай теста").click()
    assert "Записано." in page.content()
    page.get_by_role("link", name="Въпроси като формуляри").click()

    page.get_by_role("link", name="Един верен отговор").click()
    page.get_by_label("Въпрос", exact=True).fill(QUESTIONS[0])
    page.locator("[name='choices-0-text']").fill("Кметът")
    page.locator("[name='choices-0-correct']").check()
    page.locator("[name='choices-1-text']").fill("Председателят на съвета")
    page.get_by_label("Разделът, който проверява").select_option(
        label=f"{TITLE} → Първи раздел")
    save_question(page)
    page.get_by_role("link", name="Вярно или невярно").click()
    page.get_by_label("Въпрос", exact=True).fill(QUESTIONS[1])
    page.get_by_label("Невярно", exact=True).check()
    save_question(page)
    page.get_by_role("link", name="Съпоставяне").click()
    page.get_by_label("Въпрос", exact=True).fill(QUESTIONS[2])
    for row, (left, right) in enumerate([("Кметът", "Изпълнителна власт"),
                                         ("Общинският съвет", "Решаващ орган")]):
        page.locator(f"[name='pairs-{row}-left']").fill(left)
        page.locator(f"[name='pairs-{row}-right']").fill(right)
    save_question(page)
    page.get_by_role("link", name=re.compile(r"^Изтрий\s+q1$")).click()  # the example question
    with page.expect_navigation():
        page.get_by_role("button", name="Изтрий").click()
    listed = page.locator("main").inner_text()
    assert all(q in listed for q in QUESTIONS) and "Примерен въпрос" not in listed
    assert_accessible(page)

    # 7. A learner reads it and takes its self-check.
    page.context.clear_cookies()
    sign_in(page, live_server, "maria")
    page.goto(f"{live_server}/learn/{MODULE_ID}")
    reading = page.locator(".prose")
    assert SECTION_TEXT in reading.inner_text()
    assert reading.locator("table th", has_text="Орган").count() == 1
    assert reading.locator(".callout", has_text="7-дневен срок").count() == 1
    image = page.get_by_role("img", name=ALT)
    image.scroll_into_view_if_needed()
    assert image.evaluate("i => i.complete && i.naturalWidth") > 0
    link = reading.get_by_role("link", name="кворума на съвета")
    assert link.get_attribute("href").endswith("/learn/savetat#kvorum")
    assert_accessible(page)
    quiz_id = next(line.split(":", 1)[1].strip() for line in
                   (course_root / MODULE).read_text(encoding="utf-8").splitlines()
                   if line.startswith("quiz:"))
    page.goto(f"{live_server}/quiz/{quiz_id}")
    with page.expect_navigation():
        page.get_by_role("button", name="Започни опит").click()
    attempt = page.url.split("?")[0]
    seen = ""
    for number in range(1, 5):
        page.goto(f"{attempt}?page={number}")
        seen += page.content()
    assert all(q in seen for q in QUESTIONS)

    # 8. The trainer restores the version before the image: learners no longer see it.
    page.context.clear_cookies()
    sign_in(page, live_server, "trainer")
    page.goto(f"{live_server}/trainer/authoring/history?file={MODULE}")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(r"^Версия 2\b")).first.click()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Възстанови")).click()
    assert "Възстановено" in page.content() or "Записано" in page.content()
    restored = (course_root / MODULE).read_text(encoding="utf-8")
    assert ALT not in restored and SECTION_TEXT in restored
    page.goto(f"{live_server}/learn/{MODULE_ID}")
    assert page.get_by_role("img", name=ALT).count() == 0
    assert_fits(page)
    assert not [e for e in errors if "Content Security Policy" in e], errors
