"""The outbox: an e-mail is recorded in the transaction of the event that causes it.

``queue`` renders the message (in the recipient's language) and adds a ``mail_message``
row and a ``mail.send`` job to the caller's session; the caller commits, so a message
exists exactly when its cause does, and the job runner sends it later
(``services/mail_send.py``), never inside a request.

Templates: ``templates/mail/<template>.txt`` and ``.html``, both extending
``mail/_base.txt`` / ``mail/_base.html`` (the programme's name, a link back, and for
non-essential kinds the unsubscribe and preferences links). The subject is the
``{% block subject %}`` of the ``.txt`` template (whitespace collapsed); the ``.html``
template gets it as ``subject``. Templates render with Flask-Babel forced to the
recipient's language, inside a request context whose URL is ``BASE_URL``, so
``url_for(..., _external=True)`` gives links to the public site whether ``queue`` is
called from a request or from a job. Every template gets, besides ``context``:
``recipient`` (the User or None), ``language``, ``programme``, ``home_url``, ``kind``,
``essential``, ``unsubscribe_url`` and ``preferences_url`` (both None for essential kinds).

Idempotency: ``key`` names the causing event ("certificate:41"); a second ``queue``
with the same key records nothing and returns None (``mail_message.key`` is unique; two
transactions racing with one key: the second's insert does nothing, ON CONFLICT).

Whether a kind is essential is decided here, by the kind (``KINDS``), never by the
caller: essential messages (an invitation, a reset code, a cancelled session) ignore
the person's opt-outs and carry no unsubscribe link.

Nothing to send: no address, or a non-essential kind the person opted out of — nothing
is recorded and ``queue`` returns None. E-mail off (no ``DOBRO_SMTP_HOST``): the message
is rendered and recorded with status "skipped" (the sent log shows what would have
gone, and the key still guards against a second one), no job is queued, and ``queue``
returns the skipped message.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, url_for
from flask.config import Config
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import Template
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from webapp import content, jobs
from webapp.models import (
    MAIL_FAILED,
    MAIL_QUEUED,
    MAIL_SENDING,
    MAIL_SENT,
    MAIL_SKIPPED,
    MailMessage,
    MailPreference,
    User,
    utcnow,
)
from webapp.services.paging import Pager

SEND_JOB = "mail.send"
DEFAULT_LANGUAGE = "bg"
UNSUBSCRIBE_SALT = "dobro.mail.unsubscribe"
SKIPPED_OFF = "e-mail is off (no DOBRO_SMTP_HOST)"


@dataclass(frozen=True)
class Kind:
    """A kind of message: its name for people, and whether it ignores opt-outs."""

    label: Any  # a lazy_gettext string: translated when shown
    essential: bool


KINDS: dict[str, Kind] = {
    "invitation": Kind(_l("Invitation with a join code"), essential=True),
    "session_enrolled": Kind(_l("Enrolment in a session"), essential=False),
    "session_reminder": Kind(_l("Reminders before a session"), essential=False),
    # A cancelled or moved session must reach people, whatever they chose.
    "session_changed": Kind(_l("A session changed or was cancelled"), essential=True),
    "certificate_issued": Kind(_l("Your certificate is issued"), essential=False),
    "reset_code": Kind(_l("A reset code for your account"), essential=True),
    "password_changed": Kind(_l("Your password was changed"), essential=True),
    "trainer_digest": Kind(_l("Weekly digest for trainers"), essential=False),
    "inactivity_nudge": Kind(_l("A reminder to continue the course"), essential=False),
    "survey_invitation": Kind(_l("An invitation to evaluate a session"), essential=False),
}


STATUS_LABELS = {MAIL_QUEUED: _l("Waiting to be sent"), MAIL_SENDING: _l("Being sent"),
                 MAIL_SENT: _l("Sent"),
                 MAIL_FAILED: _l("Failed"), MAIL_SKIPPED: _l("Not sent")}


def optional_kinds() -> list[str]:
    """The kinds a person may turn off (the preferences page lists them)."""
    return [name for name, kind in KINDS.items() if not kind.essential]


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (a session's .ics)."""

    filename: str
    media_type: str
    content: bytes

    def stored(self) -> dict[str, str]:
        return {"filename": self.filename, "media_type": self.media_type,
                "content": base64.b64encode(self.content).decode("ascii")}

    @classmethod
    def from_stored(cls, row: Mapping[str, str]) -> Attachment:
        return cls(row["filename"], row["media_type"], base64.b64decode(row["content"]))


