"""Certificates: issued when the rules are met (or by a trainer, with a reason), revoked
and re-issued with their history kept.

A certificate row holds the facts at issue time — name, organisation, topic
title, hours, issuer — so a later edit of the course or of the person changes
nothing on it. Only one *valid* certificate exists per learner and topic (and
one for the programme): a partial unique index guards it against races.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from course.compiled import CompiledCourse
from course.rules import (
    PROGRAMME,
    TopicStatus,
    certificates_due,
    programme_complete,
)
from webapp import jobs
from webapp.content import current_course, store
from webapp.models import (
    CERTIFICATE_REPLACED,
    CERTIFICATE_REVOKED,
    CERTIFICATE_VALID,
    COORDINATORS,
    Certificate,
    CertificateEvent,
    GroupMember,
    GroupTrainer,
    Organisation,
    User,
    utcnow,
)
from webapp.services import audit, completion, mail_messages, xapi

MAX_REASON = 500
PDF_JOB = "certificate-pdf"  # renders and stores a certificate's PDF (certificate_pdf.py)


class CertificateError(Exception):
    """A certificate action the rules refuse; ``code`` names the rule."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


@dataclass(frozen=True)
class Issuer:
    """Who issues and signs the certificates (``DOBRO_ISSUER_*``, ``DOBRO_SIGNATORY_*``)."""

    name: str
    signatory_name: str
    signatory_title: str
    prefix: str
    base_url: str


def issuer_from(config: Mapping[str, Any]) -> Issuer:
    return Issuer(config["ISSUER_NAME"], config["SIGNATORY_NAME"], config["SIGNATORY_TITLE"],
                  config["CERTIFICATE_PREFIX"], str(config["BASE_URL"]).rstrip("/"))


def current_issuer() -> Issuer:
    return issuer_from(current_app.config)


def new_code() -> str:
    """A long random verification code: 32 URL-safe characters, 192 bits."""
    return secrets.token_urlsafe(24)


def valid_for(db: Session, user: User) -> dict[tuple[str, str], Certificate]:
    """The learner's valid certificates, by (kind, topic id)."""
    rows = db.exec(_VALID_FOR, params={"user_id": user.id})
    return {(c.kind, c.topic_id): c for c in rows}


# Built once: every learner's home page runs it (see attempts._HISTORY).
_VALID_FOR = select(Certificate).where(col(Certificate.user_id) == bindparam("user_id"),
                                       col(Certificate.status) == CERTIFICATE_VALID)


def revoked_for(db: Session, user: User) -> dict[tuple[str, str], Certificate]:
    """The learner's revoked certificates, by (kind, topic id): a person's decision that stands."""
    rows = db.exec(select(Certificate).where(Certificate.user_id == user.id,
                                             Certificate.status == CERTIFICATE_REVOKED))
    return {(c.kind, c.topic_id): c for c in rows}


def _names(held: Mapping[tuple[str, str], Certificate]) -> set[str]:
    """(kind, topic id) keys as the completion rules name certificates."""
    return {PROGRAMME if kind == PROGRAMME else topic_id for kind, topic_id in held}


def of_user(db: Session, user: User) -> list[Certificate]:
    """Every certificate of the learner, newest first (revoked and replaced ones too)."""
    return list(db.exec(select(Certificate).where(Certificate.user_id == user.id)
                        .order_by(col(Certificate.issued_at).desc(), col(Certificate.id).desc())))


def by_code(db: Session, code: str) -> Certificate | None:
    if not code or len(code) > 64:
        return None
    return db.exec(select(Certificate).where(Certificate.code == code)).first()


def _log(db: Session, cert: Certificate, action: str, actor: User | None, reason: str,
         now: datetime) -> None:
    db.add(CertificateEvent(certificate_id=cert.id, action=action,  # type: ignore[arg-type]
                            actor_id=actor.id if actor else None, reason=reason, at=now))


def _queue_pdf(db: Session, cert: Certificate) -> None:
    """Have the PDF rendered and stored in the background, committed with the certificate."""
    jobs.enqueue(db, PDF_JOB, {"code": cert.code}, key=cert.code)


