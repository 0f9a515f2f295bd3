"""Write a ``Quiz`` as quiz YAML in Dobro's source format, as a trainer writes it.

Keys come in the order of the files in ``quizzes/``; block style, Cyrillic as is,
a text with line breaks as a literal block. What the loader would fill in by
itself (a choice's weight from ``correct: true``, ``points: 1`` is still written:
trainers expect to see it) is left out, so the file reads like a hand-written one
and ``course.quizload.parse_quiz`` gives back the same questions.
"""

from __future__ import annotations

from typing import Any

import yaml

from course.model import Choice, NumberAnswer, Question, Quiz, QuizKind, Review
from course.quizload import default_review

WIDTH = 100  # the files in quizzes/ fold long plain texts at about this column
_SHORT = 16  # characters of a value and its tolerance that still read as a trainer's


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # the loader refuses anchors
        return True


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data.strip() else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _text)


def number(value: float) -> int | float:
    """A number as a trainer writes it: ``1``, not ``1.0``."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


def quiz_yaml(quiz: Quiz, kind: QuizKind | None = None) -> str:
    """Return ``quiz`` as the text of a quiz file (``kind`` overrides the quiz's own)."""
    return dump(quiz_data(quiz, kind))


def dump(data: dict[str, Any]) -> str:
    """Dump a quiz mapping the way the files in ``quizzes/`` are written."""
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                     width=WIDTH, default_flow_style=False)
    return str(text)


def quiz_data(quiz: Quiz, kind: QuizKind | None = None) -> dict[str, Any]:
    """The mapping of a quiz file, keys in the order trainers write them."""
    kind = kind or quiz.kind
    data: dict[str, Any] = {"schema": 1, "id": quiz.id, "title": quiz.title}
    if quiz.reviewed:
        data["reviewed"] = quiz.reviewed
    if quiz.review_by:
        data["review_by"] = quiz.review_by
    data["kind"] = kind
    if kind != "pool":
        data.update(_settings(quiz, kind))
    if quiz.questions or quiz.pool is None or kind == "pool":
        data["questions"] = [question_data(q) for q in quiz.questions]
    return data


def _settings(quiz: Quiz, kind: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if quiz.pool is not None:
        data["pool"] = quiz.pool.target
    if quiz.draw:
        data["draw"] = quiz.draw
    data["pass_mark"] = number(quiz.pass_mark)
    data["attempts"] = quiz.attempts
    defaults: dict[str, Any] = {"grading": "highest", "time_limit": 0, "shuffle": True,
                                "shuffle_choices": True}
    for key, default in defaults.items():
        if getattr(quiz, key) != default:
            data[key] = getattr(quiz, key)
    review = _review(quiz.review, kind)
    if review:
        data["review"] = review
    if quiz.feedback:
        data["feedback"] = [{"min": number(b.min), "text": b.text} for b in quiz.feedback]
    return data


def _review(review: Review, kind: str) -> dict[str, list[str]]:
    default = default_review(kind)
    if (review.after_submit, review.after_close) == (default.after_submit, default.after_close):
        return {}
    data = {"after_submit": list(review.after_submit)}
    if review.after_close != review.after_submit:
        data["after_close"] = list(review.after_close)
    return data


def question_data(q: Question) -> dict[str, Any]:
    """The mapping of one question, keys in the order of the files in ``quizzes/``."""
    data: dict[str, Any] = {"id": q.id, "type": q.type, "text": q.text, "points": number(q.points)}
    data.update(_WRITERS[q.type](q))
    if not q.shuffle:
        data["shuffle"] = False
    if q.explanation:
        data["explanation"] = q.explanation
    if q.ref is not None:
        data["ref"] = q.ref.target
    return data


def _choices(q: Question) -> dict[str, Any]:
    by_flag = _flag_weights(q.choices, q.type == "multiple")
    written = []
    for choice, flagged in zip(q.choices, by_flag, strict=True):
        item: dict[str, Any] = {"text": choice.text}
        if by_flag == [c.weight for c in q.choices]:
            if flagged > 0:
                item["correct"] = True
        else:
            item["weight"] = number(choice.weight)
        if choice.feedback:
            item["feedback"] = choice.feedback
        written.append(item)
    return {"choices": written}


def _flag_weights(choices: tuple[Choice, ...], multiple: bool) -> list[float]:
    """The weights the loader gives these choices if only ``correct: true`` is written."""
    right = sum(1 for c in choices if c.weight > 0)
    share = 100.0 / right if multiple and right else 100.0
    return [share if c.weight > 0 else (-share if multiple and right else 0.0) for c in choices]


def _true_false(q: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"answer": bool(q.answer)}
    if q.feedback_true:
        data["feedback_true"] = q.feedback_true
    if q.feedback_false:
        data["feedback_false"] = q.feedback_false
    return data


def _with_other(q: Question, answers: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {"answers": answers}
    if q.feedback_other:
        data["feedback_other"] = q.feedback_other
    return data


def _text_answers(q: Question) -> dict[str, Any]:
    answers = []
    for a in q.text_answers:
        item: dict[str, Any] = {"text": a.text, "weight": number(a.weight)}
        if a.feedback:
            item["feedback"] = a.feedback
        answers.append(item)
    return _with_other(q, answers)


def number_range(answer: NumberAnswer) -> dict[str, Any]:
    """``value`` (and ``tolerance``) when they give the range exactly, else ``min``/``max``."""
    if answer.low == answer.high:
        return {"value": number(answer.low), "tolerance": 0}
    value, tolerance = (answer.low + answer.high) / 2, (answer.high - answer.low) / 2
    exact = (value - tolerance, value + tolerance) == (answer.low, answer.high)
    if exact and len(repr(value)) + len(repr(tolerance)) <= _SHORT:  # 3.145 ± 0.00499… is not
        return {"value": number(value), "tolerance": number(tolerance)}
    return {"min": number(answer.low), "max": number(answer.high)}


def _number_answers(q: Question) -> dict[str, Any]:
    answers = []
    for a in q.number_answers:
        item = number_range(a)
        item["weight"] = number(a.weight)
        if a.feedback:
            item["feedback"] = a.feedback
        answers.append(item)
    return _with_other(q, answers)


def _match(q: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"pairs": [{"left": left, "right": right} for left, right in q.pairs]}
    if q.distractors:
        data["distractors"] = list(q.distractors)
    return data


def _order(q: Question) -> dict[str, Any]:
    return {"items": list(q.items)}


_WRITERS = {
    "single": _choices,
    "multiple": _choices,
    "true-false": _true_false,
    "text": _text_answers,
    "number": _number_answers,
    "match": _match,
    "order": _order,
}
