"""Grading: one pure function per question type, registered in one table.

A response is a plain value in the question's *source* order (the order the
author wrote); ``course.attempts`` converts what the learner saw (shuffled)
into source order before grading, so shuffling can never change a grade.

    single      int            index of the chosen choice
    multiple    set of int     indices of the chosen choices
    true-false  bool
    text        str
    number      str | float   as typed ("7,5" is accepted)
    match       dict[int, int] left index → option index (options = rights + distractors)
    order       list[int]      item indices in the order the learner put them
    any type    None           not answered
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from course.model import FeedbackBand, Question
from course.textmatch import parse_number, same_text

State = Literal["correct", "partial", "wrong", "unanswered"]
Response = Any


@dataclass(frozen=True)
class Graded:
    """The result for one question."""

    score: float
    points: float
    state: State
    feedback: tuple[str, ...] = ()
    marks: tuple[bool, ...] = ()  # per choice / pair / position: was it right


def _result(question: Question, fraction: float, answered: bool, feedback: Sequence[str] = (),
            marks: Sequence[bool] = ()) -> Graded:
    score = round(max(0.0, min(1.0, fraction)) * question.points, 6)
    if not answered:
        state: State = "unanswered"
    elif score >= question.points - 1e-9:
        state = "correct"
    elif score > 0:
        state = "partial"
    else:
        state = "wrong"
    return Graded(score, question.points, state, tuple(f for f in feedback if f), tuple(marks))


def grade_single(question: Question, response: Response) -> Graded:
    if not isinstance(response, int) or isinstance(response, bool) or not (
            0 <= response < len(question.choices)):
        return _result(question, 0, False, marks=_right_choices(question))
    choice = question.choices[response]
    return _result(question, choice.weight / 100, True, [choice.feedback],
                   _right_choices(question))


def grade_multiple(question: Question, response: Response) -> Graded:
    if not isinstance(response, Collection) or isinstance(response, str | Mapping):
        return _result(question, 0, False, marks=_right_choices(question))
    chosen = sorted({i for i in response if isinstance(i, int) and 0 <= i < len(question.choices)})
    fraction = sum(question.choices[i].weight for i in chosen) / 100
    return _result(question, fraction, bool(chosen),
                   [question.choices[i].feedback for i in chosen], _right_choices(question))


def _right_choices(question: Question) -> tuple[bool, ...]:
    return tuple(c.weight > 0 for c in question.choices)


def grade_true_false(question: Question, response: Response) -> Graded:
    if not isinstance(response, bool):
        return _result(question, 0, False)
    feedback = question.feedback_true if response else question.feedback_false
    return _result(question, 1.0 if response == question.answer else 0.0, True, [feedback])


def grade_text(question: Question, response: Response) -> Graded:
    if not isinstance(response, str) or not response.strip():
        return _result(question, 0, False)
    matches = [a for a in question.text_answers if same_text(response, a.text)]
    if not matches:
        return _result(question, 0, True, [question.feedback_other])
    best = max(matches, key=lambda a: a.weight)
    return _result(question, best.weight / 100, True, [best.feedback])


def grade_number(question: Question, response: Response) -> Graded:
    if isinstance(response, bool) or response is None or (
            isinstance(response, str) and not response.strip()):
        return _result(question, 0, False)
    value = parse_number(response) if isinstance(response, str) else float(response)
    if value is None:
        return _result(question, 0, True, [f"„{response}“ не е число."])
    matches = [a for a in question.number_answers if a.low - 1e-9 <= value <= a.high + 1e-9]
    if not matches:
        return _result(question, 0, True, [question.feedback_other])
    best = max(matches, key=lambda a: a.weight)
    return _result(question, best.weight / 100, True, [best.feedback])


def grade_match(question: Question, response: Response) -> Graded:
    if not isinstance(response, Mapping) or not response:
        return _result(question, 0, False, marks=[False] * len(question.pairs))
    marks = [response.get(i) == i for i in range(len(question.pairs))]
    return _result(question, sum(marks) / len(question.pairs), True, marks=marks)


def grade_order(question: Question, response: Response) -> Graded:
    count = len(question.items)
    if not isinstance(response, Sequence) or isinstance(response, str) or not response:
        return _result(question, 0, False, marks=[False] * count)
    marks = [position < len(response) and response[position] == position
             for position in range(count)]
    return _result(question, sum(marks) / count, True, marks=marks)


GRADERS: dict[str, Callable[[Question, Response], Graded]] = {
    "single": grade_single,
    "multiple": grade_multiple,
    "true-false": grade_true_false,
    "text": grade_text,
    "number": grade_number,
    "match": grade_match,
    "order": grade_order,
}


def grade(question: Question, response: Response) -> Graded:
    """Grade one response with the grader registered for the question's type."""
    return GRADERS[question.type](question, response)


def correct_response(question: Question) -> Response:
    """A response that earns full marks (used for the "answers" review and in tests)."""
    if question.type == "single":
        return max(range(len(question.choices)), key=lambda i: question.choices[i].weight)
    if question.type == "multiple":
        return {i for i, c in enumerate(question.choices) if c.weight > 0}
    if question.type == "true-false":
        return question.answer
    if question.type == "text":
        return max(question.text_answers, key=lambda a: a.weight).text
    if question.type == "number":
        best = max(question.number_answers, key=lambda a: a.weight)
        return (best.low + best.high) / 2
    if question.type == "match":
        return {i: i for i in range(len(question.pairs))}
    return list(range(len(question.items)))


@dataclass(frozen=True)
class AttemptGrade:
    score: float
    points: float
    results: tuple[Graded, ...]

    @property
    def percent(self) -> float:
        return round(100 * self.score / self.points, 2) if self.points else 0.0


def grade_attempt(questions: Sequence[Question], responses: Sequence[Response]) -> AttemptGrade:
    """Grade an attempt: the questions drawn and the responses, in the same order."""
    results = tuple(grade(q, r) for q, r in zip(questions, responses, strict=True))
    return AttemptGrade(sum(r.score for r in results), sum(r.points for r in results), results)


def band_feedback(bands: Sequence[FeedbackBand], percent: float) -> str:
    """The overall feedback for a score: the band with the highest minimum reached."""
    for band in sorted(bands, key=lambda b: -b.min):
        if percent >= band.min:
            return band.text
    return ""
