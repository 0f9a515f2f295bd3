"""Evaluation survey results: which answer sheets a viewer may see, what they add up to,
and the donor report's satisfaction (Kirkpatrick level 1).

Results are shown only for at least ``MIN_RESPONSES`` answer sheets, and only when no
scope one filter wider holds one to four more (its results minus these would be those
people's answers). A trainer sees their own sessions' and topics' answers only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from course.compiled import CompiledCourse
from course.surveymodel import MIN_RESPONSES, Survey, Tally, shown, tally
from webapp.models import SurveyResponse, TrainingSession, User, utcnow


@dataclass(frozen=True)
class Scope:
    """Which answer sheets of one survey: all, or one session's, trainer's, organisation
    kind's. A trainer's scope always holds their own id (``visible_scope``)."""

    survey_id: str
    session_id: int | None = None
    trainer_id: int | None = None
    organisation_kind: str = ""

    def where(self) -> list[Any]:
        """The SQL conditions of this scope."""
        conditions: list[Any] = [SurveyResponse.survey_id == self.survey_id]
        if self.session_id is not None:
            conditions.append(SurveyResponse.session_id == self.session_id)
        if self.trainer_id is not None:
            conditions.append(SurveyResponse.trainer_id == self.trainer_id)
        if self.organisation_kind:
            conditions.append(SurveyResponse.organisation_kind == self.organisation_kind)
        return conditions

    def parents(self) -> list[Scope]:
        """The scopes one filter wider (each filter dropped in turn)."""
        wider = [Scope(self.survey_id, None, self.trainer_id, self.organisation_kind),
                 Scope(self.survey_id, self.session_id, None, self.organisation_kind),
                 Scope(self.survey_id, self.session_id, self.trainer_id, "")]
        return [w for w in wider if w != self]


@dataclass(frozen=True)
class Results:
    """A survey's results in a scope; ``tallies`` is empty when they are not shown: fewer
    than five answers, or (``differencing``) a wider scope holds 1–4 answers more, which
    its results minus these would show."""

    survey: Survey
    scope: Scope
    count: int
    tallies: tuple[Tally, ...] = ()
    differencing: bool = False

    @property
    def shown(self) -> bool:
        return shown(self.count) and not self.differencing


def _count(db: Session, scope: Scope) -> int:
    return db.exec(select(func.count()).select_from(SurveyResponse).where(*scope.where())).one()


def results(db: Session, survey: Survey, scope: Scope) -> Results:
    """Add up the answer sheets in ``scope``; read none when they may not be shown."""
    count = _count(db, scope)
    if not shown(count):
        return Results(survey, scope, count)
    # Each scope one filter wider must differ by none or by five or more: else its
    # results minus these would be the answers of one to four people.
    if any(0 < _count(db, wider) - count < MIN_RESPONSES for wider in scope.parents()):
        return Results(survey, scope, count, differencing=True)
    sheets = [a for a in db.exec(select(SurveyResponse.answers).where(*scope.where()))]
    tallies = tuple(tally(q, (s.get(q.id) if isinstance(s, dict) else None for s in sheets))
                    for q in survey.questions)
    # Open answers in a random order would still be a fixed order per query; sorting them
    # makes sure it says nothing about who answered first.
    tallies = tuple(Tally(t.question, t.answered, t.counts, t.mean, tuple(sorted(t.texts)))
                    for t in tallies)
    return Results(survey, scope, count, tallies)


@dataclass(frozen=True)
class Group:
    """One line of the results index: a survey in a scope, and how many answered."""

    survey_id: str
    scope: Scope
    count: int
    session: TrainingSession | None = None
    trainer: User | None = None


def index(db: Session, viewer: User, trainers_too: bool) -> dict[str, list[Group]]:
    """The groups of answer sheets the viewer may see, by session, topic survey, trainer
    and organisation kind (a trainer: only their own sessions' and topics')."""
    mine = None if trainers_too else viewer.id
    own = [SurveyResponse.trainer_id == mine] if mine is not None else []
    found: dict[str, list[Group]] = {"session": [], "survey": [], "trainer": [], "kind": []}
    sessions = db.exec(select(SurveyResponse.survey_id, SurveyResponse.session_id, func.count())
                       .where(col(SurveyResponse.session_id).is_not(None), *own)
                       .group_by(col(SurveyResponse.survey_id),
                                 col(SurveyResponse.session_id))).all()
    held = {s.id: s for s in db.exec(select(TrainingSession).where(
        col(TrainingSession.id).in_([row[1] for row in sessions])))}
    for survey_id, session_id, count in sessions:
        found["session"].append(Group(survey_id, Scope(survey_id, session_id, mine), count,
                                      session=held.get(session_id)))
    found["session"].sort(key=lambda g: g.session.starts_at if g.session else utcnow(),
                          reverse=True)
    for survey_id, count in db.exec(select(SurveyResponse.survey_id, func.count()).where(*own)
                                    .group_by(SurveyResponse.survey_id)
                                    .order_by(SurveyResponse.survey_id)):
        found["survey"].append(Group(survey_id, Scope(survey_id, None, mine), count))
    for survey_id, kind, count in db.exec(
            select(SurveyResponse.survey_id, SurveyResponse.organisation_kind, func.count())
            .where(*own).group_by(SurveyResponse.survey_id, SurveyResponse.organisation_kind)
            .order_by(SurveyResponse.survey_id, SurveyResponse.organisation_kind)):
        found["kind"].append(Group(survey_id, Scope(survey_id, None, mine, kind), count))
    if trainers_too:
        rows = db.exec(select(SurveyResponse.survey_id, SurveyResponse.trainer_id, func.count())
                       .where(col(SurveyResponse.trainer_id).is_not(None))
                       .group_by(col(SurveyResponse.survey_id), col(SurveyResponse.trainer_id))
                       .order_by(SurveyResponse.survey_id)).all()
        people = {u.id: u for u in db.exec(select(User).where(
            col(User.id).in_([row[1] for row in rows])))}
        for survey_id, trainer_id, count in rows:
            found["trainer"].append(Group(survey_id, Scope(survey_id, None, trainer_id), count,
                                          trainer=people.get(trainer_id)))
    return found


def visible_scope(db: Session, viewer: User, scope: Scope, sees_all: bool) -> Scope | None:
    """``scope`` as the viewer may see it: a trainer sees their own sessions' and topics'
    answers only (None for another trainer's session or another trainer asked for)."""
    if sees_all:
        return scope
    if scope.trainer_id not in (None, viewer.id):
        return None
    if scope.session_id is not None:
        session = db.get(TrainingSession, scope.session_id)
        if session is None or session.trainer_id != viewer.id:
            return None
    return Scope(scope.survey_id, scope.session_id, viewer.id, scope.organisation_kind)


# --- The donor report: satisfaction (Kirkpatrick level 1) -------------------------------------

@dataclass(frozen=True)
class Satisfaction:
    """A topic's satisfaction: answer sheets, Likert answers, their mean (1–5) and the share
    that agreed (the top two points). ``mean`` is None when too few sheets to show."""

    topic_id: str
    responses: int
    answers: int = 0
    mean: float | None = None
    agreed: int = 0  # percent


def satisfaction(db: Session, course: CompiledCourse, kind: str = "",
                 topic_ids: Iterable[str] | None = None) -> list[Satisfaction]:
    """Each topic's satisfaction over every Likert question of its surveys (of respondents
    from organisations of ``kind``, if given). Answer sheets carry no date, so no period
    applies."""
    rows: dict[str, list[Any]] = {}
    everyone: dict[str, int] = {}
    for topic_id, survey_id, answers, of_kind in db.exec(select(
            SurveyResponse.topic_id, SurveyResponse.survey_id, SurveyResponse.answers,
            SurveyResponse.organisation_kind)):
        everyone[topic_id] = everyone.get(topic_id, 0) + 1
        if not kind or of_kind == kind:
            rows.setdefault(topic_id, []).append((survey_id, answers))
    found = []
    for topic in course.topics:
        if topic_ids is not None and topic.id not in topic_ids:
            continue
        sheets = rows.get(topic.id, [])
        # As in ``results``: one kind beside everyone must not single out 1–4 people.
        rest = everyone.get(topic.id, 0) - len(sheets)
        if not shown(len(sheets)) or 0 < rest < MIN_RESPONSES:
            found.append(Satisfaction(topic.id, len(sheets)))
            continue
        total, agreed, count = 0.0, 0, 0
        for survey_id, answers in sheets:
            survey = course.surveys.get(survey_id)
            if survey is None or not isinstance(answers, dict):
                continue
            for question in survey.questions:
                value = answers.get(question.id)
                if question.type != "likert" or not isinstance(value, int):
                    continue
                points = len(question.labels)
                if not 0 <= value < points:
                    continue
                # on a five-point scale whatever its length: 1 + 4 × position
                total += 1 + 4 * value / max(points - 1, 1)
                agreed += value >= points - 2 if points >= 4 else value == points - 1
                count += 1
        mean = total / count if count else None
        found.append(Satisfaction(topic.id, len(sheets), count, mean,
                                  round(100 * agreed / count) if count else 0))
    return found
