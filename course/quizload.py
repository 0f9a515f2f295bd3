"""Reading quiz files (``quizzes/<topic>/<id>.yaml``) into ``Quiz`` objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from course.errors import Problem
from course.fields import Fields, as_map
from course.model import (
    GRADING_METHODS,
    QUIZ_KINDS,
    REVIEW_ITEMS,
    Choice,
    FeedbackBand,
    NumberAnswer,
    Question,
    Quiz,
    Review,
    TextAnswer,
)
from course.surveyload import parse_survey
from course.surveymodel import Survey
from course.yamlsrc import Map, Seq, parse_yaml

QUESTION_TYPES = ("single", "multiple", "true-false", "text", "number", "match", "order")
MAX_QUESTIONS = 2000


def parse_quiz(rel: str, digest: str, text: str, problems: list[Problem]) -> Quiz | None:
    """Parse a quiz or pool file; return None when it is unusable."""
    found = parse_quiz_file(rel, digest, text, problems)
    return found if isinstance(found, Quiz) else None


def parse_quiz_file(rel: str, digest: str, text: str,
                    problems: list[Problem]) -> Quiz | Survey | None:
    """Parse a file under ``quizzes/``: a quiz, a pool or (``kind: survey``) a survey."""
    data, yaml_problems = parse_yaml(text, rel)
    problems.extend(yaml_problems)
    if yaml_problems:
        return None
    top = as_map(data, rel, (1, 1), problems, "тестът")
    if top is None:
        return None
    if top.get("kind") == "survey":
        return parse_survey(top, rel, digest, problems)
    fields = Fields(top, rel, problems, "тестът")
    fields.integer("schema", 1, low=1, high=1)
    quiz_id, title = fields.ident("id"), fields.text("title", True)
    kind = fields.choice("kind", QUIZ_KINDS, "self-check")
    if "kind" not in top:
        fields.report(top.pos, "липсва „kind“ (self-check, pre-test, final, pool или survey)",
                      "missing-key")
    settings: dict[str, Any] = {}
    if kind != "pool":
        settings = _settings(fields, kind)
    questions = _questions(fields, required=settings.get("pool") is None)
    reviewed, review_by = fields.calendar_date("reviewed"), fields.calendar_date("review_by")
    fields.done()
    if not quiz_id:
        return None
    topic = rel.split("/")[1] if rel.count("/") >= 2 else ""
    return Quiz(id=quiz_id, title=title, kind=kind, path=rel, topic=topic, version=digest[:16],
                questions=questions, reviewed=reviewed, review_by=review_by, pos=top.pos,
                positions=dict(top.value_pos), **settings)


def _settings(fields: Fields, kind: str) -> dict[str, Any]:
    default_pass = 70.0 if kind == "final" else 0.0
    settings: dict[str, Any] = {
        "pass_mark": fields.number("pass_mark", default_pass, 0, 100),
        "attempts": fields.integer("attempts", 0, low=0, high=100),
        "grading": fields.choice("grading", GRADING_METHODS, "highest"),
        "time_limit": fields.integer("time_limit", 0, low=0, high=24 * 60),
        "draw": fields.integer("draw", 0, low=0, high=MAX_QUESTIONS),
        "shuffle": fields.boolean("shuffle", True),
        "shuffle_choices": fields.boolean("shuffle_choices", True),
        "pool": fields.ref("pool"),
        "feedback": _bands(fields),
    }
    settings["review"] = _review(fields, kind)
    return settings


def default_review(kind: str) -> Review:
    """The review a quiz of ``kind`` gets when its file has no ``review``.

    A pre-test and a final usually draw from the same pool, so neither shows
    anything per question while the final can still be retaken: the pre-test
    shows its score only, the final its key once the learner has no attempt left.
    """
    full = ("score", "correctness", "feedback", "explanation")
    if kind == "pre-test":
        return Review(("score",), ("score",))
    if kind == "final":
        return Review(("score",), full + ("answers",))
    return Review(full, full + ("answers",))


def _review(fields: Fields, kind: str) -> Review:
    default = default_review(kind)
    review = fields.map("review")
    if review is None:
        return default
    rf = Fields(review, fields.path, fields.problems, "review")
    after_submit = _review_items(rf, "after_submit", default.after_submit)
    after_close = _review_items(rf, "after_close", after_submit)
    rf.done()
    return Review(after_submit, after_close, fields.data.key_pos.get("review"))


def _review_items(fields: Fields, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if key not in fields.data:
        fields.seen.add(key)
        return default
    items = fields.texts(key)
    for item in items:
        if item not in REVIEW_ITEMS:
            fields.report(fields.data.at(key),
                          f"„{item}“ не е позволено в {key} (позволени: {', '.join(REVIEW_ITEMS)})",
                          "bad-value")
    return tuple(i for i in items if i in REVIEW_ITEMS)


def _bands(fields: Fields) -> tuple[FeedbackBand, ...]:
    items = fields.seq("feedback")
    bands = []
    for index, item in enumerate(items):
        data = as_map(item, fields.path, items.at(index), fields.problems, "обратната връзка")
        if data is None:
            continue
        bf = Fields(data, fields.path, fields.problems, "обратната връзка")
        bands.append(FeedbackBand(bf.number("min", 0, 0, 100), bf.text("text", True)))
        bf.done()
    return tuple(sorted(bands, key=lambda b: -b.min))


def _questions(fields: Fields, required: bool) -> tuple[Question, ...]:
    items = fields.seq("questions", required=required)
    if not required and "questions" in fields.data:
        fields.report(fields.data.at("questions"),
                      "тестът има и „pool“, и „questions“ — изберете едното", "pool-and-questions")
    result = []
    for index, item in enumerate(items):
        data = as_map(item, fields.path, items.at(index), fields.problems, "въпросът")
        if data is not None:
            question = parse_question(data, fields.path, fields.problems)
            if question is not None:
                result.append(question)
    return tuple(result)


def parse_question(data: Map, path: str, problems: list[Problem]) -> Question | None:
    """Parse one question mapping (any type)."""
    fields = Fields(data, path, problems, "въпросът")
    qid = fields.ident("id")
    qtype = fields.choice("type", QUESTION_TYPES, "single")
    if "type" not in data:
        fields.report(data.pos, f"въпросът няма „type“ ({', '.join(QUESTION_TYPES)})",
                      "missing-key")
    known_type = data.get("type") in QUESTION_TYPES
    common: dict[str, Any] = {
        "text": fields.text("text", True),
        "points": fields.number("points", 1.0, 0.01, 1000),
        "explanation": fields.text("explanation"),
        "ref": fields.ref("ref"),
        "shuffle": fields.boolean("shuffle", True),
    }
    if not known_type:  # the type's own fields cannot be judged: say only what is wrong
        fields.seen.update(data)
        return None
    specific = _TYPE_READERS[qtype](fields)
    fields.done()
    if not qid:
        return None
    return Question(id=qid, type=qtype, pos=data.pos, **common, **specific)


def _choices(fields: Fields) -> dict[str, Any]:
    items = fields.seq("choices", required=True)
    multiple = fields.data.get("type") == "multiple"
    raw: list[tuple[str, bool, float | None, str]] = []
    for index, item in enumerate(items):
        data = as_map(item, fields.path, items.at(index), fields.problems, "отговорът")
        if data is None:
            continue
        cf = Fields(data, fields.path, fields.problems, "отговорът")
        text, correct = cf.text("text", True), cf.boolean("correct", False)
        weight = cf.number("weight", 0, -100, 100) if "weight" in data else None
        raw.append((text, correct, weight, cf.text("feedback")))
        cf.done()
    if len(items) < 2:
        fields.report(items.pos, "въпросът трябва да има поне два отговора", "few-choices")
    right = sum(1 for _, correct, weight, _ in raw if correct and weight is None)
    choices = []
    for text, correct, weight, feedback in raw:
        if weight is None:
            share = 100.0 / right if multiple and right else 100.0
            weight = share if correct else (-share if multiple and right else 0.0)
        choices.append(Choice(text, weight, feedback))
    return {"choices": tuple(choices)}


def _true_false(fields: Fields) -> dict[str, Any]:
    answer = fields.boolean("answer", False)
    if "answer" not in fields.data:
        fields.report(fields.data.pos, "липсва „answer“ (true или false)", "missing-key")
    return {"answer": answer, "feedback_true": fields.text("feedback_true"),
            "feedback_false": fields.text("feedback_false")}


def _answer_maps(fields: Fields) -> list[tuple[Fields, Map]]:
    items = fields.seq("answers", required=True)
    result = []
    for index, item in enumerate(items):
        data = as_map(item, fields.path, items.at(index), fields.problems, "отговорът")
        if data is not None:
            result.append((Fields(data, fields.path, fields.problems, "отговорът"), data))
    return result


def _text(fields: Fields) -> dict[str, Any]:
    answers = []
    for af, _ in _answer_maps(fields):
        answers.append(TextAnswer(af.text("text", True), af.number("weight", 100, -100, 100),
                                  af.text("feedback")))
        af.done()
    return {"text_answers": tuple(answers), "feedback_other": fields.text("feedback_other")}


def _number(fields: Fields) -> dict[str, Any]:
    answers = []
    for af, data in _answer_maps(fields):
        if "value" in data:
            value = af.number("value", 0)
            tolerance = af.number("tolerance", 0, 0)
            low, high = value - tolerance, value + tolerance
        else:
            low, high = af.number("min", 0), af.number("max", 0)
            if "min" not in data or "max" not in data:
                af.report(data.pos, "числовият отговор има нужда от „value“ или от „min“ и „max“",
                          "missing-key")
            elif low > high:
                af.report(data.at("min"), "„min“ е по-голямо от „max“", "bad-range")
        answers.append(NumberAnswer(low, high, af.number("weight", 100, -100, 100),
                                    af.text("feedback")))
        af.done()
    return {"number_answers": tuple(answers), "feedback_other": fields.text("feedback_other")}


def _match(fields: Fields) -> dict[str, Any]:
    items = fields.seq("pairs", required=True)
    pairs = []
    for index, item in enumerate(items):
        if isinstance(item, Seq) and len(item) == 2 and all(isinstance(x, str) for x in item):
            pairs.append((item[0].strip(), item[1].strip()))
            continue
        data = as_map(item, fields.path, items.at(index), fields.problems, "двойката")
        if data is not None:
            pf = Fields(data, fields.path, fields.problems, "двойката")
            pairs.append((pf.text("left", True), pf.text("right", True)))
            pf.done()
    if len(items) < 2:
        fields.report(items.pos, "въпросът за съпоставяне трябва да има поне две двойки",
                      "few-pairs")
    return {"pairs": tuple(pairs), "distractors": fields.texts("distractors")}


def _order(fields: Fields) -> dict[str, Any]:
    items = fields.texts("items", required=True)
    if len(items) < 2:
        fields.report(fields.data.at("items"), "подреждането има нужда от поне два елемента",
                      "few-items")
    return {"items": items}


_TYPE_READERS: dict[str, Callable[[Fields], dict[str, Any]]] = {
    "single": _choices,
    "multiple": _choices,
    "true-false": _true_false,
    "text": _text,
    "number": _number,
    "match": _match,
    "order": _order,
}
