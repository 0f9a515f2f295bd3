"""The staff audit log: who accessed or changed whose personal data, and when.

Every place where staff export a list with names, look at a learner's attempts or
details, make a code, change a name or a certificate, or decide an erasure calls
``record`` in the same transaction as the action itself. An entry holds the actor,
an action from the closed registry ``ACTIONS``, the person whose data it was and an
id of the thing (``target``: "group:3", "attempt:55") — never the data itself, so the
log holds no more personal data than the ids it points at, and an erased person
shows as "Заличен участник #id".

Entries older than ``DOBRO_AUDIT_KEEP_MONTHS`` (default 24) are deleted by ``prune``:
a periodic job (``audit.prune``, daily, webapp/jobs.py) runs it, and ``dobro audit
prune`` runs it by hand.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from webapp import jobs
from webapp.localtime import SOFIA
from webapp.models import AuditEntry, User, utcnow
from webapp.services.paging import Pager

PRUNE_JOB = "audit.prune"
DEFAULT_KEEP_MONTHS = 24
MAX_KEEP_MONTHS = 120
MAX_TARGET = 200
VIEW_WINDOW = timedelta(minutes=10)  # a page viewed again within this is recorded once
# An id of a thing, never free text: "group:3", "attempt:55", "certificate:12".
TARGET_RE = re.compile(r"^[a-z_]{1,30}:[A-Za-z0-9._-]{1,160}$")


@dataclass(frozen=True)
class Action:
    """One kind of entry: its label (lazily translated, shown in the reader's language)."""

    label: Any


ACTIONS: dict[str, Action] = {
    # Exports of lists with names (count = how many people).
    "export_codes": Action(_l("Printed the join codes")),
    "export_report": Action(_l("Exported a report with names")),
    "export_certificates": Action(_l("Downloaded the certificates of a group")),
    "export_distribution": Action(_l("Exported the Bulletin distribution list")),
    "export_audit": Action(_l("Exported the access log")),
    "export_signin_sheet": Action(_l("Printed a session's sign-in sheet")),
    "signin_scan_uploaded": Action(_l("Uploaded a session's signed sheet")),
    "signin_scan_downloaded": Action(_l("Downloaded a session's signed sheet")),
    # Looking at one person's data.
    "view_learner": Action(_l("Viewed a learner's details")),
    # No page shows one learner's attempts to staff yet; kept for the one that will.
    "view_attempts": Action(_l("Viewed a learner's attempts")),
    "view_progress": Action(_l("Viewed a learner's progress and certificates")),
    "certificate_downloaded": Action(_l("Downloaded a learner's certificate")),
    # Changes.
    "join_code": Action(_l("Made a join code")),
    "reset_code": Action(_l("Made a reset code")),
    "person_added": Action(_l("Added a learner")),
    "person_changed": Action(_l("Changed a learner's details")),
    "participants_imported": Action(_l("Imported participants")),
    "attendance_marked": Action(_l("Marked attendance")),
    "certificate_issued": Action(_l("Issued a certificate by hand")),
    "certificate_revoked": Action(_l("Revoked a certificate")),
    "certificate_reissued": Action(_l("Re-issued a certificate")),
    # Erasure and retention (services of the erasure requests).
    "erasure_recorded": Action(_l("Recorded an erasure request")),
    "erasure_approved": Action(_l("Approved an erasure request")),
    "erasure_refused": Action(_l("Refused an erasure request")),
    "retention_erased": Action(_l("Pseudonymised after the retention period")),
}


class AuditError(ValueError):
    """A call of ``record`` that would put something other than ids in the log."""


def _user_id(who: User | int | None) -> int | None:
    return who if isinstance(who, int) or who is None else who.id


def record(db: Session, actor: User | int | None, action: str,
           subject: User | int | None = None, target: str = "",
           count: int = 0) -> AuditEntry:
    """Add an entry to the log in the caller's transaction (committed with the action)."""
    if action not in ACTIONS:
        raise AuditError(f"unknown audit action {action!r}")
    if target and not TARGET_RE.match(target):
        raise AuditError(f"an audit target is an id such as 'group:3', not {target!r}")
    entry = AuditEntry(actor_id=_user_id(actor), action=action,
                       subject_user_id=_user_id(subject), target=target[:MAX_TARGET],
                       count=max(0, count))
    db.add(entry)
    return entry


def record_now(db: Session, actor: User | int | None, action: str,
               subject: User | int | None = None, target: str = "", count: int = 0) -> None:
    """Record and commit at once: for a page or an export that changes nothing else."""
    record(db, actor, action, subject, target, count)
    db.commit()


def record_view(db: Session, actor: User, action: str, subject: User | int,
                target: str = "") -> None:
    """Record that ``actor`` looked at ``subject``'s data — once per ``VIEW_WINDOW``: the
    same page opened again (after each change made on it) adds nothing new to know."""
    since = utcnow() - VIEW_WINDOW
    seen = db.exec(select(AuditEntry.id).where(
        col(AuditEntry.actor_id) == _user_id(actor), col(AuditEntry.action) == action,
        col(AuditEntry.subject_user_id) == _user_id(subject),
        col(AuditEntry.target) == target, col(AuditEntry.at) >= since).limit(1)).first()
    if seen is None:
        record_now(db, actor, action, subject, target)


def keep_months(config: Mapping[str, Any] | None = None) -> int:
    """How long entries are kept: ``AUDIT_KEEP_MONTHS`` in the config, else the environment."""
    if config and config.get("AUDIT_KEEP_MONTHS"):
        return int(config["AUDIT_KEEP_MONTHS"])
    raw = os.environ.get("DOBRO_AUDIT_KEEP_MONTHS", "").strip()
    if not raw:
        return DEFAULT_KEEP_MONTHS
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_KEEP_MONTHS):
        raise ValueError("DOBRO_AUDIT_KEEP_MONTHS must be a whole number from 1 to "
                         f"{MAX_KEEP_MONTHS}, not {raw!r}")
    return int(raw)