def _new(db: Session, user: User, course: CompiledCourse, iss: Issuer, topic_id: str,
         statuses: list[TopicStatus], by: User | None, reason: str, now: datetime,
         holder_name: str | None = None) -> Certificate:
    organisation = db.get(Organisation, user.organisation_id) if user.organisation_id else None
    if topic_id == PROGRAMME:
        done = {s.requirement.topic_id for s in statuses if s.complete or s.requirement.required}
        topics = [t for t in course.topics if t.id in done]
        title, kind = course.title, PROGRAMME
        in_person = sum(t.in_person_hours for t in topics)
        online = sum(t.online_hours for t in topics)
    else:
        topic = course.topic(topic_id)
        if topic is None:
            raise CertificateError("no-topic")
        title, kind = topic.title, "topic"
        in_person, online = topic.in_person_hours, topic.online_hours
    cert = Certificate(
        code=new_code(), number=f"tmp-{secrets.token_hex(8)}", user_id=user.id,  # type: ignore[arg-type]
        kind=kind, topic_id="" if kind == PROGRAMME else topic_id,
        audience=user.audience or "", holder_name=holder_name or user.name,
        organisation_name=organisation.name if organisation else "", title=title,
        programme_title=course.title, in_person_hours=in_person, online_hours=online,
        issuer_name=iss.name, signatory_name=iss.signatory_name,
        signatory_title=iss.signatory_title, issued_at=now, issued_by=by.id if by else None,
        reason=reason)
    db.add(cert)
    db.flush()
    cert.number = f"{iss.prefix}-{now.year}-{cert.id:06d}"
    db.add(cert)
    _log(db, cert, "issued", by, reason, now)
    _queue_pdf(db, cert)
    mail_messages.certificate_issued(db, cert, user)
    xapi.certificate_earned(db, cert)
    return cert


def issue_due(db: Session, user: User, course: CompiledCourse, build_dir: Path, iss: Issuer,
              now: datetime | None = None) -> list[Certificate]:
    """Issue every certificate the learner has earned and neither holds nor had revoked."""
    if user.role != "learner" or not user.audience:
        return []
    now = now or utcnow()
    statuses = completion.statuses(db, user, course, build_dir)
    due = certificates_due(statuses, _names(valid_for(db, user)), _names(revoked_for(db, user)))
    issued = []
    for topic_id in due:
        try:
            issued.append(_new(db, user, course, iss, topic_id, statuses, None, "", now))
            db.commit()
        except IntegrityError:  # another request issued it a moment ago
            db.rollback()
    return issued


def check_and_issue(db: Session, user: User) -> list[Certificate]:
    """After an event that may complete a topic: issue what is now earned."""
    return issue_due(db, user, current_course(), store().build_dir, current_issuer())


def issue_by_hand(db: Session, user: User, topic_id: str, by: User, reason: str,
                  course: CompiledCourse, build_dir: Path, iss: Issuer) -> Certificate:
    """A trainer's decision, with its reason recorded; refused if one is valid already."""
    reason = reason.strip()[:MAX_REASON]
    if not reason:
        raise CertificateError("no-reason")
    if topic_id != PROGRAMME and course.topic(topic_id) is None:
        raise CertificateError("no-topic")
    key = (PROGRAMME, "") if topic_id == PROGRAMME else ("topic", topic_id)
    if key in valid_for(db, user):
        raise CertificateError("exists")
    statuses = completion.statuses(db, user, course, build_dir)
    try:
        cert = _new(db, user, course, iss, topic_id, statuses, by, reason, utcnow())
        audit.record(db, by, "certificate_issued", user, f"certificate:{cert.id}")
        db.commit()
    except IntegrityError as error:
        db.rollback()
        raise CertificateError("exists") from error
    return cert


def revoke(db: Session, cert: Certificate, by: User, reason: str,
           status: str = CERTIFICATE_REVOKED) -> Certificate:
    """Revoke a valid certificate with a reason; the row and its history stay."""
    reason = reason.strip()[:MAX_REASON]
    if not reason:
        raise CertificateError("no-reason")
    if cert.status != CERTIFICATE_VALID:
        raise CertificateError("not-valid")
    now = utcnow()
    cert.status, cert.revoked_at, cert.revoked_by, cert.revoked_reason = status, now, by.id, reason
    db.add(cert)
    _log(db, cert, "revoked" if status == "revoked" else "replaced", by, reason, now)
    db.flush()
    return cert


