""""Моите данни": everything Dobro holds about one person, for them to download (GDPR art. 15).

``collect(db, user)`` gathers it as a JSON-ready dict (ISO 8601 dates in UTC); ``archive``
writes the ZIP: ``data.json``, ``summary.html`` and, when WeasyPrint renders it, a PDF.

Only the person's own data, never anyone else's:
- staff who marked attendance, issued or revoked a certificate appear by their role
  ("trainer", "coordinator", "admin"; "self"; null when automatic), not by name: the name is
  the staff member's data, and the role is what tells the person who acted on their record;
- quiz questions are given as the person saw them, with their answers and grades, never the
  answer key: the key is the course's, not personal data (CJEU C-434/16, Nowak: the answers
  and the examiner's marks are personal data, the questions are not), and giving it out would
  bypass what the quiz's review settings show and when;
- sign-in addresses only as a count (they are stored as keyed hashes anyway);
- the staff access log's entries about the person (who looked at or changed their data) by
  action, moment and role: the person may know when and why their data was consulted, not
  which employee did it (CJEU C-579/21, Pankki S).

Keys of ``data.json`` (a list is [] when there is nothing):
format, format_version, generated_at, profile, organisation, groups, progress,
study_seconds_total, attempts, attendance, certificates, emails, mail_preferences,
consents, erasure_requests, sign_in_sessions, known_addresses, reset_codes, sessions_led,
staff_access.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, func, select

from course.attempts import public_question
from webapp.models import (
    Answer,
    Attempt,
    Attendance,
    AttendanceChange,
    AuditEntry,
    Certificate,
    CertificateEvent,
    ErasureRequest,
    Group,
    GroupMember,
    Invitation,
    KnownAddress,
    LoginSession,
    MailMessage,
    MailPreference,
    ModuleProgress,
    Organisation,
    PrivacyConsent,
    QuestionScore,
    TrainingSession,
    User,
    utcnow,
)
from webapp.services.attempts import decode, slots

FORMAT = "dobro-my-data"
FORMAT_VERSION = 1
Row = dict[str, Any]


def iso(value: datetime | None) -> str | None:
    """An ISO 8601 moment in UTC (naive values from SQLite are UTC already)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def collect(db: Session, user: User) -> dict[str, Any]:
    """Everything Dobro holds about ``user``, as a JSON-ready dict (see the module's keys)."""
    assert user.id is not None
    role_of = _roles(db, user)
    progress = _progress(db, user.id)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "generated_at": iso(utcnow()),
        "profile": _profile(user),
        "organisation": _organisation(db, user),
        "groups": _groups(db, user.id),
        "progress": progress,
        "study_seconds_total": sum(row["seconds_spent"] for row in progress),
        "attempts": _attempts(db, user.id),
        "attendance": _attendance(db, user.id, role_of),
        "certificates": _certificates(db, user.id, role_of),
        "emails": _emails(db, user.id),
        "mail_preferences": [
            {"kind": p.kind, "enabled": p.enabled, "via": p.via, "updated_at": iso(p.updated_at)}
            for p in db.exec(select(MailPreference).where(MailPreference.user_id == user.id)
                             .order_by(col(MailPreference.kind)))],
        "consents": [
            {"notice_version": c.notice_version, "via": c.via, "at": iso(c.at)}
            for c in db.exec(select(PrivacyConsent).where(PrivacyConsent.user_id == user.id)
                             .order_by(col(PrivacyConsent.at), col(PrivacyConsent.id)))],
        "erasure_requests": [
            {"channel": e.channel, "requested_at": iso(e.requested_at), "status": e.status,
             "decided_at": iso(e.decided_at), "reason": e.reason}
            for e in db.exec(select(ErasureRequest).where(ErasureRequest.user_id == user.id)
                             .order_by(col(ErasureRequest.requested_at)))],
        "sign_in_sessions": [
            {"created_at": iso(s.created_at), "last_seen_at": iso(s.last_seen_at)}
            for s in db.exec(select(LoginSession).where(LoginSession.user_id == user.id)
                             .order_by(col(LoginSession.created_at)))],
        "known_addresses": {"count": db.exec(select(func.count()).select_from(KnownAddress)
                                             .where(KnownAddress.user_id == user.id)).one()},
        "reset_codes": [
            {"purpose": i.purpose, "created_at": iso(i.created_at),
             "expires_at": iso(i.expires_at), "used_at": iso(i.used_at),
             "made_by": role_of(i.created_by)}
            for i in db.exec(select(Invitation).where(Invitation.user_id == user.id)
                             .order_by(col(Invitation.created_at)))],
        "staff_access": [
            {"action": a.action, "at": iso(a.at), "by": role_of(a.actor_id)}
            for a in db.exec(select(AuditEntry).where(AuditEntry.subject_user_id == user.id)
                             .order_by(col(AuditEntry.at), col(AuditEntry.id)))],
        "sessions_led": [
            {"title": s.title, "topic_id": s.topic_id, "starts_at": iso(s.starts_at),
             "ends_at": iso(s.ends_at)}
            for s in db.exec(select(TrainingSession).where(TrainingSession.trainer_id == user.id)
                             .order_by(col(TrainingSession.starts_at)))],
    }


