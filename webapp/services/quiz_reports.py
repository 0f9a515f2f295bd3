"""A quiz's statistics report, and the JSON it is kept as in the shared cache.

The report's numbers and the questions as the learners last saw them are kept; the words
for true and false are the reader's language, so they are put in when a report is read.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any

from course.inline import inline_text
from course.model import Question
from course.serial import question_from_dict, question_to_dict
from course.stats import Frequency, QuestionStats, QuizStats

SHORT_TEXT = 80  # characters of a question's text shown in the tables
FORMAT = 1  # the JSON's layout: a new layout makes every kept report stale


@dataclass(frozen=True)
class QuestionRow:
    question: Question
    stats: QuestionStats
    frequencies: tuple[Frequency, ...]
    unanswered: int
    version: int | None = None  # which version of the question, when its key changed

    @property
    def short_text(self) -> str:
        text = " ".join(inline_text(self.question.text).split())  # a link label: no markup
        return text if len(text) <= SHORT_TEXT else text[:SHORT_TEXT - 1].rstrip() + "…"


@dataclass(frozen=True)
class QuizReport:
    stats: QuizStats
    rows: tuple[QuestionRow, ...]
    learners: int
    first_only: bool


def encode(report: QuizReport) -> bytes:
    """``report`` as compact JSON."""
    stats = asdict(report.stats)
    return json.dumps({
        "stats": stats, "learners": report.learners, "first_only": report.first_only,
        "rows": [{"question": question_to_dict(row.question), "stats": asdict(row.stats),
                  "frequencies": [[f.label, f.count, f.right] for f in row.frequencies],
                  "unanswered": row.unanswered, "version": row.version}
                 for row in report.rows]}, ensure_ascii=False, separators=(",", ":")).encode()


def decode(value: bytes, true_false: tuple[str, str]) -> QuizReport:
    """The report ``encode`` wrote, with ``true_false`` as the words for true and false."""
    data: dict[str, Any] = json.loads(value)
    stats = data["stats"]
    rows = []
    for row in data["rows"]:
        question = question_from_dict(row["question"])
        frequencies = tuple(Frequency(label, count, right)
                            for label, count, right in row["frequencies"])
        if question.type == "true-false":
            frequencies = tuple(replace(f, label=word)
                                for f, word in zip(frequencies, true_false, strict=False))
        rows.append(QuestionRow(question, QuestionStats(**row["stats"]), frequencies,
                                row["unanswered"], row["version"]))
    return QuizReport(
        QuizStats(**{**stats, "questions": tuple(QuestionStats(**q)
                                                 for q in stats["questions"])}),
        tuple(rows), data["learners"], data["first_only"])
