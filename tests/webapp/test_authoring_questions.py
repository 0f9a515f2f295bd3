"""Quiz questions as forms: added, edited, refused at the field, seen by learners."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import People, login, submit
from webapp.services import question_forms

BASE = "/trainer/authoring/questions"
QUIZ = "quizzes/osnovi/obshtinata-proverka.yaml"


@pytest.fixture
def trainer(client: FlaskClient, people: People) -> FlaskClient:
    login(client, "trainer")
    return client


def post(client: FlaskClient, url: str, data: Mapping[str, object]) -> tuple[int, str]:
    response = submit(client, url, dict(data))
    status = response.status_code
    if status == 302:
        response = client.get(response.headers["Location"])
    return status, response.get_data(as_text=True)


def test_staff_only(client: FlaskClient, people: People) -> None:
    assert client.get(f"{BASE}/?file={QUIZ}").status_code == 302
    login(client, "ivan")
    assert client.get(f"{BASE}/?file={QUIZ}").status_code == 403


def test_add_single_true_false_and_match(trainer: FlaskClient, course_root: Path) -> None:
    before = (course_root / QUIZ).read_text(encoding="utf-8")
    status, page = post(trainer, f"{BASE}/edit?file={QUIZ}&type=single", {
        "text": "Кой приема бюджета?", "choices-0-text": "Съветът", "choices-0-correct": "y",
        "choices-1-text": "Кметът", "choices-1-feedback": "Кметът внася проекта."})
    assert status == 302, page
    status, page = post(trainer, f"{BASE}/edit?file={QUIZ}&type=true-false", {
        "text": "Кметът е орган на изпълнителната власт.", "answer": "true"})
    assert status == 302, page
    status, page = post(trainer, f"{BASE}/edit?file={QUIZ}&type=match", {
        "text": "Свържете органите.", "pairs-0-left": "Кмет", "pairs-0-right": "Изпълнителна",
        "pairs-1-left": "Съвет", "pairs-1-right": "Решаваща", "distractors": "Съдебна"})
    assert status == 302, page
    after = (course_root / QUIZ).read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))
    assert "Кой приема бюджета?" in page and "Свържете органите." in page


@pytest.mark.parametrize(("data", "message"), [
    ({"text": "", "choices-0-text": "А", "choices-0-correct": "y", "choices-1-text": "Б"},
     "Напишете текста."),
    ({"text": "Въпрос", "choices-0-text": "А", "choices-1-text": "Б"},
     "Отбележете верния отговор."),
    ({"text": "Въпрос", "choices-0-text": "А", "choices-0-correct": "y", "choices-1-text": "А"},
     "еднакви"),
    ({"text": "я" * 10_000, "choices-0-text": "А", "choices-0-correct": "y",
      "choices-1-text": "Б"}, "Твърде дълъг текст"),
])
def test_bad_choices_are_refused_at_the_field(trainer: FlaskClient, course_root: Path,
                                               data: dict[str, str], message: str) -> None:
    before = (course_root / QUIZ).read_bytes()
    status, page = post(trainer, f"{BASE}/edit?file={QUIZ}&type=single", data)
    assert status == 422
    assert message in page
    assert (course_root / QUIZ).read_bytes() == before


@pytest.mark.parametrize(("data", "message"), [
    ({"answers-0-value": "5", "answers-0-tolerance": "-1"}, "не може да е отрицателно"),
    ({"answers-0-low": "9", "answers-0-high": "1"}, "по-голямо"),
])
def test_bad_numbers_are_refused(trainer: FlaskClient, data: dict[str, str], message: str) -> None:
    status, page = post(trainer, f"{BASE}/edit?file={QUIZ}&type=number", {"text": "Колко?", **data})
    assert status == 422
    assert message in page


def test_add_a_row_and_unknown_things(trainer: FlaskClient) -> None:
    status, page = post(trainer, f"{BASE}/edit?file={QUIZ}&type=order", {
        "text": "Подредете", "items-0-text": "А", "add_row": "1"})
    assert status == 422 and 'name="items-4-text"' in page
    assert trainer.get(f"{BASE}/?file=modules/course.yaml").status_code == 404
    assert trainer.get(f"{BASE}/edit?file={QUIZ}&id=q999").status_code == 404
    assert trainer.get(f"{BASE}/edit?file={QUIZ}&type=nonsense").status_code == 404


SINGLE = {"text": "Кой приема бюджета?", "choices-0-text": "Съветът", "choices-0-correct": "y",
          "choices-1-text": "Кметът"}


def learner_pages(client: FlaskClient, quiz_id: str) -> str:
    response = submit(client, f"/quiz/{quiz_id}/start", {}, page=f"/quiz/{quiz_id}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return "".join(client.get(f"{response.location}?page={n}").get_data(as_text=True)
                   for n in range(1, 6))


def test_the_learner_sees_the_added_questions(trainer: FlaskClient, app: Flask) -> None:
    for qtype, data in [("single", SINGLE),
                        ("true-false", {"text": "Кметът е орган.", "answer": "false"}),
                        ("match", {"text": "Свържете органите.", "pairs-0-left": "Кмет",
                                   "pairs-0-right": "Изпълнителна", "pairs-1-left": "Съвет",
                                   "pairs-1-right": "Решаваща"})]:
        assert post(trainer, f"{BASE}/edit?file={QUIZ}&type={qtype}", data)[0] == 302
    learner = app.test_client()
    login(learner, "ivan")
    seen = learner_pages(learner, "obshtinata-proverka")
    for question in ("Кой приема бюджета?", "Кметът е орган.", "Свържете органите."):
        assert question in seen


def test_edit_changes_only_that_question(trainer: FlaskClient, course_root: Path) -> None:
    file = course_root / QUIZ
    file.write_text(file.read_text(encoding="utf-8").replace(
        "questions:\n", "questions:\n  # Коментар, който остава.\n"), encoding="utf-8")
    before = file.read_text(encoding="utf-8")
    page = trainer.get(f"{BASE}/edit?file={QUIZ}&id=q1").get_data(as_text=True)
    assert "Общината е юридическо лице." in page and 'selected value="obshtinata#kakvo-e"' in page
    data = {"text": "Общината е юридическо лице по закон.", "answer": "true",
            "explanation": "Така гласи Конституцията.", "ref": "obshtinata#kakvo-e"}
    assert post(trainer, f"{BASE}/edit?file={QUIZ}&id=q1", data)[0] == 302
    after = file.read_text(encoding="utf-8")
    assert after == before.replace("лице.\n", "лице по закон.\n", 1)
    data["text"] = "Общината е юридическо лице."
    assert post(trainer, f"{BASE}/edit?file={QUIZ}&id=q1", data)[0] == 302
    assert file.read_text(encoding="utf-8") == before


def test_a_problem_of_the_checks_is_shown_at_its_field(trainer: FlaskClient,
                                                       course_root: Path) -> None:
    before = (course_root / QUIZ).read_bytes()
    status, page = post(trainer, f"{BASE}/edit?file={QUIZ}&type=single",
                        {**SINGLE, "ref": "obshtinata#nyama-takav"})
    assert status == 422
    ref_field = page[page.index('name="ref"'):]
    assert "nyama-takav" in ref_field[:ref_field.index("</div>")]
    assert (course_root / QUIZ).read_bytes() == before


def test_delete_asks_first_and_ids_are_never_reused(trainer: FlaskClient,
                                                    course_root: Path) -> None:
    assert post(trainer, f"{BASE}/edit?file={QUIZ}&type=single", SINGLE)[0] == 302
    text = (course_root / QUIZ).read_text(encoding="utf-8")
    new_id = text.rsplit("- id: ", 1)[1].split("\n", 1)[0]
    page = trainer.get(f"{BASE}/delete?file={QUIZ}&id={new_id}").get_data(as_text=True)
    assert "Изтрийте въпроса" in page
    assert (course_root / QUIZ).read_text(encoding="utf-8") == text
    assert post(trainer, f"{BASE}/delete?file={QUIZ}&id={new_id}", {})[0] == 302
    assert f"id: {new_id}\n" not in (course_root / QUIZ).read_text(encoding="utf-8")
    assert post(trainer, f"{BASE}/edit?file={QUIZ}&type=single", SINGLE)[0] == 302
    again = (course_root / QUIZ).read_text(encoding="utf-8")
    assert f"id: {new_id}\n" not in again


def test_move_up_and_down_and_csrf(trainer: FlaskClient, course_root: Path) -> None:
    assert post(trainer, f"{BASE}/edit?file={QUIZ}&type=single", SINGLE)[0] == 302
    file = course_root / QUIZ
    before = file.read_text(encoding="utf-8")
    last = before.rsplit("- id: ", 1)[1].split("\n", 1)[0]
    assert trainer.post(f"{BASE}/move?file={QUIZ}&id={last}", data={"up": "1"}).status_code == 400
    assert file.read_text(encoding="utf-8") == before
    response = submit(trainer, f"{BASE}/move?file={QUIZ}&id={last}", {"up": "1"},
                      page=f"{BASE}/?file={QUIZ}")
    assert response.status_code == 302
    moved = file.read_text(encoding="utf-8")
    assert moved != before and moved.index(f"id: {last}") < moved.index("id: q1")
    submit(trainer, f"{BASE}/move?file={QUIZ}&id={last}", {"down": "1"},
           page=f"{BASE}/?file={QUIZ}")
    assert file.read_text(encoding="utf-8") == before


def test_the_editor_links_to_the_forms(trainer: FlaskClient) -> None:
    page = trainer.get(f"/trainer/authoring/edit?file={QUIZ}").get_data(as_text=True)
    assert f"{BASE}/?file={QUIZ}" in page.replace("%2F", "/")


def test_odd_input_is_refused_or_kept_whole(trainer: FlaskClient, course_root: Path) -> None:
    status, page = post(trainer, f"{BASE}/edit?file={QUIZ}&type=single",
                        {**SINGLE, "points": "много"})
    assert status == 422 and "Not a valid" not in page
    assert 'id="points-errors"' in page
    lines = "Първи ред: #1\nвтори ред — 'кавички' и \"други\""
    status, page = post(trainer, f"{BASE}/edit?file={QUIZ}&type=text", {
        "text": "Кой закон?", "answers-0-text": "ЗМСМА", "explanation": lines})
    assert status == 302, page
    text = (course_root / QUIZ).read_text(encoding="utf-8")
    added = question_forms.questions(text)[-1]
    assert added["explanation"] == lines and added["answers"] == [{"text": "ЗМСМА"}]
