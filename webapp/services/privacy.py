"""The privacy notice (GDPR art. 13) and the record of who saw which version of it.

The notice is a template per language filled from settings. Its version is the SHA-256
of the rendered Bulgarian text (the authoritative one): change a setting it shows or the
template, and the version changes, so everyone is shown the changed notice at their next
sign-in. The record is an acknowledgement that the person was informed, not a consent
to the processing: the programme's legal basis is its public task (art. 6(1)(e)) or the
person's training agreement (art. 6(1)(b)), never this checkbox.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Literal

from jinja2 import Environment
from sqlmodel import Session, col, select

from webapp.models import PrivacyConsent, User, utcnow

ConsentVia = Literal["join", "sign_in"]
NOTICE_LANGUAGES = ("bg", "en")


@dataclass(frozen=True)
class NoticeSettings:
    """What the notice says that an installation sets (``DOBRO_PRIVACY_*`` and retention)."""

    controller: str
    address: str
    dpo_email: str
    phone: str
    issuer: str
    retention_months: int | None  # None: no period set (the notice gives the criteria)
    programme_end: date | None
    learning_records: bool = False  # xAPI statements go to an LRS (services/xapi.py)


def notice_settings(config: Mapping[str, Any]) -> NoticeSettings:
    """The notice's settings from the app's config."""
    return NoticeSettings(
        controller=str(config.get("PRIVACY_CONTROLLER") or config.get("ISSUER_NAME") or ""),
        address=str(config.get("PRIVACY_ADDRESS") or ""),
        dpo_email=str(config.get("PRIVACY_DPO_EMAIL") or config.get("ISSUER_EMAIL") or ""),
        phone=str(config.get("PRIVACY_PHONE") or ""),
        issuer=str(config.get("ISSUER_NAME") or ""),
        retention_months=whole_or_none(config.get("RETENTION_MONTHS")),
        programme_end=as_date(config.get("PROGRAMME_END")),
        learning_records=bool(config.get("LRS_ENDPOINT")),
    )


def whole_or_none(value: object) -> int | None:
    """A whole-number setting (``DOBRO_RETENTION_MONTHS``), None when unset."""
    return value if isinstance(value, int) and value > 0 else None


def as_date(value: object) -> date | None:
    """A date setting given as a date or as YYYY-MM-DD; anything else is no date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def render_notice(env: Environment, settings: NoticeSettings, language: str) -> str:
    """The notice's body (HTML) in ``language`` (Bulgarian for any other)."""
    chosen = language if language in NOTICE_LANGUAGES else "bg"
    template = env.get_template(f"privacy/notice_{chosen}.html")
    return template.render(notice=asdict(settings), end_day=end_day(settings, chosen))


def end_day(settings: NoticeSettings, language: str) -> str:
    """The programme's end as a day in words, or "" when it is not set."""
    if settings.programme_end is None:
        return ""
    from webapp.localtime import format_day

    return format_day(settings.programme_end, language)


def notice_version(env: Environment, settings: NoticeSettings) -> str:
    """The version of the notice: a hash of its rendered Bulgarian text."""
    text = render_notice(env, settings, "bg")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def latest_consent(db: Session, user_id: int) -> PrivacyConsent | None:
    """The person's latest acknowledgement of the notice, if any."""
    return db.exec(select(PrivacyConsent).where(PrivacyConsent.user_id == user_id)
                   .order_by(col(PrivacyConsent.at).desc(), col(PrivacyConsent.id).desc())
                   ).first()


def notice_due(db: Session, user: User, version: str) -> bool:
    """Whether ``user`` has yet to see this version (never saw any, or an older one)."""
    assert user.id is not None
    latest = latest_consent(db, user.id)
    return latest is None or latest.notice_version != version


def record(db: Session, user: User, version: str, via: ConsentVia) -> PrivacyConsent:
    """Record that ``user`` was shown this version of the notice (in the caller's transaction)."""
    assert user.id is not None
    row = PrivacyConsent(user_id=user.id, notice_version=version, via=via, at=utcnow())
    db.add(row)
    return row


def current_version(env: Environment, config: Mapping[str, Any]) -> str:
    """The version of the notice an app shows now (its template and its settings)."""
    return notice_version(env, notice_settings(config))


def current_text(env: Environment, config: Mapping[str, Any], language: str) -> str:
    """The notice an app shows now, in ``language``."""
    return render_notice(env, notice_settings(config), language)


_SECTION = re.compile(r'<h2 id="([\w-]+)">([^<]+)</h2>')


def sections(body: str) -> list[tuple[str, str]]:
    """The notice's sections as (anchor, heading as HTML), for its table of contents."""
    return _SECTION.findall(body)
