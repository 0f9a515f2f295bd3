"""One form per question type, for trainers who do not write YAML (Flask-WTF: CSRF on each).

Rows (choices, answers, pairs, items) are a fixed number of sub-forms; "add a row"
submits the form with one more, so nothing needs JavaScript. Each form checks what
a trainer can get wrong before the course checks run, in Bulgarian at its field,
and turns itself into the question's plain values (``values``) and back (``fill``).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FloatField,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

TEXT_LENGTH = 2000  # a question or an answer; the longest real question is ~400 characters
ROWS = 4
MAX_ROWS = 30
TYPES = ("single", "multiple", "true-false", "text", "number", "match", "order")


def _long(label: Any, required: bool = False) -> TextAreaField:
    first = (DataRequired(message=_l("Write the text.")) if required else Optional())
    return TextAreaField(label, validators=[first, Length(max=TEXT_LENGTH, message=_l(
        "Too long: at most %(max)d characters.", max=TEXT_LENGTH))], render_kw={"rows": 3})


def _short(label: Any) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=TEXT_LENGTH, message=_l(
        "Too long: at most %(max)d characters.", max=TEXT_LENGTH))])


def _number(label: Any, low: float | None = None, high: float | None = None) -> FloatField:
    checks: list[Any] = [Optional()]
    if low is not None or high is not None:
        checks.append(NumberRange(low, high, message=_l(
            "Must be between %(min)s and %(max)s.")))
    return FloatField(label, validators=checks)


class ChoiceRow(Form):
    text = _short(_l("Answer"))
    correct = BooleanField(_l("Correct"))
    weight = _number(_l("Weight in % (optional)"), -100, 100)
    feedback = _short(_l("Feedback for this answer"))


class TextRow(Form):
    text = _short(_l("Accepted answer"))
    weight = _number(_l("Weight in %"), -100, 100)
    feedback = _short(_l("Feedback"))


class NumberRow(Form):
    value = _number(_l("Value"))
    tolerance = FloatField(_l("Tolerance (±)"), validators=[Optional(), NumberRange(
        0, None, message=_l("The tolerance cannot be negative."))])
    low = _number(_l("or from"))
    high = _number(_l("to"))
    weight = _number(_l("Weight in %"), -100, 100)
    feedback = _short(_l("Feedback"))


class PairRow(Form):
    left = _short(_l("Left"))
    right = _short(_l("Right (its match)"))


class ItemRow(Form):
    text = _short(_l("Item"))


def _rows(row: type[Form]) -> FieldList:
    return FieldList(FormField(row), min_entries=ROWS, max_entries=MAX_ROWS)


class QuestionForm(FlaskForm):
    """What every question has."""

    type_name = ""
    text = _long(_l("Question"), required=True)
    points = _number(_l("Points"), 0.01, 1000)
    ref = SelectField(_l("The section it tests"), validate_choice=False)
    explanation = _long(_l("Explanation (shown after the answer)"))
    add_row = SubmitField(_l("Add a row"))
    save = SubmitField(_l("Check and save"))

    def specific(self) -> dict[str, Any]:
        """The type's own keys."""
        return {}

    def fill_specific(self, question: dict[str, Any]) -> None:
        """Put the type's own keys into the fields."""

    def check(self) -> bool:
        """The type's own rules; errors go to their fields."""
        return True

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        return self.check() and ok

    def rows(self) -> FieldList | None:
        return None

    def values(self, qid: str) -> dict[str, Any]:
        """The question as the quiz file holds it."""
        result: dict[str, Any] = {"id": qid, "type": self.type_name,
                                  "text": (self.text.data or "").strip()}
        if self.points.data is not None:
            result["points"] = _whole(self.points.data)
        result.update(self.specific())
        if (self.explanation.data or "").strip():
            result["explanation"] = (self.explanation.data or "").strip()
        if self.ref.data:
            result["ref"] = self.ref.data
        return result

    def fill(self, question: dict[str, Any]) -> None:
        """Show a question from the file."""
        self.text.data = str(question.get("text", ""))
        points = question.get("points")
        self.points.data = points if isinstance(points, int | float) else None
        self.explanation.data = str(question.get("explanation", ""))
        self.ref.data = str(question.get("ref", ""))
        self.fill_specific(question)


def _whole(number: float) -> float | int:
    return int(number) if float(number).is_integer() else number


def _set_rows(rows: FieldList, values: list[dict[str, Any]]) -> None:
    while len(rows.entries):
        rows.pop_entry()
    for value in values + [{}] * max(0, ROWS - len(values)):
        rows.append_entry(value)


def _filled(rows: FieldList, key: str = "text") -> list[Any]:
    return [row.form for row in rows if (getattr(row.form, key).data or "").strip()]


