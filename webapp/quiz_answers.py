"""Answers as forms carry them, and as the quiz pages show them.

Form values are *display positions* (``course.attempts``): the parsers read them
strictly, skip what is not valid and never turn a bad value into a lost answer.
Field names: ``a.<question id>``, and ``a.<question id>.<part>`` for the parts of
match and order questions; ``shown`` lists the questions a page showed, so that
an empty set of checkboxes can mean "none ticked".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import LengthRequired, RequestEntityTooLarge

from course.attempts import part_count, to_display
from course.grading import correct_response, grade
from course.model import Question
from webapp.bodies import json_body
from webapp.services.attempts import Slot

MAX_TEXT = 500
MAX_NUMBER = 50
MAX_JSON_FIELDS = 500
MAX_JSON_BYTES = 256_000  # a page of answers is a few kilobytes
SKIP = object()  # "leave the saved answer as it is"


def field(question_id: str, part: int | None = None) -> str:
    """The form field of a question (or of one part of a match or order question)."""
    return f"a.{question_id}" if part is None else f"a.{question_id}.{part}"


def position(raw: str | None, count: int) -> int | None:
    """A display position typed as text, or None when it is not one."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 4:
        return None
    value = int(raw)
    return value if value < count else None


def parse_single(form: MultiDict[str, str], question: Question, shown: bool) -> Any:
    found = position(form.get(field(question.id)), part_count(question))
    return SKIP if found is None else found


def parse_multiple(form: MultiDict[str, str], question: Question, shown: bool) -> Any:
    raw = form.getlist(field(question.id))
    chosen = {p for p in (position(r, part_count(question)) for r in raw) if p is not None}
    if (raw and not chosen) or (not raw and not shown):
        return SKIP
    return sorted(chosen)  # none ticked on a page that showed the question: cleared


def parse_true_false(form: MultiDict[str, str], question: Question, shown: bool) -> Any:
    return {"true": True, "false": False}.get(form.get(field(question.id), ""), SKIP)


def typed(limit: int) -> Callable[[MultiDict[str, str], Question, bool], Any]:
    def parse(form: MultiDict[str, str], question: Question, shown: bool) -> Any:
        raw = form.get(field(question.id))
        return SKIP if raw is None else raw.replace("\x00", "")[:limit]
    return parse


def parse_match(form: MultiDict[str, str], question: Question, shown: bool) -> Any:
    count, chosen, bad = part_count(question), {}, False
    for left in range(len(question.pairs)):
        raw = form.get(field(question.id, left))
        found = position(raw, count)
        if found is not None:
            chosen[left] = found
        bad = bad or (raw not in (None, "") and found is None)
    if (bad and not chosen) or (not chosen and not shown):
        return SKIP
    return chosen


def parse_order(form: MultiDict[str, str], question: Question, shown: bool) -> Any:
    """The place chosen for each displayed item → display indices in the learner's order."""
    count = len(question.items)
    order: list[int | None] = [None] * count
    bad = False
    for item in range(count):
        raw = form.get(field(question.id, item))
        found = place(raw, count)
        bad = bad or (raw not in (None, "") and found is None)
        if found is not None and order[found] is None:
            order[found] = item  # two items in one place: the first keeps it
    if all(i is None for i in order):
        return SKIP if bad or not shown else None
    return order


def place(raw: str | None, count: int) -> int | None:
    """A place typed from 1 as a 0-based index, or None when it is not one."""
    found = position(raw, count + 1)
    return found - 1 if found else None


PARSERS: dict[str, Callable[[MultiDict[str, str], Question, bool], Any]] = {
    "single": parse_single,
    "multiple": parse_multiple,
    "true-false": parse_true_false,
    "text": typed(MAX_TEXT),
    "number": typed(MAX_NUMBER),
    "match": parse_match,
    "order": parse_order,
}


def parse_answers(form: MultiDict[str, str], slots: list[Slot]) -> dict[str, Any]:
    """Display-position responses from a form; unknown fields and bad values are skipped."""
    shown = set(form.getlist("shown"))
    responses = {}
    for slot in slots:
        question = slot.question
        value = PARSERS[question.type](form, question, question.id in shown)
        if value is not SKIP:
            responses[question.id] = value
    return responses


def order_clashes(form: MultiDict[str, str], slots: list[Slot]) -> list[int]:
    """Numbers of the order questions in ``form`` with two items put in the same place."""
    clashes = []
    for number, slot in enumerate(slots, 1):
        if slot.question.type == "order":
            count = len(slot.question.items)
            places = [place(form.get(field(slot.question.id, i)), count) for i in range(count)]
            chosen = [p for p in places if p is not None]
            if len(chosen) != len(set(chosen)):
                clashes.append(number)
    return clashes


def posted_form() -> MultiDict[str, str] | None:
    """The answers of a JSON body ``{"answers": {...}}`` or of a form; None if malformed."""
    if not request.is_json:
        return request.form
    try:
        data = json_body(MAX_JSON_BYTES)
    except (RequestEntityTooLarge, LengthRequired):
        return None
    answers = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(answers, dict) or len(answers) > MAX_JSON_FIELDS:
        return None
    form: MultiDict[str, str] = MultiDict()
    for name, value in answers.items():
        values = value if isinstance(value, list) else [value]
        for item in values[:MAX_JSON_FIELDS]:
            if isinstance(item, str | int) and not isinstance(item, bool):
                form.add(str(name), str(item))
    return form


def form_value(slot: Slot, response: Any) -> Any:
    """The saved response as the form shows it (display positions; order: a place per item)."""
    question = slot.question
    shown = to_display(question, slot.drawn, response)
    if question.type == "multiple":
        return set(shown or ())
    if question.type in ("text", "number"):
        return "" if shown is None else str(shown)
    if question.type == "match":
        return dict(shown or {})
    if question.type == "order":
        places: list[int | None] = [None] * len(question.items)
        for index, item in enumerate(shown or ()):
            if isinstance(item, int) and 0 <= item < len(places):
                places[item] = index + 1
        return places
    return shown


def is_answered(slot: Slot, response: Any) -> bool:
    return grade(slot.question, response).state != "unanswered"


def readable(question: Question, response: Any) -> list[str]:
    """A response (source order) as lines of text, for the review."""
    if response is None:
        return []
    if question.type == "single":
        return [question.choices[response].text] if 0 <= response < len(question.choices) else []
    if question.type == "multiple":
        return [question.choices[i].text for i in sorted(response)
                if 0 <= i < len(question.choices)]
    if question.type == "true-false":
        return [_("True") if response else _("False")]
    if question.type == "match":
        options = [p[1] for p in question.pairs] + list(question.distractors)
        return [f"{left} → {options[response[i]]}" for i, (left, _right) in
                enumerate(question.pairs) if i in response and 0 <= response[i] < len(options)]
    if question.type == "order":  # a place left empty shows as a dash
        return [question.items[i] if isinstance(i, int) and 0 <= i < len(question.items)
                else "—" for i in response]
    return [str(response)] if str(response).strip() else []


def right_answer(question: Question) -> list[str]:
    """The answer that earns full marks, as text."""
    if question.type == "number":
        best = max(question.number_answers, key=lambda a: a.weight)
        low, high = (format_number(best.low), format_number(best.high))
        return [low if low == high else _("from %(low)s to %(high)s", low=low, high=high)]
    return readable(question, correct_response(question))


def format_number(value: float) -> str:
    return str(format_decimal(value, format="#,##0.######"))
