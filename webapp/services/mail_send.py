"""Sending the outbox: the ``mail.send`` job builds one message and hands it to SMTP.

One job per message (``outbox.queue`` queues it). The job first marks the message
"sending" (one atomic UPDATE, committed), so two runners never send it both; a message
that is no longer queued — sent, failed, skipped — is left alone, so running the job
twice sends once. Delivery is at least once, not exactly once: a runner that dies after
the server accepted the message and before its commit leaves it "sending"; after
``SEND_LEASE`` it is taken again and goes again, with the same Message-ID (derived from
the row), which lets mail systems drop the copy.

Retries are the mail's own, not the job runner's: SMTP outages last minutes to hours,
and the runner's back-off (30 s doubling, 5 tries: 7½ minutes in all) suits work on our
own machine. A temporary failure (no connection, a timeout, a 4xx answer, a failed
sign-in) queues a new job after ``BACKOFF[tries]`` — 1 min, 5 min, 15 min, 1 h, 3 h,
6 h: ``MAX_TRIES`` tries over ~10 hours — and the message shows the last error in the
sent log meanwhile. A permanent rejection (a 5xx answer: no such recipient, refused
content) fails the message at once. After the last try the message is "failed"; a
coordinator may send it again from the sent log.

The password is only ever given to ``smtplib``'s ``login``: it is in no log line and
no error kept, and is scrubbed from error texts should a server echo it.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

from flask import Flask, current_app
from sqlalchemy import or_, update
from sqlmodel import col

from webapp import db, jobs
from webapp.models import (
    MAIL_FAILED,
    MAIL_QUEUED,
    MAIL_SENDING,
    MAIL_SENT,
    MAIL_SKIPPED,
    MailMessage,
    User,
    utcnow,
)
from webapp.services import outbox
from webapp.services.outbox import SEND_JOB, Attachment

log = logging.getLogger("dobro.mail")

BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15),
           timedelta(hours=1), timedelta(hours=3), timedelta(hours=6))
MAX_TRIES = len(BACKOFF) + 1
MAX_ERROR = 1000
# A message "sending" longer than this lost its runner (each SMTP step times out after
# DOBRO_SMTP_TIMEOUT, at most 10 minutes in all; the job runner's own lease is 10 minutes).
SEND_LEASE = timedelta(minutes=15)
SKIPPED_NO_ADDRESS = "no address (erased since it was queued)"
SKIPPED_OPTED_OUT = "the person turned these messages off since it was queued"


class PermanentFailure(Exception):
    """The server refused the message for good (a 5xx answer): trying again will not help."""


@jobs.handler(SEND_JOB)
def send_job(payload: dict[str, Any]) -> None:
    """Send the message ``payload["id"]`` unless it was sent (or given up) already."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    session = db.session()
    message = session.get(MailMessage, int(payload.get("id", 0)))
    if message is None or message.status not in (MAIL_QUEUED, MAIL_SENDING):
        return
    if message.status == MAIL_QUEUED:
        skip = _reason_to_skip(app, message)
        if skip:
            message.status, message.error = MAIL_SKIPPED, skip
            session.add(message)
            session.commit()
            return
    if not _claim(message):
        _look_again_later(message)
        return
    session.refresh(message)
    _send(app, message)
    session.add(message)
    session.commit()


def _send(app: Flask, message: MailMessage) -> None:
    try:
        email = build(app, message)
    except (ValueError, LookupError) as exc:  # a malformed address: no try would do better
        _give_up(message, describe(app, exc))
        return
    try:
        deliver(app.config, email)
    except PermanentFailure as exc:
        _give_up(message, describe(app, exc))
    except (smtplib.SMTPException, OSError) as exc:
        _try_later(message, describe(app, exc))
    except Exception as exc:  # a bug, or a setting smtplib cannot use: keep the message
        log.exception("mail %s (%s): unexpected error", message.id, message.kind)
        _try_later(message, describe(app, exc))
    else:
        message.status, message.sent_at, message.error = MAIL_SENT, utcnow(), ""
        message.message_id = str(email["Message-ID"])
        log.info("mail %s (%s) sent", message.id, message.kind)


def _reason_to_skip(app: Flask, message: MailMessage) -> str:
    """Why not to send after all: e-mail turned off, the address erased, or the person
    turned this kind off since it was queued ("" to send)."""
    if not outbox.mail_enabled(app.config):
        return outbox.SKIPPED_OFF
    if not message.to_address:
        return SKIPPED_NO_ADDRESS
    if message.user_id is not None and not outbox.KINDS[message.kind].essential:
        user = db.session().get(User, message.user_id)
        if user is not None and not outbox.wants(db.session(), user, message.kind):
            return SKIPPED_OPTED_OUT
    return ""


def _claim(message: MailMessage) -> bool:
    """Mark the message "sending" (since now) and count the try, unless another runner
    is sending it: one atomic UPDATE, committed at once. A "sending" older than
    ``SEND_LEASE`` lost its runner and is taken again."""
    session = db.session()
    now = utcnow()
    claimed = session.exec(update(MailMessage).where(
        col(MailMessage.id) == message.id,
        or_(col(MailMessage.status) == MAIL_QUEUED,
            (col(MailMessage.status) == MAIL_SENDING)
            & (col(MailMessage.sent_at) < now - SEND_LEASE)))
        .values(status=MAIL_SENDING, sent_at=now, tries=col(MailMessage.tries) + 1)
        .returning(col(MailMessage.id))).first()
    session.commit()
    return claimed is not None