class ChoicesForm(QuestionForm):
    type_name = "single"
    choices = _rows(ChoiceRow)

    def rows(self) -> FieldList:
        return self.choices

    def specific(self) -> dict[str, Any]:
        result = []
        for row in _filled(self.choices):
            choice: dict[str, Any] = {"text": row.text.data.strip()}
            if row.correct.data:
                choice["correct"] = True
            if row.weight.data is not None:
                choice["weight"] = _whole(row.weight.data)
            if (row.feedback.data or "").strip():
                choice["feedback"] = row.feedback.data.strip()
            result.append(choice)
        return {"choices": result}

    def fill_specific(self, question: dict[str, Any]) -> None:
        _set_rows(self.choices, [c for c in question.get("choices", []) if isinstance(c, dict)])

    def check(self) -> bool:
        filled = _filled(self.choices)
        texts = [row.text.data.strip() for row in filled]
        errors: list[Any] = []
        if len(filled) < 2:
            errors.append(_l("Write at least two answers."))
        if len(set(texts)) < len(texts):
            errors.append(_l("Two answers are the same: each answer must be different."))
        right = [row for row in filled if row.correct.data or (row.weight.data or 0) > 0]
        if not right:
            errors.append(_l("Mark the correct answer."))
        elif self.type_name == "single" and sum(bool(r.correct.data) for r in filled) > 1:
            errors.append(_l("A single-choice question has one correct answer: mark only one, "
                             "or make it a multiple-choice question."))
        self.choices.errors = [str(e) for e in errors]
        return not errors


class MultipleForm(ChoicesForm):
    type_name = "multiple"


class TrueFalseForm(QuestionForm):
    type_name = "true-false"
    answer = RadioField(_l("The statement is"), choices=[
        SelectChoice("true", _l("True")), SelectChoice("false", _l("False"))],
        validators=[DataRequired(message=_l("Choose whether the statement is true or false."))])
    feedback_true = _short(_l("Feedback for “true”"))
    feedback_false = _short(_l("Feedback for “false”"))

    def specific(self) -> dict[str, Any]:
        result: dict[str, Any] = {"answer": self.answer.data == "true"}
        for field in (self.feedback_true, self.feedback_false):
            if (field.data or "").strip():
                result[field.name] = field.data.strip()
        return result

    def fill_specific(self, question: dict[str, Any]) -> None:
        self.answer.data = "true" if question.get("answer") is True else "false"
        self.feedback_true.data = str(question.get("feedback_true", ""))
        self.feedback_false.data = str(question.get("feedback_false", ""))


class TextForm(QuestionForm):
    type_name = "text"
    answers = _rows(TextRow)
    feedback_other = _short(_l("Feedback for any other answer"))

    def rows(self) -> FieldList:
        return self.answers

    def specific(self) -> dict[str, Any]:
        answers = []
        for row in _filled(self.answers):
            answer: dict[str, Any] = {"text": row.text.data.strip()}
            if row.weight.data is not None:
                answer["weight"] = _whole(row.weight.data)
            if (row.feedback.data or "").strip():
                answer["feedback"] = row.feedback.data.strip()
            answers.append(answer)
        return _other({"answers": answers}, self.feedback_other.data)

    def fill_specific(self, question: dict[str, Any]) -> None:
        _set_rows(self.answers, [a for a in question.get("answers", []) if isinstance(a, dict)])
        self.feedback_other.data = str(question.get("feedback_other", ""))

    def check(self) -> bool:
        texts = [row.text.data.strip().casefold() for row in _filled(self.answers)]
        errors: list[Any] = []
        if not texts:
            errors.append(_l("Write at least one accepted answer."))
        elif len(set(texts)) < len(texts):
            errors.append(_l("Two answers are the same: each answer must be different."))
        self.answers.errors = [str(e) for e in errors]
        return not errors


def _other(result: dict[str, Any], feedback: str | None) -> dict[str, Any]:
    if (feedback or "").strip():
        result["feedback_other"] = (feedback or "").strip()
    return result


