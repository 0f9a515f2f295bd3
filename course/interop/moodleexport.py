"""A Dobro quiz as a Moodle XML file (``dobro export moodle-xml``).

The output follows what Moodle's own exporter writes (``question/format/xml/
format.php``: ``writequestion``), so Moodle's importer reads it back: one category
for the quiz (``$course$/top/<topic>/<quiz>``), each question with its id as
``idnumber``, its ``ref`` as the tag ``dobro-ref:…``, texts in Markdown (Moodle
renders Markdown too), images embedded in base64 beside the text that shows them.
An ``order`` question becomes Moodle's ``ordering`` type (in Moodle since 4.4, a
plugin before): said as a warning, with anything else Moodle may not take.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from pathlib import Path

from course.errors import Problem
from course.interop.giftexport import moodle_accepts
from course.interop.moodlefiles import Embedded, embedded
from course.interop.moodlexml import REF_TAG
from course.interop.quizyaml import number
from course.model import Question, Quiz
from course.sources import IMAGE_SUFFIXES

ImageSource = Callable[[str], bytes | None]  # link relative to modules/<topic>/ → bytes
_IMAGE = re.compile(r"!\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)")


def write_moodle_xml(quiz: Quiz, topic_title: str,
                     image: ImageSource) -> tuple[str, list[Problem]]:
    """Return the Moodle XML text of ``quiz`` and what Moodle will not take as it is."""
    writer = _Writer(quiz, image)
    category = "/".join(part.replace("/", "//") for part in
                        ("$course$", "top", topic_title or quiz.topic, quiz.title or quiz.id))
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n',
             "<!-- question: 0  -->\n  <question type=\"category\">\n    <category>\n",
             f"      {_text(category)}    </category>\n",
             f"    <info format=\"markdown\">\n      {_text(quiz.title)}    </info>\n",
             f"    <idnumber>{_escape(quiz.id)}</idnumber>\n  </question>\n\n"]
    for question in quiz.questions:
        parts.append(writer.question(question))
    parts.append("</quiz>\n")
    return "".join(parts), writer.problems


def course_images(root: Path, topic: str) -> ImageSource:
    """Read the images a question of ``topic`` links (``img/x.png``), never outside ``modules/``."""
    base = (root / "modules").resolve()

    def read(link: str) -> bytes | None:
        if posixpath.splitext(link)[1].lower() not in IMAGE_SUFFIXES:
            return None
        path = (base / topic / link).resolve()
        if not path.is_relative_to(base) or not path.is_file():
            return None
        return path.read_bytes()

    return read


class _Writer:
    def __init__(self, quiz: Quiz, image: ImageSource) -> None:
        self.quiz, self.image = quiz, image
        self.problems: list[Problem] = []
        self.count = 0

    def warn(self, question: Question, message: str, code: str) -> None:
        line, col = question.pos
        self.problems.append(Problem(self.quiz.path, line, col, "warning",
                                     f"въпрос „{question.id}“: {message}", code))

    def question(self, q: Question) -> str:
        qtype = _QTYPES[q.type]
        # Moodle's comment holds its database id; ours the position ("--" ends no comment).
        self.count += 1
        out = [f"<!-- question: {self.count}  -->\n  <question type=\"{qtype}\">\n",
               f"    <name>\n{_text(_name(q), 3)}    </name>\n",
               self.rich("questiontext", q, q.text, 2),
               self.rich("generalfeedback", q, q.explanation, 2),
               f"    <defaultgrade>{q.points:.7f}</defaultgrade>\n",
               "    <penalty>0.0000000</penalty>\n    <hidden>0</hidden>\n",
               f"    <idnumber>{_escape(q.id)}</idnumber>\n"]
        out.append(_BODIES[q.type](self, q))
        if q.ref is not None:
            out.append(f"    <tags>\n      <tag>{_text(REF_TAG + q.ref.target).strip()}</tag>\n"
                       "    </tags>\n")
        out.append("  </question>\n\n")
        return "".join(out)

    def rich(self, tag: str, q: Question, text: str, indent: int,
             attrs: str = "") -> str:
        """A text element in Markdown, its images embedded after it."""
        files: list[Embedded] = []

        def embed(match: re.Match[str]) -> str:
            link = match.group(2)
            if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.IGNORECASE):
                return match.group(0)
            data = self.image(link)
            if data is None:
                self.warn(q, f"картинката „{link}“ липсва в курса и не е вградена",
                          "missing-image")
                return match.group(0)
            file = embedded(link, data)
            if file not in files:
                files.append(file)
            return f"![{match.group(1)}]({file.url})"

        body = _IMAGE.sub(embed, text)
        pad = "  " * indent
        return (f"{pad}<{tag}{attrs} format=\"markdown\">\n{_text(body, indent + 1)}"
                + "".join(pad + "  " + f.xml() for f in files) + f"{pad}</{tag}>\n")

    def answer(self, q: Question, weight: float, text: str, feedback: str,
               rich: bool = True, extra: str = "") -> str:
        if not moodle_accepts(weight):
            self.warn(q, f"тежестта {weight:g} не е от тежестите, които Moodle приема (100, 90, "
                      "83.33, 80, 75, 70, 66.67, 60, 50, 40, 33.33, 30, 25, 20, 16.67, 14.29, "
                      "12.5, 11.11, 10, 5, 0 и отрицателните им) — при внасяне изберете "
                      "„най-близката“", "moodle-grade")
        head = f"    <answer fraction=\"{_percent(weight)}\" format=\"" \
               f"{'markdown' if rich else 'plain_text'}\">\n"
        body = self.inline_text(q, text) if rich else _text(text, 3)
        return head + body + self.rich("feedback", q, feedback, 3) + extra + "    </answer>\n"

    def inline_text(self, q: Question, text: str) -> str:
        """An answer's ``<text>`` and its images (Moodle keeps both inside ``<answer>``)."""
        inner = self.rich("x", q, text, 2)
        lines = inner.split("\n")
        return "\n".join(lines[1:-2]) + "\n"


