"""The history of the course sources as a trainer reads it: versions numbered per file, the
current one marked, changes shown word by word, and who changed what in a topic."""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from tests.webapp.conftest import People, login, submit
from webapp import db
from webapp.models import SourceVersion
from webapp.services.textdiff import diff_words, words

MODULE = "modules/osnovi/01-obshtinata.md"
QUIZ = "quizzes/osnovi/obshtinata-proverka.yaml"
EDIT = f"/trainer/authoring/edit?file={MODULE}"
HISTORY = f"/trainer/authoring/history?file={MODULE}"
TOPIC = "/trainer/authoring/topic/osnovi/history"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def trainer(client: FlaskClient, people: People) -> FlaskClient:
    login(client, "trainer")
    return client


def save(client: FlaskClient, rel: str, old: str, new: str, comment: str, root: Path) -> None:
    before = (root / rel).read_bytes()
    text = before.decode().replace(old, new, 1)
    assert text != before.decode()
    response = submit(client, f"/trainer/authoring/edit?file={rel}",
                      {"text": text, "base": sha(before), "comment": comment, "save": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)


def ids(app: Flask, rel: str = MODULE) -> list[int]:
    with app.app_context():
        found = db.session().exec(select(SourceVersion).where(SourceVersion.path == rel)).all()
        return sorted(v.id for v in found if v.id is not None)


def test_words_keep_every_character_of_cyrillic_text() -> None:
    text = "Кметът издава заповед в 7-дневен срок, а Общинският съвет — решение.\n"
    tokens = words(text)
    assert "".join(tokens) == text
    assert "Кметът" in tokens and "Общинският" in tokens and "," in tokens


def test_a_changed_word_is_shown_as_that_word_only() -> None:
    old = "Кметът издава заповед в срок от 7 дни.\nВтори ред.\n"
    new = "Кметът издава решение в срок от 14 дни.\nВтори ред.\n"
    runs = diff_words(old, new)
    assert ("del", "заповед") in runs and ("ins", "решение") in runs
    assert ("del", "7") in runs and ("ins", "14") in runs
    assert not any(kind in ("ins", "del") and "Кметът" in text for kind, text in runs)


def test_long_unchanged_stretches_are_counted_not_shown() -> None:
    body = "".join(f"Параграф {i}.\n" for i in range(20))
    runs = diff_words("Начало.\n" + body + "Край.\n", "Начало.\n" + body + "Краят.\n")
    assert ("skip", "19") in runs  # 20 paragraphs and the first line, two kept beside the change
    assert ("del", "Край") in runs and ("ins", "Краят") in runs


def test_a_rewritten_file_is_compared_quickly_and_loses_nothing() -> None:
    old = "".join(f"Ред {i}: кметът издава заповед {i * 7}.\n" for i in range(4000))
    new = "".join(f"Абзац {i}: съветът приема решение {i * 3}.\n" for i in range(4000))
    started = time.perf_counter()
    runs = diff_words(old, new)
    assert time.perf_counter() - started < 5  # word matching over it all would take minutes
    assert "".join(text for kind, text in runs if kind in ("same", "del")) == old
    assert "".join(text for kind, text in runs if kind in ("same", "ins")) == new
    assert ("del", "кметът") in runs and ("ins", "съветът") in runs  # word by word in a line


def test_the_same_text_has_no_changes() -> None:
    assert all(kind in ("same", "skip") for kind, _ in diff_words("Едно и\nсъщо", "Едно и\nсъщо"))
    assert diff_words("", "Нов текст") == [("ins", "Нов текст")]


def test_versions_are_numbered_per_file_and_one_is_current(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    save(trainer, MODULE, "Органите са", "Днес органите са", "първа", course_root)
    save(trainer, MODULE, "Днес органите са", "Органите са", "обратно", course_root)
    page = trainer.get(HISTORY).get_data(as_text=True)
    # the baseline (1), the first save (2), the second save (3), which holds the text of 1 again
    for number in (1, 2, 3):
        assert f"Версия {number}<" in page
    assert page.count("(текуща)") == 1
    current_row = re.search(r'<tr class="authoring-current">.*?</tr>', page, re.S)
    assert current_row is not None and "Версия 3" in current_row.group(0)


def test_a_version_shows_its_changes_word_by_word(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    save(trainer, MODULE, "Органите са", "Избраните органи са", "по-точно", course_root)
    baseline = ids(app)[0]
    page = trainer.get(f"/trainer/authoring/version/{baseline}").get_data(as_text=True)
    assert "Версия 1" in page
    assert re.search(r"<ins><span class=\"visually-hidden\">\[добавено: </span>Органите", page)
    assert re.search(r"<del><span class=\"visually-hidden\">\[изтрито: </span>Избраните органи",
                     page)
    lines = trainer.get(f"/trainer/authoring/version/{baseline}?diff=lines")
    text = lines.get_data(as_text=True)
    assert lines.status_code == 200 and "diff-remove" in text and "<ins>" not in text


def test_who_changed_what_lists_the_topics_files_newest_first(
        app: Flask, trainer: FlaskClient, course_root: Path) -> None:
    save(trainer, MODULE, "Органите са", "Днес органите са", "модулът", course_root)
    quiz = (course_root / QUIZ).read_text(encoding="utf-8")
    first_line = quiz.splitlines()[0]
    save(trainer, QUIZ, first_line, first_line + "  # коментар", "тестът", course_root)
    page = trainer.get(TOPIC).get_data(as_text=True)
    assert page.index("тестът") < page.index("модулът")  # newest first
    assert MODULE in page and QUIZ in page and "Теодора Обучителева" in page
    assert page.count("(текуща)") == 2  # one per file
    assert f'/trainer/authoring/version/{ids(app, QUIZ)[-1]}"' in page
    assert TOPIC in trainer.get("/trainer/authoring/").get_data(as_text=True)


def test_an_unknown_topic_is_not_found(trainer: FlaskClient) -> None:
    assert trainer.get("/trainer/authoring/topic/nyama-takava/history").status_code == 404
    assert trainer.get("/trainer/authoring/topic/..%2Fetc/history").status_code == 404


def test_learners_cannot_read_who_changed_what(client: FlaskClient, people: People) -> None:
    login(client, "learner")
    assert client.get(TOPIC).status_code in (302, 403, 404)
