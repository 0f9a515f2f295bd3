"""Read Moodle's GIFT format into Dobro questions, by Moodle's own rules.

The reference is Moodle's ``question/format/gift/format.php``: a question is the
lines up to a blank line; ``::name::``, then the text, then one ``{…}`` block of
answers (inside the text for the missing-word form, shown as ``_____``). The type
follows from the answers as Moodle decides it: nothing — essay; ``#…`` — numeric;
a ``~`` — multiple choice (one answer if an ``=`` is there, else several);
``=`` and ``->`` — matching; ``T``/``F`` — true/false; else short answer.

Where Moodle would guess or drop quietly (a weight it cannot read, a lone ``{``),
the reader says so at the line and column instead. Essays and descriptions have
no Dobro type: each is named as a warning and the rest is imported.

``// [points:2]``, ``// [ref:module#anchor]`` and ``// [shuffle:false]`` comment
lines are Dobro's own (``giftexport`` writes them; Moodle skips comments), so a
bank sent to GIFT and back keeps what GIFT cannot hold.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from course.errors import Severity
from course.interop.common import (
    ImportResult,
    html_to_markdown,
    make_id,
    moodle_to_markdown,
    plain_to_markdown,
)
from course.interop.giftsource import Source, Span, blocks, unescape
from course.model import Choice, NumberAnswer, Question, Ref, TextAnswer
from course.questionfaults import question_faults
from course.yamlsrc import Pos

FORMATS = ("moodle", "html", "plain", "markdown")
BLANK = "_____"
_GAP = "\ue100"  # stands for the blank while the text is converted (plain text escapes "_")
_WEIGHT = re.compile(r"%([^%]*)%")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_ID = re.compile(r"\[id:((?:\\]|[^\]\x00-\x1f])+)\]")
_TAG = re.compile(r"\[tag:((?:\\]|[^\]<>\x00-\x1f])*)\]")
_DOBRO = re.compile(r"\[(points|ref|shuffle):([^\]]*)\]")
TF_ANSWERS = {"T": True, "TRUE": True, "F": False, "FALSE": False}


class _Reject(Exception):
    """One question cannot be imported; the problem is already recorded."""


class _Reader:
    def __init__(self, path: str, result: ImportResult, refs: Collection[str] | None) -> None:
        self.path, self.result, self.refs = path, result, refs
        self.taken: set[str] = set()
        self.names: dict[str, Pos] = {}
        self.ids: dict[str, Pos] = {}
        self.said_tags = False
        self.count = 0

    def problem(self, pos: Pos, message: str, code: str, severity: Severity = "error") -> None:
        self.result.report(self.path, pos[0], pos[1], severity, message, code)

    def fail(self, pos: Pos, message: str, code: str) -> _Reject:
        self.problem(pos, message, code)
        return _Reject()

    # A block --------------------------------------------------------------------------

    def block(self, source: Source) -> None:
        span = source.span().strip()
        if span.text.startswith("$CATEGORY:"):
            first, rest = span.partition("\n")
            self.result.categories.append(first.cut(len("$CATEGORY:")).strip().plain)
            if rest is None or not rest.strip():
                return
            span = rest.strip()
        self.count += 1
        try:
            question = self.question(source, span)
        except _Reject:
            return
        if question is not None:
            for code, message in question_faults(question):
                self.problem(question.pos, f"въпрос „{question.id}“: {message}", code)
            self.result.questions.append(question)

    def question(self, source: Source, span: Span) -> Question | None:
        start_pos = span.pos
        name, span = self.name(span)
        opening, closing = span.find("{"), span.find("}")
        if opening < 0 and closing < 0:
            self.problem(start_pos, "описание (текст без „{…}“) — в Dobro няма такъв вид "
                         "въпрос; пропуснато", "gift-description", "warning")
            return None
        if opening < 0 or (0 <= closing < opening):
            raise self.fail(span.cut(closing).pos, "„}“ без отваряща „{“ (ако е част от "
                            "текста, напишете „\\}“)", "gift-brace")
        if closing < 0:
            raise self.fail(span.cut(opening).pos, "„{“ не е затворена с „}“ (ако е част от "
                            "текста, напишете „\\{“)", "gift-brace")
        again = span.find("{", closing)
        if again >= 0:
            raise self.fail(span.cut(again).pos, "втори блок „{…}“: въпросът има само един "
                            "блок с отговори (ако „{“ е част от текста, напишете „\\{“)",
                            "gift-brace")
        answers = span.cut(opening + 1, closing).strip()
        after = span.cut(closing + 1)
        text = span.cut(0, opening).text + (_GAP + after.text if after.strip() else "")
        fmt, body = _format(text, "moodle")
        general, answers = self.general_feedback(answers)
        kwargs: dict[str, Any] = {"text": _markdown(fmt, body).replace(_GAP, BLANK),
                                  "points": 1.0}
        if not kwargs["text"]:
            raise self.fail(start_pos, "въпросът няма текст", "gift-empty")
        if general is not None:
            kwargs["explanation"] = _markdown(*_format(general.text, fmt))
        if not answers:
            self.problem(start_pos, "есе (празни „{}“) — в Dobro няма такъв вид въпрос; "
                         "пропуснато", "gift-essay", "warning")
            return None
        kwargs.update(self.answers(answers, fmt, span.cut(opening).pos))
        kwargs.update(self.comments(source))
        qid = self.make_id(source, name, kwargs["text"])
        return Question(id=qid, pos=start_pos, **kwargs)

    def name(self, span: Span) -> tuple[str, Span]:
        if not span.text.startswith("::"):
            return "", span
        end = span.find("::", 2)
        if end < 0:
            raise self.fail(span.pos, "името на въпроса не е затворено с „::“", "gift-name")
        name = re.sub(r"<[^>]*>", "", span.cut(2, end).plain).strip()
        if name in self.names:
            line = self.names[name][0]
            raise self.fail(span.cut(2).pos, f"името „{name}“ вече е използвано на ред {line}",
                            "duplicate-name")
        if name:
            self.names[name] = span.cut(2).pos
        return name, span.cut(end + 2).strip()

    def general_feedback(self, answers: Span) -> tuple[Span | None, Span]:
        index = answers.text.rfind("####")
        if index < 0:
            return None, answers
        return answers.cut(index + 4).strip(), answers.cut(0, index).strip()

    def comments(self, source: Source) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        for comment, pos in source.comments:
            for key, value in _DOBRO.findall(comment):
                extra.update(self.dobro_comment(key, value.strip(), pos))
            if _TAG.search(comment) and not self.said_tags:
                self.said_tags = True
                self.problem(pos, "етикетите ([tag:…]) не се пренасят: в Dobro въпросите "
                             "нямат етикети", "gift-tags", "warning")
        return extra

    def dobro_comment(self, key: str, value: str, pos: Pos) -> dict[str, Any]:
        if key == "ref":
            if self.refs is not None and value not in self.refs:
                self.problem(pos, f"„{value}“ не е модул или раздел на този курс — "
                             "„ref“ е пропуснат", "unknown-ref", "warning")
                return {}
            return {"ref": Ref(value, self.path, pos)} if value else {}
        if key == "shuffle":
            return {"shuffle": value.lower() != "false"}
        points = _number(value)
        if points is None or not 0.01 <= points <= 1000:
            self.problem(pos, f"„[points:{value}]“: точките трябва да са число от 0.01 до 1000",
                         "bad-value")
            return {}
        return {"points": points}

    def make_id(self, source: Source, name: str, text: str) -> str:
        idnumber = ""
        for comment, pos in source.comments:
            found = _ID.search(comment)
            if found:
                idnumber = found.group(1).replace("\\]", "]").strip()
                if idnumber in self.ids:
                    raise self.fail(pos, f"„[id:{idnumber}]“ вече е използвано на ред "
                                    f"{self.ids[idnumber][0]}", "duplicate-id")
                self.ids[idnumber] = pos
                break
        basis = idnumber or name or " ".join(text.split()[:6])
        return make_id(basis, self.taken, f"q{self.count}")

    # Answers ----------------------------------------------------------------------------

    def answers(self, answers: Span, fmt: str, pos: Pos) -> dict[str, Any]:
        text = answers.text
        if text.startswith("#"):
            return self.numeric(answers.cut(1), fmt, pos)
        if "~" in text:
            return self.choices(answers, fmt, pos)
        if "=" in text and "->" in text:
            return self.matching(answers, fmt, pos)
        check = text.split("#", 1)[0].strip() if "#" in text[1:] else text
        if check in TF_ANSWERS:
            return self.true_false(answers, fmt)
        return self.short_answer(answers, fmt, pos)

    def pieces(self, answers: Span, seps: str, pos: Pos, least: int,
               what: str) -> list[tuple[str, Span, Pos]]:
        """The answers between the ``seps`` characters, each with its marker and where the
        marker stands (an empty answer is reported there)."""
        parts = answers.split(seps)
        first = parts[0][1].strip()
        if not first:
            parts = parts[1:]
        elif seps != "=":  # before the first "~"/"=" of a choice list Moodle reads an answer
            raise self.fail(first.pos, f"текст преди първия отговор: „{first.plain[:40]}“ — "
                            "всеки отговор започва с „=“ или „~“", "gift-answer")
        if len(parts) < least:
            raise self.fail(pos, f"{what} има нужда от поне {least} отговора",
                            "few-choices" if least > 1 else "gift-empty")
        return [(marker, span.strip(), span.src.at(span.a - 1) if marker else span.pos)
                for marker, span in parts]

    def weight(self, span: Span, default: float) -> tuple[float, Span]:
        if not span.text.startswith("%"):
            return default, span
        found = _WEIGHT.match(span.text)
        value = _number(found.group(1)) if found else None
        if found is None or value is None or not -100 <= value <= 100:
            shown = found.group(0) if found else span.text[:12]
            raise self.fail(span.pos, f"тегло „{shown}“: очаква се число от -100 до 100 между "
                            "два знака %, напр. %50% или %-25%", "bad-weight")
        return value, span.cut(found.end()).strip()

    def with_feedback(self, span: Span, fmt: str) -> tuple[Span, str]:
        answer, feedback = span.partition("#")
        text = _markdown(*_format(feedback.strip().text, fmt)) if feedback is not None else ""
        return answer.strip(), text

    def nonempty(self, span: Span, pos: Pos) -> Span:
        if not span:
            raise self.fail(pos, "празен отговор", "gift-empty")
        return span

    def choices(self, answers: Span, fmt: str, pos: Pos) -> dict[str, Any]:
        single = "=" in answers.text
        choices = []
        for marker, part, at in self.pieces(answers, "~=", pos, 2, "въпросът с избор"):
            if marker == "=" and part.text.startswith("%"):
                raise self.fail(part.pos, "„=“ винаги дава 100%; за частично тегло пишете "
                                "„~%50%отговор“", "bad-weight")
            weight, rest = self.weight(part, 100.0 if marker == "=" else 0.0)
            answer, feedback = self.with_feedback(rest, fmt)
            answer = self.nonempty(answer, at)
            choices.append(Choice(_markdown(*_format(answer.text, fmt)), weight, feedback))
        return {"type": "single" if single else "multiple", "choices": tuple(choices)}

    def matching(self, answers: Span, fmt: str, pos: Pos) -> dict[str, Any]:
        pairs, distractors = [], []
        for _, part, at in self.pieces(answers, "=", pos, 1, "съпоставянето"):
            left, right = part.partition("->")
            if right is None:
                raise self.fail(at, "всяка двойка се пише „=ляво -> дясно“", "gift-match")
            # Moodle keeps the right-hand side as plain text (it fills a drop-down list)
            right_text = self.nonempty(right.strip(), at).plain
            if left.strip():
                pairs.append((_markdown(*_format(left.strip().text, fmt)), right_text))
            else:
                distractors.append(right_text)
        if len(pairs) < 2:
            raise self.fail(pos, "съпоставянето има нужда от поне две двойки „=ляво -> дясно“",
                            "few-pairs")
        return {"type": "match", "pairs": tuple(pairs), "distractors": tuple(distractors)}

    def true_false(self, answers: Span, fmt: str) -> dict[str, Any]:
        parts = answers.text.split("#", 2) + ["", ""]
        answer = TF_ANSWERS[parts[0].strip()]
        wrong, right = (_markdown(*_format(p.strip(), fmt)) for p in parts[1:3])
        true_fb, false_fb = (right, wrong) if answer else (wrong, right)
        return {"type": "true-false", "answer": answer, "feedback_true": true_fb,
                "feedback_false": false_fb}

    def short_answer(self, answers: Span, fmt: str, pos: Pos) -> dict[str, Any]:
        found, other = [], ""
        for _, part, at in self.pieces(answers, "=", pos, 1, "въпросът с кратък отговор"):
            weight, rest = self.weight(part, 100.0)
            answer, feedback = self.with_feedback(rest, fmt)
            text = _format(self.nonempty(answer, at).text, fmt)[1].strip()
            if text == "*" and weight == 0:
                other = feedback
                continue
            if re.search(r"(?<!\\)\*", text):
                self.problem(at, f"„*“ в „{unescape(text)}“: в Moodle е заместващ знак, Dobro "
                             "сравнява отговора буквално", "gift-wildcard", "warning")
            found.append(TextAnswer(unescape(text).replace("\\*", "*"), weight, feedback))
        return {"type": "text", "text_answers": tuple(found), "feedback_other": other}

    def numeric(self, answers: Span, fmt: str, pos: Pos) -> dict[str, Any]:
        body, wrong = answers.partition("~")
        other = self.with_feedback(wrong, fmt)[1] if wrong is not None else ""
        found = []
        for _, part, at in self.pieces(body, "=", pos, 1, "числовият въпрос"):
            weight, rest = self.weight(part, 100.0)
            answer, feedback = self.with_feedback(rest, fmt)
            low, high = self.number_range(self.nonempty(answer, at))
            found.append(NumberAnswer(low, high, weight, feedback))
        return {"type": "number", "number_answers": tuple(found), "feedback_other": other}

    def number_range(self, span: Span) -> tuple[float, float]:
        text = span.plain
        if ".." in text[1:]:
            low_text, high_text = text.split("..", 1)
            low, high = self.number(span, low_text), self.number(span, high_text)
            if low > high:
                raise self.fail(span.pos, f"„{text}“: долната граница е по-голяма от горната",
                                "bad-range")
            return low, high
        value_text, _, tolerance_text = text.partition(":") if ":" in text[1:] else (
            text, "", "0")
        value, tolerance = self.number(span, value_text), self.number(span, tolerance_text)
        if tolerance < 0:
            raise self.fail(span.pos, f"„{text}“: допустимото отклонение не може да е "
                            "отрицателно", "bad-number")
        return value - tolerance, value + tolerance

    def number(self, span: Span, text: str) -> float:
        value = _number(text)
        if value is None:
            hint = " (десетичната запетая се пише с точка)" if "," in text else ""
            raise self.fail(span.pos, f"„{text.strip()}“ не е число{hint}", "bad-number")
        return value


def _number(text: str) -> float | None:
    text = text.strip()
    return float(text) if _NUMBER.fullmatch(text) else None


def _format(text: str, default: str) -> tuple[str, str]:
    """The ``[format]`` a text starts with (else ``default``) and the text without it."""
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in FORMATS:
            return text[1:end], text[end + 1:]
    return default, text


def _markdown(fmt: str, text: str) -> str:
    """A GIFT text of format ``fmt`` as Dobro's inline Markdown."""
    text = unescape(text).strip()
    if fmt == "markdown":
        return text
    if fmt == "html":
        return html_to_markdown(text)
    if fmt == "plain":
        return plain_to_markdown(text)
    return moodle_to_markdown(text)


def read_gift(text: str, path: str, refs: Collection[str] | None = None) -> ImportResult:
    """Read GIFT ``text`` (of the file ``path``, for the problems) into questions.

    ``refs`` (the course's modules and ``module#anchor`` sections) keeps only the
    ``[ref:…]`` comments that point at something in the course.
    """
    result = ImportResult()
    reader = _Reader(path, result, refs)
    for source in blocks(text.removeprefix("\ufeff")):
        reader.block(source)
    result.problems.sort()
    return result


