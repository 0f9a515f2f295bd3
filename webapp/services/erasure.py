"""Erasure (GDPR art. 17, issue 16 item 8): requests, their decision, and the pseudonymisation
that an approval runs.

``pseudonymise`` replaces a person's personal data everywhere Dobro holds it and keeps what
statistics need as anonymous data: the account row stays (under a pseudonym, signed out for
good) so attempts, progress, attendance, groups and the organisation still count in the
reports and the donor report. Where the data lives, table by table:

- ``user``: name → a pseudonym, e-mail, phone, user name, position, sex and password gone,
  the account closed (``active`` off, ``session_version`` bumped: every session ends);
- ``login_session``, ``known_address``, ``calendar_feed``, ``mail_preference``,
  ``invitation`` (an unused join code would open the account again): deleted;
- ``throttle``: the sign-in counters keyed by the user name: deleted;
- ``certificate``: each valid one revoked with ``REVOCATION_REASON`` (the history and the
  badge status list say so), and on every one the holder's name, organisation and the
  free-text reasons blanked; ``certificate_event`` reasons blanked; the stored PDFs deleted;
- ``mail_message``: address, subject, bodies, attachments and the error text blanked (kind,
  status and dates stay: the log still counts them), and the error text of their send jobs;
- ``answer``: the free text of text questions blanked (the grade stays in
  ``question_score``); the cached quiz statistics (``shared_cache``), which hold answers'
  text, dropped (computed again at the next view);
- ``job``: the learner's xAPI statements not sent yet (services/xapi.py) are dropped; those
  sent carry only an opaque id (a keyed hash of the user id), never a name or an address;
- ``review_card``, ``review_log``: the person's spaced-review cards and their answers in the
  review (services/review.py): deleted;
- ``survey_answered`` (which evaluation surveys the person answered): deleted. Their answer
  sheets (``survey_response``) are kept, open answers too: they hold no user id, no time
  and a random key, so nothing leads from the person to them (services/surveys.py);
- uploads of participant lists waiting for confirmation (``instance/imports``) are deleted,
  every one: they are spreadsheets of many people, kept 30 minutes at most, and this one
  may be among them; the trainer uploads again.

Kept as they are, since they hold no personal data: ``erasure_request``, ``audit_entry``,
``privacy_consent`` (ids and dates), ``attempt`` (the questions drawn are course content),
``attendance`` and its changes. Web-authored course text (``source_version``) is a
trainer's work, not a learner's data: not touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash

from webapp.models import (
    CERTIFICATE_ERASED_REASON,
    CERTIFICATE_VALID,
    Answer,
    Attempt,
    CalendarFeed,
    CertificateEvent,
    ErasureRequest,
    Invitation,
    Job,
    KnownAddress,
    LoginSession,
    MailMessage,
    MailPreference,
    SharedCache,
    StoredFile,
    SurveyAnswered,
    Throttle,
    User,
    utcnow,
)
from webapp.services import audit, certificates, pending_imports, review, xapi
from webapp.services.accounts import MAX_PASSWORD
from webapp.services.certificate_pdf import STORED_KIND
from webapp.services.statistics import CACHE_PREFIX as STATISTICS_CACHE

REVOCATION_REASON = CERTIFICATE_ERASED_REASON
MAX_REASON = 500
PENDING, APPROVED, REFUSED = "pending", "approved", "refused"
CHANNELS = ("web", "paper", "retention")


class ErasureError(Exception):
    """An erasure action the rules refuse; ``code`` names the rule."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def pseudonym(user_id: int) -> str:
    """The stable name an erased account is shown under."""
    return f"Заличен участник #{user_id}"


def _last_admin(db: Session, user: User) -> bool:
    if user.role != "admin":
        return False
    others = db.exec(select(func.count()).select_from(User).where(
        User.role == "admin", col(User.active).is_(True), User.id != user.id)).one()
    return not others