class NumberForm(QuestionForm):
    type_name = "number"
    answers = _rows(NumberRow)
    feedback_other = _short(_l("Feedback for any other answer"))

    def rows(self) -> FieldList:
        return self.answers

    def _used(self) -> list[Any]:
        return [row.form for row in self.answers if any(
            getattr(row.form, key).data is not None for key in ("value", "low", "high"))]

    def specific(self) -> dict[str, Any]:
        answers = []
        for row in self._used():
            answer: dict[str, Any] = (
                {"value": _whole(row.value.data), "tolerance": _whole(row.tolerance.data or 0)}
                if row.value.data is not None
                else {"min": _whole(row.low.data), "max": _whole(row.high.data)})
            if row.weight.data is not None:
                answer["weight"] = _whole(row.weight.data)
            if (row.feedback.data or "").strip():
                answer["feedback"] = row.feedback.data.strip()
            answers.append(answer)
        return _other({"answers": answers}, self.feedback_other.data)

    def fill_specific(self, question: dict[str, Any]) -> None:
        rows = [{"value": a.get("value"), "tolerance": a.get("tolerance"), "low": a.get("min"),
                 "high": a.get("max"), "weight": a.get("weight"), "feedback": a.get("feedback")}
                for a in question.get("answers", []) if isinstance(a, dict)]
        _set_rows(self.answers, rows)
        self.feedback_other.data = str(question.get("feedback_other", ""))

    def check(self) -> bool:
        used = self._used()
        ok = True
        for row in used:
            if row.value.data is None and (row.low.data is None or row.high.data is None):
                row.low.errors = [*row.low.errors, _l("Write a value, or both ends of a range.")]
                ok = False
            elif row.value.data is None and row.low.data > row.high.data:
                row.low.errors = [*row.low.errors, _l("The start of the range is greater than "
                                                      "its end.")]
                ok = False
        if not used:
            self.answers.errors = [str(_l("Write at least one correct number."))]
            return False
        return ok


class MatchForm(QuestionForm):
    type_name = "match"
    pairs = _rows(PairRow)
    distractors = TextAreaField(_l("Extra answers that match nothing (one a line)"),
                                validators=[Optional(), Length(max=TEXT_LENGTH)])

    def rows(self) -> FieldList:
        return self.pairs

    def _used(self) -> list[Any]:
        return [r.form for r in self.pairs
                if (r.form.left.data or "").strip() or (r.form.right.data or "").strip()]

    def specific(self) -> dict[str, Any]:
        result: dict[str, Any] = {"pairs": [
            {"left": r.left.data.strip(), "right": r.right.data.strip()} for r in self._used()]}
        lines = (self.distractors.data or "").splitlines()
        extra = [line.strip() for line in lines if line.strip()]
        if extra:
            result["distractors"] = extra
        return result

    def fill_specific(self, question: dict[str, Any]) -> None:
        pairs = [p if isinstance(p, dict) else {"left": p[0], "right": p[1]}
                 for p in question.get("pairs", []) if isinstance(p, dict | list) and len(p) == 2]
        _set_rows(self.pairs, pairs)
        self.distractors.data = "\n".join(str(d) for d in question.get("distractors", []))

    def check(self) -> bool:
        used = self._used()
        errors: list[Any] = []
        if any(not (r.left.data or "").strip() or not (r.right.data or "").strip() for r in used):
            errors.append(_l("Every pair needs both sides."))
        if len(used) < 2:
            errors.append(_l("Write at least two pairs."))
        lefts = [(r.left.data or "").strip() for r in used]
        if len(set(lefts)) < len(lefts):
            errors.append(_l("Two pairs have the same left side."))
        self.pairs.errors = [str(e) for e in errors]
        return not errors


class OrderForm(QuestionForm):
    type_name = "order"
    items = _rows(ItemRow)

    def rows(self) -> FieldList:
        return self.items

    def specific(self) -> dict[str, Any]:
        return {"items": [row.text.data.strip() for row in _filled(self.items)]}

    def fill_specific(self, question: dict[str, Any]) -> None:
        _set_rows(self.items, [{"text": str(i)} for i in question.get("items", [])])

    def check(self) -> bool:
        texts = [row.text.data.strip() for row in _filled(self.items)]
        errors: list[Any] = []
        if len(texts) < 2:
            errors.append(_l("Write at least two items, in the right order."))
        if len(set(texts)) < len(texts):
            errors.append(_l("Two items are the same: each item must be different."))
        self.items.errors = [str(e) for e in errors]
        return not errors


FORMS: dict[str, type[QuestionForm]] = {
    "single": ChoicesForm, "multiple": MultipleForm, "true-false": TrueFalseForm,
    "text": TextForm, "number": NumberForm, "match": MatchForm, "order": OrderForm,
}
# The form field each key of a question is shown at, for the checks' problems.
KEY_FIELDS = {"choices": "choices", "answers": "answers", "pairs": "pairs", "items": "items",
              "distractors": "distractors", "answer": "answer", "text": "text",
              "points": "points", "explanation": "explanation", "ref": "ref",
              "feedback_true": "feedback_true", "feedback_false": "feedback_false",
              "feedback_other": "feedback_other"}


class DeleteForm(FlaskForm):
    confirm = SubmitField(_l("Delete the question"))


class MoveForm(FlaskForm):
    up = SubmitField(_l("Up"))
    down = SubmitField(_l("Down"))
