"""The e-mails Dobro sends, one function per causing event: each builds its context and
hands it to ``outbox.queue`` in the caller's transaction (so a message exists exactly
when its cause is committed).

A trigger site calls one of these, once. The idempotency key names the event, so a
second call for the same event (a retried request, a second sweep) records nothing.
Whether a kind is essential (ignores opt-outs) is the outbox's decision, by kind.

Reset codes: a code a staff member makes for someone else always brings its owner a
notice ("a reset code was made for your account; if you did not ask, tell your
trainer") — without the code, unless the form chose "send by e-mail": then the mail
carries the code itself (it goes to the address on the account, which only its owner
reads), as a join code's invitation does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from flask import current_app
from sqlmodel import Session

from webapp.models import Certificate, Invitation, TrainingSession, User, utcnow
from webapp.services import ical, sessions
from webapp.services.outbox import Attachment, mail_enabled, queue

ICS_TYPE = "text/calendar"


def sending(user: User) -> bool:
    """Whether a code made for ``user`` goes by e-mail unless the form says otherwise: e-mail
    is on and the person has an address (the default of the forms' "send by e-mail" box)."""
    return mail_enabled(current_app.config) and bool((user.email or "").strip())


def code_made(db: Session, user: User, code: str, invitation: Invitation,
              created_by: User | None, send: bool | None) -> None:
    """A join or reset code was made for ``user``: the invitation with the code (join, when
    ``send``), or the reset notice (with the code when ``send``); ``send`` None: the
    default — an invitation when ``sending(user)``, a reset notice without the code."""
    if send is None:  # an invitation goes by default; a reset code only when asked for
        send = invitation.purpose == "join" and sending(user)
    db.flush()  # the invitation's id names the event
    if invitation.purpose == "join":
        if send:
            queue(db, kind="invitation", key=f"invitation:{invitation.id}", user=user,
                  template="invitation", created_by=created_by,
                  context={"code": code, "expires_at": invitation.expires_at})
        return
    if created_by is not None and created_by.id == user.id:
        return  # a code one made for oneself needs no notice
    queue(db, kind="reset_code", key=f"reset-code:{invitation.id}", user=user,
          template="reset_code", created_by=created_by,
          context={"code": code if send else "", "expires_at": invitation.expires_at,
                   "made_by": created_by.name if created_by is not None else ""})


def password_changed(db: Session, user: User, now: datetime | None = None) -> None:
    """Tell ``user`` their password was changed (by them, or with a reset code)."""
    now = now or utcnow()
    queue(db, kind="password_changed", key=f"password-changed:{user.id}:{now.isoformat()}",
          user=user, template="password_changed", context={"changed_at": now})


def certificate_issued(db: Session, cert: Certificate, user: User | None) -> None:
    """Tell the holder their certificate is issued, with its verify link."""
    if user is None:
        return
    queue(db, kind="certificate_issued", key=f"certificate:{cert.id}", user=user,
          template="certificate_issued", context={"certificate": cert})


# --- Sessions --------------------------------------------------------------------------------


def recipients(db: Session, found: TrainingSession,
               only: Iterable[int] | None = None) -> list[User]:
    """The active learners enrolled in the session (``only``: among these ids)."""
    wanted = set(only) if only is not None else None
    return [line.user for line in sessions.roster(db, found)
            if line.user.active and (wanted is None or line.user.id in wanted)]


def session_ics(found: TrainingSession, method: str = "PUBLISH",
                seq: int | None = None) -> Attachment:
    """The session as an .ics file (the same event, and UID, as its download and feed)."""
    event = replace(sessions.calendar_event(found, seq),
                    organizer=str(current_app.config.get("MAIL_FROM", "")))
    text = ical.calendar([event], found.title, utcnow(), method=method)
    return Attachment(f"session-{found.id}.ics", ICS_TYPE, text.encode("utf-8"))


def enrolled(db: Session, found: TrainingSession, group_id: int,
             created_by: User | None) -> None:
    """Tell each learner of the newly enrolled group they are enrolled, with the .ics."""
    members = sessions.group_learner_ids(db, group_id)
    ics = session_ics(found)
    for user in recipients(db, found, members):
        queue(db, kind="session_enrolled", key=f"session-enrolled:{found.id}:{user.id}",
              user=user, template="session_enrolled", created_by=created_by,
              context={"session": found}, attachments=[ics])


def joined_group(db: Session, user: User, created_by: User | None,
                 now: datetime | None = None) -> None:
    """Tell a learner just added to a group of the group's sessions that have not begun
    (the group was enrolled before they came); the same key as ``enrolled``, so nobody is
    told of one session twice."""
    now = now or utcnow()
    if not user.active:
        return
    for found in sessions.upcoming_for(db, user, now):
        if found.starts_at > now:
            queue(db, kind="session_enrolled", key=f"session-enrolled:{found.id}:{user.id}",
                  user=user, template="session_enrolled", created_by=created_by,
                  context={"session": found}, attachments=[session_ics(found)])


def changed(db: Session, found: TrainingSession, created_by: User | None,
            now: datetime | None = None) -> None:
    """Tell everyone enrolled that the session's time or place changed (new .ics, same UID,
    higher SEQUENCE)."""
    seq = sessions.sequence(found, now or utcnow())
    ics = session_ics(found, "REQUEST", seq)
    for user in recipients(db, found):
        queue(db, kind="session_changed", key=f"session-changed:{found.id}:{user.id}:{seq}",
              user=user, template="session_changed", created_by=created_by,
              context={"session": found}, attachments=[ics])


def cancelled(db: Session, found: TrainingSession, created_by: User | None) -> None:
    """Tell everyone enrolled that the session is cancelled (.ics with METHOD:CANCEL)."""
    ics = session_ics(found, "CANCEL")
    for user in recipients(db, found):
        queue(db, kind="session_changed", key=f"session-cancelled:{found.id}:{user.id}",
              user=user, template="session_cancelled", created_by=created_by,
              context={"session": found}, attachments=[ics])


def reminder(db: Session, found: TrainingSession, users: Sequence[User], offset: str) -> int:
    """Remind ``users`` of the session (``offset``: "2d", "2h" — which reminder); a moved
    session's start is in the key, so it gets reminders of its own. How many were queued."""
    ics = session_ics(found)
    queued = 0
    for user in users:
        key = (f"session-reminder-{offset}:{found.id}:{user.id}:"
               f"{sessions.aware(found.starts_at).isoformat()}")
        if queue(db, kind="session_reminder", key=key, user=user, template="session_reminder",
                 context={"session": found}, attachments=[ics]) is not None:
            queued += 1
    return queued
