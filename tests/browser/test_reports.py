"""The donor report in a real browser: it passes axe (WCAG 2.1 AA), fits a 360-px phone,
and its charts scale to the screen."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.browser.conftest import assert_accessible, assert_fits, sign_in
from tests.webapp.blended import make_session, study_everything
from webapp import db
from webapp.models import Attendance, Organisation, User

URL = "/trainer/reports/donor"


def _some_learners(app: Any, people: Any) -> None:
    study_everything(app, people.learner)
    found = make_session(app, people.trainer, hours=4)
    with app.app_context():
        database = db.session()
        long_name = Organisation(name="Сдружение за развитие на планинските общини в "
                                      "Западните Родопи и Пазарджишка област", kind="ngo")
        database.add(long_name)
        database.commit()
        database.add_all([User(name=f"Обучаем {n}", role="learner", audience="councillors",
                               sex="fm"[n % 2], organisation_id=long_name.id)
                          for n in range(5)])
        database.add(Attendance(session_id=found.id, user_id=people.learner.id,
                                status="present"))
        database.commit()


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    # DOBRO_SCREENSHOTS=dir keeps the screenshots for a person to look at.
    folder = Path(os.environ.get("DOBRO_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name), full_page=True)


def test_the_donor_report_on_a_phone(phone: Any, live_server: str, app: Any, people: Any,
                                     tmp_path: Path) -> None:
    _some_learners(app, people)
    sign_in(phone, live_server, "admin")
    phone.goto(f"{live_server}{URL}")
    assert phone.locator("h1").inner_text() == "Отчет към донорите"
    assert_accessible(phone)
    assert_fits(phone)
    for chart in ("#chart-indicators", "#chart-funnel", "#chart-organisations"):
        box = phone.locator(chart).bounding_box()
        assert box is not None and 0 < box["width"] <= 360, chart
    assert phone.locator("[data-print]").is_visible()
    _shot(phone, tmp_path, "donor-phone.png")


def test_the_donor_report_on_a_desktop_with_filters(desktop: Any, live_server: str, app: Any,
                                                    people: Any, tmp_path: Path) -> None:
    _some_learners(app, people)
    sign_in(desktop, live_server, "admin")
    desktop.goto(f"{live_server}{URL}")
    desktop.get_by_label("Вид организация").select_option("ngo")
    desktop.get_by_role("button", name="Покажи").click()
    desktop.wait_for_load_state()
    assert "kind=ngo" in desktop.url
    assert "организации: НПО" in desktop.content()
    assert_accessible(desktop)
    assert_fits(desktop)
    desktop.goto(f"{live_server}{URL}?from=nonsense")
    assert "не е дата" in desktop.content()
    assert_accessible(desktop)
    desktop.goto(f"{live_server}{URL}")
    _shot(desktop, tmp_path, "donor-desktop.png")
    desktop.emulate_media(media="print")
    _shot(desktop, tmp_path, "donor-print.png")
    assert not desktop.locator("form.progress-filters").is_visible()