def reissue(db: Session, cert: Certificate, by: User, reason: str,
            holder_name: str) -> Certificate:
    """Replace a certificate (for example to correct a name): the old code points to the new one."""
    holder_name = " ".join(holder_name.split())[:200]
    if not holder_name:
        raise CertificateError("no-name")
    revoke(db, cert, by, reason, status=CERTIFICATE_REPLACED)
    now = utcnow()
    new = Certificate(**{k: v for k, v in cert.model_dump().items()
                         if k not in ("id", "code", "number", "status", "revoked_at",
                                      "revoked_by", "revoked_reason", "replaces_id",
                                      "replaced_by_id", "issued_at", "issued_by", "reason")},
                      code=new_code(), number=f"tmp-{secrets.token_hex(8)}",
                      issued_at=now, issued_by=by.id, reason=reason.strip()[:MAX_REASON],
                      replaces_id=cert.id)
    new.holder_name = holder_name
    db.add(new)
    db.flush()
    new.number = f"{current_issuer().prefix}-{now.year}-{new.id:06d}"
    cert.replaced_by_id = new.id
    db.add_all([new, cert])
    _log(db, new, "reissued", by, new.reason, now)
    _queue_pdf(db, new)
    mail_messages.certificate_issued(db, new, db.get(User, new.user_id))
    audit.record(db, by, "certificate_reissued", new.user_id, f"certificate:{new.id}")
    db.commit()
    return new


def events(db: Session, cert: Certificate) -> list[CertificateEvent]:
    return list(db.exec(select(CertificateEvent).where(
        CertificateEvent.certificate_id == cert.id).order_by(col(CertificateEvent.at))))


def histories(db: Session, certs: Sequence[Certificate]
              ) -> dict[int, list[tuple[CertificateEvent, str]]]:
    """Each certificate's events, oldest first, with the name of who acted ("" automatic)."""
    found: dict[int, list[tuple[CertificateEvent, str]]] = {}
    ids = [c.id for c in certs if c.id is not None]
    if not ids:
        return found
    rows = db.exec(select(CertificateEvent, User.name)
                   .join(User, col(User.id) == CertificateEvent.actor_id, isouter=True)
                   .where(col(CertificateEvent.certificate_id).in_(ids))
                   .order_by(col(CertificateEvent.at), col(CertificateEvent.id)))
    for event, actor in rows:
        found.setdefault(event.certificate_id, []).append((event, actor or ""))
    return found


def learner_for(db: Session, staff: User, user_id: int) -> User | None:
    """The learner ``user_id`` if ``staff`` looks after one of their groups."""
    user = db.get(User, user_id)
    if user is None or user.role != "learner":
        return None
    if staff.role in COORDINATORS:
        return user
    shared = db.exec(select(GroupMember).join(
        GroupTrainer, col(GroupTrainer.group_id) == GroupMember.group_id).where(
        GroupMember.user_id == user_id, GroupTrainer.user_id == staff.id)).first()
    return user if shared else None


@dataclass(frozen=True)
class Affected:
    """An issued certificate whose holder would not meet today's rules."""

    certificate: Certificate
    user: User
    status: TopicStatus | None  # None for a programme certificate


def affected(db: Session, staff: User, course: CompiledCourse,
             build_dir: Path) -> list[Affected]:
    """Valid certificates of the staff member's learners that today's rules would not give.

    Computed for the trainer to review; nothing is ever revoked from here.
    """
    query = select(Certificate).where(Certificate.status == CERTIFICATE_VALID).order_by(
        Certificate.holder_name, col(Certificate.id))
    result = []
    cache: dict[int, list[TopicStatus]] = {}
    for cert in db.exec(query).all():
        user = learner_for(db, staff, cert.user_id)
        if user is None:
            continue
        if cert.user_id not in cache:
            cache[cert.user_id] = completion.statuses(db, user, course, build_dir)
        statuses = cache[cert.user_id]
        if cert.kind == PROGRAMME:
            if not programme_complete(statuses):
                result.append(Affected(cert, user, None))
            continue
        status = next((s for s in statuses if s.requirement.topic_id == cert.topic_id), None)
        if status is None or not status.complete:
            result.append(Affected(cert, user, status))
    return result
