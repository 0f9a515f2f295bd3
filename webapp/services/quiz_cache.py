"""The quiz statistics' reading side: finished attempts as plain numbers, and the cache.

Computing a quiz report means reading every counted attempt; this module reads
them as compact ``Counted`` tuples (from the question scores written with each
grade, and the saved answers) and keeps reports and attempts per app, so a report
is computed again only when the set of attempts it counted changes.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa
from flask import current_app
from sqlmodel import Session

from course.questionkey import snapshot_key
from course.stats import AttemptScores
from webapp.models import Answer, Attempt, QuestionScore
from webapp.services.attempts import decode

if TYPE_CHECKING:
    from webapp.services.statistics import QuizReport

CACHE_KEY = "dobro.quiz_reports"
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


class ReportCache:
    """What the quiz reports cost to compute, kept per app.

    * reports, by key, each valid only for the exact attempts it counted (LRU);
    * finished attempts as ``Counted`` (LRU), so that a report computed again after a
      new submission reads only the attempts it has not seen yet.
    """

    def __init__(self, size: int = 32, attempts: int = 20_000) -> None:
        self.size, self.attempts_size = size, attempts
        self.entries: OrderedDict[Hashable, tuple[tuple[Any, ...], QuizReport]] = OrderedDict()
        self.counted: OrderedDict[int, Counted] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, counted: tuple[Any, ...]) -> QuizReport | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] != counted:
                return None
            self.entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, counted: tuple[Any, ...], report: QuizReport) -> None:
        with self.lock:
            self.entries[key] = (counted, report)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def attempts(self, db: Session, ids: Sequence[int]) -> list[Counted]:
        """The finished attempts ``ids``, in that order: those not kept yet are read."""
        with self.lock:
            known = {i: self.counted[i] for i in ids if i in self.counted}
        read = _read_attempts(db, [i for i in ids if i not in known])
        with self.lock:
            for attempt_id in ids:
                if attempt_id in read:
                    self.counted[attempt_id] = read[attempt_id]
                if attempt_id in self.counted:
                    self.counted.move_to_end(attempt_id)
            while len(self.counted) > self.attempts_size:
                self.counted.popitem(last=False)
        return [known.get(i) or read[i] for i in ids]


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


def cache() -> ReportCache:
    """The app's cache of quiz reports (one per app: two apps never share one)."""
    found = current_app.extensions.get(CACHE_KEY)
    if found is None:
        found = current_app.extensions.setdefault(CACHE_KEY, ReportCache())
    return found  # type: ignore[no-any-return]