def _roles(db: Session, user: User) -> Callable[[int | None], str | None]:
    """Who acted on the person's record, by role: "self", a staff role, or None (automatic)."""
    cache: dict[int, str] = {}

    def role_of(actor_id: int | None) -> str | None:
        if actor_id is None:
            return None
        if actor_id == user.id:
            return "self"
        if actor_id not in cache:
            actor = db.get(User, actor_id)
            cache[actor_id] = actor.role if actor is not None else "unknown"
        return cache[actor_id]
    return role_of


def _profile(user: User) -> Row:
    return {"name": user.name, "username": user.username, "email": user.email,
            "phone": user.phone, "position": user.position, "sex": user.sex,
            "role": user.role, "audience": user.audience, "specialism": user.specialism,
            "language": user.language, "active": user.active,
            "created_at": iso(user.created_at), "joined_at": iso(user.joined_at),
            "last_login_at": iso(user.last_login_at)}


def _organisation(db: Session, user: User) -> Row | None:
    org = db.get(Organisation, user.organisation_id) if user.organisation_id else None
    return None if org is None else {"name": org.name, "kind": org.kind, "oblast": org.oblast}


def _groups(db: Session, user_id: int) -> list[Row]:
    rows = db.exec(select(Group).join(GroupMember, col(GroupMember.group_id) == col(Group.id))
                   .where(GroupMember.user_id == user_id).order_by(col(Group.name)))
    return [{"name": group.name} for group in rows]


def _progress(db: Session, user_id: int) -> list[Row]:
    rows = db.exec(select(ModuleProgress).where(ModuleProgress.user_id == user_id)
                   .order_by(col(ModuleProgress.first_opened_at)))
    return [{"module_id": p.module_id, "topic_id": p.topic_id,
             "first_opened_at": iso(p.first_opened_at), "last_opened_at": iso(p.last_opened_at),
             "seconds_spent": p.seconds_spent, "studied_at": iso(p.studied_at),
             "position": p.position} for p in rows]


def _attempts(db: Session, user_id: int) -> list[Row]:
    attempts = list(db.exec(select(Attempt).where(Attempt.user_id == user_id)
                            .order_by(col(Attempt.started_at), col(Attempt.id))))
    ids = [a.id for a in attempts]
    answers: dict[int, dict[str, Answer]] = defaultdict(dict)
    scores: dict[int, dict[int, QuestionScore]] = defaultdict(dict)
    if ids:
        for answer in db.exec(select(Answer).where(col(Answer.attempt_id).in_(ids))):
            answers[answer.attempt_id][answer.question_id] = answer
        for score in db.exec(select(QuestionScore).where(col(QuestionScore.attempt_id).in_(ids))):
            scores[score.attempt_id][score.position] = score
    return [_attempt(a, answers[a.id or 0], scores[a.id or 0]) for a in attempts]


def _attempt(attempt: Attempt, answers: dict[str, Answer],
             scores: dict[int, QuestionScore]) -> Row:
    from webapp.quiz_answers import readable  # the review's wording of an answer

    questions = []
    for position, slot in enumerate(slots(attempt)):
        shown = public_question(slot.question, slot.drawn)  # as drawn, without the key
        answer = answers.get(slot.question.id)
        response = decode(answer.response) if answer is not None else None
        graded = scores.get(position)
        shown.update({
            "position": position + 1,
            "response": answer.response if answer is not None else None,
            # True/false is worded by the summary in the person's language (no request here).
            "answer_text": (readable(slot.question, response)
                            if response is not None and slot.question.type != "true-false"
                            else []),
            "saved_at": iso(answer.saved_at) if answer is not None else None,
            "score": graded.score if graded is not None else None,
        })
        questions.append(shown)
    return {"quiz_id": attempt.quiz_id, "topic_id": attempt.topic_id, "kind": attempt.kind,
            "number": attempt.number, "state": attempt.state,
            "started_at": iso(attempt.started_at), "deadline_at": iso(attempt.deadline_at),
            "submitted_at": iso(attempt.submitted_at), "score": attempt.score,
            "points": attempt.points, "percent": attempt.percent, "passed": attempt.passed,
            "pass_mark": attempt.pass_mark, "questions": questions}


