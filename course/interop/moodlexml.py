"""Moodle XML question files into Dobro questions (``dobro import moodle-xml``).

Moodle's own reader (``question/format/xml/format.php``) is the reference: the
same elements, the same defaults, the same fractions. The file is parsed safely
(``course.interop.xmltree``: no DTD, no entities); every question Dobro can hold
is taken in, every other one is named as a warning at its line, and every problem
is a ``Problem`` at ``FILE:line:col``. Texts, numbers and embedded images are read
by ``course.interop.moodletext``; the images it saves under ``modules/<topic>/img/``
are returned, and the caller writes them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course.interop.common import ImportResult, make_id
from course.interop.moodletext import Skip, TextReader, to_float
from course.interop.xmltree import Node, parse_xml
from course.model import Choice, NumberAnswer, Question, Ref, TextAnswer
from course.quizload import MAX_QUESTIONS

MAX_XML_BYTES = 32 * 1024 * 1024  # a bank with its images; larger files are refused unread
REF_TAG = "dobro-ref:"  # the tag a Dobro export gives a question's ``ref``
# Moodle types Dobro has no equivalent for, in the reader's words.
_SKIPPED = {
    "essay": "есе", "description": "описание", "cloze": "въпрос със запълване (Cloze)",
    "multianswer": "въпрос със запълване (Cloze)", "calculated": "изчисляем въпрос",
    "calculatedsimple": "изчисляем въпрос", "calculatedmulti": "изчисляем въпрос с избор",
    "ddwtos": "плъзгане на думи в текст", "gapselect": "избор на липсващи думи",
    "ddimageortext": "плъзгане върху картинка", "ddmarker": "плъзгане на маркери",
    "randomsamatch": "случайно съпоставяне", "random": "случаен въпрос",
}
_COMBINED = ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback")


@dataclass
class MoodleImport(ImportResult):
    """An import's questions, problems and images, and the Moodle name of each question."""

    names: dict[str, str] = field(default_factory=dict)  # question id → its Moodle name


def read_moodle_xml(data: bytes, path: str, quiz_id: str, topic: str,
                    refs: Collection[str] | None = None) -> MoodleImport:
    """Read a Moodle XML file; with ``refs`` (the course's ``module`` and ``module#anchor``)
    a ``ref`` tag to anything else is dropped with a warning."""
    result = MoodleImport()
    if len(data) > MAX_XML_BYTES:
        return _too_big(result, path)
    root, problems = parse_xml(data, path)
    result.problems.extend(problems)
    if root is None:
        return result
    if root.tag != "quiz":
        result.report(path, root.line, root.col, "error", f"коренът на файла е <{root.tag}>, "
                      "а не <quiz>: това не е файл във формат Moodle XML", "not-moodle-xml")
        return result
    reader = _Reader(result, path, quiz_id, topic, refs)
    for node in root.findall("question"):
        if len(result.questions) >= MAX_QUESTIONS:
            reader.say(node, "error", f"файлът има повече от {MAX_QUESTIONS} въпроса: "
                       "останалите не са внесени — разделете банката", "too-many-questions")
            break
        reader.question(node)
    if not root.findall("question"):
        result.report(path, root.line, root.col, "error", "във файла няма нито един въпрос",
                      "no-questions")
    result.problems.sort()
    return result


def read_moodle_xml_file(path: Path, quiz_id: str, topic: str, shown: str | None = None,
                         refs: Collection[str] | None = None) -> MoodleImport:
    """Read a Moodle XML file from disk (refused unread when too large)."""
    name = shown or str(path)
    if path.stat().st_size > MAX_XML_BYTES:
        return _too_big(MoodleImport(), name)
    return read_moodle_xml(path.read_bytes(), name, quiz_id, topic, refs)


def _too_big(result: MoodleImport, path: str) -> MoodleImport:
    result.report(path, 1, 1, "error", f"файлът е по-голям от {MAX_XML_BYTES // 2**20} MB — "
                  "разделете банката на няколко файла", "too-big")
    return result