def pseudonymise(db: Session, user: User, by: User, reason_channel: str,
                 instance: Path | None = None) -> bool:
    """Replace ``user``'s personal data everywhere (the caller commits); False if it was
    erased already. ``reason_channel`` (web, paper, retention) is kept on the request only."""
    if reason_channel not in CHANNELS:
        raise ValueError(reason_channel)
    if user.pseudonymised_at is not None:
        return False
    if _last_admin(db, user):
        raise ErasureError("last-admin")
    assert user.id is not None
    if _sqlite(db):  # what is overwritten or deleted now is zeroed in the file, not left free
        db.connection().exec_driver_sql("PRAGMA secure_delete = ON")
    _certificates(db, user, by)
    _mail(db, user.id)
    _answers(db, user.id)
    review.erase(db, user.id)  # the review's cards and answers: what they recalled, when
    xapi.drop_pending(db, user.id)  # statements not sent yet (those sent name no one)
    # Cached quiz statistics hold the text of answers: computed again on the next view.
    db.exec(delete(SharedCache).where(col(SharedCache.key).startswith(STATISTICS_CACHE)))
    _sign_in_traces(db, user)
    _account(db, user)
    _pending_uploads(Path(instance or current_app.instance_path))
    db.flush()
    return True


def _sqlite(db: Session) -> bool:
    return db.get_bind().dialect.name == "sqlite"


def scrub(db: Session) -> None:
    """After an erasure is committed: on SQLite, move the write-ahead log into the file and
    empty it, so the old versions of the pages (with the data) are gone from disk too. On
    PostgreSQL the old row versions stay until (auto)vacuum; no dump or backup holds them."""
    if _sqlite(db):
        db.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.commit()


def _account(db: Session, user: User) -> None:
    assert user.id is not None
    user.name, user.email, user.phone, user.username = pseudonym(user.id), None, "", None
    user.position, user.sex, user.password_hash = "", "", None
    user.active, user.session_version = False, user.session_version + 1
    user.pseudonymised_at = utcnow()
    db.add(user)


def _sign_in_traces(db: Session, user: User) -> None:
    # SurveyAnswered: which surveys the person answered (their answers are anonymous, kept).
    for column in (LoginSession.user_id, KnownAddress.user_id, CalendarFeed.user_id,
                   MailPreference.user_id, Invitation.user_id, SurveyAnswered.user_id):
        db.exec(delete(column.class_).where(col(column) == user.id))  # type: ignore[attr-defined]
    if user.username:
        name = user.username.lower()
        db.exec(delete(Throttle).where(or_(
            func.lower(Throttle.key) == f"login-user:{name}",
            func.lower(Throttle.key).startswith(f"login-pair:{name}:", autoescape=True))))


def _certificates(db: Session, user: User, by: User) -> None:
    held = certificates.of_user(db, user)
    for cert in held:
        if cert.status == CERTIFICATE_VALID:
            certificates.revoke(db, cert, by, REVOCATION_REASON)
    for cert in held:
        cert.holder_name, cert.organisation_name, cert.reason = "", "", ""
        if cert.revoked_reason != REVOCATION_REASON:
            cert.revoked_reason = ""
        db.add(cert)
    ids = [c.id for c in held]
    if ids:
        db.exec(update(CertificateEvent).where(
            col(CertificateEvent.certificate_id).in_(ids),
            col(CertificateEvent.reason) != REVOCATION_REASON).values(reason=""))
        db.exec(delete(StoredFile).where(col(StoredFile.kind) == STORED_KIND,
                                         col(StoredFile.key).in_([c.code for c in held])))


def _mail(db: Session, user_id: int) -> None:
    mine = select(MailMessage.id).where(col(MailMessage.user_id) == user_id)
    # The send jobs (key "mail:<id>", outbox.queue) may hold an SMTP error naming the address.
    keys = [f"mail:{message_id}" for message_id in db.exec(mine)]
    if keys:
        db.exec(update(Job).where(col(Job.key).in_(keys)).values(error=""))
    db.exec(update(MailMessage).where(col(MailMessage.user_id) == user_id).values(
        to_address="", subject="", text_body="", html_body="", attachments=[], error=""))


def _answers(db: Session, user_id: int) -> None:
    for attempt in db.exec(select(Attempt).where(Attempt.user_id == user_id)):
        free = {str(slot.get("question", {}).get("id")) for slot in attempt.questions
                if slot.get("question", {}).get("type") == "text"}
        if free:
            db.exec(update(Answer).where(col(Answer.attempt_id) == attempt.id,
                                         col(Answer.question_id).in_(free))
                    .values(response=""))


def _pending_uploads(instance: Path) -> None:
    where = pending_imports.folder(str(instance))
    for path in [*where.glob("*.json"), *where.glob("*.bin")]:
        path.unlink(missing_ok=True)


# --- requests -----------------------------------------------------------------------