def _attendance(db: Session, user_id: int, role_of: Callable[[int | None], str | None]
                ) -> list[Row]:
    marks = {a.session_id: a for a in
             db.exec(select(Attendance).where(Attendance.user_id == user_id))}
    changes: dict[int, list[AttendanceChange]] = defaultdict(list)
    for change in db.exec(select(AttendanceChange).where(AttendanceChange.user_id == user_id)
                          .order_by(col(AttendanceChange.changed_at),
                                    col(AttendanceChange.id))):
        changes[change.session_id].append(change)
    ids = set(marks) | set(changes)
    sessions = {s.id: s for s in db.exec(select(TrainingSession)
                                         .where(col(TrainingSession.id).in_(ids)))} if ids else {}
    rows: list[Row] = []
    for session_id in sorted(ids, key=lambda i: sessions[i].starts_at):
        session, mark = sessions[session_id], marks.get(session_id)
        rows.append({
            "session": {"title": session.title, "topic_id": session.topic_id,
                        "municipality": session.municipality, "venue": session.venue,
                        "starts_at": iso(session.starts_at), "ends_at": iso(session.ends_at),
                        "cancelled_at": iso(session.cancelled_at)},
            "status": mark.status if mark else None,
            "updated_at": iso(mark.updated_at) if mark else None,
            "updated_by": role_of(mark.updated_by) if mark else None,
            "changes": [{"old_status": c.old_status, "new_status": c.new_status, "via": c.via,
                         "changed_at": iso(c.changed_at), "changed_by": role_of(c.changed_by)}
                        for c in changes[session_id]],
        })
    return rows


def _certificates(db: Session, user_id: int, role_of: Callable[[int | None], str | None]
                  ) -> list[Row]:
    certs = list(db.exec(select(Certificate).where(Certificate.user_id == user_id)
                         .order_by(col(Certificate.issued_at), col(Certificate.id))))
    events: dict[int, list[CertificateEvent]] = defaultdict(list)
    if certs:
        for event in db.exec(select(CertificateEvent)
                             .where(col(CertificateEvent.certificate_id).in_([c.id for c in certs]))
                             .order_by(col(CertificateEvent.at), col(CertificateEvent.id))):
            events[event.certificate_id].append(event)
    return [{"number": c.number, "code": c.code, "kind": c.kind, "topic_id": c.topic_id,
             "title": c.title, "programme_title": c.programme_title,
             "holder_name": c.holder_name, "organisation_name": c.organisation_name,
             "audience": c.audience, "in_person_hours": c.in_person_hours,
             "online_hours": c.online_hours, "issuer_name": c.issuer_name,
             "issued_at": iso(c.issued_at), "issued_by": role_of(c.issued_by),
             "reason": c.reason, "status": c.status, "revoked_at": iso(c.revoked_at),
             "revoked_reason": c.revoked_reason,
             "history": [{"action": e.action, "at": iso(e.at), "by": role_of(e.actor_id),
                          "reason": e.reason} for e in events[c.id or 0]]}
            for c in certs]


def _emails(db: Session, user_id: int) -> list[Row]:
    rows = db.exec(select(MailMessage).where(MailMessage.user_id == user_id)
                   .order_by(col(MailMessage.created_at), col(MailMessage.id)))
    return [{"kind": m.kind, "subject": m.subject, "to_address": m.to_address,
             "status": m.status, "created_at": iso(m.created_at), "sent_at": iso(m.sent_at)}
            for m in rows]


def counts(data: dict[str, Any]) -> dict[str, int]:
    """How many records of each kind ``data`` holds (the page's summary)."""
    listed: Iterable[str] = ("groups", "progress", "attempts", "attendance", "certificates",
                             "emails", "consents", "erasure_requests", "sign_in_sessions",
                             "staff_access")
    found = {key: len(data[key]) for key in listed}
    found["known_addresses"] = int(data["known_addresses"]["count"])
    return found


def to_json(data: dict[str, Any]) -> bytes:
    """``data`` as UTF-8 JSON, readable (indented, Cyrillic as itself)."""
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def archive(data: dict[str, Any], summary_html: str, summary_pdf: bytes | None) -> bytes:
    """The ZIP: data.json, summary.html and, when given, summary.pdf."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("data.json", to_json(data))
        zipped.writestr("summary.html", summary_html.encode("utf-8"))
        if summary_pdf is not None:
            zipped.writestr("summary.pdf", summary_pdf)
    return buffer.getvalue()