class _Reader(TextReader):
    def __init__(self, result: MoodleImport, path: str, quiz_id: str, topic: str,
                 refs: Collection[str] | None) -> None:
        super().__init__(path, quiz_id, topic, result.problems, result.images)
        self.result, self.refs = result, refs
        self.taken: set[str] = set()
        self.penalty_said = False

    # --- One question ------------------------------------------------------------------

    def question(self, node: Node) -> None:
        qtype = node.attrs.get("type", "")
        name = node.value("name")
        label = f"въпросът „{name}“" if name else "въпросът"
        if qtype == "category":  # Moodle writes a "/" inside a category's name as "//"
            self.result.categories.append(node.value("category").replace("//", "/"))
            return
        reader = _TYPES.get(qtype)
        if reader is None:
            kind = _SKIPPED.get(qtype, f"„{qtype}“")
            self.say(node, "warning", f"{label} е от вид {kind}, какъвто Dobro няма — не е "
                     "внесен", "unsupported-type")
            return
        try:
            common = self.common(node, label)
            specific = reader(self, node, label)
        except Skip:
            return
        qid = make_id(node.value("idnumber") or name, self.taken,
                      f"q{len(self.result.questions) + 1}")
        question = Question(id=qid, pos=(node.line, node.col), **common, **specific)
        self.result.questions.append(question)
        self.result.names[qid] = name

    def common(self, node: Node, label: str) -> dict[str, Any]:
        text_node = node.find("questiontext")
        text = self.rich(text_node) if text_node is not None else ""
        if not text:
            raise self.fail(text_node or node, f"{label} няма текст", "empty-text")
        points = 1.0
        grade = node.find("defaultgrade")
        if grade is not None:
            points = self.number(grade, grade.text, f"{label}: оценката (defaultgrade)")
            if not 0.01 <= points <= 1000:
                raise self.fail(grade, f"{label}: оценката {grade.text} е извън границите на "
                                "Dobro (от 0.01 до 1000 точки)", "bad-points")
        explanation = node.find("generalfeedback")
        self.extras(node, label)
        return {"text": text, "points": points,
                "explanation": self.rich(explanation) if explanation is not None else "",
                "ref": self.tags(node, label)}

    def extras(self, node: Node, label: str) -> None:
        """Say what of a question Dobro does not keep (penalty, hints, combined feedback)."""
        penalty = node.find("penalty")
        if penalty is not None and not self.penalty_said and to_float(penalty.text):
            self.penalty_said = True
            self.say(penalty, "warning", "наказанието за повторен опит (penalty) не се пренася: "
                     "в Dobro всеки опит се оценява наново (казва се веднъж за целия файл)",
                     "penalty-ignored")
        if node.value("hidden") == "1":
            self.say(node, "warning", f"{label} е скрит в Moodle — внесен е като всички други",
                     "hidden-question")
        for hint in node.findall("hint")[:1]:
            self.say(hint, "warning", f"{label}: подсказките (hint) не се пренасят — Dobro "
                     "няма подсказки между опитите", "hints-ignored")
        said = [n for n in (node.find(k) for k in _COMBINED) if n is not None and n.value("text")]
        if said:
            self.say(said[0], "warning", f"{label}: общата обратна връзка за верен, частично "
                     "верен и грешен отговор не се пренася — сложете я в обяснението",
                     "combined-feedback-ignored")

    def tags(self, node: Node, label: str) -> Ref | None:
        tags_node = node.find("tags")
        if tags_node is None:
            return None
        names = [tag.value("text") for tag in tags_node.findall("tag")]
        ref = next((t[len(REF_TAG):] for t in names if t.startswith(REF_TAG)), None)
        others = [t for t in names if t and not t.startswith(REF_TAG)]
        if others:
            self.say(tags_node, "warning", f"{label}: етикетите {', '.join(map(_q, others))} "
                     "не се пренасят — Dobro няма етикети на въпросите", "tags-ignored")
        if ref and self.refs is not None and ref not in self.refs:
            self.say(tags_node, "warning", f"{label}: препратката „{ref}“ е към раздел, който "
                     "този курс няма — махната е", "unknown-ref")
            return None
        return Ref(ref, self.path, (tags_node.line, tags_node.col)) if ref else None

def _q(text: str) -> str:
    return f"„{text}“"


# --- The question types ------------------------------------------------------------------


def _multichoice(r: TextReader, node: Node, label: str) -> dict[str, Any]:
    single = node.value("single", "true").lower() not in ("false", "0", "")
    choices = []
    for answer in node.findall("answer"):
        choices.append(Choice(r.rich(answer), r.fraction(answer, label), r.feedback(answer)))
    if len(choices) < 2:
        raise r.fail(node, f"{label} има по-малко от два отговора", "few-choices")
    best = max(c.weight for c in choices)
    if single and best < 100 - 1e-6:
        raise r.fail(node, f"{label} няма верен отговор (отговор с fraction=\"100\")",
                     "no-correct-answer")
    if not single and best <= 0:
        raise r.fail(node, f"{label} няма верен отговор (отговор с положителна тежест)",
                     "no-correct-answer")
    return {"type": "single" if single else "multiple", "choices": tuple(choices),
            "shuffle": _yes(node.value("shuffleanswers", "false"))}


def _yes(text: str) -> bool:
    return text.strip().lower() in ("true", "1", "yes")


def _truefalse(r: TextReader, node: Node, label: str) -> dict[str, Any]:
    answer: bool | None = None
    feedback = {True: "", False: ""}
    for index, item in enumerate(node.findall("answer")[:2]):
        said = item.value("text").lower()
        which = said == "true" if said in ("true", "false") else index == 0
        feedback[which] = r.feedback(item)
        if r.fraction(item, label) >= 100 - 1e-6:
            answer = which
    if answer is None:
        raise r.fail(node, f"{label} няма верен отговор (fraction=\"100\" на true или false)",
                     "no-correct-answer")
    return {"type": "true-false", "answer": answer, "feedback_true": feedback[True],
            "feedback_false": feedback[False]}


