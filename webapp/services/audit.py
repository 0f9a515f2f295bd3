"""The staff audit log: who accessed or changed whose personal data, and when.

Every place where staff export a list with names, look at a learner's attempts or
details, make a code, change a name or a certificate, or decide an erasure calls
``record`` in the same transaction as the action itself. An entry holds the actor,
an action from the closed registry ``ACTIONS``, the person whose data it was and an
id of the thing (``target``: "group:3", "attempt:55") — never the data itself, so the
log holds no more personal data than the ids it points at, and an erased person
shows as "Заличен участник #id".

Entries older than ``DOBRO_AUDIT_KEEP_MONTHS`` (default 24) are deleted by ``prune``:
the job runners' hourly cleanup calls it, and ``dobro audit prune`` runs it by hand.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from webapp.models import AuditEntry, User, utcnow

DEFAULT_KEEP_MONTHS = 24
MAX_KEEP_MONTHS = 120
MAX_TARGET = 200
# An id of a thing, never free text: "group:3", "attempt:55", "certificate:12".
TARGET_RE = re.compile(r"^[a-z_]{1,30}:[A-Za-z0-9._-]{1,160}$")


@dataclass(frozen=True)
class Action:
    """One kind of entry: its label (lazily translated) and whether it changes data."""

    label: Any
    change: bool = False


ACTIONS: dict[str, Action] = {
    # Exports of lists with names (count = how many people).
    "export_participants": Action(_l("Exported the list of participants")),
    "export_codes": Action(_l("Printed the join codes")),
    "export_report": Action(_l("Exported a report with names")),
    "export_attendance": Action(_l("Exported an attendance sheet")),
    "export_certificates": Action(_l("Downloaded the certificates of a group")),
    "export_distribution": Action(_l("Exported the Bulletin distribution list")),
    "export_audit": Action(_l("Exported the access log")),
    "my_data_export": Action(_l("Downloaded a person's data (\"My data\")")),
    # Looking at one person's data.
    "view_learner": Action(_l("Viewed a learner's details")),
    "view_attempts": Action(_l("Viewed a learner's attempts")),
    "view_answers": Action(_l("Viewed a learner's answers")),
    "view_certificate": Action(_l("Viewed a learner's certificates")),
    # Changes.
    "join_code": Action(_l("Made a join code"), change=True),
    "reset_code": Action(_l("Made a reset code"), change=True),
    "person_changed": Action(_l("Changed a name, e-mail or phone"), change=True),
    "participants_imported": Action(_l("Imported participants"), change=True),
    "attendance_marked": Action(_l("Marked attendance"), change=True),
    "certificate_issued": Action(_l("Issued a certificate by hand"), change=True),
    "certificate_revoked": Action(_l("Revoked a certificate"), change=True),
    "certificate_reissued": Action(_l("Re-issued a certificate"), change=True),
    # Erasure and retention (services of the erasure requests).
    "erasure_recorded": Action(_l("Recorded an erasure request"), change=True),
    "erasure_approved": Action(_l("Approved an erasure request"), change=True),
    "erasure_refused": Action(_l("Refused an erasure request"), change=True),
    "retention_erased": Action(_l("Pseudonymised after the retention period"), change=True),
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
