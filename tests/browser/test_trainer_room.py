"""A trainer at the front of a room, on a phone (issue 14): the roster comes before the
check-in code, a mark that issues a certificate says so where the page opens, the code
goes full screen for the projector, and new join codes for everyone, which void the cards
handed out, wait for an explicit confirmation.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each page at 360 px and on a desktop.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from sqlmodel import select

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.webapp.blended import make_session, study_everything
from webapp import db
from webapp.models import Group, GroupMember, Invitation, Organisation, User

CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\b")
PROJECTOR = {"width": 1280, "height": 720}



def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not shown"
    return dict(found)


def in_view(page: Any, selector: str) -> bool:
    """Whether the element is on the screen as the page is now scrolled."""
    return bool(page.locator(selector).evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= window.innerHeight; }"))


def test_on_a_phone_the_roster_comes_first(phone: Any, desktop: Any, live_server: str,
                                           app: Flask, people: Any) -> None:
    found = make_session(app, people.trainer, hours=4)
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/sessions/{found.id}")
    shot(phone, "session-phone")
    shot(phone, "session-phone-first-screen", full_page=False)
    roster, code = box(phone, "#roster"), box(phone, "#checkin-title")
    assert roster["y"] + roster["height"] <= code["y"]
    # The first learner's "present" is on the first screen; the code is one tap away.
    first = box(phone, f"#learner-{people.learner.id} .roster-present")
    assert first["y"] + first["height"] <= 800
    link = phone.get_by_role("link", name="Покажи кода за отбелязване")
    assert box(phone, ".session-shortcuts")["y"] < roster["y"]
    assert_fits(phone)
    assert_accessible(phone)
    link.click()
    assert in_view(phone, ".checkin-code")

    # On a desktop the code stands beside the roster.
    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}/sessions/{found.id}")
    shot(desktop, "session-desktop")
    roster, code = box(desktop, "#roster"), box(desktop, "#checkin-title")
    assert code["x"] > roster["x"] + roster["width"] and abs(code["y"] - roster["y"]) < 100
    assert_accessible(desktop)


def test_the_check_in_code_full_screen(browser: Any, phone: Any, live_server: str,
                                       app: Flask, people: Any) -> None:
    found = make_session(app, people.trainer)
    context = browser.new_context(viewport=PROJECTOR, locale="bg-BG", bypass_csp=True)
    projector = context.new_page()
    try:
        sign_in(projector, live_server, "trainer")
        projector.goto(f"{live_server}/sessions/{found.id}")
        projector.locator(".session-shortcuts").get_by_role("link", name="На цял екран").click()
        projector.wait_for_url(f"**/sessions/{found.id}/screen")
        shot(projector, "screen-projector", full_page=False)
        code, qr = box(projector, ".checkin-screen-code"), box(projector, ".checkin-screen-qr svg")
        assert projector.locator(".checkin-screen-code").inner_text() == "KX7P2M"
        # Readable from the back of a room: letters over 100 px, the QR over 400 px,
        # side by side and both on the one screen.
        assert code["height"] >= 100 and qr["width"] >= 400 and qr["height"] >= 400
        assert qr["y"] + qr["height"] <= PROJECTOR["height"] + 1
        assert code["x"] >= qr["x"] + qr["width"]
        assert_fits(projector)
        assert_accessible(projector)
    finally:
        context.close()
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/sessions/{found.id}/screen")
    assert_fits(phone)
    shot(phone, "screen-phone")
    assert_accessible(phone)


def test_a_mark_that_issues_a_certificate_says_so_on_the_roster(
        phone: Any, live_server: str, app: Flask, people: Any) -> None:
    found = make_session(app, people.trainer, hours=4)
    study_everything(app, people.councillor)
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/sessions/{found.id}")
    line = phone.locator(f"#learner-{people.councillor.id}")
    line.get_by_role("button", name="Присъства", exact=True).click()
    phone.wait_for_load_state()
    shot(phone, "session-marked-phone", full_page=False)
    line = phone.locator(f"#learner-{people.councillor.id}")
    said = line.locator(".roster-notice").inner_text()
    assert ("Сертификатът на Мария Петрова за тема „Основи на самоуправлението“ е издаден."
            in said)
    assert "Сертификатът на Мария Петрова за цялата програма" in said
    # Where the page opens after the mark, with the learner's line.
    assert in_view(phone, f"#learner-{people.councillor.id} .roster-notice")
    assert "Темата е завършена" in line.locator(".roster-complete").inner_text()
    assert "Темата е завършена" not in phone.locator(f"#learner-{people.learner.id}").inner_text()
    assert_fits(phone)
    assert_accessible(phone)
    # Marking again says nothing new.
    line.get_by_role("button", name="Закъснял").click()
    phone.wait_for_load_state()
    assert phone.locator(".roster-notice").count() == 0


def waiting_learners(app: Flask) -> int:
    """Add two learners who have not joined to the people fixture's group."""
    with app.app_context():
        database = db.session()
        group = database.exec(select(Group)).one()
        organisation = database.exec(select(Organisation)).one()
        for name in ("Стефка Моллова", "Атанас Каров"):
            user = User(name=name, role="learner", audience="employees",
                        organisation_id=organisation.id)
            database.add(user)
            database.flush()
            database.add(GroupMember(group_id=group.id, user_id=user.id))
        database.commit()
        assert group.id is not None
        return group.id


