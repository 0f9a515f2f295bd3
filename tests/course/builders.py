"""Builders of valid course objects, to be varied with ``**overrides``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from course.model import Choice, NumberAnswer, Question, Quiz, TextAnswer


def make_question(type_: str = "single", **overrides: Any) -> Question:
    """A valid question of ``type_``; keyword arguments replace its fields."""
    base = Question(id=f"q-{type_}", type=type_, text="Въпрос?", points=1,
                    explanation="Защото.")
    by_type: dict[str, dict[str, Any]] = {
        "single": {"choices": (Choice("Да", 100), Choice("Не", 0, "Не е така."))},
        "multiple": {"choices": (Choice("А", 50), Choice("Б", 50), Choice("В", -50))},
        "true-false": {"answer": True},
        "text": {"text_answers": (TextAnswer("общински съвет", 100), TextAnswer("съвет", 50))},
        "number": {"number_answers": (NumberAnswer(4, 4, 100), NumberAnswer(3, 5, 50))},
        "match": {"pairs": (("ЗОП", "поръчки"), ("ЗОС", "собственост")),
                  "distractors": ("концесии",)},
        "order": {"items": ("първо", "второ", "трето")},
    }
    return replace(base, **{**by_type[type_], **overrides})


def make_quiz(questions: tuple[Question, ...] | None = None, **overrides: Any) -> Quiz:
    """A valid quiz with one question of each type."""
    if questions is None:
        questions = tuple(make_question(t) for t in
                          ("single", "multiple", "true-false", "text", "number", "match", "order"))
    return replace(Quiz(id="quiz", title="Тест", kind="final", path="quizzes/t/quiz.yaml",
                        topic="t", version="v1", questions=questions), **overrides)
