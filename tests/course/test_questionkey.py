"""A question's key fingerprint: what grades changes it, wording and position do not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from course.model import Choice, NumberAnswer, Question, TextAnswer
from course.questionkey import compare, question_key, snapshot_key


def make(type_: str, **fields: object) -> Question:
    return Question(id="q1", type=type_, text="Кой издава заповедта?", points=1.0,
                    **fields)  # type: ignore[arg-type]


SINGLE = make("single", choices=(Choice("Кметът", 100), Choice("Съветът", 0)))
MULTIPLE = make("multiple", choices=(Choice("А", 50), Choice("Б", 50), Choice("В", -50)))
TRUE_FALSE = make("true-false", answer=True)
TEXT = make("text", text_answers=(TextAnswer("кмет", 100), TextAnswer("кметът", 100)))
NUMBER = make("number", number_answers=(NumberAnswer(7, 7, 100),))
MATCH = make("match", pairs=(("Кмет", "заповед"), ("Съвет", "решение")), distractors=("указ",))
ORDER = make("order", items=("внасяне", "обсъждане", "гласуване"))

# Each type: its question, and a change of its key (what a different answer would be).
KEY_CHANGES = [
    (SINGLE, replace(SINGLE, choices=(Choice("Кметът", 0), Choice("Съветът", 100)))),
    (MULTIPLE, replace(MULTIPLE, choices=(Choice("А", 50), Choice("Б", -50), Choice("В", 50)))),
    (TRUE_FALSE, replace(TRUE_FALSE, answer=False)),
    (TEXT, replace(TEXT, text_answers=(TextAnswer("кмет", 100),))),
    (NUMBER, replace(NUMBER, number_answers=(NumberAnswer(14, 14, 100),))),
    (NUMBER, replace(NUMBER, number_answers=(NumberAnswer(6, 8, 100),))),  # a tolerance
    (MATCH, replace(MATCH, pairs=(("Кмет", "решение"), ("Съвет", "заповед")))),
    (MATCH, replace(MATCH, distractors=("указ", "наредба"))),
    (ORDER, replace(ORDER, items=("обсъждане", "внасяне", "гласуване"))),
]


@pytest.mark.parametrize(("old", "new"), KEY_CHANGES,
                         ids=[f"{o.type}-{i}" for i, (o, _n) in enumerate(KEY_CHANGES)])
def test_a_new_answer_is_a_new_key(old: Question, new: Question) -> None:
    assert question_key(old) != question_key(new)
    changes = compare([old], [new])
    assert changes.changed == ("q1",) and changes.key_changed == ("q1",)


@pytest.mark.parametrize("question", [SINGLE, MULTIPLE, TRUE_FALSE, TEXT, NUMBER, MATCH, ORDER],
                         ids=lambda q: q.type)
def test_wording_explanation_and_place_keep_the_key(question: Question) -> None:
    reworded = replace(question, text="Кой издава заповедта по чл. 44?", explanation="Виж ЗМСМА.",
                       pos=(40, 5))
    assert question_key(reworded) == question_key(question)
    changes = compare([question], [reworded])
    assert changes.changed == ("q1",) and changes.key_changed == ()
    assert not compare([question], [replace(question, pos=(90, 3))])  # only moved: no change


def test_a_choice_reworded_keeps_the_key_but_a_new_choice_does_not() -> None:
    typo = replace(SINGLE, choices=(Choice("Кметът.", 100), Choice("Съветът", 0)))
    assert question_key(typo) == question_key(SINGLE)
    more = replace(SINGLE, choices=SINGLE.choices + (Choice("Областният управител", 0),))
    assert question_key(more) != question_key(SINGLE)


def test_removed_and_added_questions() -> None:
    other = replace(TRUE_FALSE, id="q2")
    changes = compare([SINGLE, other], [replace(SINGLE, id="q3")])
    assert changes.removed == ("q1", "q2") and changes.changed == ()
    assert changes  # a removal is a change worth telling


def test_the_key_is_short_and_stable() -> None:
    assert len(question_key(SINGLE)) == 12
    assert question_key(SINGLE) == question_key(replace(SINGLE))


def test_a_snapshot_too_incomplete_to_read_has_no_key() -> None:
    from course.serial import question_to_dict

    assert snapshot_key(question_to_dict(SINGLE)) == question_key(SINGLE)
    assert snapshot_key({"id": "q1"}) == ""
    assert snapshot_key({"type": "true-false"}) == ""  # no id, no text, no points
