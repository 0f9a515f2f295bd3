"""The quiz statistics as computed before issue 15: every counted attempt read into Python.

Kept word for word (less its per-process cache) as the oracle the SQL aggregation of
``webapp.services.quiz_tallies`` is proven equal to (``test_stats_in_sql.py``).
"""

# ruff: noqa: E501
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import Select
from sqlmodel import Session

from course.model import Question, Quiz
from course.questionkey import snapshot_key
from course.serial import question_from_dict
from course.stats import AttemptScores, choice_frequencies, quiz_stats
from webapp.models import ATTEMPT_OPEN, Answer, Attempt, QuestionScore, User
from webapp.services.attempts import decode
from webapp.services.quiz_reports import QuestionRow, QuizReport
from webapp.services.statistics import visible_learner_ids

_ATTEMPT = Attempt.__table__  # type: ignore[attr-defined]
_ANSWER = Answer.__table__  # type: ignore[attr-defined]
_SCORE = QuestionScore.__table__  # type: ignore[attr-defined]


def scores(questions: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]] | None,
           percent: float | None) -> AttemptScores:
    """An attempt's stored questions and results as plain numbers: per question id,
    (score fraction, points)."""
    items: dict[str, tuple[float, float]] = {}
    for slot, result in zip(questions, results or [], strict=False):
        points = float(result.get("points") or 0)
        score = float(result.get("score") or 0)
        items[slot["question"]["id"]] = (score / points if points else 0.0, points)
    return AttemptScores(items, percent)


def chunks(ids: Sequence[int], size: int = 1000) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


class Counted(NamedTuple):
    """A finished attempt as the statistics read it; it never changes once finished.

    Only flat tuples of numbers and text: thousands of them cost the garbage collector
    nothing (CPython stops tracking such tuples), where dicts and lists would slow
    every full collection of the worker.
    """

    question_ids: tuple[str, ...]  # in display order
    fractions: tuple[float, ...]  # score / points per question
    points: tuple[float, ...]
    percent: float | None
    responses: tuple[str | None, ...]  # each saved response as stored (JSON); None: unanswered
    keys: tuple[str, ...] = ()  # each question's key fingerprint (course.questionkey)

    def scores(self) -> AttemptScores:
        return AttemptScores(dict(zip(self.question_ids, zip(self.fractions, self.points,
                                                             strict=True), strict=True)),
                             self.percent)

    def given(self, decoded: dict[str, Any] | None = None) -> Iterator[tuple[str, Any]]:
        """(question id, the response as graded, None when unanswered).

        ``decoded`` memoises the JSON: across thousands of attempts a question's
        responses take few distinct values. Its values are shared: read, never change.
        """
        memo = {} if decoded is None else decoded
        for question_id, text in zip(self.question_ids, self.responses, strict=True):
            if text is None:
                yield question_id, None
                continue
            value = memo.get(text)
            if value is None:
                value = memo[text] = decode(json.loads(text))
            yield question_id, value


