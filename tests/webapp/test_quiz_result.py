"""The result of an attempt (issue 14): what to do next comes first and is said once — the
verdict, the pass mark, the attempts left and the retake — and each question folds below."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import People, login, submit
from tests.webapp.test_quiz import (
    FINAL_FILE,
    answer_everything,
    rebuild,
    start,
    take_final,
    text,
)
from webapp.views.quiz import unrepeated

NOT_PASSED = "Тестът не е положен."
BANDS = [{"min": 50, "text": "Тестът е положен. Браво."},
         {"min": 0, "text": f"{NOT_PASSED} Прегледайте модулите и опитайте пак."}]
FULL = ["score", "correctness", "feedback", "explanation"]


@pytest.fixture(autouse=True)
def close_the_pool(app: Flask) -> Iterator[None]:
    yield
    db_engine: Engine = app.extensions["dobro.engine"]
    db_engine.dispose()


def position(page: str, marker: str) -> int:
    found = page.find(marker)
    assert found >= 0, marker
    return found


def test_a_failed_final_says_it_once_and_offers_the_retake_first(ivan: FlaskClient,
                                                                 app: Flask,
                                                                 course_root: Path) -> None:
    rebuild(course_root, FINAL_FILE, attempts=3, feedback=BANDS,
            review={"after_submit": FULL})
    _, page = take_final(ivan, app, right=False)
    assert page.count("не е положен") == 1
    assert "Прегледайте модулите и опитайте пак." in page
    assert "Нужни са 50 % за успех." in page and "<strong>0 %</strong>" in page
    assert "Остават ви 2 от 3 опита." in page
    retake = position(page, 'action="/quiz/osnovi-final/start"')
    assert retake < position(page, 'id="questions-title"') < position(page, "<details")
    assert position(page, 'href="/#topic-osnovi"') < position(page, "<details")
    # Folded, one per question: its number and whether it was right in the summary.
    summaries = re.findall(r"<summary>(.*?)</summary>", page, re.S)
    assert len(summaries) == page.count('<details class="review-item') == 2
    assert all("Въпрос" in s and "без отговор" in s for s in summaries)
    assert "<details open" not in page and "Какво следва" not in page


def test_the_last_attempt_says_none_is_left_and_offers_no_retake(ivan: FlaskClient,
                                                                 app: Flask,
                                                                 course_root: Path) -> None:
    rebuild(course_root, FINAL_FILE, attempts=2, feedback=BANDS)
    take_final(ivan, app, right=False)
    _, page = take_final(ivan, app, right=False)
    assert "Използвахте всичките си опити за този тест." in page
    assert "Обучителят ви може да ви каже какво следва." in page
    assert "Започни нов опит" not in page and "/start" not in page
    assert page.count("не е положен") == 1
    assert position(page, "Използвахте") < position(page, "<details")


def test_a_passed_final_points_to_what_comes_next(ivan: FlaskClient, app: Flask,
                                                  course_root: Path) -> None:
    rebuild(course_root, FINAL_FILE, attempts=3, feedback=BANDS)
    _, page = take_final(ivan, app, right=True)
    assert "Тестът е положен." in page and "Браво." in page
    assert page.count("Тестът е положен.") == 1
    assert "Какво следва" in page
    # Modules and sessions are still missing: the checklist, not a certificate.
    assert 'href="/certificates/#checklist-title"' in page
    assert "Вижте какво остава за сертификата" in page
    assert 'href="/#topic-osnovi"' in page
    # A retake stays possible (the best attempt counts) but is no longer the main action.
    assert '<button type="submit" class="button">Започни нов опит</button>' in page


def test_a_passed_final_with_the_certificate_held_leads_to_it(ivan: FlaskClient, app: Flask,
                                                              people: People) -> None:
    study_everything(app, people.learner)
    found = make_session(app, people.trainer, hours=4)
    trainer = app.test_client()
    login(trainer, "trainer")
    page = f"/sessions/{found.id}"
    submit(trainer, f"{page}/attendance/{people.learner.id}", {"status": "present"}, page=page)
    _, review = take_final(ivan, app, right=True)
    assert "Вижте сертификата си" in review and 'href="/certificates/"' in review


def test_a_quiz_not_final_has_no_verdict_and_keeps_its_retake(ivan: FlaskClient,
                                                              app: Flask) -> None:
    attempt_id = start(ivan)
    answer_everything(ivan, app, attempt_id)
    submit(ivan, f"/attempt/{attempt_id}/submit", {}, page=f"/attempt/{attempt_id}/submit")
    page = text(ivan.get(f"/attempt/{attempt_id}/review"))
    assert '<h2 id="result-title">Резултат</h2>' in page
    assert "положен" not in page and "Нужни са" not in page
    assert position(page, "Започни нов опит") < position(page, "<details")
    assert "✓ </span>вярно" in page


@pytest.mark.parametrize(("band", "verdict", "left"), [
    ("Тестът не е положен. Опитайте пак.", "Тестът не е положен.", "Опитайте пак."),
    ("Тестът не е положен.", "Тестът не е положен.", ""),
    ("Лента-неуспех.", "Тестът не е положен.", "Лента-неуспех."),
    ("Тестът е успешно положен.", "Тестът е положен.", "Тестът е успешно положен."),
    ("Тестът не е положен. Опитайте пак.", "", "Тестът не е положен. Опитайте пак."),
])
def test_a_band_loses_only_an_opening_that_is_the_verdict(band: str, verdict: str,
                                                          left: str) -> None:
    assert unrepeated(band, verdict) == left


def test_the_result_speaks_english_too(ivan: FlaskClient, app: Flask,
                                       course_root: Path) -> None:
    rebuild(course_root, FINAL_FILE, attempts=3, review={"after_submit": FULL})
    ivan.get("/language?lang=en")
    _, page = take_final(ivan, app, right=False)
    assert '<h2 id="result-title" class="result-verdict">Not passed.</h2>' in page
    assert "You need 50 % to pass." in page and "You have 2 of 3 attempts left." in page
    assert "Open a question to see your answer." in page
