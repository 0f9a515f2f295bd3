"""The quiz statistics page (issue 15: computed in SQL, kept in the shared cache) on a phone
and a desktop: every number shown, axe-clean, no sideways scroll; the second view is read
from the shared cache and shows the same.

Set ``DOBRO_SHOTS`` to a folder to keep screenshots of each page at 360 px and on a desktop.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from flask import Flask

from tests.browser.conftest import assert_accessible, assert_fits, shot, sign_in
from tests.webapp.test_stats import PRETEST
from tests.webapp.test_stats_in_sql import make_attempts
from webapp.services import attempts


def test_the_statistics_page_on_a_phone_and_a_desktop(phone: Any, desktop: Any,
                                                      live_server: str, app: Flask,
                                                      people: Any, build_dir: Path) -> None:
    quiz = attempts.load_quiz(build_dir, PRETEST)
    make_attempts(app, quiz, random.Random(11),
                  [people.learner.id, people.councillor.id, people.stranger.id])
    url = f"{live_server}/trainer/stats/quiz/{PRETEST}?attempts=all"
    sign_in(phone, live_server, "admin")
    phone.goto(url)
    shot(phone, "quiz-statistics-phone")
    first = phone.locator("#stat-attempts").inner_text()
    assert int(first) >= 3
    assert_fits(phone)
    assert_accessible(phone)
    sign_in(desktop, live_server, "admin")
    desktop.goto(url)  # from the shared cache
    shot(desktop, "quiz-statistics-desktop")
    assert desktop.locator("#stat-attempts").inner_text() == first
    assert desktop.locator("main table").count() >= 2
    assert_accessible(desktop)
