"""What a question means for grading (its key), as a short fingerprint, and how two versions
of a quiz's questions differ.

Two answers to a question can only be counted together when the same responses earned the
same marks: the fingerprint covers what grades (the correct choices and their weights, the
accepted texts, the numbers and tolerances, the pairs, the order), not the wording around it.
A corrected typo in the question's text keeps its fingerprint; a new correct choice does not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from course.model import Question
from course.serial import question_from_dict

KEY_LENGTH = 12  # hex digits kept: enough to tell a question's few versions apart


def key_parts(question: Question) -> list[Any]:
    """The parts of ``question`` that decide its grade, as plain JSON values."""
    parts: list[Any] = [question.type]
    if question.type in ("single", "multiple"):
        # Weights in their order: the statistics count choices by position, so a
        # reordering is a new key too; the choices' wording is not.
        parts.append([c.weight for c in question.choices])
    elif question.type == "true-false":
        parts.append(question.answer)
    elif question.type == "text":
        parts.append(sorted([a.text.strip(), a.weight] for a in question.text_answers))
    elif question.type == "number":
        parts.append(sorted([a.low, a.high, a.weight] for a in question.number_answers))
    elif question.type == "match":
        parts.extend([[list(p) for p in question.pairs], sorted(question.distractors)])
    elif question.type == "order":
        parts.append(list(question.items))
    return parts


def question_key(question: Question) -> str:
    """A short fingerprint of ``question``'s key (see ``key_parts``)."""
    data = json.dumps(key_parts(question), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:KEY_LENGTH]


def snapshot_key(data: Mapping[str, Any]) -> str:
    """The key fingerprint of a question stored as a dict (an attempt's snapshot); "" when
    the snapshot is too incomplete to be read as a question (hand-made or very old data)."""
    try:
        return question_key(question_from_dict(dict(data)))
    except (KeyError, TypeError, ValueError):
        return ""


@dataclass(frozen=True)
class QuestionChanges:
    """How the questions of a quiz file differ between the file and a candidate text."""

    changed: tuple[str, ...]  # ids whose question differs in any way
    key_changed: tuple[str, ...]  # ids whose key differs: old answers mean something else
    removed: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.changed or self.removed)


def compare(old: Iterable[Question], new: Iterable[Question]) -> QuestionChanges:
    """Compare two versions of a quiz's questions by id."""
    before = {q.id: q for q in old}
    after = {q.id: q for q in new}
    common = [qid for qid in after if qid in before]
    changed = tuple(qid for qid in common if _without_pos(before[qid]) != _without_pos(after[qid]))
    keyed = tuple(qid for qid in changed
                  if question_key(before[qid]) != question_key(after[qid]))
    return QuestionChanges(changed, keyed, tuple(qid for qid in before if qid not in after))


def _without_pos(question: Question) -> Question:
    """The question without where it stands in the file (moving it is no change)."""
    return replace(question, pos=(0, 0),
                   ref=replace(question.ref, pos=(0, 0)) if question.ref else None)
