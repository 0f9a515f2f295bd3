"""A councillor on a 360-px phone, on the real course (issue 14): after "Изучих този модул"
the next module is one tap away (and after the self-check too), a locked module says first
which modules open it, and the home page's first screen names the one next step — under
2,500 px tall with four topics in progress.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each page at 360 px and on a desktop.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.conftest import REPO
from tests.webapp.blended import make_session
from webapp import db
from webapp.models import Attempt, ModuleProgress, User, utcnow

FIRST_SCREEN = 800  # the phone's height
# Two modules studied in three topics, one in the fourth; the third module of the first
# topic opened and left half read.
STUDIED = {"samoupravlenie": ["osnovi-na-samoupravlenieto", "obshtinskiyat-savet"],
           "resursi": ["obshtinskiyat-byudzhet", "mestni-danaci-i-taksi"],
           "strategia": ["strategichesko-planirane", "ustroystveno-planirane"],
           "evropa": ["es-i-mestnite-vlasti"]}
TAKEN = [("samoupravlenie-vhoden-test", "samoupravlenie", "pre-test", 40.0),
         ("resursi-vhoden-test", "resursi", "pre-test", 55.0),
         ("samoupravlenie-final", "samoupravlenie", "final", 30.0)]


@pytest.fixture
def app(make_app: Any, real_course: Path) -> Flask:
    """The app on the repository's own course."""
    flask_app: Flask = make_app(CONTENT_ROOT=REPO, COURSE_BUILD=real_course)
    return flask_app



