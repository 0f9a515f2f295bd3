"""Evaluation surveys (``kind: survey``): questions with no right answers.

A survey is authored beside a topic's quizzes (``quizzes/<topic>/<id>.yaml``) and
attached in ``course.yaml`` to the topic's in-person sessions and to the topic itself.
Its answers are kept without a link to the person who gave them (see
``webapp/services/surveys.py``); what each question's answers add up to is decided
here, over plain values (``tally``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from course.yamlsrc import Pos

SurveyQuestionType = Literal["likert", "single", "multiple", "open"]
SURVEY_QUESTION_TYPES: tuple[SurveyQuestionType, ...] = ("likert", "single", "multiple", "open")
# From "disagree" to "agree": a Likert question's default scale, lowest first.
LIKERT_LABELS = ("Напълно несъгласен", "По-скоро несъгласен", "Нито съгласен, нито несъгласен",
                 "По-скоро съгласен", "Напълно съгласен")
OPEN_MAX_LENGTH = 2000  # characters of one open answer, unless the question says fewer
OPEN_LIMIT = 10_000  # the most a question may allow
MIN_RESPONSES = 5  # results of fewer responses are never shown: they could name a person


@dataclass(frozen=True)
class SurveyQuestion:
    """One question: a Likert statement, a single or multiple choice, or an open one."""

    id: str
    type: SurveyQuestionType
    text: str
    required: bool
    choices: tuple[str, ...] = ()  # single and multiple
    labels: tuple[str, ...] = ()  # likert: the scale, lowest first
    max_length: int = OPEN_MAX_LENGTH  # open
    pos: Pos = (1, 1)

    @property
    def options(self) -> tuple[str, ...]:
        """What can be chosen: the choices, or the Likert scale's labels."""
        return self.labels if self.type == "likert" else self.choices


@dataclass(frozen=True)
class Survey:
    """``quizzes/<topic>/<id>.yaml`` with ``kind: survey``."""

    id: str
    title: str
    topic: str
    path: str
    version: str
    intro: str
    questions: tuple[SurveyQuestion, ...]
    pos: Pos = (1, 1)
    positions: dict[str, Pos] = field(default_factory=dict)

    def question(self, question_id: str) -> SurveyQuestion | None:
        """The question with ``question_id``, if the survey has it."""
        return next((q for q in self.questions if q.id == question_id), None)


def survey_to_dict(survey: Survey) -> dict[str, Any]:
    """A JSON-ready dict of ``survey`` (as the compiled course stores it)."""
    return {"id": survey.id, "title": survey.title, "topic": survey.topic,
            "version": survey.version, "intro": survey.intro,
            "questions": [{"id": q.id, "type": q.type, "text": q.text, "required": q.required,
                           "choices": list(q.choices), "labels": list(q.labels),
                           "max_length": q.max_length} for q in survey.questions]}


def survey_from_dict(data: dict[str, Any]) -> Survey:
    """Read back what ``survey_to_dict`` wrote."""
    questions = tuple(
        SurveyQuestion(q["id"], q["type"], q["text"], bool(q["required"]),
                       tuple(q["choices"]), tuple(q["labels"]), int(q["max_length"]))
        for q in data["questions"])
    return Survey(data["id"], data["title"], data["topic"], "", data["version"], data["intro"],
                  questions)


@dataclass(frozen=True)
class Tally:
    """What one question's answers add up to: a count per option (choices and Likert),
    the Likert mean (1 = the lowest label), or the open answers' texts."""

    question: SurveyQuestion
    answered: int
    counts: tuple[int, ...] = ()
    mean: float | None = None
    texts: tuple[str, ...] = ()


def tally(question: SurveyQuestion, answers: Iterable[Any]) -> Tally:
    """Add up the stored answers of ``question`` (an int, a list of ints or a text each;
    None for not answered); an answer the question cannot have is not counted."""
    given = [a for a in answers if a not in (None, "", [])]
    if question.type == "open":
        texts = tuple(a for a in given if isinstance(a, str))
        return Tally(question, len(texts), texts=texts)
    counts = [0] * len(question.options)
    answered = 0
    for answer in given:
        picked = _picked(answer, len(counts))
        if picked:
            answered += 1
        for index in picked:
            counts[index] += 1
    mean = None
    if question.type == "likert" and answered:
        mean = sum((i + 1) * n for i, n in enumerate(counts)) / answered
    return Tally(question, answered, tuple(counts), mean)


def _picked(answer: Any, size: int) -> Sequence[int]:
    items = answer if isinstance(answer, list) else [answer]
    return [i for i in items if isinstance(i, int) and not isinstance(i, bool) and 0 <= i < size]


def shown(responses: int) -> bool:
    """Whether results of ``responses`` answers may be shown (never fewer than 5)."""
    return responses >= MIN_RESPONSES
