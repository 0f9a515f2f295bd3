"""A trainer's home on a phone and a desktop (issue 14): today's session with the way to
its roster, a stuck learner, a certificate of the week, what waits for the trainer — and
empty lists that say what to do next.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each page at 360 px and on a desktop.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlmodel import select

from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.browser.test_trainer_room import box, shot
from tests.webapp.blended import make_session
from webapp import db
from webapp.models import Certificate, Group, GroupMember, ModuleProgress, User, utcnow


def a_busy_week(app: Flask, people: Any) -> int:
    """A session today, one last week nobody marked, a stuck learner, a new certificate and
    a learner who has not joined; the id of today's session."""
    today = make_session(app, people.trainer, starts_in=timedelta(minutes=20))
    make_session(app, people.trainer, starts_in=timedelta(days=-6), title="Основи – Мадан")
    make_session(app, people.trainer, starts_in=timedelta(days=2), title="Съветът – Смолян")
    with app.app_context():
        database = db.session()
        database.add(ModuleProgress(user_id=people.learner.id, module_id="obshtinata",
                                    topic_id="osnovi",
                                    last_opened_at=utcnow() - timedelta(days=20)))
        database.add(Certificate(code="c" * 32, number="ARO-2027-000042",
                                 user_id=people.councillor.id, topic_id="osnovi",
                                 holder_name="Мария Петрова",
                                 title="Основи на самоуправлението", programme_title="Програма",
                                 issuer_name="Асоциация на родопските общини",
                                 issued_at=utcnow() - timedelta(days=2)))
        newcomer = User(name="Стефка Моллова", role="learner", audience="employees")
        database.add(newcomer)
        database.commit()
        group = database.exec(select(Group)).one()
        database.add(GroupMember(group_id=group.id, user_id=newcomer.id))
        database.commit()
    assert today.id is not None
    return today.id


def test_the_trainers_home_on_a_phone_and_a_desktop(phone: Any, desktop: Any, live_server: str,
                                                    app: Flask, people: Any) -> None:
    session_id = a_busy_week(app, people)
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/trainer/")
    shot(phone, "home-phone")
    shot(phone, "home-phone-first-screen", full_page=False)
    assert_fits(phone)
    assert_accessible(phone)
    # Today's session is on the first screen, with the way to its roster.
    today = phone.locator(f"#session-{session_id}")
    assert box(phone, "#home-today")["y"] < box(phone, f"#session-{session_id}")["y"]
    link = today.locator(".home-act")
    assert link.inner_text().startswith("Отвори списъка")
    assert link.get_attribute("href") == f"/sessions/{session_id}#roster"
    where = box(phone, f"#session-{session_id} .home-act")
    assert where["y"] + where["height"] <= 800
    height = phone.evaluate("document.documentElement.scrollHeight")
    print(f"trainer home: {height} px tall at 360 px")
    # Who is stuck, the week's certificate, and what waits.
    assert "Иван Иванов" in phone.locator(f"#stuck-{people.learner.id}").inner_text()
    assert "Мария Петрова" in phone.locator(".home-issued").inner_text()
    waiting = phone.locator("#home-todo").locator("xpath=..").inner_text()
    assert "Основи – Мадан" in waiting and "3 обучаеми не са отбелязани" in waiting
    assert "1 обучаем още не се е присъединил" in waiting
    link.click()
    phone.wait_for_url(f"**/sessions/{session_id}#roster")
    assert phone.locator(f"#learner-{people.learner.id}").is_visible()

    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}/trainer/")
    shot(desktop, "home-desktop")
    assert_fits(desktop)
    assert_accessible(desktop)
    assert desktop.locator(f"#session-{session_id}").is_visible()


def test_empty_lists_say_what_to_do_next(phone: Any, desktop: Any, live_server: str,
                                         app: Flask, people: Any) -> None:
    with app.app_context():
        database = db.session()
        for member in database.exec(select(GroupMember)).all():
            database.delete(member)
        database.commit()
    sign_in(phone, live_server, "trainer")
    phone.goto(f"{live_server}/trainer/")
    shot(phone, "home-empty-phone")
    assert_fits(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="Насрочване на занятие").first.click()
    phone.wait_for_url("**/sessions/manage#new-session-title")
    shot(phone, "sessions-empty-phone")
    assert "Още няма занятия." in phone.locator("main").inner_text()
    assert_fits(phone)
    assert_accessible(phone)
    phone.goto(f"{live_server}/trainer/")
    phone.get_by_role("link", name="Добавете първия обучаем").click()
    phone.wait_for_url("**/trainer/groups/*#add-title")
    shot(phone, "group-empty-phone")
    said = phone.locator("main").inner_text()
    assert "В тази група още няма обучаеми." in said and "Всички в групата" not in said
    assert "Още няма обучаеми, затова няма и кодове за раздаване." in said
    assert_fits(phone)
    assert_accessible(phone)

    sign_in(desktop, live_server, "admin")
    for path, name in (("/trainer/", "home-empty-admin-desktop"),
                       ("/sessions/manage", "sessions-empty-desktop")):
        desktop.goto(live_server + path)
        shot(desktop, name)
        assert_fits(desktop)
        assert_accessible(desktop)
    # The trainer's groups have no learners left: their progress page says what to do.
    sign_in(desktop, live_server, "trainer")
    desktop.goto(f"{live_server}/trainer/progress")
    shot(desktop, "progress-empty-desktop")
    assert "Още няма обучаеми." in desktop.locator("main").inner_text()
    assert_accessible(desktop)
