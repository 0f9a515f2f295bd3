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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

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
from webapp.content import CompiledCourse
from webapp.models import Answer, Attempt, Group, GroupMember, GroupTrainer, Organisation, User
from webapp.services.attempts import decode
from webapp.services.groups import SEES_ALL_GROUPS

SHORT_TEXT = 80  # characters of a question's text shown in the tables


def visible_learners(db: Session, user: User) -> list[User]:
    """The learners whose attempts ``user`` may see in statistics."""
    query = select(User).where(User.role == "learner")
    if user.role not in SEES_ALL_GROUPS:
        mine = select(GroupTrainer.group_id).where(GroupTrainer.user_id == user.id)
        query = query.where(col(User.id).in_(
            select(GroupMember.user_id).where(col(GroupMember.group_id).in_(mine))))
    return list(db.exec(query.order_by(col(User.id))))


def finished_attempts(db: Session, learner_ids: Sequence[int], quiz_id: str | None = None,
                      first_only: bool = False) -> list[Attempt]:
    """The finished attempts of these learners (at one quiz, if given), oldest first."""
    if not learner_ids:
        return []
    query = select(Attempt).where(col(Attempt.user_id).in_(list(learner_ids)),
                                  Attempt.state != "open", col(Attempt.percent).is_not(None))
    if quiz_id is not None:
        query = query.where(Attempt.quiz_id == quiz_id)
    if first_only:
        query = query.where(Attempt.number == 1)
    return list(db.exec(query.order_by(col(Attempt.user_id), col(Attempt.number))))


def scores(attempt: Attempt) -> AttemptScores:
    """The attempt as plain numbers: per question id, (score fraction, points)."""
    items: dict[str, tuple[float, float]] = {}
    for slot, result in zip(attempt.questions, attempt.results or [], strict=False):
        points = float(result.get("points") or 0)
        score = float(result.get("score") or 0)
        items[slot["question"]["id"]] = (score / points if points else 0.0, points)
    return AttemptScores(items, attempt.percent)


# --- One quiz ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuestionRow:
    question: Question
    stats: QuestionStats
    frequencies: tuple[Frequency, ...]
    unanswered: int

    @property
    def short_text(self) -> str:
        text = " ".join(self.question.text.split())
        return text if len(text) <= SHORT_TEXT else text[:SHORT_TEXT - 1].rstrip() + "…"


@dataclass(frozen=True)
class QuizReport:
    stats: QuizStats
    rows: tuple[QuestionRow, ...]
    learners: int
    first_only: bool


def quiz_report(db: Session, user: User, quiz: Quiz, first_only: bool = True,
                true_false: tuple[str, str] = ("true", "false")) -> QuizReport:
    """Moodle-style statistics of ``quiz`` over the attempts ``user`` may see."""
    learners = [u.id for u in visible_learners(db, user) if u.id is not None]
    found = finished_attempts(db, learners, quiz.id, first_only)
    stats = quiz_stats([scores(a) for a in found], [q.id for q in quiz.questions])
    # The question as the learners saw it: the latest snapshot, else today's quiz.
    questions: dict[str, Question] = {q.id: q for q in quiz.questions}
    for attempt in found:
        for slot in attempt.questions:
            questions[slot["question"]["id"]] = question_from_dict(slot["question"])
    responses = _responses(db, found)
    rows = []
    for item in stats.questions:
        question = questions.get(item.question_id)
        if question is None or item.attempts == 0:
            continue
        given = [responses.get((a.id, item.question_id)) for a in found
                 if any(s["question"]["id"] == item.question_id for s in a.questions)]
        labels: Sequence[str] = [c.text for c in question.choices]
        right: Sequence[bool] = [c.weight > 0 for c in question.choices]
        if question.type == "true-false":
            labels, right = true_false, [question.answer is True, question.answer is False]
        frequencies, unanswered = choice_frequencies(question.type, labels, right, given)
        rows.append(QuestionRow(question, item, frequencies, unanswered))
    return QuizReport(stats, tuple(rows), len({a.user_id for a in found}), first_only)


