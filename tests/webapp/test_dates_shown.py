"""The pages print dates and times one way (issue 14): no seconds, no time-zone names, a
range on one day as "9:00 – 16:00 ч., 12 март 2027", and "утре" for tomorrow's session."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

from flask import Flask, render_template_string
from flask.testing import FlaskClient

from tests.webapp.blended import make_session
from tests.webapp.conftest import People, login
from webapp import db
from webapp.localtime import SOFIA, format_span
from webapp.models import ModuleProgress

SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")
ZONES = ("EET", "EEST", "Europe/Sofia", "Източноевропейско", "Eastern European", "+0200",
         "+0300")


def tomorrow_nine() -> datetime:
    """9:00 tomorrow, Sofia time (a session's usual start), in UTC."""
    day = datetime.now(SOFIA).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=SOFIA).astimezone(UTC)


def shown_text(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def assert_plain_times(html: str) -> None:
    assert not SECONDS.search(html), SECONDS.search(html)
    for zone in ZONES:
        assert zone not in html, zone


def test_a_session_page_shows_its_time_once_without_seconds_or_zone(
        client: FlaskClient, app: Flask, people: People) -> None:
    starts = tomorrow_nine()
    found = make_session(app, people.trainer, starts_in=starts - datetime.now(UTC), hours=7)
    login(client, "trainer")
    for url in (f"/sessions/{found.id}", "/sessions/manage", f"/sessions/{found.id}/screen"):
        assert_plain_times(shown_text(client, url))
    page = shown_text(client, f"/sessions/{found.id}")
    with app.test_request_context():
        expected = format_span(starts, starts + timedelta(hours=7), "bg", weekday=True)
    assert re.search(r"9:00 – 16:00 ч\., \w+, \d{1,2} \w+ \d{4}", expected)
    assert expected in page
    # The exact moment for machines, and "tomorrow" for people.
    stamp = starts.astimezone(SOFIA).isoformat(timespec="minutes")
    assert f'<time datetime="{stamp}"' in page
    assert '<span class="when-relative">(утре)</span>' in page


def test_a_learner_sees_the_next_session_as_tomorrow(client: FlaskClient, app: Flask,
                                                     people: People) -> None:
    starts = tomorrow_nine()
    make_session(app, people.trainer, starts_in=starts - datetime.now(UTC), hours=7)
    login(client, "ivan")
    home = shown_text(client, "/")
    assert_plain_times(home)
    assert "9:00 – 16:00 ч." in home and "(утре)" in home


def test_the_english_interface_says_it_in_english(client: FlaskClient, app: Flask,
                                                  people: People) -> None:
    starts = tomorrow_nine()
    found = make_session(app, people.trainer, starts_in=starts - datetime.now(UTC), hours=7)
    login(client, "trainer")
    client.get("/language?lang=en")
    page = shown_text(client, f"/sessions/{found.id}")
    assert_plain_times(page)
    assert "9:00 – 16:00, " in page and "(tomorrow)" in page and " ч." not in page


def test_the_progress_export_gives_sofia_time(client: FlaskClient, app: Flask,
                                              people: People) -> None:
    # 22:30 UTC on 10 January is half past midnight on the 11th in Sofia (EET, UTC+2).
    with app.app_context():
        database = db.session()
        database.add(ModuleProgress(user_id=people.learner.id, module_id="obshtinata",
                                    topic_id="osnovi", studied_version="v",
                                    studied_at=datetime(2027, 1, 10, 22, 30, tzinfo=UTC)))
        database.commit()
    login(client, "trainer")
    response = client.get("/trainer/progress.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    ivan = next(row for row in rows if row[0] == "Иван Иванов")
    assert "2027-01-11 00:30" in ivan


def test_a_date_inside_a_translated_sentence_stays_markup(app: Flask) -> None:
    deadline = datetime.now(UTC) + timedelta(days=3)
    with app.test_request_context():
        html = render_template_string(
            "{{ _('until %(time)s', time=when(deadline, relative=True)) }}", deadline=deadline)
    assert html.startswith("до <time datetime=") and "&lt;" not in html
    assert '<span class="when-relative">(след 3 дни)</span>' in html