def _name(q: Question) -> str:
    words = " ".join(re.sub(r"[*_`~\[\]()!\\]", "", q.text).split())
    return f"{q.id} {words[:60]}".strip()


def _percent(weight: float) -> str:
    return f"{weight:.5f}".rstrip("0").rstrip(".") or "0"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # no XML 1.0 file holds them


def _text(raw: str, indent: int = 0) -> str:
    """A ``<text>`` element, in CDATA when the text holds markup (as Moodle writes it)."""
    raw = _NOT_XML.sub("", raw)
    if raw and _escape(raw).replace('"', "") != raw.replace('"', ""):
        raw = "<![CDATA[" + raw.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return f"{'  ' * indent}<text>{raw}</text>\n"


def _choices(w: _Writer, q: Question) -> str:
    multiple = q.type == "multiple"
    out = [f"    <single>{'false' if multiple else 'true'}</single>\n",
           f"    <shuffleanswers>{'true' if q.shuffle else 'false'}</shuffleanswers>\n",
           "    <answernumbering>abc</answernumbering>\n",
           "    <showstandardinstruction>0</showstandardinstruction>\n"]
    for choice in q.choices:
        out.append(w.answer(q, choice.weight, choice.text, choice.feedback))
    return "".join(out)


def _true_false(w: _Writer, q: Question) -> str:
    return (w.answer(q, 100 if q.answer else 0, "true", q.feedback_true, rich=False)
            + w.answer(q, 0 if q.answer else 100, "false", q.feedback_false, rich=False))


def _catch_all(w: _Writer, q: Question, extra: str = "") -> str:
    """Dobro's ``feedback_other`` is Moodle's answer ``*`` worth nothing."""
    return w.answer(q, 0, "*", q.feedback_other, rich=False, extra=extra) \
        if q.feedback_other else ""


def _text_answers(w: _Writer, q: Question) -> str:
    out = ["    <usecase>0</usecase>\n"]
    out += [w.answer(q, a.weight, a.text, a.feedback, rich=False) for a in q.text_answers]
    return "".join(out) + _catch_all(w, q)


def _number_answers(w: _Writer, q: Question) -> str:
    out = []
    for a in q.number_answers:
        value, tolerance = (a.low + a.high) / 2, (a.high - a.low) / 2
        out.append(w.answer(q, a.weight, str(number(value)), a.feedback, rich=False,
                            extra=f"      <tolerance>{str(number(tolerance))}</tolerance>\n"))
    out.append(_catch_all(w, q, "      <tolerance>0</tolerance>\n"))
    return "".join(out) + "    <unitgradingtype>0</unitgradingtype>\n" \
        "    <unitpenalty>0.1000000</unitpenalty>\n    <showunits>3</showunits>\n" \
        "    <unitsleft>0</unitsleft>\n"


def _match(w: _Writer, q: Question) -> str:
    out = [f"    <shuffleanswers>{'true' if q.shuffle else 'false'}</shuffleanswers>\n"]
    rows = list(q.pairs) + [("", d) for d in q.distractors]
    for left, right in rows:
        sub = w.rich("subquestion", q, left, 2)
        answer = f"      <answer>\n{_text(right, 4)}      </answer>\n"
        out.append(sub[: -len("    </subquestion>\n")] + answer + "    </subquestion>\n")
    return "".join(out)


def _order(w: _Writer, q: Question) -> str:
    w.warn(q, "подреждането става въпрос „ordering“: в Moodle е от версия 4.4, а преди нея "
           "иска приставката qtype_ordering", "moodle-ordering")
    out = ["    <layouttype>VERTICAL</layouttype>\n    <selecttype>ALL</selecttype>\n",
           f"    <selectcount>{len(q.items)}</selectcount>\n",
           "    <gradingtype>ABSOLUTE_POSITION</gradingtype>\n",
           "    <showgrading>SHOW</showgrading>\n"]
    for position, item in enumerate(q.items, start=1):
        out.append(f"    <answer fraction=\"{position}\" format=\"markdown\">\n"
                   + w.inline_text(q, item) + "    </answer>\n")
    return "".join(out)


_QTYPES = {"single": "multichoice", "multiple": "multichoice", "true-false": "truefalse",
           "text": "shortanswer", "number": "numerical", "match": "matching",
           "order": "ordering"}
_BODIES: dict[str, Callable[[_Writer, Question], str]] = {
    "single": _choices, "multiple": _choices, "true-false": _true_false,
    "text": _text_answers, "number": _number_answers, "match": _match, "order": _order,
}