def _others(r: TextReader, node: Node, label: str, answers: list[Node]) -> tuple[list[Node], str]:
    """Split off Moodle's catch-all answer ``*`` (any other response): its feedback."""
    other = ""
    kept = []
    for answer in answers:
        if answer.value("text") == "*":
            if r.fraction(answer, label) > 0:
                r.say(answer, "warning", f"{label}: отговорът „*“ (всеки отговор) носи точки — "
                      "Dobro не го приема; пропуснат е", "catch-all-ignored")
            other = r.feedback(answer)
            continue
        kept.append(answer)
    return kept, other


def _shortanswer(r: TextReader, node: Node, label: str) -> dict[str, Any]:
    if node.value("usecase", "0") == "1":
        r.say(node.find("usecase") or node, "warning", f"{label}: Moodle сравнява с главните "
              "букви, Dobro — без тях", "case-ignored")
    answers, other = _others(r, node, label, node.findall("answer"))
    result = []
    for answer in answers:
        text = answer.value("text")
        if "*" in text:
            r.say(answer, "warning", f"{label}: „*“ в отговора „{text}“ в Moodle значи „какъвто "
                  "и да е текст“, а в Dobro е буквално звездичка — поправете отговора",
                  "wildcard")
        result.append(TextAnswer(text, r.fraction(answer, label), r.feedback(answer)))
    if not any(a.weight >= 100 - 1e-6 for a in result):
        raise r.fail(node, f"{label} няма верен отговор (отговор с fraction=\"100\")",
                     "no-correct-answer")
    return {"type": "text", "text_answers": tuple(result), "feedback_other": other}


def _numerical(r: TextReader, node: Node, label: str) -> dict[str, Any]:
    units = node.find("units")
    if units is not None and units.findall("unit"):
        r.say(units, "warning", f"{label}: мерните единици не се пренасят — участникът пише само "
              "числото", "units-ignored")
    answers, other = _others(r, node, label, node.findall("answer"))
    result = []
    for answer in answers:
        text = answer.value("text")
        value = r.number(answer, text, f"{label}: отговорът")
        tolerance_node = answer.find("tolerance")
        tolerance = abs(r.number(tolerance_node, tolerance_node.text or "0", f"{label}: "
                                 "допускът (tolerance)")) if tolerance_node is not None else 0.0
        result.append(NumberAnswer(value - tolerance, value + tolerance,
                                   r.fraction(answer, label), r.feedback(answer)))
    if not any(a.weight >= 100 - 1e-6 for a in result):
        raise r.fail(node, f"{label} няма верен отговор (отговор с fraction=\"100\")",
                     "no-correct-answer")
    return {"type": "number", "number_answers": tuple(result), "feedback_other": other}


def _matching(r: TextReader, node: Node, label: str) -> dict[str, Any]:
    pairs, distractors = [], []
    for sub in node.findall("subquestion"):
        left, right = r.rich(sub), (sub.find("answer") or sub).value("text")
        if not right:
            r.say(sub, "warning", f"{label}: подвъпрос без отговор — пропуснат", "empty-pair")
        elif left:
            pairs.append((left, right))
        else:  # Moodle's way of writing a wrong answer that matches nothing
            distractors.append(right)
    if len(pairs) < 2:
        raise r.fail(node, f"{label} има по-малко от две двойки", "few-pairs")
    return {"type": "match", "pairs": tuple(pairs), "distractors": tuple(distractors),
            "shuffle": _yes(node.value("shuffleanswers", "true"))}


def _ordering(r: TextReader, node: Node, label: str) -> dict[str, Any]:
    items = [r.rich(answer) for answer in node.findall("answer")]
    if len(items) < 2:
        raise r.fail(node, f"{label} има по-малко от два елемента за подреждане", "few-items")
    grading = node.value("gradingtype", "ABSOLUTE_POSITION").upper()
    if grading not in ("ABSOLUTE_POSITION", "ABSOLUTE", "ABS"):
        r.say(node.find("gradingtype") or node, "warning", f"{label}: оценява се по начина на "
              f"Dobro (всеки елемент на мястото си), не по „{grading}“", "ordering-grading")
    if node.value("selecttype", "ALL").upper() != "ALL":
        r.say(node.find("selecttype") or node, "warning", f"{label}: Dobro показва всички "
              "елементи, не част от тях", "ordering-select")
    return {"type": "order", "items": tuple(items)}


_TYPES: dict[str, Callable[[TextReader, Node, str], dict[str, Any]]] = {
    "multichoice": _multichoice,
    "truefalse": _truefalse,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
    "matching": _matching,
    "match": _matching,
    "ordering": _ordering,
}
