"""The Handbook while a job builds it (issue 15): the page says it is being prepared, a
download link opens a short Bulgarian page (not a broken download), and once the job has
run the same link downloads the stored file. At 360 px and on a desktop, axe-clean.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each page at 360 px and on a desktop.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.browser.conftest import assert_accessible, assert_fits, shot
from webapp import jobs

HTML_LINK = "Един HTML файл за четене на телефон без интернет връзка"


def test_the_handbook_is_prepared_then_downloaded(phone: Any, desktop: Any, live_server: str,
                                                  app: Flask) -> None:
    for page, size in ((phone, "phone"), (desktop, "desktop")):
        page.goto(f"{live_server}/handbook")
        assert "Наръчникът се подготвя след промяна на курса" in page.inner_text("main")
        shot(page, f"handbook-preparing-{size}")
        assert_fits(page)
        assert_accessible(page)
        page.get_by_role("link", name=HTML_LINK).click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text() == "Наръчникът се подготвя…"
        shot(page, f"handbook-being-prepared-{size}")
        assert_fits(page)
        assert_accessible(page)
        page.get_by_role("link", name="Обратно към наръчника").click()
        page.wait_for_url("**/handbook")

    assert jobs.run_pending(app) == 1  # the html job (the links clicked queued it once)
    phone.goto(f"{live_server}/handbook")
    with phone.expect_download() as download:
        phone.get_by_role("link", name=HTML_LINK).click()
    assert download.value.suggested_filename == "narachnik.html"
