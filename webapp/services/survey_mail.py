"""The e-mail invitation to evaluate a session, after it ends (a non-essential message:
the person may turn it off, and every one carries an unsubscribe link).

The job runner runs ``surveys.invite`` every five minutes. A session that ended within
``INVITE_WINDOW`` and has an evaluation survey gets one message per learner marked
present or late who has not answered yet; the key names the session and the person, so
a second pass (or server) queues nothing twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from webapp import db as database
from webapp import jobs
from webapp.content import current_course
from webapp.models import ATTENDED, Attendance, SurveyAnswered, TrainingSession, User, utcnow
from webapp.services import sessions
from webapp.services.outbox import queue
from webapp.services.surveys import session_invite

INVITE_JOB = "surveys.invite"
KIND = "survey_invitation"
# Invite soon after the session; a runner down for a day still catches up, but no later.
INVITE_WINDOW = timedelta(days=2)


@jobs.periodic(INVITE_JOB)
def invite_job(_payload: dict[str, Any]) -> None:
    """The periodic job: invite after the sessions that ended lately."""
    db = database.session()
    invite_after_sessions(db)
    db.commit()


def invite_after_sessions(db: Session, now: datetime | None = None) -> int:
    """Queue the invitation to each session's evaluation (the caller commits); how many."""
    now = sessions.aware(now or utcnow())
    course = current_course()
    ended = db.exec(select(TrainingSession).where(
        col(TrainingSession.cancelled_at).is_(None),
        col(TrainingSession.ends_at) <= now,
        col(TrainingSession.ends_at) > now - INVITE_WINDOW)).all()
    queued = 0
    for found in ended:
        invite = session_invite(course, found)
        if invite is None:
            continue
        answered = set(db.exec(select(SurveyAnswered.user_id).where(
            SurveyAnswered.survey_id == invite.survey.id,
            SurveyAnswered.session_id == found.id)))
        people = db.exec(select(User).join(Attendance, col(Attendance.user_id) == User.id)
                         .where(Attendance.session_id == found.id,
                                col(Attendance.status).in_(ATTENDED), col(User.active))
                         .order_by(col(User.id))).all()
        for user in people:
            if user.id in answered:
                continue
            if queue(db, kind=KIND, key=f"survey-invitation:{found.id}:{user.id}", user=user,
                     template="survey_invitation",
                     context={"session": found, "survey": invite.survey}) is not None:
                queued += 1
    return queued