def _responses(db: Session, found: Sequence[Attempt]) -> dict[tuple[int | None, str], Any]:
    ids = [a.id for a in found]
    if not ids:
        return {}
    rows = db.exec(select(Answer).where(col(Answer.attempt_id).in_(ids)))
    return {(r.attempt_id, r.question_id): decode(r.response) for r in rows}


def attempt_counts(db: Session, user: User) -> dict[str, tuple[int, int]]:
    """Per quiz id: (finished attempts, learners who finished one) that ``user`` may see."""
    learners = [u.id for u in visible_learners(db, user) if u.id is not None]
    counts: dict[str, tuple[int, set[int]]] = {}
    for attempt in finished_attempts(db, learners):
        total, people = counts.get(attempt.quiz_id, (0, set()))
        people.add(attempt.user_id)
        counts[attempt.quiz_id] = (total + 1, people)
    return {quiz_id: (total, len(people)) for quiz_id, (total, people) in counts.items()}


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


def gain_report(db: Session, user: User, course: CompiledCourse) -> GainReport:
    """Pre-test against final per topic, and per group, organisation and audience.

    A learner counts once they have a finished pre-test and a finished final: the
    first pre-test (what they knew before) against their best final. Mastery is
    reaching the final's pass mark.
    """
    learners = {u.id: u for u in visible_learners(db, user) if u.id is not None}
    organisations = {o.id: o.name for o in db.exec(select(Organisation))}
    groups = _groups_of(db, user, list(learners))
    by_topic: list[GainRow] = []
    by_group: list[GainRow] = []
    by_organisation: list[GainRow] = []
    by_audience: list[GainRow] = []
    for topic in course.topics:
        if not topic.pretest or not topic.final:
            continue
        final = course.quizzes.get(topic.final)
        threshold = final.pass_mark if final is not None else 0.0
        pre: dict[int, float] = {}
        for attempt in finished_attempts(db, list(learners), topic.pretest):
            if attempt.percent is not None:
                pre.setdefault(attempt.user_id, attempt.percent)  # oldest first: the first one
        post: dict[int, float] = {}
        for attempt in finished_attempts(db, list(learners), topic.final):
            if attempt.percent is not None:
                post[attempt.user_id] = max(post.get(attempt.user_id, 0.0), attempt.percent)
        pairs = {uid: (pre[uid], post[uid]) for uid in pre if uid in post}
        by_topic.append(GainRow(topic.id, topic.title, "",
                                knowledge_gain(list(pairs.values()), threshold)))

        def breakdown(key: Any, pairs: dict[int, tuple[float, float]] = pairs,
                      threshold: float = threshold, topic_id: str = topic.id,
                      title: str = topic.title) -> list[GainRow]:
            buckets: dict[str, list[tuple[float, float]]] = defaultdict(list)
            for uid, pair in pairs.items():
                for label in key(uid):
                    buckets[label].append(pair)
            return [GainRow(topic_id, title, label, knowledge_gain(found, threshold))
                    for label, found in sorted(buckets.items())]

        by_group.extend(breakdown(lambda uid: groups.get(uid, [])))
        by_organisation.extend(breakdown(lambda uid: [organisations.get(
            learners[uid].organisation_id, "")] if learners[uid].organisation_id else []))
        by_audience.extend(breakdown(lambda uid: [course.audiences.get(
            learners[uid].audience or "", learners[uid].audience or "")]
            if learners[uid].audience else []))
    return GainReport(tuple(by_topic), tuple(by_group), tuple(by_organisation),
                      tuple(by_audience))


def _groups_of(db: Session, user: User, learner_ids: list[int]) -> dict[int, list[str]]:
    """Per learner, the names of their groups that ``user`` may see."""
    if not learner_ids:
        return {}
    query = (select(GroupMember.user_id, Group.name)
             .join(Group, col(Group.id) == GroupMember.group_id)
             .where(col(GroupMember.user_id).in_(learner_ids)))
    if user.role not in SEES_ALL_GROUPS:
        query = query.where(col(GroupMember.group_id).in_(
            select(GroupTrainer.group_id).where(GroupTrainer.user_id == user.id)))
    found: dict[int, list[str]] = defaultdict(list)
    for uid, name in db.exec(query):
        found[uid].append(name)
    return found