def _read_attempts(db: Session, ids: Sequence[int]) -> dict[int, Counted]:
    """Finished attempts from their question scores and answers.

    An attempt without question scores (made by hand, say, in tests or imports)
    is read from its stored questions and results instead — far slower.
    """
    found: dict[int, Counted] = {}
    for chunk in chunks(ids):
        responses: dict[tuple[int, str], str | None] = {}
        for attempt_id, question_id, response in db.connection().execute(
                sa.select(_ANSWER.c.attempt_id, _ANSWER.c.question_id,
                          sa.cast(_ANSWER.c.response, sa.Text))
                .where(_ANSWER.c.attempt_id.in_(chunk))).all():  # .all(): one fetch, not per row
            responses[(attempt_id, question_id)] = response
        items: dict[int, dict[str, tuple[float, float]]] = defaultdict(dict)
        keys: dict[int, dict[str, str]] = defaultdict(dict)
        for attempt_id, question_id, key, score, points in db.connection().execute(
                sa.select(_SCORE.c.attempt_id, _SCORE.c.question_id, _SCORE.c.question_key,
                          _SCORE.c.score, _SCORE.c.points).where(_SCORE.c.attempt_id.in_(chunk))
                .order_by(_SCORE.c.attempt_id, _SCORE.c.position)).all():
            items[attempt_id][question_id] = (score / points if points else 0.0, points)
            keys[attempt_id][question_id] = key
        percents: dict[int, float] = dict(db.connection().execute(
            sa.select(_ATTEMPT.c.id, _ATTEMPT.c.percent).where(_ATTEMPT.c.id.in_(chunk))).all())
        missing = [i for i in chunk if i not in items]
        if missing:
            for attempt_id, questions, results in db.connection().execute(
                    sa.select(_ATTEMPT.c.id, _ATTEMPT.c.questions, _ATTEMPT.c.results)
                    .where(_ATTEMPT.c.id.in_(missing))):
                items[attempt_id] = dict(scores(questions, results, None).items)
                keys[attempt_id] = {slot["question"]["id"]: snapshot_key(slot["question"])
                                    for slot in questions}
        for attempt_id in chunk:
            scored = items.get(attempt_id, {})
            question_ids = tuple(scored)
            found[attempt_id] = Counted(
                question_ids, tuple(scored[q][0] for q in question_ids),
                tuple(scored[q][1] for q in question_ids), percents.get(attempt_id),
                tuple(responses.get((attempt_id, q)) for q in question_ids),
                tuple(keys[attempt_id].get(q, "") for q in question_ids))
    return found


def quiz_report(db: Session, user: User, quiz: Quiz, first_only: bool = True,
                true_false: tuple[str, str] = ("true", "false")) -> QuizReport:
    """Moodle-style statistics of ``quiz`` over the attempts ``user`` may see.

    Computing them means reading every counted attempt's questions and results, so
    the report is kept (``cache``) for the exact list of attempts it counted: any
    attempt finished since, or a learner moving in or out of view, changes the list
    and so computes the report again. A finished attempt never changes.
    """
    counted = tuple((attempt_id, uid) for attempt_id, uid in db.connection().execute(
        _finished(user, quiz.id, first_only).with_only_columns(_ATTEMPT.c.id, _ATTEMPT.c.user_id)
        .order_by(_ATTEMPT.c.user_id, _ATTEMPT.c.number, _ATTEMPT.c.id)))
    return _quiz_report(db, quiz, counted, first_only, true_false)


def _finished(user: User, quiz_id: str, first_only: bool) -> Select[Any]:
    """The finished attempts at ``quiz_id`` that ``user`` may see (a query to narrow)."""
    query = sa.select(_ATTEMPT.c.id).where(
        _ATTEMPT.c.quiz_id == quiz_id, _ATTEMPT.c.state != ATTEMPT_OPEN,
        _ATTEMPT.c.percent.is_not(None), _ATTEMPT.c.user_id.in_(visible_learner_ids(user)))
    return query.where(_ATTEMPT.c.number == 1) if first_only else query


def _quiz_report(db: Session, quiz: Quiz, counted: Sequence[tuple[int, int]],
                 first_only: bool, true_false: tuple[str, str]) -> QuizReport:
    read = _read_attempts(db, [attempt_id for attempt_id, _uid in counted])
    found = [read[attempt_id] for attempt_id, _uid in counted]
    versions = Versions(counted, found)
    labelled = [versions.labels(attempt) for attempt in found]
    stats = quiz_stats([AttemptScores(dict(zip(ids, zip(a.fractions, a.points, strict=True),
                                                strict=True)), a.percent)
                        for a, ids in zip(found, labelled, strict=True)],
                       [label for q in quiz.questions for label in versions.of(q.id)])
    questions = _latest_questions(db, quiz, counted, labelled, versions)
    given: dict[str, list[Any]] = defaultdict(list)
    decoded: dict[str, Any] = {}
    for attempt, ids in zip(found, labelled, strict=True):
        for label, (_question_id, response) in zip(ids, attempt.given(decoded), strict=True):
            given[label].append(response)
    rows = []
    for item in stats.questions:
        question = questions.get(item.question_id)
        if question is None or item.attempts == 0:
            continue
        labels: Sequence[str] = [c.text for c in question.choices]
        right: Sequence[bool] = [c.weight > 0 for c in question.choices]
        if question.type == "true-false":
            labels, right = true_false, [question.answer is True, question.answer is False]
        frequencies, unanswered = choice_frequencies(question.type, labels, right,
                                                     given.get(item.question_id, []))
        rows.append(QuestionRow(question, item, frequencies, unanswered,
                                versions.number(item.question_id)))
    return QuizReport(stats, tuple(rows), len({uid for _id, uid in counted}), first_only)


