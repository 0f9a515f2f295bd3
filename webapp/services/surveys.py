"""Evaluation surveys: who is invited, and storing an anonymous answer sheet (the results
are ``survey_results``).

Anonymity is kept by the storage, not by a promise. An answer sheet
(``SurveyResponse``) has a random key, no user id and no time; that the person
answered (``SurveyAnswered``: user, survey, session, the day) is a separate row with
no answer in it. Both are written in one transaction, and nothing — no serial, no
timestamp — puts them in a common order. The context kept for the results is coarse
(session and its trainer, topic, organisation kind, audience).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from course.compiled import CompiledCourse
from course.surveymodel import Survey, SurveyQuestion
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
    rows = db.exec(_ANSWERED, params={"user_id": user.id})
    return {(survey_id, session_id) for survey_id, session_id in rows}


def _attended(db: Session, user: User, now: datetime) -> list[TrainingSession]:
    """Sessions the learner attended that ended within ``SESSION_WINDOW``, latest first."""
    return list(db.exec(_ATTENDED, params={"user_id": user.id, "now": now,
                                           "since": now - SESSION_WINDOW}))


# Built once: every learner's home page runs them (see attempts._HISTORY).
_ANSWERED = select(SurveyAnswered.survey_id, SurveyAnswered.session_id).where(
    col(SurveyAnswered.user_id) == bindparam("user_id"))
_ATTENDED = (select(TrainingSession)
             .join(Attendance, col(Attendance.session_id) == TrainingSession.id)
             .where(col(Attendance.user_id) == bindparam("user_id"),
                    col(Attendance.status).in_(ATTENDED),
                    col(TrainingSession.ends_at) <= bindparam("now"),
                    col(TrainingSession.ends_at) >= bindparam("since"),
                    col(TrainingSession.cancelled_at).is_(None))
             .order_by(col(TrainingSession.ends_at).desc()))


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