def cutoff(months: int, now: datetime | None = None) -> datetime:
    """The moment before which entries are deleted: ``months`` months of 30.44 days back."""
    return (now or utcnow()) - timedelta(days=round(months * 30.44))


def prune(db: Session, months: int, now: datetime | None = None) -> int:
    """Delete the entries older than ``months``; return how many. The caller commits."""
    result = db.exec(delete(AuditEntry).where(
        col(AuditEntry.at) < cutoff(months, now)))
    return int(result.rowcount or 0)


def count_entries(db: Session) -> int:
    return int(db.exec(select(func.count()).select_from(AuditEntry)).one())


@jobs.periodic(PRUNE_JOB, every=timedelta(days=1))
def prune_job(_payload: dict[str, Any]) -> None:
    """The daily sweep: delete the entries older than the retention period."""
    with Session(current_app.extensions["dobro.engine"]) as session:
        prune(session, keep_months(current_app.config))
        session.commit()


# --- Reading the log (the admins' page) --------------------------------------------------

PAGE_SIZE = 50
MAX_EXPORT = 100_000


@dataclass(frozen=True)
class Filters:
    """What the admin asked to see; empty means everything."""

    actor: int | None = None
    action: str = ""
    person: str = ""  # part of a name, user name or e-mail, or "#id"
    since: date | None = None
    until: date | None = None

    def args(self) -> dict[str, str]:
        """The filters as query arguments, for the links of the page and the export."""
        found = {"actor": str(self.actor or ""), "action": self.action, "person": self.person,
                 "since": self.since.isoformat() if self.since else "",
                 "until": self.until.isoformat() if self.until else ""}
        return {key: value for key, value in found.items() if value}


@dataclass(frozen=True)
class Line:
    """One entry as the page shows it: names looked up now, never stored in the log."""

    entry: AuditEntry
    actor_name: str
    subject_name: str
    subject_erased: bool = False

    @property
    def label(self) -> str:
        known = ACTIONS.get(self.entry.action)
        return str(known.label) if known else self.entry.action


def _day_start(day: date) -> datetime:
    """Midnight of ``day`` in Sofia, in UTC (as the log stores ``at``)."""
    return datetime.combine(day, time(), tzinfo=SOFIA).astimezone(UTC)


def matching_people(db: Session, text: str) -> list[int]:
    """The ids of the people ``text`` names: "#12", or part of a name, user name or e-mail."""
    text = text.strip()
    if text.startswith("#") and text[1:].isascii() and text[1:].isdigit():
        return [int(text[1:])]
    wanted = text.casefold()
    # Compared in Python: SQLite's lower() leaves Cyrillic as it is.
    rows = db.exec(select(User.id, User.name, User.username, User.email))
    return [row[0] for row in rows if row[0] is not None
            and any(wanted in (value or "").casefold() for value in row[1:])]


def _conditions(db: Session, filters: Filters) -> list[Any]:
    found: list[Any] = []
    if filters.actor is not None:
        found.append(col(AuditEntry.actor_id) == filters.actor)
    if filters.action:
        found.append(col(AuditEntry.action) == filters.action)
    if filters.person:
        found.append(col(AuditEntry.subject_user_id).in_(matching_people(db, filters.person)))
    if filters.since:
        found.append(col(AuditEntry.at) >= _day_start(filters.since))
    if filters.until:
        found.append(col(AuditEntry.at) < _day_start(filters.until + timedelta(days=1)))
    return found


def _lines(db: Session, filters: Filters, offset: int, limit: int) -> list[Line]:
    actor, subject = aliased(User), aliased(User)
    query = (select(AuditEntry, actor.name, subject.name, subject.pseudonymised_at)
             .outerjoin(actor, col(actor.id) == col(AuditEntry.actor_id))
             .outerjoin(subject, col(subject.id) == col(AuditEntry.subject_user_id))
             .where(*_conditions(db, filters))
             .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
             .offset(offset).limit(limit))
    return [Line(entry, actor_name or "", subject_name or "",
                 erased_at is not None or (entry.subject_user_id is not None
                                           and subject_name is None))
            for entry, actor_name, subject_name, erased_at in db.exec(query)]


def search(db: Session, filters: Filters, number: int,
           size: int = PAGE_SIZE) -> tuple[list[Line], Pager]:
    """One page of the entries that match, newest first."""
    total = int(db.exec(select(func.count()).select_from(AuditEntry)
                        .where(*_conditions(db, filters))).one())
    pages = max(1, -(-total // size))
    number = min(max(number, 1), pages)
    return (_lines(db, filters, (number - 1) * size, size),
            Pager(number, pages, size, total))


def every_line(db: Session, filters: Filters) -> list[Line]:
    """All the entries that match (at most ``MAX_EXPORT``), newest first: for the export."""
    return _lines(db, filters, 0, MAX_EXPORT)


def actors(db: Session) -> list[tuple[int, str]]:
    """Everyone who appears in the log as an actor, by name: the choices of the filter."""
    rows = db.exec(select(User.id, User.name).where(
        col(User.id).in_(select(AuditEntry.actor_id).distinct())).order_by(col(User.name)))
    return [(user_id, name) for user_id, name in rows if user_id is not None]
