"""What makes one question unscorable or ambiguous, judged from the question alone."""

from __future__ import annotations

from collections.abc import Iterable

from course.model import Question

FULL_MARKS_EPSILON = 1e-6


def has_feedback(question: Question) -> bool:
    """Tell whether any answer, choice or outcome of ``question`` has its own feedback."""
    answers = [a.feedback for a in question.text_answers]
    answers += [a.feedback for a in question.number_answers]
    answers += [c.feedback for c in question.choices]
    return any(answers) or bool(
        question.feedback_true or question.feedback_false or question.feedback_other)


def question_faults(q: Question) -> Iterable[tuple[str, str]]:
    """Say (code, message) for what makes a question unscorable or ambiguous."""
    full = 100 - FULL_MARKS_EPSILON
    if q.type == "single" and q.choices and max(c.weight for c in q.choices) < full:
        yield ("no-full-marks",
               "никой отговор не носи пълен брой точки (correct: true или weight: 100)")
    if q.type == "multiple" and q.choices and sum(
            c.weight for c in q.choices if c.weight > 0) < full:
        yield ("no-full-marks",
               "верните отговори не дават пълен брой точки (теглата им трябва да са общо 100)")
    answers = q.text_answers or q.number_answers
    if q.type in ("text", "number") and answers and max(a.weight for a in answers) < full:
        yield "no-full-marks", "никой отговор не носи пълен брой точки (weight: 100)"
    texts = [c.text for c in q.choices] or list(q.items)
    if len(set(texts)) != len(texts):
        yield "duplicate-answer", "има повторени отговори"
    if q.pairs:
        lefts, rights = [p[0] for p in q.pairs], [p[1] for p in q.pairs] + list(q.distractors)
        if len(set(lefts)) != len(lefts) or len(set(rights)) != len(rights):
            yield "duplicate-answer", "има повторени елементи в двойките или дистракторите"