class Versions:
    """The versions of each question that the counted attempts answered.

    A question keeps its id when its key changes, but its old and new answers do not mean
    the same: each (id, key) is counted as its own question, labelled ``id~v1``, ``id~v2``…
    in the order learners first met them. A question with one version keeps its plain id.
    """

    def __init__(self, counted: Sequence[tuple[int, int]], found: Sequence[Counted]) -> None:
        first: dict[tuple[str, str], int] = {}
        for (attempt_id, _uid), attempt in zip(counted, found, strict=True):
            for pair in zip(attempt.question_ids, self.keys(attempt), strict=True):
                first[pair] = min(first.get(pair, attempt_id), attempt_id)
        self.keys_of: dict[str, list[str]] = defaultdict(list)
        for (question_id, key), _first in sorted(first.items(), key=lambda item: item[1]):
            self.keys_of[question_id].append(key)
        self.base: dict[str, str] = {}
        self.numbers: dict[str, int] = {}
        for question_id, keys in self.keys_of.items():
            for index, key in enumerate(keys):
                label = self.label(question_id, key)
                self.base[label] = question_id
                if len(keys) > 1:
                    self.numbers[label] = index + 1

    @staticmethod
    def keys(attempt: Counted) -> tuple[str, ...]:
        return attempt.keys or ("",) * len(attempt.question_ids)

    def label(self, question_id: str, key: str) -> str:
        keys = self.keys_of.get(question_id, [])
        return question_id if len(keys) <= 1 else f"{question_id}~v{keys.index(key) + 1}"

    def labels(self, attempt: Counted) -> tuple[str, ...]:
        return tuple(self.label(q, k) for q, k in zip(attempt.question_ids, self.keys(attempt),
                                                      strict=True))

    def of(self, question_id: str) -> list[str]:
        """The labels of ``question_id``'s versions, oldest first."""
        keys = self.keys_of.get(question_id) or [""]
        return [self.label(question_id, key) for key in keys]

    def number(self, label: str) -> int | None:
        """The version's number, None when the question has only one."""
        return self.numbers.get(label)


def _latest_questions(db: Session, quiz: Quiz, counted: Sequence[tuple[int, int]],
                      labelled: Sequence[tuple[str, ...]], versions: Versions,
                      ) -> dict[str, Question]:
    """Each question (each version of one) as the learners saw it last (the newest attempt's
    snapshot), else as today's quiz has it. Only the few attempts holding a latest snapshot
    are read again."""
    newest: dict[str, int] = {}
    for (attempt_id, _uid), ids in zip(counted, labelled, strict=True):
        for label in ids:
            newest[label] = max(newest.get(label, 0), attempt_id)
    current = {q.id: q for q in quiz.questions}
    questions: dict[str, Question] = {label: current[versions.base.get(label, label)]
                                      for label in versions.base
                                      if versions.base.get(label, label) in current}
    questions.update(current)
    wanted: dict[int, dict[str, str]] = defaultdict(dict)  # attempt → question id → label
    for label, attempt_id in newest.items():
        wanted[attempt_id][versions.base.get(label, label)] = label
    for chunk in chunks(sorted(wanted)):
        for attempt_id, slots in db.connection().execute(
                sa.select(_ATTEMPT.c.id, _ATTEMPT.c.questions).where(_ATTEMPT.c.id.in_(chunk))):
            for slot in slots:
                seen = wanted[attempt_id].get(slot["question"]["id"])
                if seen is not None:
                    questions[seen] = question_from_dict(slot["question"])
    return questions
