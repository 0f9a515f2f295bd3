"""Changing a quiz's questions while learners are answering them: a warning and a confirm
step before the save, a new id offered when a key changes, and statistics that count the
old and the new version of a question apart."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from course.quizload import parse_quiz
from tests.webapp.conftest import People, login, submit
from tests.webapp.test_stats import take
from webapp import db
from webapp.models import Attempt, QuestionScore, User
from webapp.services import attempts
from webapp.services.quiz_changes import with_new_ids

QUIZ = "quizzes/osnovi/obshtinata-proverka.yaml"
QUIZ_ID = "obshtinata-proverka"
EDIT = f"/trainer/authoring/edit?file={QUIZ}"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def start(app: Flask, build_dir: Path, user: User) -> int:
    with app.app_context():
        database = db.session()
        learner = database.get(User, user.id)
        assert learner is not None
        attempt = attempts.start(database, learner, attempts.load_quiz(build_dir, QUIZ_ID))
        assert attempt.id is not None
        return attempt.id


def post_save(client: FlaskClient, text: str, base: str, **extra: str) -> tuple[int, str]:
    response = submit(client, EDIT, {"text": text, "base": base, "comment": "", "save": "1",
                                     **extra})
    return response.status_code, response.get_data(as_text=True)


@pytest.fixture
def flipped(course_root: Path) -> tuple[str, str, str]:
    """The quiz file's text, its SHA-256, and the text with q1's answer turned round."""
    data = (course_root / QUIZ).read_bytes()
    text = data.decode()
    assert "answer: true" in text
    return text, sha(data), text.replace("answer: true", "answer: false")


def test_an_open_attempt_asks_for_a_confirmation_and_keeps_its_version(
        app: Flask, build_dir: Path, client: FlaskClient, people: People,
        course_root: Path, flipped: tuple[str, str, str]) -> None:
    before, base, after = flipped
    open_id = start(app, build_dir, people.learner)
    login(client, "trainer")
    status, page = post_save(client, after, base)
    assert status == 200 and "Потвърдете промяната във въпросите" in page
    assert "1 обучаем има отворен опит" in page and "q1" in page
    assert (course_root / QUIZ).read_text(encoding="utf-8") == before  # nothing written yet
    status, page = post_save(client, after, base, confirming="1")  # the box not ticked
    assert status == 200 and "Отбележете полето" in page
    assert (course_root / QUIZ).read_text(encoding="utf-8") == before
    status, _page = post_save(client, after, base, confirming="1", confirm_change="1")
    assert status == 302
    assert (course_root / QUIZ).read_text(encoding="utf-8") == after
    with app.app_context():  # the open attempt is graded by the version it started with
        database = db.session()
        attempt = database.get(Attempt, open_id)
        assert attempt is not None
        done = attempts.submit(database, attempt, {"q1": True})
        assert done.percent == 100


def test_back_to_the_editor_keeps_the_text(app: Flask, build_dir: Path, client: FlaskClient,
                                           people: People, course_root: Path,
                                           flipped: tuple[str, str, str]) -> None:
    _before, base, after = flipped
    start(app, build_dir, people.learner)
    login(client, "trainer")
    response = submit(client, EDIT, {"text": after, "base": base, "check": "1",
                                     "confirming": "1"})
    assert response.status_code == 200 and "answer: false" in response.get_data(as_text=True)


def test_no_attempts_no_question(client: FlaskClient, people: People, course_root: Path,
                                 flipped: tuple[str, str, str]) -> None:
    _before, base, after = flipped
    login(client, "trainer")
    assert post_save(client, after, base)[0] == 302


def test_a_changed_key_gets_a_new_id_in_one_click(
        app: Flask, build_dir: Path, client: FlaskClient, people: People,
        course_root: Path, flipped: tuple[str, str, str]) -> None:
    _before, base, after = flipped
    take(app, build_dir, people.learner, QUIZ_ID, 1)
    login(client, "trainer")
    status, page = post_save(client, after, base)
    assert status == 200 and "верният отговор" in page and "нови идентификатори" in page
    status, _page = post_save(client, after, base, new_ids="1")
    assert status == 302
    saved = (course_root / QUIZ).read_text(encoding="utf-8")
    assert "- id: q1-2\n" in saved and "answer: false" in saved


def test_new_ids_keep_the_rest_of_the_file() -> None:
    text = ("schema: 1\nid: q1\ntitle: Тест\nkind: self-check\nquestions:\n"
            "  - id: q1  # първият\n    type: true-false\n    text: Да?\n    answer: true\n"
            "  - type: true-false\n    id: 'q2'\n    text: Не?\n    answer: false\n"
            "  - id: q2-2\n    type: true-false\n    text: Може би?\n    answer: true\n")
    quiz = parse_quiz("quizzes/t/t.yaml", "0" * 64, text, [])
    assert quiz is not None
    renamed = with_new_ids(text, quiz, ("q1", "q2"))
    assert "id: q1\ntitle" in renamed  # the quiz's own id stays
    assert "  - id: q1-2  # първият\n" in renamed and "    id: 'q2-3'\n" in renamed
    assert renamed.replace("q1-2", "q1").replace("q2-3", "q2") == text


def test_statistics_count_the_old_and_the_new_version_apart(
        app: Flask, build_dir: Path, client: FlaskClient, people: People,
        course_root: Path, flipped: tuple[str, str, str]) -> None:
    _before, base, after = flipped
    take(app, build_dir, people.learner, QUIZ_ID, 1)  # right by the old key
    login(client, "trainer")
    assert post_save(client, after, base, confirming="1", confirm_change="1")[0] == 302
    take(app, build_dir, people.councillor, QUIZ_ID, 1)  # right by the new key
    with app.app_context():
        keys = {row.question_key for row in db.session().exec(
            select(QuestionScore).where(QuestionScore.question_id == "q1"))}
    assert len(keys) == 2 and "" not in keys
    login(client, "admin")
    page = client.get(f"/trainer/stats/quiz/{QUIZ_ID}").get_data(as_text=True)
    assert 'id="q-q1~v1"' in page and 'id="q-q1~v2"' in page
    assert "(версия 1 на въпроса)" in page and "(версия 2 на въпроса)" in page
    assert not re.search(r'id="q-q1"', page)  # never the two mixed in one row


def test_the_question_forms_ask_the_same_confirmation(app: Flask, build_dir: Path,
                                                      client: FlaskClient, people: People,
                                                      course_root: Path,
                                                      flipped: tuple[str, str, str]) -> None:
    before, _base, after = flipped
    start(app, build_dir, people.learner)
    login(client, "trainer")
    form = f"/trainer/authoring/questions/edit?file={QUIZ}&id=q1"
    data = {"text": "Общината е юридическо лице.", "answer": "false",
            "explanation": "Така гласи Конституцията.", "ref": "obshtinata#kakvo-e"}
    page = submit(client, form, data).get_data(as_text=True)
    assert "1 обучаем има отворен опит" in page and 'name="confirm_change"' in page
    assert (course_root / QUIZ).read_text(encoding="utf-8") == before  # nothing written yet
    done = submit(client, form, {**data, "confirm_change": "1"})
    assert done.status_code == 302
    assert (course_root / QUIZ).read_text(encoding="utf-8") == after