def box(page: Any, locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not shown"
    return dict(found)


def on_first_screen(page: Any, locator: Any) -> bool:
    """Whether the element ends within the first screen of the page, unscrolled."""
    found = box(page, locator)
    scrolled = page.evaluate("window.scrollY")
    return bool(found["y"] + scrolled + found["height"] <= FIRST_SCREEN)


def in_view(locator: Any) -> bool:
    """Whether the element is on the screen as the page is now scrolled."""
    return bool(locator.evaluate("e => { const r = e.getBoundingClientRect();"
                                 " return r.top >= 0 && r.bottom <= window.innerHeight; }"))


def in_progress(app: Flask, user: User, specialism: str | None = None) -> None:
    """Progress in all four topics, two tests taken, one failed final; a specialism."""
    with app.app_context():
        database = db.session()
        now = utcnow()
        for topic, modules in STUDIED.items():
            for module_id in modules:
                database.add(ModuleProgress(user_id=user.id, module_id=module_id,
                                            topic_id=topic, studied_at=now,
                                            studied_version="v"))
        database.add(ModuleProgress(user_id=user.id, module_id="kmetat-i-administraciyata",
                                    topic_id="samoupravlenie", position=""))
        for quiz, topic, kind, percent in TAKEN:
            database.add(Attempt(user_id=user.id, quiz_id=quiz, quiz_version="v",
                                 topic_id=topic, kind=kind, seed="s", pass_mark=60,
                                 questions=[], state="submitted", submitted_at=now,
                                 percent=percent,
                                 passed=percent >= 60 if kind == "final" else None))
        found = database.get(User, user.id)
        assert found is not None
        found.specialism = specialism
        database.add(found)
        database.commit()


def test_after_studying_the_next_module_is_one_tap_away(phone: Any, desktop: Any,
                                                        live_server: str) -> None:
    sign_in(phone, live_server, "maria")
    phone.goto(f"{live_server}/learn/osnovi-na-samoupravlenieto")
    phone.get_by_role("button", name="Изучих този модул").click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/learn/osnovi-na-samoupravlenieto#module-end")
    shot(phone, "studied-phone", full_page=False)
    way_on = phone.get_by_role("region", name="Следващ модул")
    assert in_view(way_on)
    # The self-check is offered (optional), the topic is one tap back.
    end = phone.locator(".module-end")
    assert end.get_by_role("link", name="Самопроверка").is_visible()
    assert way_on.get_by_role("link", name="Обратно към темата").is_visible()
    assert_fits(phone)
    assert_accessible(phone)
    way_on.get_by_role("link", name="Общинският съвет").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Общинският съвет")

    # The next one: studied, then the self-check taken (no answers given) instead.
    phone.get_by_role("button", name="Изучих този модул").click()
    phone.wait_for_load_state()
    phone.locator(".module-end").get_by_role("link", name="Самопроверка").click()
    phone.wait_for_load_state()
    phone.get_by_role("button", name="Започни опит").click()
    phone.wait_for_load_state()
    phone.get_by_role("button", name="Към предаване").first.click()
    phone.wait_for_load_state()
    phone.get_by_role("button", name="Предай опита").click()
    phone.wait_for_load_state()
    assert "/review" in phone.url
    shot(phone, "self-check-review-phone")
    way_on = phone.get_by_role("region", name="Следващ модул")
    assert on_first_screen(phone, way_on.get_by_role("link", name="Кметът"))
    assert_fits(phone)
    assert_accessible(phone)
    way_on.get_by_role("link", name="Кметът").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text().startswith("Кметът")

    # On a desktop the end of a studied module reads the same.
    sign_in(desktop, live_server, "maria")
    desktop.goto(f"{live_server}/learn/obshtinskiyat-savet#module-end")
    shot(desktop, "studied-desktop", full_page=False)
    assert in_view(desktop.get_by_role("region", name="Следващ модул"))
    assert_accessible(desktop)


def test_the_last_module_of_a_topic_offers_its_final_test_and_the_next_topic(
        phone: Any, live_server: str, app: Flask, people: Any) -> None:
    with app.app_context():
        database = db.session()
        for module_id in ("osnovi-na-samoupravlenieto", "obshtinskiyat-savet",
                          "kmetat-i-administraciyata", "normativni-aktove-na-obshtinata"):
            database.add(ModuleProgress(user_id=people.councillor.id, module_id=module_id,
                                        topic_id="samoupravlenie", studied_at=utcnow()))
        database.commit()
    sign_in(phone, live_server, "maria")
    phone.goto(f"{live_server}/learn/prozrachnost-i-uchastie")
    phone.get_by_role("button", name="Изучих този модул").click()
    phone.wait_for_load_state()
    shot(phone, "topic-finished-phone", full_page=False)
    way_on = phone.get_by_role("region", name="Изучихте модулите от тази тема")
    assert in_view(way_on)
    final = way_on.get_by_role("link", name="Към заключителния тест")
    assert "/quiz/samoupravlenie-final" in (final.get_attribute("href") or "")
    assert "Следваща тема: Икономически ефективни модели" in way_on.inner_text()
    assert way_on.get_by_role("link", name="Общинският бюджет").is_visible()
    assert_accessible(phone)
    # Back to the topic: its card on the home page says so.
    way_on.get_by_role("link", name="Обратно към темата").click()
    phone.wait_for_load_state()
    assert phone.url.endswith("/#topic-samoupravlenie")
    assert "5 от 5 модула" in phone.locator("#topic-samoupravlenie").inner_text()


def test_a_locked_module_says_first_what_opens_it(phone: Any, desktop: Any,
                                                  live_server: str) -> None:
    for page, size in ((phone, "phone"), (desktop, "desktop")):
        sign_in(page, live_server, "maria")
        page.goto(f"{live_server}/learn/programi-2021-2027")
        shot(page, f"module-locked-{size}", full_page=False)
        notice = page.get_by_role("region", name="Първо изучете тези модули")
        link = notice.get_by_role("link", name="ЕС и местните власти")
        assert on_first_screen(page, link)
        objectives = page.get_by_role("region", name="Учебни цели")
        assert box(page, notice)["y"] < box(page, objectives)["y"]
        assert_fits(page)
        assert_accessible(page)
    phone.get_by_role("region", name="Първо изучете тези модули").get_by_role("link").click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == "ЕС и местните власти"


def test_a_new_learner_starts_here(phone: Any, desktop: Any, live_server: str) -> None:
    sign_in(phone, live_server, "maria")
    shot(phone, "home-new-phone")
    step = phone.get_by_role("region", name="Започнете оттук")
    start = step.get_by_role("link", name="Основи на местното самоуправление")
    assert on_first_screen(phone, start)
    assert "Продължете откъдето спряхте" not in phone.content()
    assert_fits(phone)
    assert_accessible(phone)
    sign_in(desktop, live_server, "maria")
    shot(desktop, "home-new-desktop")
    assert_accessible(desktop)
    start.click()
    phone.wait_for_load_state()
    assert phone.get_by_role("heading", level=1).inner_text() == (
        "Основи на местното самоуправление")
    # Having opened a module, the learner continues where they left off.
    phone.goto(live_server)
    step = phone.get_by_role("region", name="Продължете откъдето спряхте")
    assert on_first_screen(phone, step.get_by_role(
        "link", name="Основи на местното самоуправление"))


def test_the_home_page_of_a_learner_in_four_topics(phone: Any, desktop: Any, live_server: str,
                                                   app: Flask, people: Any) -> None:
    make_session(app, people.trainer, starts_in=timedelta(days=3), topic_id="samoupravlenie",
                 title="Местно самоуправление – Смолян")
    make_session(app, people.trainer, starts_in=timedelta(days=10), topic_id="resursi",
                 title="Общински ресурси – Смолян")
    # An employee: four topics (one optional), a specialism and its reading, which make the
    # longest home page of all.
    in_progress(app, people.learner, specialism="yuristi")
    sign_in(phone, live_server, "ivan")
    shot(phone, "home-progress-phone")
    shot(phone, "home-progress-phone-first-screen", full_page=False)
    height = phone.evaluate("document.documentElement.scrollHeight")
    print(f"home page height at 360 px: {height} px")
    assert height < 2500
    # The first screen: where to continue and the next session.
    step = phone.get_by_role("region", name="Продължете откъдето спряхте")
    assert on_first_screen(phone, step.get_by_role("link", name="Кметът"))
    session = phone.get_by_role("region", name="Следващо присъствено занятие")
    assert on_first_screen(phone, session.get_by_text("Местно самоуправление – Смолян", exact=True))
    assert "Общински ресурси" not in session.locator(".session-next").inner_text()
    # Each topic compactly: its bar, "2 от 5 модула" and its final test.
    topics = phone.locator(".topic-progress")
    assert topics.count() == 4
    first = phone.locator("#topic-samoupravlenie")
    assert "2 от 5 модула" in first.inner_text()
    assert "(30%)" in first.inner_text()
    assert "По избор" in phone.locator("#topic-evropa h3").inner_text()
    assert_fits(phone)
    assert_accessible(phone)
    # The details one tap away: the checklist and the modules.
    first.get_by_text("Подробности и модули").click()
    details = first.locator(".topic-details")
    assert "Присъствени занятия: 0 от 6 часа посетени" in details.inner_text()
    assert details.get_by_role("link", name="Прозрачност, участие на гражданите").count() >= 1
    phone.get_by_text("Всички занятия и календарът ви").click()
    assert phone.get_by_text("Общински ресурси – Смолян", exact=True).is_visible()
    phone.get_by_text("Покажи резултатите (3)").click()
    assert phone.locator("table.results tbody tr").count() == 3
    shot(phone, "home-progress-phone-open")
    assert_fits(phone)
    assert_accessible(phone)

    sign_in(desktop, live_server, "ivan")
    shot(desktop, "home-progress-desktop")
    assert_accessible(desktop)
    desktop.goto(f"{live_server}/learn/kmetat-i-administraciyata")
    assert_accessible(desktop)
