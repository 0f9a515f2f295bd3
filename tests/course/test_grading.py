"""Grading: each type by hand, then properties over generated questions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.attempts import Drawn, part_count, to_source
from course.grading import (
    GRADERS,
    band_feedback,
    correct_response,
    grade,
    grade_attempt,
)
from course.model import Choice, FeedbackBand, NumberAnswer, Question, TextAnswer
from course.rules import quiz_grade
from course.textmatch import normalise_text, parse_number
from tests.course.builders import make_question

TYPES = sorted(GRADERS)


def test_registry_covers_every_type() -> None:
    assert TYPES == sorted(["single", "multiple", "true-false", "text", "number", "match",
                            "order"])


@pytest.mark.parametrize("type_", TYPES)
def test_correct_response_earns_full_marks(type_: str) -> None:
    question = make_question(type_, points=3)
    result = grade(question, correct_response(question))
    assert (result.score, result.state) == (3, "correct")


@pytest.mark.parametrize("type_", TYPES)
def test_no_response_is_unanswered(type_: str) -> None:
    result = grade(make_question(type_), None)
    assert (result.score, result.state) == (0, "unanswered")


@pytest.mark.parametrize("response", ["x", 7, -1, 2, True, [0], {"a": 1}])
def test_single_choice_rejects_garbage(response: object) -> None:
    assert grade(make_question("single"), response).score == 0


def test_single_choice_feedback_of_the_chosen_choice() -> None:
    result = grade(make_question("single"), 1)
    assert (result.state, result.feedback) == ("wrong", ("Не е така.",))
    assert result.marks == (True, False)


def test_multiple_choice_negative_weight_and_clamping() -> None:
    question = make_question("multiple")
    assert grade(question, {0}).score == 0.5
    assert grade(question, {0, 2}).score == 0
    assert grade(question, {2}).score == 0  # clamped, never negative
    assert grade(question, {0, 1, 2}).score == 0.5
    assert grade(question, {0, 1}).state == "correct"


def test_multiple_weights_above_100_are_clamped() -> None:
    question = make_question("multiple", choices=(Choice("А", 100), Choice("Б", 100)))
    assert grade(question, {0, 1}).score == 1


def test_true_false_feedback_depends_on_the_answer_given() -> None:
    question = make_question("true-false", feedback_true="Вярно.", feedback_false="Грешно.")
    assert grade(question, True).feedback == ("Вярно.",)
    assert grade(question, False).feedback == ("Грешно.",)
    assert grade(question, "true").state == "unanswered"


@pytest.mark.parametrize(("typed", "score"), [
    ("Общински съвет", 1), ("  общински   съвет  ", 1), ("ОБЩИНСКИ СЪВЕТ.", 1),
    ("oбщинcки cъвет", 1),  # Latin o, c typed in place of Cyrillic
    ("„общински съвет“", 1), ("съвет", 0.5), ("кмет", 0), ("", 0),
])
def test_text_matching(typed: str, score: float) -> None:
    assert grade(make_question("text"), typed).score == score


def test_text_catch_all_feedback() -> None:
    question = make_question("text", feedback_other="Вижте раздела.")
    assert grade(question, "кмет").feedback == ("Вижте раздела.",)


@pytest.mark.parametrize(("typed", "score"), [
    ("4", 1), ("4,0", 1), ("4.0", 1), (" 4 ", 1), ("3,5", 0.5), ("5", 0.5), ("6", 0),
    (4, 1), ("четири", 0), ("1e400", 0),
])
def test_number_matching(typed: object, score: float) -> None:
    assert grade(make_question("number"), typed).score == score


def test_number_that_is_not_a_number_says_so() -> None:
    result = grade(make_question("number"), "четири")
    assert result.state == "wrong" and "не е число" in result.feedback[0]


def test_number_tolerance() -> None:
    question = make_question("number", number_answers=(NumberAnswer(6.9, 7.1, 100),))
    assert grade(question, "7,05").score == 1
    assert grade(question, "7,2").score == 0


def test_match_partial_credit_per_pair() -> None:
    question = make_question("match", points=2)
    assert grade(question, {0: 0, 1: 1}).score == 2
    assert grade(question, {0: 0, 1: 2}).score == 1  # second matched to the distractor
    assert grade(question, {0: 1, 1: 0}).score == 0
    assert grade(question, {0: 0}).marks == (True, False)


def test_order_partial_credit_per_position() -> None:
    question = make_question("order", points=3)
    assert grade(question, [0, 1, 2]).score == 3
    assert grade(question, [0, 2, 1]).score == 1
    assert grade(question, [2, 0, 1]).score == 0
    assert grade(question, [0]).score == 1


def test_attempt_and_quiz_grades() -> None:
    questions = [make_question("single"), make_question("true-false", points=3)]
    result = grade_attempt(questions, [0, False])
    assert (result.score, result.points, result.percent) == (1, 4, 25.0)
    assert quiz_grade("highest", [40, 80, 60]) == 80
    assert quiz_grade("last", [40, 80, 60]) == 60
    assert quiz_grade("first", [40, 80, 60]) == 40
    assert quiz_grade("average", [40, 80, 60]) == 60
    assert quiz_grade("highest", []) is None


def test_band_feedback_picks_the_highest_band_reached() -> None:
    bands = (FeedbackBand(0, "Пак."), FeedbackBand(70, "Добре."), FeedbackBand(90, "Отлично."))
    assert band_feedback(bands, 75) == "Добре."
    assert band_feedback(bands, 95) == "Отлично."
    assert band_feedback(bands, 10) == "Пак."
    assert band_feedback((), 50) == ""


def test_normalise_and_parse_helpers() -> None:
    assert normalise_text(" Общ  ИНА ") == "общ ина"
    assert parse_number("1 000,5") == 1000.5
    assert parse_number("−3") == -3
    assert parse_number("nan") is None
    assert parse_number("1,2,3") is None


# --- properties ------------------------------------------------------------

weights = st.floats(min_value=-100, max_value=100, allow_nan=False)
texts = st.text(min_size=1, max_size=12)


@st.composite
def questions(draw: st.DrawFn) -> Question:
    """Any well-formed question that can reach full marks."""
    type_ = draw(st.sampled_from(TYPES))
    points = draw(st.sampled_from([0.5, 1, 2, 3.5, 10]))
    if type_ == "single":
        others = draw(st.lists(weights.map(lambda w: min(w, 99)), min_size=1, max_size=5))
        choices = [Choice("+", 100)] + [Choice(f"{i}", w) for i, w in enumerate(others)]
        return make_question(type_, points=points, choices=tuple(choices))
    if type_ == "multiple":
        right = draw(st.integers(1, 4))
        wrong = draw(st.lists(weights.map(lambda w: -abs(w)), max_size=4))
        choices = [Choice(f"+{i}", 100 / right) for i in range(right)]
        choices += [Choice(f"-{i}", w) for i, w in enumerate(wrong)]
        return make_question(type_, points=points, choices=tuple(choices))
    if type_ == "true-false":
        return make_question(type_, points=points, answer=draw(st.booleans()))
    if type_ == "text":
        answer = draw(texts.filter(lambda t: normalise_text(t)))
        return make_question(type_, points=points, text_answers=(TextAnswer(answer, 100),))
    if type_ == "number":
        value = draw(st.floats(-1e6, 1e6, allow_nan=False))
        tolerance = draw(st.floats(0, 10, allow_nan=False))
        answers = (NumberAnswer(value - tolerance, value + tolerance, 100),)
        return make_question(type_, points=points, number_answers=answers)
    if type_ == "match":
        lefts = draw(st.lists(texts, min_size=2, max_size=5, unique=True))
        pairs = tuple((left, f"→{i}") for i, left in enumerate(lefts))
        return make_question(type_, points=points, pairs=pairs,
                             distractors=tuple(draw(st.lists(st.just("x"), max_size=1))))
    items = draw(st.lists(texts, min_size=2, max_size=6, unique=True))
    return make_question(type_, points=points, items=tuple(items))


@st.composite
def responses(draw: st.DrawFn, question: Question) -> object:
    """Any response a form could produce, in source order."""
    count = part_count(question)
    if question.type == "single":
        return draw(st.integers(-1, count))
    if question.type == "multiple":
        return draw(st.sets(st.integers(0, count - 1)))
    if question.type == "true-false":
        return draw(st.booleans())
    if question.type in ("text", "number"):
        return draw(st.text(max_size=10))
    if question.type == "match":
        return draw(st.dictionaries(st.integers(0, len(question.pairs) - 1),
                                    st.integers(0, count - 1)))
    return draw(st.permutations(range(count)))


@given(questions())
def test_property_correct_response_earns_full_points(question: Question) -> None:
    result = grade(question, correct_response(question))
    assert result.score == pytest.approx(question.points)


@given(st.data())
def test_property_score_stays_within_points(data: st.DataObject) -> None:
    question = data.draw(questions())
    result = grade(question, data.draw(responses(question)))
    assert 0 <= result.score <= question.points


@given(st.data())
def test_property_shuffling_never_changes_a_grade(data: st.DataObject) -> None:
    question = data.draw(questions())
    response = data.draw(responses(question))
    order = tuple(data.draw(st.permutations(range(part_count(question)))))
    drawn = Drawn(question.id, order)
    # What the learner would submit, in display positions, for the same source response:
    position = {source: pos for pos, source in enumerate(order)}
    if question.type == "single":
        display = position.get(response, len(order))
    elif question.type == "multiple":
        display = [position[s] for s in response]
    elif question.type == "match":
        display = {left: position[s] for left, s in response.items()}
    elif question.type == "order":
        display = [position[s] for s in response]
    else:
        display = response
    assert grade(question, to_source(question, drawn, display)) == grade(question, response)