def invitations(app: Flask) -> list[tuple[int | None, object]]:
    with app.app_context():
        return [(i.id, i.expires_at) for i in db.session().exec(
            select(Invitation).order_by(Invitation.id))]


def test_new_codes_for_everyone_wait_for_a_confirmation(phone: Any, desktop: Any,
                                                       live_server: str, app: Flask,
                                                       people: Any) -> None:
    group = waiting_learners(app)
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/trainer/groups/{group}")
    shot(phone, "group-phone-before")
    phone.get_by_role("button", name="Направи кодове за присъединяване за 2 обучаеми без "
                                     "код").click()
    phone.wait_for_load_state()
    printed = set(CODE.findall(phone.locator("main").inner_text()))  # each in its link too
    assert len(printed) == 2
    phone.goto(f"{live_server}/trainer/groups/{group}")
    shot(phone, "group-phone")
    assert_fits(phone)
    assert_accessible(phone)
    # The bulk re-issue is now a link that says what it does, not a button.
    assert phone.get_by_role("button", name=re.compile("Направи кодове")).count() == 0
    phone.get_by_role("link", name="Нови кодове за всички, които не са се присъединили – "
                                   "старите кодове спират да важат").click()
    phone.wait_for_load_state()
    assert "2 кода за присъединяване, които вече са дадени, спират да важат." in (
        phone.locator("main").inner_text())
    shot(phone, "renew-phone")
    assert_fits(phone)
    assert_accessible(phone)
    before = invitations(app)
    # Without the box ticked nothing happens, and nothing is voided.
    phone.get_by_role("button", name="Направи новите кодове", exact=True).click()
    phone.wait_for_timeout(300)
    assert phone.url.endswith(f"/trainer/groups/{group}/codes/renew")
    assert invitations(app) == before
    phone.get_by_label(re.compile("Разбирам: 2 кода за присъединяване")).check()
    phone.get_by_role("button", name="Направи новите кодове", exact=True).click()
    phone.wait_for_load_state()
    fresh = set(CODE.findall(phone.locator("main").inner_text()))
    assert len(fresh) == 2 and not fresh & printed
    shot(phone, "codes-phone")
    assert_accessible(phone)

    sign_in(desktop, live_server, "trainer")
    for path, name in ((f"/trainer/groups/{group}", "group-desktop"),
                       (f"/trainer/groups/{group}/codes/renew", "renew-desktop")):
        desktop.goto(live_server + path)
        shot(desktop, name)
        assert_accessible(desktop)
