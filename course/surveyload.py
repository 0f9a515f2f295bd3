"""Reading a survey file (``kind: survey``) into a ``Survey``, every fault located."""

from __future__ import annotations

from typing import Any

from course.errors import Problem
from course.fields import Fields, as_map
from course.surveymodel import (
    LIKERT_LABELS,
    OPEN_LIMIT,
    OPEN_MAX_LENGTH,
    SURVEY_QUESTION_TYPES,
    Survey,
    SurveyQuestion,
)
from course.yamlsrc import Map

# Keys of a quiz that make no sense in a survey: it has no right answers and no score.
_QUIZ_ONLY = ("pass_mark", "attempts", "grading", "time_limit", "draw", "pool", "feedback",
              "review", "shuffle", "shuffle_choices")
_ANSWER_KEYS = ("correct", "answer", "answers", "weight", "explanation", "points")


def parse_survey(top: Map, rel: str, digest: str, problems: list[Problem]) -> Survey | None:
    """Read a survey from its file's top mapping; return None when it has no id."""
    fields = Fields(top, rel, problems, "анкетата")
    fields.integer("schema", 1, low=1, high=1)
    fields.seen.add("kind")
    survey_id, title = fields.ident("id"), fields.text("title", True)
    intro = fields.text("intro")
    for key in _QUIZ_ONLY:
        if key in top:
            fields.seen.add(key)
            fields.report(top.key_pos.get(key, top.pos), f"„{key}“ е настройка на тест — "
                          "анкетата няма оценка, махнете го", "survey-quiz-key")
    questions = _questions(fields)
    fields.calendar_date("reviewed")
    fields.calendar_date("review_by")
    fields.done()
    if not survey_id:
        return None
    topic = rel.split("/")[1] if rel.count("/") >= 2 else ""
    return Survey(survey_id, title, topic, rel, digest[:16], intro, questions, top.pos,
                  dict(top.value_pos))


def _questions(fields: Fields) -> tuple[SurveyQuestion, ...]:
    items = fields.seq("questions", required=True)
    if "questions" in fields.data and not items:
        fields.report(items.pos, "анкетата няма въпроси", "no-questions")
    result: list[SurveyQuestion] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        data = as_map(item, fields.path, items.at(index), fields.problems, "въпросът")
        question = _question(data, fields) if data is not None else None
        if question is None:
            continue
        if question.id in seen:
            fields.report(question.pos, f"въпросът „{question.id}“ вече е в анкетата "
                          f"(ред {seen[question.id]})", "duplicate-question")
            continue
        seen[question.id] = question.pos[0]
        result.append(question)
    return tuple(result)


def _question(data: Map, parent: Fields) -> SurveyQuestion | None:
    fields = Fields(data, parent.path, parent.problems, "въпросът")
    qid = fields.ident("id")
    qtype = fields.choice("type", SURVEY_QUESTION_TYPES, "likert")
    if "type" not in data:
        fields.report(data.pos, "въпросът няма „type“ (" + ", ".join(SURVEY_QUESTION_TYPES)
                      + ")", "missing-key")
    known = data.get("type") in SURVEY_QUESTION_TYPES
    if qtype == "likert" and known and not _has_text(data):
        fields.seen.add("text")
        fields.report(data.pos, "въпросът по скала (likert) няма твърдение („text“), с което "
                      "участникът да се съгласи или не", "likert-statement")
        text = ""
    else:
        text = fields.text("text", True)
    for key in _ANSWER_KEYS:
        if key in data:
            fields.seen.add(key)
            fields.report(data.key_pos.get(key, data.pos), f"„{key}“: в анкетата няма верни "
                          "отговори и точки — махнете го", "survey-answer-key")
    required = fields.boolean("required", qtype != "open")
    if not known:  # the type's own fields cannot be judged
        fields.seen.update(data)
        return None
    specific = _READERS[qtype](fields)
    fields.done()
    if not qid:
        return None
    return SurveyQuestion(qid, qtype, text, required, pos=data.pos, **specific)


def _has_text(data: Map) -> bool:
    value = data.get("text")
    return isinstance(value, str | int | float) and bool(str(value).strip())


def _likert(fields: Fields) -> dict[str, Any]:
    points = fields.integer("scale", len(LIKERT_LABELS), low=2, high=11)
    labels = fields.texts("labels")
    if "labels" not in fields.data:
        if points != len(LIKERT_LABELS):
            fields.report(fields.data.at("scale"), f"скала от {points} степени има нужда от "
                          f"„labels“ ({points} надписа, от най-ниската)", "likert-labels")
            return {"labels": tuple(str(n) for n in range(1, points + 1))}
        return {"labels": LIKERT_LABELS}
    if len(labels) != points:
        fields.report(fields.data.at("labels"), f"„labels“ има {len(labels)} надписа, а скалата "
                      f"— {points} степени", "likert-labels")
    return {"labels": labels}


def _choices(fields: Fields) -> dict[str, Any]:
    items = fields.seq("choices", required=True)
    choices: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, str | int | float) and not isinstance(item, bool) and str(item).strip():
            choices.append(str(item).strip())
            continue
        data = as_map(item, fields.path, items.at(index), fields.problems, "отговорът")
        if data is None:
            continue
        cf = Fields(data, fields.path, fields.problems, "отговорът")
        text = cf.text("text", True)
        for key in _ANSWER_KEYS + ("feedback",):
            if key in data:
                cf.seen.add(key)
                cf.report(data.key_pos.get(key, data.pos), f"„{key}“: в анкетата няма верни "
                          "отговори — всеки избор е еднакво приет", "survey-answer-key")
        cf.done()
        if text:
            choices.append(text)
    if "choices" in fields.data and len(items) < 2:
        fields.report(items.pos, "въпросът с избор трябва да има поне два отговора в „choices“",
                      "few-choices")
    return {"choices": tuple(choices)}


def _open(fields: Fields) -> dict[str, Any]:
    return {"max_length": fields.integer("max_length", OPEN_MAX_LENGTH, low=1, high=OPEN_LIMIT)}


_READERS = {"likert": _likert, "single": _choices, "multiple": _choices, "open": _open}
