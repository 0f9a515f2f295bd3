"""Questions written by the forms' service: loaded back equal, the rest of the file untouched."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from course.errors import Problem
from course.model import Question
from course.quizload import parse_quiz
from webapp.services import question_forms as qf
from webapp.services.course_edit import EditError

ROOT = Path(__file__).resolve().parents[3]
REAL = sorted((ROOT / "quizzes").rglob("*.yaml"))
BASE = """schema: 1
id: proba
title: Проба
kind: self-check
# Коментар над въпросите.
questions:
  - id: q1
    type: true-false   # коментар в реда
    text: "Първи: въпрос"
    answer: true

  # Коментар преди втория въпрос.
  - {id: q2, type: order, text: Подредете, items: [А, Б]}
feedback:
  - {min: 0, text: Добре.}
"""
CASES: list[tuple[dict[str, Any], str]] = [
    ({"id": "q3", "type": "single", "text": "Кой?", "points": 2,
      "choices": [{"text": "Съветът", "correct": True},
                  {"text": "Кметът", "feedback": "Не: той внася проекта."}],
      "explanation": "Защото: така.", "ref": "obshtinata#kakvo-e"},
     "{id: q3, type: single, text: Кой?, points: 2, choices: [{text: Съветът, correct: true},"
     " {text: Кметът, feedback: 'Не: той внася проекта.'}], explanation: 'Защото: така.',"
     " ref: 'obshtinata#kakvo-e'}"),
    ({"id": "q3", "type": "multiple", "text": "Кои?",
      "choices": [{"text": "А", "correct": True}, {"text": "Б", "weight": 50},
                  {"text": "В"}]},
     "{id: q3, type: multiple, text: Кои?, choices: [{text: А, correct: true},"
     " {text: Б, weight: 50}, {text: В}]}"),
    ({"id": "q3", "type": "true-false", "text": "Вярно ли е, че 2 > 1?", "answer": False,
      "feedback_true": "Да.", "feedback_false": "# не е коментар"},
     "{id: q3, type: true-false, text: 'Вярно ли е, че 2 > 1?', answer: false,"
     " feedback_true: Да., feedback_false: '# не е коментар'}"),
    ({"id": "q3", "type": "text", "text": "Кой закон?",
      "answers": [{"text": "ЗМСМА", "weight": 100}, {"text": "закон за местното самоуправление",
                                                     "feedback": "Да, с пълното име."}],
      "feedback_other": "Не."},
     "{id: q3, type: text, text: Кой закон?, answers: [{text: ЗМСМА, weight: 100},"
     " {text: закон за местното самоуправление, feedback: 'Да, с пълното име.'}],"
     " feedback_other: Не.}"),
    ({"id": "q3", "type": "number", "text": "Колко?",
      "answers": [{"value": 12, "tolerance": 0.5}, {"min": 1, "max": 3, "weight": 50}]},
     "{id: q3, type: number, text: Колко?, answers: [{value: 12, tolerance: 0.5},"
     " {min: 1, max: 3, weight: 50}]}"),
    ({"id": "q3", "type": "match", "text": "Свържете",
      "pairs": [{"left": "Кмет", "right": "Изпълнителна: власт"}, {"left": "Съвет",
                                                                 "right": "Решаваща"}],
      "distractors": ["Съдебна"]},
     "{id: q3, type: match, text: Свържете, pairs: [{left: Кмет, right: 'Изпълнителна: власт'},"
     " {left: Съвет, right: Решаваща}], distractors: [Съдебна]}"),
    ({"id": "q3", "type": "order", "text": "Подредете", "items": ["Първо", "- второ", "Трето"]},
     "{id: q3, type: order, text: Подредете, items: [Първо, '- второ', Трето]}"),
]


def parsed(text: str) -> list[tuple[Question, str]]:
    """The questions without their positions (which differ by where they are written)."""
    problems: list[Problem] = []
    quiz = parse_quiz("quizzes/osnovi/proba.yaml", "0" * 64, text, problems)
    assert quiz is not None and not problems, problems
    return [(dataclasses.replace(q, pos=(1, 1), ref=None), q.ref.target if q.ref else "")
            for q in quiz.questions]


@pytest.mark.parametrize(("values", "by_hand"), CASES, ids=[c[0]["type"] for c in CASES])
def test_each_type_loads_back_equal(values: dict[str, Any], by_hand: str) -> None:
    written = qf.save_question(BASE, None, values)
    assert written.startswith(BASE.split("feedback:")[0])
    assert written.endswith("feedback:\n  - {min: 0, text: Добре.}\n")
    expected = BASE.replace("\nfeedback:", f"\n  - {by_hand}\nfeedback:")
    assert parsed(written) == parsed(expected)
    assert qf.find(written, "q3") == values
    assert qf.delete_question(written, "q3") == BASE


def test_editing_keeps_comments_and_the_other_questions() -> None:
    values = {"id": "q1", "type": "true-false", "text": "Първи: въпрос", "answer": False}
    written = qf.save_question(BASE, "q1", values)
    assert written == BASE.replace("    answer: true\n", "    answer: false\n")
    assert qf.save_question(written, "q1", qf.find(BASE, "q1")) == BASE


def test_move_and_ids() -> None:
    moved = qf.move_question(BASE, "q2", -1)
    assert [q["id"] for q in qf.questions(moved)] == ["q2", "q1"]
    assert qf.move_question(moved, "q2", 1) == BASE
    assert qf.move_question(BASE, "q1", -1) == BASE
    assert qf.next_id(BASE) == "q3"
    assert qf.next_id(BASE, ["questions:\n- id: q7\n"]) == "q8"
    with pytest.raises(EditError):
        qf.find(BASE, "q9")
    with pytest.raises(EditError):
        qf.questions("a: [")


def test_problems_map_to_their_key() -> None:
    problems = [Problem("x", 10, 5, "error", "лош отговор", "bad"),
                Problem("x", 2, 1, "error", "горе", "bad")]
    by_key, rest = qf.problem_keys(BASE, "q1", problems)
    assert by_key == {"answer": ["лош отговор"]} and rest == [problems[1]]


@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_a_real_quiz_edited_and_reverted_is_the_same_file(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if "\nquestions:" not in text:
        pytest.skip("draws its questions from a pool")
    found = qf.questions(text)
    # The first, a middle and the last question: ruamel is slow, and the types repeat.
    for index in sorted({0, len(found) // 2, len(found) - 1}):
        question = found[index]
        qid = str(question["id"])
        assert qf.save_question(text, qid, question) == text
        edited = qf.save_question(text, qid, {**question, "points": 7, "shuffle": False})
        assert qf.find(edited, qid) == {**question, "points": 7, "shuffle": False}
        assert qf.save_question(edited, qid, question) == text
        # A changed value is written on one line; a long one the author wrapped is unwrapped
        # then, and only its own lines change.
        worded = qf.save_question(text, qid, {**question, "text": "Нов текст"})
        reverted = qf.save_question(worded, qid, question)
        assert qf.questions(reverted) == found
        assert len(reverted.splitlines()) <= len(text.splitlines())
        if index + 1 < len(found):
            assert qf.move_question(qf.move_question(text, qid, 1), qid, -1) == text
