"""The privacy notice of a site that sends learning records to an LRS (issue 17 item 5): the
recipient is named, and the page stays accessible and fits a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.conftest import assert_accessible, assert_fits, shot
from tests.webapp.test_xapi import FAKE_LRS


@pytest.fixture
def app(make_app: Any, build_dir: Path) -> Flask:
    flask_app: Flask = make_app(**FAKE_LRS)
    return flask_app


def test_the_notice_names_the_learning_record_store(phone: Any, desktop: Any,
                                                    live_server: str) -> None:
    for page, size in ((phone, "phone"), (desktop, "desktop")):
        page.goto(f"{live_server}/privacy")
        recipients = page.locator("section[aria-labelledby=privacy-recipients]")
        assert "хранилището за записи за ученето (xAPI)" in recipients.inner_text()
        recipients.scroll_into_view_if_needed()
        shot(page, f"xapi-privacy-notice-{size}")
        shot(page, f"xapi-privacy-recipients-{size}", full_page=False)
        assert_fits(page)
        assert_accessible(page)
        height = page.evaluate("document.documentElement.scrollHeight")
        print(f"/privacy with an LRS on the {size}: {height} px high")
