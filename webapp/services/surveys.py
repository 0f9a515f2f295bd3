"""Evaluation surveys: who is invited, storing an anonymous answer sheet, the results.

Anonymity is kept by the storage, not by a promise. An answer sheet
(``SurveyResponse``) has a random key, no user id and no time; that the person
answered (``SurveyAnswered``: user, survey, session, the day) is a separate row with
no answer in it. Both are written in one transaction, and nothing — no serial, no
timestamp — puts them in a common order. The context kept for the results is coarse
(session and its trainer, topic, organisation kind, audience), and results of fewer
than ``MIN_RESPONSES`` sheets are never shown (``course.surveymodel.shown``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from course.compiled import CompiledCourse
from course.surveymodel import MIN_RESPONSES, Survey, SurveyQuestion, Tally, shown, tally
from webapp.localtime import SOFIA
from webapp.models import (
    ATTENDED,
    Attendance,
    Organisation,
    SurveyAnswered,
    SurveyResponse,
    TrainingSession,
    User,
    utcnow,
)

# A session's evaluation is offered for this long after it ended: later, memory fails.
SESSION_WINDOW = timedelta(days=60)
NO_SESSION = 0  # SurveyAnswered.session_id of a topic's survey


@dataclass(frozen=True)
class Invite:
    """A survey the learner may answer: after a session they attended, or a topic's."""

    survey: Survey
    topic_id: str
    session: TrainingSession | None = None

    @property
    def session_id(self) -> int:
        return self.session.id or NO_SESSION if self.session else NO_SESSION


def _answered(db: Session, user: User) -> set[tuple[str, int]]:
    rows = db.exec(select(SurveyAnswered.survey_id, SurveyAnswered.session_id)
                   .where(SurveyAnswered.user_id == user.id))
    return {(survey_id, session_id) for survey_id, session_id in rows}


def _attended(db: Session, user: User, now: datetime) -> list[TrainingSession]:
    """Sessions the learner attended that ended within ``SESSION_WINDOW``, latest first."""
    return list(db.exec(
        select(TrainingSession)
        .join(Attendance, col(Attendance.session_id) == TrainingSession.id)
        .where(Attendance.user_id == user.id, col(Attendance.status).in_(ATTENDED),
               col(TrainingSession.ends_at) <= now,
               col(TrainingSession.ends_at) >= now - SESSION_WINDOW,
               col(TrainingSession.cancelled_at).is_(None))
        .order_by(col(TrainingSession.ends_at).desc())))


def session_invite(course: CompiledCourse, session: TrainingSession) -> Invite | None:
    """The invite to the evaluation of ``session`` (None if its topic has no such survey)."""
    topic = course.topic(session.topic_id)
    survey = course.surveys.get(topic.session_survey) if topic else None
    return Invite(survey, session.topic_id, session) if survey else None


def topic_invite(course: CompiledCourse, topic_id: str) -> Invite | None:
    """The invite to the topic's evaluation (None if it has none)."""
    topic = course.topic(topic_id)
    survey = course.surveys.get(topic.topic_survey) if topic else None
    return Invite(survey, topic_id) if survey else None


def invitations(db: Session, course: CompiledCourse, user: User,
                complete_topics: Iterable[str], now: datetime | None = None) -> list[Invite]:
    """The surveys the learner is asked to answer and has not: after each session
    attended (recent ones), and for each topic complete."""
    now = now or utcnow()
    done = _answered(db, user)
    found: list[Invite] = []
    for session in _attended(db, user, now):
        invite = session_invite(course, session)
        if invite and (invite.survey.id, invite.session_id) not in done:
            found.append(invite)
    for topic_id in complete_topics:
        invite = topic_invite(course, topic_id)
        if invite and (invite.survey.id, NO_SESSION) not in done:
            found.append(invite)
    return found


def for_session(db: Session, course: CompiledCourse, user: User, survey_id: str,
                session_id: int, now: datetime | None = None) -> Invite | None:
    """The invite to ``survey_id`` after session ``session_id``, if the learner may answer."""
    now = now or utcnow()
    session = db.get(TrainingSession, session_id)
    if session is None or session.cancelled_at is not None or session.ends_at > now:
        return None
    attendance = db.get(Attendance, (session_id, user.id))
    if attendance is None or attendance.status not in ATTENDED:
        return None
    invite = session_invite(course, session)
    return invite if invite and invite.survey.id == survey_id else None


