"""Drawing an attempt's questions, and what the learner may see of them.

``draw`` is seeded and reproducible: the same quiz version and seed always
give the same questions in the same order with the same shuffles, so an
attempt can be stored as its seed plus the plan, and re-created exactly.

The learner's browser only ever gets ``public_question``: texts in display
order and no weights, flags or feedback. Form values are *display positions*,
never source indices — the author's order often puts the right answer first,
and for match and order questions the source index *is* the answer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from course.grading import Response
from course.model import Question, Quiz


@dataclass(frozen=True)
class Drawn:
    """One drawn question: its id and the display order of its parts (source indices)."""

    id: str
    order: tuple[int, ...] = ()


@dataclass(frozen=True)
class Plan:
    questions: tuple[Drawn, ...]


def draw(quiz: Quiz, seed: int | str) -> Plan:
    """Choose and shuffle the questions of one attempt, reproducibly."""
    rng = random.Random(f"{quiz.id}:{quiz.version}:{seed}")
    indices = list(range(len(quiz.questions)))
    if quiz.draw and quiz.draw < len(indices):
        indices = sorted(rng.sample(indices, quiz.draw))
    if quiz.shuffle:
        rng.shuffle(indices)
    drawn = []
    for index in indices:
        question = quiz.questions[index]
        drawn.append(Drawn(question.id, _part_order(question, quiz.shuffle_choices, rng)))
    return Plan(tuple(drawn))


def _part_order(question: Question, shuffle_choices: bool, rng: random.Random) -> tuple[int, ...]:
    count = part_count(question)
    order = list(range(count))
    if question.type == "order":
        # An order question shown in the right order would give itself away.
        while count > 1 and order == sorted(order):
            rng.shuffle(order)
    elif count and shuffle_choices and question.shuffle:
        rng.shuffle(order)
    return tuple(order)


def part_count(question: Question) -> int:
    """How many shuffleable parts a question has (choices, match options or items)."""
    if question.type in ("single", "multiple"):
        return len(question.choices)
    if question.type == "match":
        return len(question.pairs) + len(question.distractors)
    if question.type == "order":
        return len(question.items)
    return 0


def public_question(question: Question, drawn: Drawn) -> dict[str, Any]:
    """What the learner's browser may receive before submitting: no key, no feedback."""
    view: dict[str, Any] = {"id": question.id, "type": question.type, "text": question.text,
                            "points": question.points}
    if question.type in ("single", "multiple"):
        view["choices"] = [question.choices[i].text for i in drawn.order]
    elif question.type == "match":
        options = [p[1] for p in question.pairs] + list(question.distractors)
        view["lefts"] = [p[0] for p in question.pairs]
        view["options"] = [options[i] for i in drawn.order]
    elif question.type == "order":
        view["items"] = [question.items[i] for i in drawn.order]
    return view


def to_source(question: Question, drawn: Drawn, display: Response) -> Response:
    """Convert a response in display positions to source indices (the graders' input)."""
    order = drawn.order

    def source(position: Any) -> int | None:
        ok = isinstance(position, int) and not isinstance(position, bool)
        return order[position] if ok and 0 <= position < len(order) else None

    if display is None:
        return None
    if question.type == "single":
        return source(display)
    if question.type == "multiple" and isinstance(display, Sequence | set | frozenset):
        return {s for s in (source(p) for p in display) if s is not None}
    if question.type == "match" and isinstance(display, Mapping):
        return {left: source(pos) for left, pos in display.items()
                if isinstance(left, int) and source(pos) is not None}
    if question.type == "order" and isinstance(display, Sequence):
        return [source(p) for p in display]
    return display if question.type in ("true-false", "text", "number") else None


def to_display(question: Question, drawn: Drawn, response: Response) -> Response:
    """Convert a source-order response back to display positions (to refill a form)."""
    if response is None or not drawn.order:
        return response
    position = {source: pos for pos, source in enumerate(drawn.order)}
    if question.type == "single":
        return position.get(response)
    if question.type == "multiple":
        return {position[s] for s in response if s in position}
    if question.type == "match":
        return {left: position[s] for left, s in response.items() if s in position}
    if question.type == "order":
        return [position.get(s) for s in response]
    return response
