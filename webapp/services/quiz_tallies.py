"""A quiz's counted attempts aggregated in SQL: what its statistics need, in a few hundred rows.

Ten thousand finished attempts hold two hundred thousand graded questions and as many
saved answers; reading them into Python took seconds. The database groups them instead
(``GROUP BY``), and ``course.tallies`` computes the same statistics from the groups:

* per question version (id and key fingerprint) and each distinct (score fraction,
  points, the attempt's total points): how many attempts, the first and newest attempt
  that drew it, and where it first appears in the attempts' order;
* per question version and each distinct saved response (as stored, JSON text): how many
  gave it and the first attempt (in order) that did;
* the attempts' percentages, each distinct value with its count.

An attempt without question scores (made by hand, in tests or imports) is read from its
stored questions and results instead and added to the same tallies — far slower, and rare.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Select
from sqlmodel import Session

from course.questionkey import snapshot_key
from webapp.models import Answer, Attempt, QuestionScore

_ATTEMPT = Attempt.__table__  # type: ignore[attr-defined]
_ANSWER = Answer.__table__  # type: ignore[attr-defined]
_SCORE = QuestionScore.__table__  # type: ignore[attr-defined]
SLOTS = 1_000_000  # more positions than any quiz has: rank * SLOTS + position orders them

Version = tuple[str, str]  # (question id, key fingerprint)
ScoreGroup = tuple[float, float, float]  # (score fraction, points, the attempt's total points)


@dataclass
class Tallies:
    """What the statistics of a quiz's counted attempts are computed from."""

    attempts: int = 0
    percents: dict[float, int] = field(default_factory=dict)
    scores: dict[Version, dict[ScoreGroup, int]] = field(
        default_factory=lambda: defaultdict(dict))
    first: dict[Version, int] = field(default_factory=dict)  # the lowest attempt id
    newest: dict[Version, int] = field(default_factory=dict)  # the highest attempt id
    appears: dict[Version, int] = field(default_factory=dict)  # rank * SLOTS + position
    # per version: the stored response text (None: no answer saved) → [count, first rank]
    responses: dict[Version, dict[str | None, list[int]]] = field(
        default_factory=lambda: defaultdict(dict))

    def add_scores(self, version: Version, group: ScoreGroup, n: int, first: int, newest: int,
                   appears: int) -> None:
        found = self.scores[version]
        found[group] = found.get(group, 0) + n
        self.first[version] = min(self.first.get(version, first), first)
        self.newest[version] = max(self.newest.get(version, newest), newest)
        self.appears[version] = min(self.appears.get(version, appears), appears)

    def add_response(self, version: Version, text: str | None, n: int, rank: int) -> None:
        found = self.responses[version].setdefault(text, [0, rank])
        found[0] += n
        found[1] = min(found[1], rank)


def read(db: Session, finished: Select[Any]) -> Tallies:
    """The tallies of the attempts ``finished`` selects (a select of ``attempt`` rows)."""
    connection = db.connection()
    counted = _counted(finished)
    found = Tallies()
    for percent, n in connection.execute(
            sa.select(counted.c.percent, sa.func.count()).group_by(counted.c.percent)):
        found.percents[float(percent)] = n
        found.attempts += n
    unscored = False
    for question_id, key, share, points, total, response, n, first, newest, appears, rank \
            in connection.execute(_grouped(connection, finished)).all():
        if question_id is None:  # attempts without question scores (the outer join's nulls)
            unscored = True
            continue
        version = (question_id, key)
        found.add_scores(version, (float(share), float(points), settled(total)), n, first,
                         newest, appears)
        found.add_response(version, response, n, rank)
    if unscored:
        _add_unscored(db, found, dict(connection.execute(
            sa.select(counted.c.id, counted.c.rank).where(~sa.exists().where(
                _SCORE.c.attempt_id == counted.c.id))).all()))
    return found


def _counted(finished: Select[Any], *extra: sa.ColumnElement[Any]) -> sa.CTE:
    """The counted attempts: id, percentage and rank in the report's order."""
    return finished.with_only_columns(
        _ATTEMPT.c.id, _ATTEMPT.c.percent,
        sa.func.row_number().over(order_by=(_ATTEMPT.c.user_id, _ATTEMPT.c.number,
                                            _ATTEMPT.c.id)).label("rank"), *extra).cte("counted")


def _fraction(score: sa.TableClause | sa.Table | Any) -> sa.ColumnElement[Any]:
    """A graded question's score as a fraction of its points (0 for a question worth 0)."""
    return sa.case((score.c.points != 0, score.c.score / score.c.points),
                   else_=sa.literal(0.0, sa.Float))