def for_topic(course: CompiledCourse, survey_id: str,
              complete_topics: Iterable[str]) -> Invite | None:
    """The invite to the topic survey ``survey_id``, if its topic is complete."""
    for topic_id in complete_topics:
        invite = topic_invite(course, topic_id)
        if invite and invite.survey.id == survey_id:
            return invite
    return None


def has_answered(db: Session, user: User, invite: Invite) -> bool:
    """Whether the learner has answered this survey (for this session) already."""
    return db.get(SurveyAnswered, (user.id, invite.survey.id, invite.session_id)) is not None


# --- Answers ----------------------------------------------------------------------------------

@dataclass
class Filled:
    """A form read against its survey: the answers to store, what the form showed (to show
    it again), and each question's fault ("required" or "invalid")."""

    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _choice(value: str, size: int) -> int | None:
    value = value.strip()
    if not value.isdigit() or len(value) > 3:
        return None
    index = int(value)
    return index if index < size else None


def read_answers(survey: Survey, form: Mapping[str, Any]) -> Filled:
    """Read a submitted form (``q-<id>`` fields): keep what is valid, cap open answers at
    their question's length, and name each unanswered required question."""
    filled = Filled()
    for question in survey.questions:
        answer, bad = _read_one(question, form)
        if answer not in (None, "", []):
            filled.answers[question.id] = answer
        elif bad:
            filled.errors[question.id] = "invalid"
        elif question.required:
            filled.errors[question.id] = "required"
    return filled


def _read_one(question: SurveyQuestion, form: Mapping[str, Any]) -> tuple[Any, bool]:
    name = f"q-{question.id}"
    size = len(question.options)
    if question.type == "multiple":
        raw = form.getlist(name) if hasattr(form, "getlist") else [form.get(name, "")]
        picked = [_choice(str(v), size) for v in raw[:size + 1] if str(v)]
        valid = sorted({p for p in picked if p is not None})
        return valid, len(valid) < len(picked)
    value = str(form.get(name, "") or "")
    if question.type == "open":
        text = value.replace("\x00", "").replace("\r\n", "\n").strip()
        return text[:question.max_length], False
    if not value:
        return None, False
    index = _choice(value, size)
    return index, index is None


def submit(db: Session, user: User, invite: Invite, answers: dict[str, Any],
           now: datetime | None = None) -> bool:
    """Store the answer sheet and that ``user`` answered, in one transaction (committed);
    False, storing nothing, when they had answered already."""
    if has_answered(db, user, invite):
        return False
    assert user.id is not None
    now = now or utcnow()
    organisation = db.get(Organisation, user.organisation_id) if user.organisation_id else None
    db.add(SurveyAnswered(user_id=user.id, survey_id=invite.survey.id,
                          session_id=invite.session_id,
                          answered_on=now.astimezone(SOFIA).date()))
    db.add(SurveyResponse(
        id=uuid.uuid4().hex, survey_id=invite.survey.id, survey_version=invite.survey.version,
        topic_id=invite.topic_id, session_id=invite.session.id if invite.session else None,
        trainer_id=_trainer(db, user, invite), audience=user.audience or "",
        organisation_kind=organisation.kind if organisation else "", answers=answers))
    try:
        db.commit()
    except IntegrityError:  # the same person's second tab, at the same moment
        db.rollback()
        return False
    return True


def _trainer(db: Session, user: User, invite: Invite) -> int | None:
    """The session's trainer; for a topic's survey, the trainer of the learner's latest
    session of the topic attended (None if none)."""
    if invite.session is not None:
        return invite.session.trainer_id
    return db.exec(select(TrainingSession.trainer_id)
                   .join(Attendance, col(Attendance.session_id) == TrainingSession.id)
                   .where(Attendance.user_id == user.id, col(Attendance.status).in_(ATTENDED),
                          TrainingSession.topic_id == invite.topic_id)
                   .order_by(col(TrainingSession.ends_at).desc()).limit(1)).first()


# --- Results ----------------------------------------------------------------------------------

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