class UnknownKind(ValueError):
    """``queue`` was given a kind that ``KINDS`` does not list."""


def mail_enabled(app_or_config: Flask | Config | Mapping[str, Any]) -> bool:
    """Whether e-mail is on: an SMTP host is configured."""
    config = app_or_config.config if isinstance(app_or_config, Flask) else app_or_config
    return bool(config.get("SMTP_HOST"))


def queue(db: Session, *, kind: str, key: str, user: User | None = None, address: str = "",
          template: str, context: Mapping[str, Any],
          attachments: Sequence[Attachment] = (),
          created_by: User | None = None) -> MailMessage | None:
    """Record a message for ``user`` (or ``address``) in ``db``'s transaction and queue
    its sending; None when one with ``key`` exists or there is nothing to send."""
    if kind not in KINDS:
        raise UnknownKind(kind)
    to_address = ((user.email if user is not None else address) or "").strip()
    if not to_address or _exists(db, key):
        return None
    if user is not None and not KINDS[kind].essential and not wants(db, user, kind):
        return None
    language = (user.language if user is not None else "") or DEFAULT_LANGUAGE
    subject, text, html = render(template, context, kind=kind, user=user, language=language)
    enabled = mail_enabled(current_app.config)
    row = MailMessage(
        key=key, kind=kind, user_id=user.id if user is not None else None,
        to_address=to_address, subject=subject[:300], text_body=text, html_body=html,
        attachments=[item.stored() for item in attachments], language=language,
        status=MAIL_QUEUED if enabled else MAIL_SKIPPED, error="" if enabled else SKIPPED_OFF,
        created_by=created_by.id if created_by is not None else None)
    message = _insert_once(db, row)
    if message is None:  # another transaction recorded the same key a moment ago
        return None
    if enabled:
        send_later(db, message)
    return message


def _insert_once(db: Session, row: MailMessage) -> MailMessage | None:
    """Insert ``row`` unless its key exists (ON CONFLICT DO NOTHING, SQLite and PostgreSQL).

    Not a savepoint: with SQLite's driver, a savepoint opened before the transaction's
    first write would commit on release, and a message whose cause is rolled back
    afterwards would still go out.
    """
    dialect = db.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    values = row.model_dump(exclude={"id"})
    found = db.exec(insert(MailMessage).values(**values)
                    .on_conflict_do_nothing(index_elements=["key"])
                    .returning(col(MailMessage.id))).first()
    return db.get(MailMessage, found[0]) if found is not None else None


def send_later(db: Session, message: MailMessage, run_after: Any = None) -> None:
    """Queue the job that sends ``message`` (in ``db``'s transaction)."""
    jobs.enqueue(db, SEND_JOB, {"id": message.id}, key=f"mail:{message.id}",
                 run_after=run_after)


def _exists(db: Session, key: str) -> bool:
    return db.exec(select(MailMessage.id).where(MailMessage.key == key)).first() is not None


def wants(db: Session, user: User, kind: str) -> bool:
    """Whether ``user`` gets messages of ``kind`` (essential kinds: always)."""
    if KINDS[kind].essential:
        return True
    row = db.get(MailPreference, (user.id, kind))
    return row is None or row.enabled