def _look_again_later(message: MailMessage) -> None:
    """Another runner is sending it: come back when its lease would run out, in case
    that runner died (if it sent, the job then finds the message sent and stops)."""
    session = db.session()
    session.refresh(message)
    if message.status == MAIL_SENDING and message.sent_at is not None:
        outbox.send_later(session, message, run_after=message.sent_at + SEND_LEASE)
        session.commit()


def _give_up(message: MailMessage, error: str) -> None:
    message.status, message.error, message.sent_at = MAIL_FAILED, error, None
    log.warning("mail %s (%s) failed for good: %s", message.id, message.kind, error)


def _try_later(message: MailMessage, error: str) -> None:
    message.status, message.error, message.sent_at = MAIL_QUEUED, error, None
    if message.tries >= MAX_TRIES:
        _give_up(message, error)
        return
    wait = BACKOFF[min(message.tries, len(BACKOFF)) - 1]
    outbox.send_later(db.session(), message, run_after=utcnow() + wait)
    log.warning("mail %s (%s), try %s of %s, failed: %s; next try in %s", message.id,
                message.kind, message.tries, MAX_TRIES, error, wait)


def describe(app: Flask, exc: BaseException) -> str:
    """The error as kept and shown: its type and text, the password scrubbed."""
    text = f"{type(exc).__name__}: {exc}"
    password = str(app.config.get("SMTP_PASSWORD") or "")
    if password:
        text = text.replace(password, "***")
    return text[:MAX_ERROR]


def build(app: Flask, message: MailMessage) -> EmailMessage:
    """The e-mail of ``message``: text and HTML alternatives, attachments, headers."""
    config = app.config
    email = EmailMessage(policy=SMTP)
    email["Subject"] = message.subject
    email["From"] = Address(outbox.programme_name(app), addr_spec=config["MAIL_FROM"])
    email["To"] = message.to_address
    if config.get("MAIL_REPLY_TO"):
        email["Reply-To"] = config["MAIL_REPLY_TO"]
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message_id(message, str(config["MAIL_FROM"]))
    unsubscribe = _unsubscribe_url(app, message)
    if unsubscribe:  # RFC 2369 and RFC 8058: the mail client's own "unsubscribe" button
        email["List-Unsubscribe"] = f"<{unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text_body, cte="base64")
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html", cte="base64")
    for stored in message.attachments:
        item = Attachment.from_stored(stored)
        maintype, _, subtype = item.media_type.partition("/")
        email.add_attachment(item.content, maintype=maintype, subtype=subtype or "octet-stream",
                             filename=item.filename)
    return email


def test_message(app: Flask, address: str) -> EmailMessage:
    """A short message to check the settings (``dobro mail test``)."""
    config = app.config
    email = EmailMessage(policy=SMTP)
    email["Subject"] = "Dobro: пробно писмо / test message"
    email["From"] = Address(outbox.programme_name(app), addr_spec=config["MAIL_FROM"])
    email["To"] = address
    if config.get("MAIL_REPLY_TO"):
        email["Reply-To"] = config["MAIL_REPLY_TO"]
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = make_msgid("dobro-test", str(config["MAIL_FROM"]).rpartition("@")[2])
    email.set_content("Това писмо е изпратено с „dobro mail test“: настройките за имейл "
                      f"работят.\nThis message was sent by `dobro mail test`: e-mail works.\n\n"
                      f"{config['BASE_URL']}\n", cte="base64")
    return email


def message_id(message: MailMessage, sender: str) -> str:
    """The same Message-ID for every try of ``message``."""
    domain = sender.rpartition("@")[2] or "dobro.invalid"
    return f"<dobro.{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"


def _unsubscribe_url(app: Flask, message: MailMessage) -> str:
    if outbox.KINDS[message.kind].essential or message.user_id is None:
        return ""
    user = db.session().get(User, message.user_id)
    if user is None:
        return ""
    with outbox.public_urls(app):
        return outbox.unsubscribe_url(app, user, message.kind)


def tls_context() -> ssl.SSLContext:
    """The TLS settings for the SMTP server: the system's CAs, host name checked."""
    return ssl.create_default_context()


def deliver(config: Any, email: EmailMessage) -> None:
    """Hand ``email`` to the configured SMTP server; ``PermanentFailure`` on a 5xx refusal."""
    security = config["SMTP_SECURITY"]
    host, port, timeout = config["SMTP_HOST"], int(config["SMTP_PORT"]), config["SMTP_TIMEOUT"]
    server: smtplib.SMTP
    if security == "ssl":
        server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context())
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if security == "starttls":
            server.starttls(context=tls_context())
        if config.get("SMTP_USER"):
            login(server, str(config["SMTP_USER"]), str(config.get("SMTP_PASSWORD") or ""))
        try:
            server.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            if all(code >= 500 for code, _ in exc.recipients.values()):
                raise PermanentFailure(_refusal(exc.recipients)) from None
            raise
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if exc.smtp_code >= 500:
                raise PermanentFailure(f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
            raise


def login(server: smtplib.SMTP, user: str, password: str) -> None:
    """Sign in to the SMTP server; AUTH PLAIN in UTF-8 (RFC 4616) for a non-ASCII name or
    password, which ``smtplib.login`` cannot encode."""
    if (user + password).isascii():
        server.login(user, password)
        return
    server.ehlo_or_helo_if_needed()
    response = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, reply = server.docmd("AUTH", f"PLAIN {response}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _refusal(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{code} {_text(reply)}" for code, reply in recipients.values())


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
