"""Before a quiz or pool file is saved from the browser: which of its questions change, who
is in the middle of an attempt with them, and a new id for a question whose key changed.

An open attempt holds a snapshot of its questions (``Attempt.questions``) and is graded
against it, so saving never changes an attempt under way; the trainer is told so, and asked
to confirm, because those learners finish on the version they started with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from course.model import Quiz
from course.questionkey import QuestionChanges, compare
from course.quizload import parse_quiz
from webapp.models import ATTEMPT_OPEN, Attempt, QuestionScore
from webapp.services.authoring import NotUtf8, Paths, read

_ATTEMPT = Attempt.__table__  # type: ignore[attr-defined]
_SCORE = QuestionScore.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class QuizChange:
    """What a save of a quiz file changes for learners."""

    quiz: Quiz  # as the candidate text has it
    changes: QuestionChanges
    open_learners: int  # learners with an open attempt holding a changed question
    answered_keys: tuple[str, ...]  # key-changed questions that learners have answered

    @property
    def needs_confirmation(self) -> bool:
        return self.open_learners > 0 or bool(self.answered_keys)


def review(session: Session, paths: Paths, rel: str, text: str) -> QuizChange | None:
    """What saving ``text`` over the quiz file ``rel`` changes, when it needs a confirmation."""
    if not rel.startswith("quizzes/"):
        return None
    try:
        current, sha = read(paths.root, rel)
    except NotUtf8:
        return None
    old = parse_quiz(rel, sha, current, [])
    new = parse_quiz(rel, sha, text, [])
    if old is None or new is None:
        return None  # the checks report a broken file; nothing to compare
    changes = compare(old.questions, new.questions)
    if not changes:
        return None
    touched = set(changes.changed) | set(changes.removed)
    found = QuizChange(new, changes, _open_learners(session, old, touched),
                       _answered(session, changes.key_changed))
    return found if found.needs_confirmation else None


def _open_learners(session: Session, quiz: Quiz, touched: set[str]) -> int:
    """Learners with an open attempt whose snapshot holds one of the ``touched`` questions.

    A pool's questions are drawn by other quizzes, so every open attempt is looked at; open
    attempts are few (one per learner and quiz at most), and only their snapshots are read.
    """
    query = sa.select(_ATTEMPT.c.user_id, _ATTEMPT.c.questions).where(
        _ATTEMPT.c.state == ATTEMPT_OPEN)
    if quiz.kind != "pool":
        query = query.where(_ATTEMPT.c.quiz_id == quiz.id)
    learners = {user_id for user_id, slots in session.connection().execute(query)
                if any(slot["question"]["id"] in touched for slot in slots)}
    return len(learners)


def _answered(session: Session, question_ids: tuple[str, ...]) -> tuple[str, ...]:
    """Those of ``question_ids`` that some finished attempt has a score for."""
    if not question_ids:
        return ()
    found = {qid for (qid,) in session.connection().execute(
        sa.select(_SCORE.c.question_id).where(_SCORE.c.question_id.in_(question_ids)).distinct())}
    return tuple(qid for qid in question_ids if qid in found)


def with_new_ids(text: str, quiz: Quiz, question_ids: tuple[str, ...]) -> str:
    """``text`` with each of ``question_ids`` renamed to an unused id (``id-2``, ``id-3``…).

    Only the ``id:`` line of the question itself is touched, so comments and layout stay.
    """
    taken = {q.id for q in quiz.questions}
    lines = text.splitlines(keepends=True)
    for question in quiz.questions:
        if question.id not in question_ids:
            continue
        new_id = _unused(question.id, taken)
        taken.add(new_id)
        pattern = re.compile(r"^(\s*(?:-\s+)?id\s*:\s*)([\"']?)" + re.escape(question.id)
                             + r"\2(\s*(?:#.*)?)$")
        for index in range(question.pos[0] - 1, len(lines)):
            body = lines[index].rstrip("\r\n")
            match = pattern.match(body)
            if match:
                ending = lines[index][len(body):]
                lines[index] = (f"{match.group(1)}{match.group(2)}{new_id}{match.group(2)}"
                                f"{match.group(3)}{ending}")
                break
    return "".join(lines)


def _unused(question_id: str, taken: set[str]) -> str:
    stem = re.sub(r"-\d+$", "", question_id)
    number = 2
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"