def _grouped(connection: sa.Connection, finished: Select[Any]) -> Select[Any]:
    """One pass over the counted attempts' graded questions and saved answers, grouped by
    question version, score, the attempt's total and response.

    PostgreSQL reads each attempt's rows through the primary keys (a ``LATERAL`` join that
    ``OFFSET 0`` keeps from being flattened into a scan of the whole tables) and totals each
    attempt within it; SQLite, which always joins that way, totals each attempt once as it
    lists them. An attempt without question scores comes out as one row of nulls.
    """
    fraction = _fraction(_SCORE)
    answered = sa.and_(_ANSWER.c.attempt_id == _SCORE.c.attempt_id,
                       _ANSWER.c.question_id == _SCORE.c.question_id)
    columns = (_SCORE.c.attempt_id, _SCORE.c.question_id, _SCORE.c.question_key,
               _SCORE.c.position, _SCORE.c.points, fraction.label("fraction"),
               sa.cast(_ANSWER.c.response, sa.Text).label("response"))
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL jit = off")  # compiling costs more than it saves
        connection.exec_driver_sql("SET LOCAL work_mem = '32MB'")
        counted = _counted(finished)
        each = (sa.select(*columns, sa.func.sum(fraction * _SCORE.c.points).over()
                          .label("total"))
                .select_from(_SCORE.outerjoin(_ANSWER, answered))
                .where(_SCORE.c.attempt_id == counted.c.id).offset(0).lateral("scored"))
        rows = sa.select(each, counted.c.rank).select_from(
            counted.outerjoin(each, sa.true()))
    else:
        inner = _SCORE.alias("inner_score")
        total = (sa.select(sa.func.sum(_fraction(inner) * inner.c.points))
                 .where(inner.c.attempt_id == _ATTEMPT.c.id).scalar_subquery())
        counted = _counted(finished, total.label("total"))  # once per attempt, not per row
        rows = sa.select(*columns, counted.c.total, counted.c.rank).select_from(
            counted.outerjoin(_SCORE, _SCORE.c.attempt_id == counted.c.id).outerjoin(
                _ANSWER, answered))
    scored = rows.subquery()
    group = (scored.c.question_id, scored.c.question_key, scored.c.fraction, scored.c.points,
             scored.c.total, scored.c.response)
    return sa.select(*group, sa.func.count(), sa.func.min(scored.c.attempt_id),
                     sa.func.max(scored.c.attempt_id),
                     sa.func.min(scored.c.rank * SLOTS + scored.c.position),
                     sa.func.min(scored.c.rank)).group_by(*group)


def _add_unscored(db: Session, found: Tallies, ranks: dict[int, int]) -> None:
    """Add the attempts ``ranks`` (id → rank) that have no question scores, read from
    their stored questions and results."""
    connection = db.connection()
    for chunk in chunks(sorted(ranks)):
        responses: dict[tuple[int, str], str | None] = dict(
            ((attempt_id, question_id), response) for attempt_id, question_id, response
            in connection.execute(
                sa.select(_ANSWER.c.attempt_id, _ANSWER.c.question_id,
                          sa.cast(_ANSWER.c.response, sa.Text))
                .where(_ANSWER.c.attempt_id.in_(chunk))).all())
        for attempt_id, questions, results in connection.execute(
                sa.select(_ATTEMPT.c.id, _ATTEMPT.c.questions, _ATTEMPT.c.results)
                .where(_ATTEMPT.c.id.in_(chunk))).all():
            items: dict[str, tuple[float, float, str, int]] = {}
            for position, (slot, result) in enumerate(zip(questions, results or [],
                                                          strict=False)):
                points = float(result.get("points") or 0)
                score = float(result.get("score") or 0)
                question = slot["question"]
                items[question["id"]] = (score / points if points else 0.0, points,
                                         snapshot_key(question), position)
            total = settled(sum(share * points for share, points, _key, _position
                                in items.values()))
            rank = ranks[attempt_id]
            for question_id, (share, points, key, position) in items.items():
                version = (question_id, key)
                found.add_scores(version, (share, points, total), 1, attempt_id, attempt_id,
                                 rank * SLOTS + position)
                found.add_response(version, responses.get((attempt_id, question_id)), 1, rank)


def settled(total: float) -> float:
    """An attempt's total points, rounded where a sum's order could change its last bits.

    The database adds an attempt's question scores in whatever order its plan reads them,
    Python in the order of the questions: 1/3 + 1/3 + 1/3 can come out one bit apart, and
    then one attempt's total would fall into two groups and the statistics differ in their
    last digits from one view of the same attempts to the next.
    """
    return round(float(total), 9)


def chunks(ids: Sequence[int], size: int = 1000) -> Sequence[Sequence[int]]:
    return [ids[start:start + size] for start in range(0, len(ids), size)]
