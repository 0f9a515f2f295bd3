"""The digital credential page on a phone (issue 14): from "My certificates" a councillor
reaches a page that says what the signed Open Badge is, offers the verification link to
copy (a read-only field, and a button where scripts run) and the signed file to download.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots at 360 px and on a desktop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import login, submit


def certify(app: Flask, people: Any) -> None:
    """Ivan studied, passed the final, and his trainer marks him present: certificates."""
    study_everything(app, people.learner)
    found = make_session(app, people.trainer, hours=4)
    trainer = app.test_client()
    login(trainer, "trainer")
    page = f"/sessions/{found.id}"
    assert submit(trainer, f"{page}/attendance/{people.learner.id}", {"status": "present"},
                  page=page).status_code == 302


def test_the_credential_page_explains_and_offers_the_link(phone: Any, desktop: Any,
                                                          live_server: str, app: Flask,
                                                          people: Any) -> None:
    certify(app, people)
    sign_in(phone, live_server, "ivan")
    phone.goto(f"{live_server}/certificates/")
    shot(phone, "certificates-phone")
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Електронен сертификат (Open Badge)").first.click()
    phone.wait_for_load_state()
    assert "/credential" in phone.url
    shot(phone, "credential-phone")
    shot(phone, "credential-phone-first-screen", full_page=False)
    main = phone.locator("main")
    assert phone.get_by_role("heading", name="Какво е това?").is_visible()
    assert "Open Badges 3.0" in main.inner_text()

    # The verification link: read-only, whole, and copied by the button.
    field = phone.get_by_label("Връзка за проверка")
    link = field.input_value()
    assert link.startswith("http") and "/verify/" in link
    assert field.get_attribute("readonly") is not None
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                    origin=live_server)
    phone.get_by_role("button", name="Копирай връзката").click()
    phone.get_by_role("status").filter(has_text="Връзката е копирана.").wait_for()
    assert phone.evaluate("navigator.clipboard.readText()") == link
    # ... and it leads to the public check, which says the certificate is valid.
    visitor = phone.context.browser.new_context()
    check = visitor.new_page()
    check.goto(link.replace("http://127.0.0.1:5000", live_server))
    assert "Сертификатът е валиден." in check.content()
    visitor.close()

    # The signed file is one option among them, with what it is.
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Изтегляне на подписания файл (.jwt)").click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.endswith(".jwt")
    assert saved.count(".") == 2  # header.payload.signature
    assert "формат VC-JWT" in main.inner_text()
    assert_fits(phone)
    assert_accessible(phone)

    sign_in(desktop, live_server, "ivan")
    desktop.goto(phone.url)
    shot(desktop, "credential-desktop")
    assert_accessible(desktop)


def test_without_scripts_the_link_is_still_there_to_copy(browser: Any, live_server: str,
                                                         app: Flask, people: Any) -> None:
    certify(app, people)
    context = browser.new_context(viewport={"width": 360, "height": 800}, locale="bg-BG",
                                  java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "ivan")
    page.goto(f"{live_server}/certificates/")
    page.get_by_role("link", name="Електронен сертификат (Open Badge)").first.click()
    page.wait_for_load_state()
    field = page.get_by_label("Връзка за проверка")
    assert "/verify/" in field.input_value()
    # No button that would do nothing: the field is the way to copy.
    assert page.get_by_role("button", name="Копирай връзката").count() == 0
    context.close()


def test_the_trainer_reaches_it_from_the_learners_page(phone: Any, live_server: str,
                                                       app: Flask, people: Any) -> None:
    certify(app, people)
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/certificates/learners/{people.learner.id}")
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Електронен сертификат (Open Badge)").first.click()
    phone.wait_for_load_state()
    assert "/credential" in phone.url
    # The way back is to the learner, not to the trainer's own certificates.
    back = phone.get_by_role("navigation", name="Навигационна пътека").get_by_role("link")
    assert back.inner_text() == "Иван Иванов"
    assert_fits(phone)
    assert_accessible(phone)
