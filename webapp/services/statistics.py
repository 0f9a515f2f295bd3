"""Quiz statistics and knowledge gain from the database, for the trainer's pages.

The arithmetic is ``course.stats``; this module only picks the attempts and
turns them into plain numbers. Who is counted follows ``webapp.services.groups``:
a trainer sees the learners of the groups they look after, coordinators and
admins every learner. Only learners' attempts count (a trainer trying a quiz out
never skews it), and only finished ones (submitted, or closed when time ran out).

By default only each learner's first attempt counts, as in Moodle's report: a
second attempt at the same questions measures the learner's memory of the first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Select
from sqlmodel import Session, col, select

from course.compiled import CompiledCourse
from course.inline import inline_text
from course.model import Question, Quiz
from course.serial import question_from_dict
from course.stats import (
    AttemptScores,
    Frequency,
    Gain,
    QuestionStats,
    QuizStats,
    choice_frequencies,
    knowledge_gain,
    quiz_stats,
)
from webapp.models import (
    ATTEMPT_OPEN,
    COORDINATORS,
    Attempt,
    Group,
    GroupMember,
    GroupTrainer,
    Organisation,
    User,
)
from webapp.services import completion
from webapp.services.quiz_cache import Counted, cache, chunks

SHORT_TEXT = 80  # characters of a question's text shown in the tables
_USER = User.__table__  # type: ignore[attr-defined]
_ATTEMPT = Attempt.__table__  # type: ignore[attr-defined]


def visible_learner_ids(user: User) -> Select[Any]:
    """The ids of the learners whose records ``user`` may see, as a subquery."""
    query = sa.select(col(User.id)).where(col(User.role) == "learner")
    if user.role not in COORDINATORS:
        mine = select(GroupTrainer.group_id).where(GroupTrainer.user_id == user.id)
        query = query.where(col(User.id).in_(
            select(GroupMember.user_id).where(col(GroupMember.group_id).in_(mine))))
    return query


# --- One quiz ---------------------------------------------------------------------------------

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
    scope = "all" if user.role in COORDINATORS else f"user:{user.id}"
    key = (quiz.id, quiz.version, first_only, true_false, scope)
    found = cache().get(key, counted)
    if found is None:
        found = _quiz_report(db, quiz, counted, first_only, true_false)
        cache().put(key, counted, found)
    return found


def _finished(user: User, quiz_id: str, first_only: bool) -> Select[Any]:
    """The finished attempts at ``quiz_id`` that ``user`` may see (a query to narrow)."""
    query = sa.select(_ATTEMPT.c.id).where(
        _ATTEMPT.c.quiz_id == quiz_id, _ATTEMPT.c.state != ATTEMPT_OPEN,
        _ATTEMPT.c.percent.is_not(None), _ATTEMPT.c.user_id.in_(visible_learner_ids(user)))
    return query.where(_ATTEMPT.c.number == 1) if first_only else query


def _quiz_report(db: Session, quiz: Quiz, counted: Sequence[tuple[int, int]],
                 first_only: bool, true_false: tuple[str, str]) -> QuizReport:
    found = cache().attempts(db, [attempt_id for attempt_id, _uid in counted])
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


def attempt_counts(db: Session, user: User) -> dict[str, tuple[int, int]]:
    """Per quiz id: (finished attempts, learners who finished one) that ``user`` may see."""
    query = (sa.select(_ATTEMPT.c.quiz_id, sa.func.count(),
                       sa.func.count(sa.distinct(_ATTEMPT.c.user_id)))
             .where(_ATTEMPT.c.state != ATTEMPT_OPEN, _ATTEMPT.c.percent.is_not(None),
                    _ATTEMPT.c.user_id.in_(visible_learner_ids(user)))
             .group_by(_ATTEMPT.c.quiz_id))
    return {quiz_id: (total, people) for quiz_id, total, people
            in db.connection().execute(query)}


# --- Knowledge gain ---------------------------------------------------------------------------

@dataclass(frozen=True)
class GainRow:
    topic_id: str
    topic: str
    label: str  # the group, organisation or audience; "" in the per-topic breakdown
    gain: Gain


@dataclass(frozen=True)
class GainReport:
    by_topic: tuple[GainRow, ...]
    by_group: tuple[GainRow, ...]
    by_organisation: tuple[GainRow, ...]
    by_audience: tuple[GainRow, ...]


def gain_report(db: Session, user: User, course: CompiledCourse,
                build_dir: Path) -> GainReport:
    """Pre-test against final per topic, and per group, organisation and audience.

    A learner counts once they have a finished pre-test and a finished final: the
    first pre-test (what they knew before) against their best final (the most they
    showed after). Mastery is the final test passed, as ``course.rules`` decides it
    for the checklist and the dashboard (by the quiz's grading method).
    """
    learners: dict[int, tuple[int | None, str | None]] = {
        uid: (organisation_id, audience) for uid, organisation_id, audience in
        db.connection().execute(sa.select(_USER.c.id, _USER.c.organisation_id, _USER.c.audience)
                                .where(_USER.c.id.in_(visible_learner_ids(user)))).all()}
    organisations = {o.id: o.name for o in db.exec(select(Organisation))}
    # Each learner's labels in the three breakdowns, found once (not once per topic).
    groups = _groups_of(db, user)
    organisation_of: dict[int, tuple[str, ...]] = {}
    audience_of: dict[int, tuple[str, ...]] = {}
    for uid, (organisation_id, audience) in learners.items():
        organisation_of[uid] = (organisations.get(organisation_id, ""),) if organisation_id \
            else ()
        audience_of[uid] = (course.audiences.get(audience, audience),) if audience else ()
    firsts = _percents(db, user, [t.pretest for t in course.topics if t.pretest])
    gradings = completion.gradings(build_dir, course)
    finals = {t.final: gradings.get(t.final) for t in course.topics if t.final}
    # One read of the finals for both: each learner's best, and the sums the rules decide
    # the pass from. ``user_id + 0`` keeps SQLite on ix_attempt_quiz_scores (the finals'
    # rows, then each learner looked up in the list) rather than probing every learner's
    # attempts at each final: 40 % less time at 10,000 learners.
    visible = (_ATTEMPT.c.user_id + 0).in_(visible_learner_ids(user))
    connection = db.connection()
    sums = connection.execute(completion.best_query(connection, finals, visible)).all()
    passed = completion.passed_of_best(connection, finals, sums, visible)
    bests: dict[str, dict[int, float]] = defaultdict(dict)  # by final, then learner
    for quiz_id, best, _low, _high, uids in sums:
        bests[quiz_id].update(dict.fromkeys(completion.ids_of(uids), best))
    by_topic: list[GainRow] = []
    by_group: list[GainRow] = []
    by_organisation: list[GainRow] = []
    by_audience: list[GainRow] = []
    for topic in course.topics:
        if not topic.pretest or not topic.final:
            continue
        # Oldest first: reversed, each learner's first pre-test is the one that stays.
        pre = dict(reversed(firsts.get(topic.pretest, [])))
        post = bests.get(topic.final, {})
        final = topic.final
        results = {uid: (percent, post[uid], final in passed.get(uid, ()))
                   for uid, percent in pre.items() if uid in post}
        by_topic.append(GainRow(topic.id, topic.title, "",
                                knowledge_gain(list(results.values()))))

        def breakdown(labels: Mapping[int, Sequence[str]],
                      results: dict[int, tuple[float, float, bool]] = results,
                      topic_id: str = topic.id, title: str = topic.title) -> list[GainRow]:
            buckets: dict[str, list[tuple[float, float, bool]]] = defaultdict(list)
            for uid, result in results.items():
                for label in labels.get(uid, ()):
                    buckets[label].append(result)
            return [GainRow(topic_id, title, label, knowledge_gain(found))
                    for label, found in sorted(buckets.items())]

        by_group.extend(breakdown(groups))
        by_organisation.extend(breakdown(organisation_of))
        by_audience.extend(breakdown(audience_of))
    return GainReport(tuple(by_topic), tuple(by_group), tuple(by_organisation),
                      tuple(by_audience))


def _percents(db: Session, user: User, quiz_ids: Sequence[str]
              ) -> dict[str, list[tuple[int, float]]]:
    """Per quiz: (learner, percent) of the finished attempts ``user`` may see, oldest first."""
    query = sa.select(_ATTEMPT.c.quiz_id, _ATTEMPT.c.user_id, _ATTEMPT.c.percent).where(
        _ATTEMPT.c.quiz_id.in_(list(quiz_ids)), _ATTEMPT.c.state != ATTEMPT_OPEN,
        _ATTEMPT.c.percent.is_not(None), _ATTEMPT.c.user_id.in_(visible_learner_ids(user))
    ).order_by(_ATTEMPT.c.quiz_id, _ATTEMPT.c.user_id, _ATTEMPT.c.number)
    found: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for quiz_id, uid, value in db.connection().execute(query).all():
        found[quiz_id].append((uid, value))
    return found


def _groups_of(db: Session, user: User) -> dict[int, list[str]]:
    """Per learner, the names of their groups that ``user`` may see."""
    query = (select(GroupMember.user_id, Group.name)
             .join(Group, col(Group.id) == GroupMember.group_id)
             .where(col(GroupMember.user_id).in_(visible_learner_ids(user))))
    if user.role not in COORDINATORS:
        query = query.where(col(GroupMember.group_id).in_(
            select(GroupTrainer.group_id).where(GroupTrainer.user_id == user.id)))
    found: dict[int, list[str]] = defaultdict(list)
    for uid, name in db.connection().execute(query).all():
        found[uid].append(name)
    return found
