"""Write Dobro questions as GIFT that Moodle's importer reads back.

The layout is Moodle's own export (``format.php`` ``writequestion``): a comment,
``::name::``, the text, the answers one per line in ``{…}`` and the explanation as
``####``. Texts are Dobro's Markdown, so each question text starts ``[markdown]``
(answers and feedback take the question's format). What GIFT cannot say is never
dropped quietly: an ordering question is left out with a problem at its line, a
weight Moodle's importer refuses and points other than 1 are reported too.
Points, ``ref`` and ``shuffle: false`` travel in Dobro's comment lines
(``// [points:2]``), which Moodle skips and ``course.interop.gift`` reads.
"""

from __future__ import annotations

from collections.abc import Callable

from course.errors import Problem
from course.interop.quizyaml import number, number_range
from course.model import Question, Quiz

# Moodle's question_bank::fraction_options_full(): the only answer grades it imports.
MOODLE_FRACTIONS = (1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333,
                    0.3, 0.25, 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0)
_TOLERANCE = 0.00001  # how close Moodle's match_grade_options wants a grade
_RESERVED = str.maketrans({"\\": "\\\\", "#": "\\#", "=": "\\=", "~": "\\~", "{": "\\{",
                           "}": "\\}", ":": "\\:", "\n": "\\n", "\r": ""})
TYPE_NAMES = {"order": "подреждане"}


def escape(text: str) -> str:
    """Escape GIFT's reserved characters, as Moodle's ``repchar`` does."""
    return text.translate(_RESERVED)


def moodle_accepts(weight: float) -> bool:
    """Tell whether Moodle's importer takes a weight (in percent) as an answer grade."""
    return any(abs(abs(weight) / 100 - f) < _TOLERANCE for f in MOODLE_FRACTIONS)


class _Writer:
    def __init__(self, quiz: Quiz) -> None:
        self.quiz = quiz
        self.problems: list[Problem] = []

    def report(self, q: Question, message: str, code: str) -> None:
        self.problems.append(Problem(self.quiz.path, q.pos[0], q.pos[1], "warning",
                                     f"въпрос „{q.id}“: {message}", code))

    def question(self, q: Question) -> str:
        if q.type not in _ANSWERS:
            kind = TYPE_NAMES.get(q.type, q.type)
            self.report(q, f"{kind} няма съответствие в GIFT — въпросът не е записан",
                        "gift-unsupported")
            return f"// Dobro: въпросът „{q.id}“ ({kind}) не може да се запише в GIFT\n"
        if q.type == "text" and any("->" in a.text for a in q.text_answers):
            self.report(q, "отговор с „->“ Moodle чете като съпоставяне — въпросът не е записан",
                        "gift-unsupported")
            return f"// Dobro: въпросът „{q.id}“ има отговор с „->“ и не е записан\n"
        lines = [f"// [id:{q.id}]"]
        if q.points != 1:
            lines.append(f"// [points:{number(q.points)}]")
            self.report(q, f"точките ({number(q.points)}) са само в коментар: Moodle дава на "
                        "въпрос от GIFT 1 точка", "gift-points")
        if q.ref is not None:
            lines.append(f"// [ref:{q.ref.target}]")
        if not q.shuffle:
            lines.append("// [shuffle:false]")
        answers = _ANSWERS[q.type](self, q)
        general = f"\t####{escape(q.explanation)}\n" if q.explanation else ""
        lines.append(f"::{escape(q.id)}::[markdown]{escape(q.text)}{{\n{answers}{general}}}")
        return "\n".join(lines) + "\n"

    def weight(self, q: Question, weight: float) -> str:
        if not moodle_accepts(weight):
            self.report(q, f"тегло {number(weight)}% Moodle не приема (приема 100, 90, 83.33333, "
                        "80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, "
                        "14.28571, 12.5, 11.11111, 10, 5 и 0, и със знак минус)", "gift-weight")
        return f"%{number(weight)}%"

    def choices(self, q: Question) -> str:
        out = []
        for choice in q.choices:
            if q.type == "single" and choice.weight == 100:
                mark = "="
            elif choice.weight == 0 and not choice.text.startswith("%"):
                mark = "~"
            else:
                mark = "~" + self.weight(q, choice.weight)
            out.append(f"\t{mark}{escape(choice.text)}{_feedback(choice.feedback)}\n")
        return "".join(out)

    def true_false(self, q: Question) -> str:
        right, wrong = ((q.feedback_true, q.feedback_false) if q.answer
                        else (q.feedback_false, q.feedback_true))
        text = "TRUE" if q.answer else "FALSE"
        if wrong or right:
            text += f"#{escape(wrong)}"
        if right:
            text += f"#{escape(right)}"
        return f"\t{text}\n"

    def text_answers(self, q: Question) -> str:
        # A "*" in a short answer is Moodle's wildcard; "\*" is the character itself.
        out = [f"\t={self.weight(q, a.weight)}{escape(a.text.replace('*', chr(92) + '*'))}"
               f"{_feedback(a.feedback)}\n" for a in q.text_answers]
        if q.feedback_other:
            out.append(f"\t=%0%*#{escape(q.feedback_other)}\n")
        return "".join(out)

    def number_answers(self, q: Question) -> str:
        out = ["#\n"]
        for a in q.number_answers:
            given = number_range(a)
            value = (f"{given['min']}..{given['max']}" if "min" in given
                     else f"{given['value']}:{given['tolerance']}")
            out.append(f"\t={self.weight(q, a.weight)}{value}{_feedback(a.feedback)}\n")
        if q.feedback_other:
            out.append(f"\t~#{escape(q.feedback_other)}\n")
        return "".join(out)

    def pairs(self, q: Question) -> str:
        out = [f"\t={escape(left)} -> {escape(right)}\n" for left, right in q.pairs]
        out += [f"\t= -> {escape(d)}\n" for d in q.distractors]
        return "".join(out)


def _feedback(text: str) -> str:
    return f"#{escape(text)}" if text else ""


_ANSWERS: dict[str, Callable[[_Writer, Question], str]] = {
    "single": _Writer.choices,
    "multiple": _Writer.choices,
    "true-false": _Writer.true_false,
    "text": _Writer.text_answers,
    "number": _Writer.number_answers,
    "match": _Writer.pairs,
}


def write_gift(quiz: Quiz) -> tuple[str, list[Problem]]:
    """Return ``quiz``'s questions as GIFT text, and what GIFT could not hold."""
    writer = _Writer(quiz)
    head = (f"// Dobro: {quiz.id} — {quiz.title}\n"
            f"// Внос в Moodle: Банка с въпроси → Внасяне → формат GIFT\n\n"
            f"$CATEGORY: $course$/top/{quiz.id}\n\n")
    body = "\n".join(writer.question(q) for q in quiz.questions)
    return head + body, writer.problems
