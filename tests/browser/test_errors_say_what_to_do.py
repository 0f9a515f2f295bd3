"""Errors that say what to do, in the reader's language (issue 14), as a phone shows them:
the participant import's row errors and the public certificate check, in Bulgarian and in
English; axe-clean and without sideways scroll at 360 px and on a desktop.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.browser.test_trainer_room import shot

BAD = ("Име;Организация;Аудитория;Имейл;Телефон\n"
       "Анна Иванова;Смолян;employees;anna@;0888 123 456\n"
       "Борис Петров;Община Нямаме;съветници2;;12\n")
SAID = {"bg": ["ред 2, колона D (Имейл): неправилен имейл „anna@“: поправете го",
               "ред 3, колона B (Организация): непозната организация „Община Нямаме“: "
               "напишете името ѝ както е в списъка на организациите"],
        "en": ["row 2, column D (Имейл): invalid e-mail “anna@”: correct it",
               "row 3, column B (Организация): unknown organisation “Община Нямаме”: "
               "write its name as the list of organisations has it"]}
NOT_FOUND = {"bg": "Проверете адреса: трябва да е копиран точно",
             "en": "Check the address: it must be copied exactly"}
SWITCH = {"bg": "Български", "en": "English"}


def in_language(page: Any, base: str, lang: str) -> None:
    page.goto(f"{base}/language?lang={lang}&next=/")


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_import_errors_on_a_phone(phone: Any, desktop: Any, live_server: str, app: Flask,
                                  people: Any, tmp_path: Path, lang: str) -> None:
    upload = tmp_path / "хора.csv"
    upload.write_text(BAD, encoding="utf-8")
    for page, kind in ((phone, "phone"), (desktop, "desktop")):
        sign_in(page, live_server, "trainer")
        in_language(page, live_server, lang)
        page.goto(f"{live_server}/trainer/")
        page.locator(".trainer-group-name").first.click()
        page.locator("a[href$='/import']").first.click()
        page.locator("input[type=file]").set_input_files(str(upload))
        page.locator("form.trainer-form button[type=submit]").click()
        page.wait_for_load_state()
        errors = page.locator(".import-errors").inner_text()
        for said in SAID[lang]:
            assert said in errors
        shot(page, f"import-errors-{lang}-{kind}")
        assert_fits(page)
        assert_accessible(page)


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_the_certificate_check_on_a_phone(phone: Any, desktop: Any, live_server: str,
                                          lang: str) -> None:
    for page, kind in ((phone, "phone"), (desktop, "desktop")):
        in_language(page, live_server, lang)
        page.goto(f"{live_server}/verify/{'x' * 32}")
        assert NOT_FOUND[lang] in page.locator("main").inner_text()
        shot(page, f"verify-missing-{lang}-{kind}")
        assert_fits(page)
        assert_accessible(page)
