"""Quizzes to and from plain JSON values, as the compiled course stores them."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from course.model import (
    Choice,
    FeedbackBand,
    NumberAnswer,
    Question,
    Quiz,
    Ref,
    Review,
    TextAnswer,
)

_QUESTION_FIELDS = {f.name for f in fields(Question)} - {"pos"}


_NESTED = {"choices", "text_answers", "number_answers"}


def question_to_dict(question: Question) -> dict[str, Any]:
    """A JSON-ready dict of ``question``; empty fields are left out."""
    data: dict[str, Any] = {}
    for name in _QUESTION_FIELDS:
        value = getattr(question, name)
        if name == "ref":
            value = value.target if value else ""
        elif name in _NESTED:
            value = [asdict(item) for item in value]
        elif name == "pairs":
            value = [list(pair) for pair in value]
        if value not in ("", (), [], None) or name == "answer":
            data[name] = value
    return data


def question_from_dict(data: dict[str, Any]) -> Question:
    """Rebuild a question from ``question_to_dict``'s output.

    Keys this version does not know are dropped: attempts store these dicts for
    years, and a snapshot written by an older or newer Dobro must still load.
    """
    values = {k: v for k, v in data.items() if k in _QUESTION_FIELDS}
    values["ref"] = Ref(values["ref"], "", (0, 0)) if values.get("ref") else None
    values["choices"] = tuple(Choice(**c) for c in values.get("choices", ()))
    values["text_answers"] = tuple(TextAnswer(**a) for a in values.get("text_answers", ()))
    values["number_answers"] = tuple(NumberAnswer(**a) for a in values.get("number_answers", ()))
    values["pairs"] = tuple(tuple(p) for p in values.get("pairs", ()))
    for key in ("distractors", "items"):
        values[key] = tuple(values.get(key, ()))
    return Question(**values)


def quiz_to_dict(quiz: Quiz, questions: tuple[Question, ...], version: str) -> dict[str, Any]:
    """A JSON-ready dict of ``quiz`` with the questions it draws from (its pool's, if any)."""
    return {
        "id": quiz.id, "title": quiz.title, "kind": quiz.kind, "topic": quiz.topic,
        "version": version, "pass_mark": quiz.pass_mark, "attempts": quiz.attempts,
        "grading": quiz.grading, "time_limit": quiz.time_limit, "draw": quiz.draw,
        "shuffle": quiz.shuffle, "shuffle_choices": quiz.shuffle_choices,
        "pool": quiz.pool.target if quiz.pool else "",
        "review": {"after_submit": list(quiz.review.after_submit),
                   "after_close": list(quiz.review.after_close)},
        "feedback": [{"min": b.min, "text": b.text} for b in quiz.feedback],
        "questions": [question_to_dict(q) for q in questions],
    }


def quiz_from_dict(data: dict[str, Any]) -> Quiz:
    """Rebuild a quiz (with its drawn-from questions) from ``quiz_to_dict``'s output."""
    return Quiz(
        id=data["id"], title=data["title"], kind=data["kind"], path="", topic=data["topic"],
        version=data["version"], pass_mark=data["pass_mark"], attempts=data["attempts"],
        grading=data["grading"], time_limit=data["time_limit"], draw=data["draw"],
        shuffle=data["shuffle"], shuffle_choices=data["shuffle_choices"],
        pool=Ref(data["pool"], "", (0, 0)) if data["pool"] else None,
        review=Review(tuple(data["review"]["after_submit"]), tuple(data["review"]["after_close"])),
        feedback=tuple(FeedbackBand(**b) for b in data["feedback"]),
        questions=tuple(question_from_dict(q) for q in data["questions"]),
    )
