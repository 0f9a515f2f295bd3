"""A trainer adds an image to a module on a phone: the image goes where the cursor was, the
text typed before is saved with it, and learners see it with its alternative text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.browser.source import put_cursor_before, type_at_end
from tests.webapp.test_images import png

MODULE = "modules/osnovi/01-obshtinata.md"
EDITOR = f"/trainer/authoring/edit?file={MODULE}"
ALT = "Схема на етапите при изработване на плана"
TYPED = "Изречение, написано преди изображението."
INSERT = "Вмъкни изображението"


def test_a_trainer_inserts_an_image_at_the_cursor_on_a_phone(
        phone: Any, live_server: str, course_root: Path, tmp_path: Path) -> None:
    picture = tmp_path / "Схема на етапите.png"
    picture.write_bytes(png(2000, 1000))
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}{EDITOR}")
    assert_fits(phone)
    assert_accessible(phone)

    source = phone.locator("#text")  # the form's field, behind the editor
    type_at_end(phone, "\n" + TYPED + "\n")
    put_cursor_before(phone, "Органите са")

    phone.locator("#image").set_input_files(str(picture))
    with phone.expect_navigation():
        phone.get_by_role("button", name=INSERT).click()  # no alternative text: refused
    assert "Напишете алтернативния текст" in phone.content()
    assert TYPED in source.input_value()  # nothing typed is lost
    assert_fits(phone)
    assert_accessible(phone)

    put_cursor_before(phone, "Органите са")
    phone.locator("#image").set_input_files(str(picture))
    phone.get_by_label("Алтернативен текст").fill(ALT)
    with phone.expect_navigation():
        phone.get_by_role("button", name=INSERT).click()
    assert "Записано." in phone.content()
    saved = (course_root / MODULE).read_text()
    assert f"![{ALT}](img/shema-na-etapite.png)\n\nОрганите са" in saved and TYPED in saved
    assert f"![{ALT}](img/shema-na-etapite.png)" in source.input_value()
    assert_fits(phone)
    assert_accessible(phone)

    phone.goto(f"{live_server}/learn/obshtinata")
    image = phone.get_by_role("img", name=ALT)
    image.scroll_into_view_if_needed()
    assert image.evaluate("i => i.complete && i.naturalWidth") == 1600
    assert_fits(phone)
    assert_accessible(phone)