def requests_of(db: Session, user: User) -> list[ErasureRequest]:
    """The person's requests, newest first."""
    return list(db.exec(select(ErasureRequest).where(ErasureRequest.user_id == user.id)
                        .order_by(col(ErasureRequest.requested_at).desc(),
                                  col(ErasureRequest.id).desc())))


def pending_of(db: Session, user_id: int, channels: Sequence[str] = ("web", "paper")
               ) -> ErasureRequest | None:
    return db.exec(select(ErasureRequest).where(
        ErasureRequest.user_id == user_id, ErasureRequest.status == PENDING,
        col(ErasureRequest.channel).in_(channels))).first()


def ask(db: Session, user: User, recorded_by: User | None = None) -> ErasureRequest:
    """Record a request (by the person on the web, or by staff from paper); one pending at a
    time: asking again returns the pending one. The caller commits."""
    if user.pseudonymised_at is not None:
        raise ErasureError("erased")
    assert user.id is not None
    found = pending_of(db, user.id)
    if found is not None:
        return found
    request = ErasureRequest(user_id=user.id, channel="paper" if recorded_by else "web",
                             recorded_by=recorded_by.id if recorded_by else None)
    db.add(request)
    db.flush()
    if recorded_by is not None:
        audit.record(db, recorded_by, "erasure_recorded", user, f"erasure:{request.id}")
    return request


def approve(db: Session, request: ErasureRequest, by: User) -> bool:
    """Approve a pending request and erase the person, in one transaction (committed);
    False if it was decided already (a second approval changes nothing)."""
    if request.status != PENDING:
        return False
    user = db.get(User, request.user_id)
    assert user is not None
    pseudonymise(db, user, by, request.channel)
    _decide(db, request, by, APPROVED, "")
    audit.record(db, by, "erasure_approved", user, f"erasure:{request.id}")
    db.commit()
    scrub(db)
    return True


def refuse(db: Session, request: ErasureRequest, by: User, reason: str) -> bool:
    """Refuse a pending request with a reason (committed); False if decided already."""
    reason = " ".join(reason.split())[:MAX_REASON]
    if not reason:
        raise ErasureError("no-reason")
    if request.status != PENDING:
        return False
    _decide(db, request, by, REFUSED, reason)
    audit.record(db, by, "erasure_refused", request.user_id, f"erasure:{request.id}")
    db.commit()
    return True


def _decide(db: Session, request: ErasureRequest, by: User, status: str, reason: str,
            now: datetime | None = None) -> None:
    request.status, request.decided_by = status, by.id
    request.decided_at, request.reason = now or utcnow(), reason
    db.add(request)


def listing(db: Session, status: str, limit: int = 200) -> list[tuple[ErasureRequest, User]]:
    """Requests made by people (web, paper) with ``status``, with their accounts: pending
    oldest first, decided newest first."""
    order: Any = (col(ErasureRequest.requested_at) if status == PENDING
                  else col(ErasureRequest.decided_at).desc())
    rows = db.exec(select(ErasureRequest, User).join(User, col(User.id) == ErasureRequest.user_id)
                   .where(ErasureRequest.status == status,
                          col(ErasureRequest.channel).in_(("web", "paper")))
                   .order_by(order, col(ErasureRequest.id)).limit(limit))
    return [(r, u) for r, u in rows]


def pending_count(db: Session) -> int:
    return int(db.exec(select(func.count()).select_from(ErasureRequest).where(
        ErasureRequest.status == PENDING,
        col(ErasureRequest.channel).in_(("web", "paper")))).one())


def password_ok(user: User, password: str) -> bool:
    """Whether ``password`` is the user's (asking for erasure needs it again)."""
    return bool(user.password_hash) and check_password_hash(
        user.password_hash or "", password[:MAX_PASSWORD])


def find_people(db: Session, query: str, limit: int) -> list[User]:
    """Accounts not erased yet whose name, user name or e-mail contains ``query`` (any case:
    compared in Python, since SQLite's lower() knows no Cyrillic)."""
    wanted = " ".join(query.split()).casefold()
    rows = db.exec(select(User.id, User.name, User.username, User.email).where(
        col(User.pseudonymised_at).is_(None)))
    ids = [uid for uid, *texts in rows
           if any(wanted in " ".join((t or "").split()).casefold() for t in texts)][:limit]
    return list(db.exec(select(User).where(col(User.id).in_(ids)).order_by(col(User.name))))