def render(template: str, context: Mapping[str, Any], *, kind: str, user: User | None,
           language: str) -> tuple[str, str, str]:
    """The subject, text and HTML of ``mail/<template>`` in ``language``."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with public_urls(app), force_locale(language):
        values = dict(context)
        values.update(_common(app, kind, user, language))
        text_template = app.jinja_env.get_template(f"mail/{template}.txt")
        subject = _subject(text_template, values)
        text = text_template.render(values).strip() + "\n"
        html = app.jinja_env.get_template(f"mail/{template}.html").render(
            values, subject=subject)
    return subject, text, html


@contextmanager
def public_urls(app: Flask) -> Iterator[None]:
    """Build URLs (``url_for(..., _external=True)``) against ``BASE_URL``, in a request
    or not: a request context of its own, sharing the current app context."""
    base = str(app.config["BASE_URL"]).rstrip("/")
    with app.test_request_context("/", base_url=base + "/"):
        yield


def _subject(template: Template, values: Mapping[str, Any]) -> str:
    block = template.blocks.get("subject")
    if block is None:
        raise LookupError(f"{template.name} has no {{% block subject %}}")
    raw = "".join(block(template.new_context(dict(values))))
    return re.sub(r"\s+", " ", raw).strip()


def _common(app: Flask, kind: str, user: User | None, language: str) -> dict[str, Any]:
    essential = KINDS[kind].essential
    optional = user if user is not None and user.id is not None and not essential else None
    return {
        "recipient": user, "kind": kind, "essential": essential, "language": language,
        "programme": programme_name(app),
        "home_url": url_for("learn.home", _external=True),
        "unsubscribe_url": unsubscribe_url(app, optional, kind) if optional else None,
        "preferences_url": url_for("mail.preferences", _external=True) if optional else None,
    }


def programme_name(app: Flask) -> str:
    """The programme's name: the course's title, or "Dobro" without a course."""
    store = app.extensions.get(content.STORE_KEY)
    course = store.peek() if store is not None else None
    return str(course.title) if course is not None else "Dobro"


def _serializer(app: Flask) -> URLSafeSerializer:
    return URLSafeSerializer(str(app.config["SECRET_KEY"]), salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(app: Flask, user: User, kind: str) -> str:
    """A signed token that stops ``kind`` for ``user``, without signing in."""
    return str(_serializer(app).dumps({"u": user.id, "k": kind}))


def unsubscribe_url(app: Flask, user: User, kind: str) -> str:
    return url_for("mail.unsubscribe", token=unsubscribe_token(app, user, kind),
                   _external=True)


def read_unsubscribe_token(app: Flask, token: str) -> tuple[int, str] | None:
    """The (user id, kind) a token stands for; None when it is forged, mangled or stale."""
    try:
        data = _serializer(app).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user_id, kind = data.get("u"), data.get("k")
    if not isinstance(user_id, int) or kind not in KINDS or KINDS[kind].essential:
        return None
    return user_id, str(kind)


def preferences(db: Session, user: User) -> dict[str, bool]:
    """Whether ``user`` gets each non-essential kind (no row: yes)."""
    rows = db.exec(select(MailPreference).where(MailPreference.user_id == user.id)).all()
    chosen = {row.kind: row.enabled for row in rows}
    return {kind: chosen.get(kind, True) for kind in optional_kinds()}


def set_preference(db: Session, user_id: int, kind: str, enabled: bool,
                   via: str = "settings") -> None:
    """Record whether the person gets ``kind`` (in ``db``'s transaction)."""
    row = db.get(MailPreference, (user_id, kind))
    if row is None:
        row = MailPreference(user_id=user_id, kind=kind, enabled=enabled, via=via)
    elif row.enabled != enabled:
        row.enabled, row.via, row.updated_at = enabled, via, utcnow()
    db.add(row)


def sent_log(db: Session, *, status: str = "", kind: str = "", number: int = 1,
             size: int = 50) -> tuple[list[MailMessage], Pager]:
    """One page of the messages, newest first, of ``status`` and ``kind`` when given."""
    query = select(MailMessage)
    counting = select(func.count()).select_from(MailMessage)
    if status:
        query = query.where(MailMessage.status == status)
        counting = counting.where(MailMessage.status == status)
    if kind:
        query = query.where(MailMessage.kind == kind)
        counting = counting.where(MailMessage.kind == kind)
    total = int(db.exec(counting).one())
    pages = max(1, math.ceil(total / size))
    number = min(max(number, 1), pages)
    rows = db.exec(query.order_by(col(MailMessage.created_at).desc(), col(MailMessage.id).desc())
                   .offset((number - 1) * size).limit(size)).all()
    return list(rows), Pager(number, pages, size, total)


def send_again(db: Session, message: MailMessage) -> bool:
    """Queue a failed (or skipped, now that e-mail is on) message once more."""
    if message.status not in (MAIL_FAILED, MAIL_SKIPPED) or not mail_enabled(current_app.config):
        return False
    message.status, message.error = MAIL_QUEUED, ""
    db.add(message)
    send_later(db, message)
    return True
