"""E-mail (issue 16 items 1, 2, 4, 5): the outbox, the sending job against a real SMTP
server (aiosmtpd, tests/mailserver.py), preferences, unsubscribe and the sent log —
on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlmodel import Session, col, select, update

from tests.conftest import REPO
from tests.mailserver import MailServer, mailserver, self_signed  # noqa: F401
from tests.webapp.conftest import People, login, submit
from webapp import db, jobs
from webapp.models import (
    MAIL_FAILED,
    MAIL_QUEUED,
    MAIL_SENDING,
    MAIL_SENT,
    MAIL_SKIPPED,
    Job,
    MailMessage,
    MailPreference,
    User,
    utcnow,
)
from webapp.services import mail_send, outbox
from webapp.services.outbox import Attachment

# aiosmtpd warns when a server asks for AUTH without TLS: the tests' plain server does.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning")
PROBES = REPO / "tests" / "fixtures" / "mail_templates"
ICS = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Занятие в Смолян\r\n"
       "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()
PDF = bytes(range(256)) * 4  # binary, every byte value


def with_probes(app: Flask) -> Flask:
    """Let the app find the test's own mail templates (mail/probe.txt, .html)."""
    app.jinja_env.loader = ChoiceLoader([FileSystemLoader(PROBES), app.jinja_loader])
    return app


@pytest.fixture
def app(make_app: Any, build_dir: Path, mailserver: MailServer) -> Flask:  # noqa: F811
    return with_probes(make_app(**mailserver.settings()))


def add_email(app: Flask, username: str, address: str, language: str = "") -> User:
    with app.app_context():
        database = db.session()
        user = database.exec(select(User).where(User.username == username)).one()
        user.email, user.language = address, language
        database.add(user)
        database.commit()
        return user


def queue(app: Flask, user_id: int | None, kind: str = "certificate_issued", key: str = "k1",
          **kwargs: Any) -> int | None:
    """Queue the probe message and commit; the message's id or None."""
    with app.app_context():
        database = db.session()
        user = database.get(User, user_id) if user_id is not None else None
        message = outbox.queue(database, kind=kind, key=key, user=user, template="probe",
                               context={"what": "сертификата"}, **kwargs)
        database.commit()
        return message.id if message is not None else None


def message(app: Flask, message_id: int) -> MailMessage:
    with app.app_context():
        found = db.session().get(MailMessage, message_id)
        assert found is not None
        return found


def jobs_of(app: Flask) -> list[Job]:
    with app.app_context():
        return list(db.session().exec(select(Job).where(Job.kind == outbox.SEND_JOB)
                                      .order_by(col(Job.id))).all())


def make_due(app: Flask) -> None:
    """Move every waiting job to now (the retry back-off is minutes long)."""
    with app.app_context():
        database = db.session()
        database.exec(update(Job).where(col(Job.status) == "queued").values(run_after=utcnow()))
        database.commit()


@pytest.fixture
def ivan(app: Flask, people: People) -> User:
    return add_email(app, "ivan", "ivan.ivanov@smolyan.example.bg")


# --- the message as it arrives -------------------------------------------------------

def test_a_message_arrives_with_its_headers_cyrillic_text_and_attachments(
        app: Flask, ivan: User, mailserver: MailServer) -> None:  # noqa: F811
    sent_id = queue(app, ivan.id, attachments=[
        Attachment("занятие.ics", "text/calendar", ICS),
        Attachment("certificate.pdf", "application/pdf", PDF)])
    assert sent_id is not None
    assert jobs.run_pending(app) == 1
    [got] = mailserver.received
    assert got.rcpt_tos == ["ivan.ivanov@smolyan.example.bg"]
    assert got.mail_from == "obuchenie@dobro.example.org"
    email = got.email
    stored = message(app, sent_id)
    assert stored.status == MAIL_SENT and stored.sent_at is not None and stored.tries == 1
    assert email["Subject"] == "Занятия: Покана за сертификата" == stored.subject
    assert email["From"].addresses[0].addr_spec == "obuchenie@dobro.example.org"
    assert email["From"].addresses[0].display_name == "Мини курс по местно само управление"
    assert email["Reply-To"] == "koordinator@dobro.example.org"
    assert email["To"] == "ivan.ivanov@smolyan.example.bg"
    assert email["Message-ID"] == stored.message_id
    assert stored.message_id.endswith("@dobro.example.org>")
    assert email["Date"]
    unsubscribe = email["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://dobro.example.org/unsubscribe/")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert all(ord(ch) < 128 for ch in got.raw.decode("ascii")), "the raw message is 7-bit"
    text = email.get_body(("plain",))
    html = email.get_body(("html",))
    assert text is not None and html is not None
    assert "Здравейте, Иван Иванов!" in text.get_content()
    assert "„сертификата“" in text.get_content()
    assert "https://dobro.example.org/" in text.get_content()
    assert "Здравейте, Иван Иванов!" in html.get_content()
    assert unsubscribe[1:-1] in text.get_content()  # the same link in the footer
    assert "https://dobro.example.org/account/email" in html.get_content()
    files = {part.get_filename(): part for part in email.iter_attachments()}
    assert files["занятие.ics"].get_content_type() == "text/calendar"
    assert files["занятие.ics"].get_payload(decode=True) == ICS
    assert files["certificate.pdf"].get_payload(decode=True) == PDF


def test_essential_messages_carry_no_unsubscribe(app: Flask, ivan: User,
                                                 mailserver: MailServer) -> None:  # noqa: F811
    queue(app, ivan.id, kind="reset_code")
    jobs.run_pending(app)
    email = mailserver.received[0].email
    assert email["List-Unsubscribe"] is None and email["List-Unsubscribe-Post"] is None
    assert "/unsubscribe/" not in email.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_the_message_is_in_the_recipients_language(app: Flask, people: People,
                                                   mailserver: MailServer) -> None:  # noqa: F811
    english = add_email(app, "maria", "maria@example.org", language="en")
    bulgarian = add_email(app, "ivan", "ivan@example.org")
    queue(app, english.id, key="en")
    queue(app, bulgarian.id, key="bg")
    jobs.run_pending(app)
    subjects = {got.rcpt_tos[0]: got.email["Subject"] for got in mailserver.received}
    assert subjects == {"maria@example.org": "Sessions: Покана за сертификата",
                        "ivan@example.org": "Занятия: Покана за сертификата"}
    english_text = mailserver.received[0].email.get_body(("plain",))
    assert english_text is not None and "Stop messages of this kind" in english_text.get_content()


def test_queued_inside_a_request_the_links_go_to_base_url_and_the_page_keeps_its_language(
        app: Flask, people: People) -> None:
    from flask import url_for
    from flask_babel import gettext

    english = add_email(app, "maria", "maria@example.org", language="en")
    with app.test_request_context("/trainer/", base_url="http://10.0.0.5:8000"):
        assert gettext("Sessions") == "Занятия"
        database = db.session()
        found = outbox.queue(database, kind="certificate_issued", key="in-request",
                             user=database.get(User, english.id), template="probe",
                             context={"what": "x"})
        assert found is not None and found.subject.startswith("Sessions:")
        assert "https://dobro.example.org/" in found.text_body
        assert "10.0.0.5" not in found.text_body + found.html_body
        assert gettext("Sessions") == "Занятия"  # the request's own language is untouched
        assert url_for("learn.home", _external=True) == "http://10.0.0.5:8000/"


# --- the outbox: once per event, nothing to nobody ----------------------------------

def test_one_event_queues_one_message(app: Flask, ivan: User,
                                      mailserver: MailServer) -> None:  # noqa: F811
    assert queue(app, ivan.id, key="certificate:41") is not None
    assert queue(app, ivan.id, key="certificate:41") is None
    assert len(jobs_of(app)) == 1
    jobs.run_pending(app)
    assert len(mailserver.received) == 1


def test_two_transactions_racing_with_one_key_record_one_message(app: Flask,
                                                                 ivan: User) -> None:
    engine = app.extensions["dobro.engine"]
    found: dict[str, Any] = {}

    def record(name: str, session: Session) -> None:
        found[name] = outbox.queue(session, kind="reset_code", key="race",
                                   user=session.get(User, ivan.id), template="probe",
                                   context={"what": name})

    def second() -> None:
        with app.app_context(), Session(engine) as other:
            record("second", other)
            other.commit()

    with app.app_context(), Session(engine) as first:
        record("first", first)  # not committed yet
        racer = threading.Thread(target=second)
        racer.start()
        time.sleep(0.5)  # the second one waits for the first's row lock (or SQLite's)
        first.commit()
        racer.join(30)
    assert found["first"] is not None and found["second"] is None
    with app.app_context():
        [row] = db.session().exec(select(MailMessage)).all()
        assert "„first“" in row.text_body
    assert len(jobs_of(app)) == 1


def test_two_runners_sending_one_message_send_it_once(app: Flask, ivan: User,
                                                      mailserver: MailServer) -> None:  # noqa: F811
    sent_id = queue(app, ivan.id) or 0
    barrier = threading.Barrier(3)

    def run() -> None:
        with app.app_context():
            barrier.wait(10)
            mail_send.send_job({"id": sent_id})

    runners = [threading.Thread(target=run) for _ in range(3)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join(30)
    assert len(mailserver.received) == 1
    assert message(app, sent_id).status == MAIL_SENT and message(app, sent_id).tries == 1


def _being_sent(app: Flask, message_id: int, since: timedelta) -> None:
    """As if a runner began sending ``since`` ago (and maybe died)."""
    with app.app_context():
        database = db.session()
        database.exec(update(MailMessage).where(col(MailMessage.id) == message_id).values(
            status=MAIL_SENDING, sent_at=utcnow() - since, tries=1))
        database.commit()


def test_a_message_another_runner_is_sending_waits_for_its_lease(
        app: Flask, ivan: User, mailserver: MailServer) -> None:  # noqa: F811
    sent_id = queue(app, ivan.id) or 0
    _being_sent(app, sent_id, timedelta(minutes=1))
    jobs.run_pending(app)
    assert mailserver.received == []
    assert message(app, sent_id).status == MAIL_SENDING
    [_, later] = jobs_of(app)
    assert later.status == "queued"
    assert later.run_after - utcnow() >= mail_send.SEND_LEASE - timedelta(minutes=2)
    _being_sent(app, sent_id, mail_send.SEND_LEASE + timedelta(minutes=1))  # its runner died
    make_due(app)
    jobs.run_pending(app)
    assert len(mailserver.received) == 1
    done = message(app, sent_id)
    assert done.status == MAIL_SENT and done.tries == 2


def test_nothing_is_recorded_without_an_address(app: Flask, people: People) -> None:
    assert queue(app, people.learner.id) is None
    assert queue(app, None, kind="invitation") is None
    assert queue(app, None, kind="invitation", address="somebody@example.org") is not None
    assert len(jobs_of(app)) == 1


def test_an_unknown_kind_is_a_programming_error(app: Flask, ivan: User) -> None:
    with pytest.raises(outbox.UnknownKind):
        queue(app, ivan.id, kind="newsletter")


def test_the_queued_message_is_rolled_back_with_its_cause(app: Flask, ivan: User) -> None:
    with app.app_context():
        database = db.session()
        outbox.queue(database, kind="reset_code", key="r1", user=database.get(User, ivan.id),
                     template="probe", context={"what": "x"})
        database.rollback()
        assert database.exec(select(MailMessage)).all() == []
        assert database.exec(select(Job)).all() == []


# --- the sending job -------------------------------------------------------------------

def test_running_the_job_twice_sends_once(app: Flask, ivan: User,
                                          mailserver: MailServer) -> None:  # noqa: F811
    sent_id = queue(app, ivan.id)
    jobs.run_pending(app)
    with app.app_context():
        mail_send.send_job({"id": sent_id})  # a second run of the same job
        jobs.enqueue(db.session(), outbox.SEND_JOB, {"id": sent_id})
        db.session().commit()
    jobs.run_pending(app)
    assert len(mailserver.received) == 1
    assert message(app, sent_id or 0).tries == 1


def test_a_failing_server_is_retried_and_the_message_arrives_once(
        make_app: Any, build_dir: Path, people: People) -> None:
    server = MailServer(fail_first=2).start()
    try:
        app = with_probes(make_app(**server.settings()))
        ivan = add_email(app, "ivan", "ivan@example.org")
        sent_id = queue(app, ivan.id) or 0
        before = utcnow()
        jobs.run_pending(app)
        waiting = message(app, sent_id)
        assert waiting.status == MAIL_QUEUED and waiting.tries == 1
        assert "451" in waiting.error
        [_, retry] = jobs_of(app)
        assert retry.status == "queued"
        assert retry.run_after - before >= timedelta(minutes=1)  # minutes, not seconds
        assert jobs.run_pending(app) == 0  # not yet due
        make_due(app)
        jobs.run_pending(app)
        assert message(app, sent_id).tries == 2
        assert jobs_of(app)[-1].run_after - utcnow() >= timedelta(minutes=4)
        make_due(app)
        jobs.run_pending(app)
        done = message(app, sent_id)
        assert done.status == MAIL_SENT and done.tries == 3 and done.error == ""
        assert len(server.received) == 1
        make_due(app)
        assert jobs.run_pending(app) == 0
        assert len(server.received) == 1
    finally:
        server.stop()


def test_after_the_last_try_the_message_failed(make_app: Any, build_dir: Path,
                                               people: People) -> None:
    server = MailServer(fail_first=1000).start()
    try:
        app = with_probes(make_app(**server.settings()))
        ivan = add_email(app, "ivan", "ivan@example.org")
        sent_id = queue(app, ivan.id) or 0
        for _ in range(mail_send.MAX_TRIES + 2):
            make_due(app)
            jobs.run_pending(app)
        failed = message(app, sent_id)
        assert failed.status == MAIL_FAILED and failed.tries == mail_send.MAX_TRIES
        assert "451" in failed.error
        assert server.handler.attempts == mail_send.MAX_TRIES
    finally:
        server.stop()


def test_a_permanent_rejection_fails_at_once(make_app: Any, build_dir: Path,
                                             people: People) -> None:
    server = MailServer(reject=True).start()
    try:
        app = with_probes(make_app(**server.settings()))
        ivan = add_email(app, "ivan", "nobody@example.org")
        sent_id = queue(app, ivan.id) or 0
        jobs.run_pending(app)
        failed = message(app, sent_id)
        assert failed.status == MAIL_FAILED and failed.tries == 1
        assert "550" in failed.error
        make_due(app)
        assert jobs.run_pending(app) == 0
    finally:
        server.stop()


def test_a_malformed_address_fails_at_once(app: Flask, people: People,
                                           mailserver: MailServer) -> None:  # noqa: F811
    sent_id = queue(app, None, kind="invitation", address="a@example.org\nBcc: x@example.org")
    jobs.run_pending(app)
    failed = message(app, sent_id or 0)
    assert failed.status == MAIL_FAILED and failed.tries == 1
    assert mailserver.received == []
    make_due(app)
    assert jobs.run_pending(app) == 0


def test_a_server_that_is_not_there_is_retried(make_app: Any, build_dir: Path,
                                               people: People) -> None:
    from tests.serving import free_port

    app = with_probes(make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(),
                               SMTP_SECURITY="none", MAIL_FROM="a@dobro.example.org"))
    ivan = add_email(app, "ivan", "ivan@example.org")
    sent_id = queue(app, ivan.id) or 0
    jobs.run_pending(app)
    waiting = message(app, sent_id)
    assert waiting.status == MAIL_QUEUED and waiting.tries == 1
    assert "Connection" in waiting.error or "refused" in waiting.error.lower()


def test_email_off_sends_nothing_and_the_log_shows_what_would_have_gone(
        make_app: Any, build_dir: Path, people: People,
        mailserver: MailServer) -> None:  # noqa: F811
    app = with_probes(make_app(SMTP_PORT=mailserver.port))  # no SMTP_HOST: off
    assert not outbox.mail_enabled(app)
    ivan = add_email(app, "ivan", "ivan@example.org")
    sent_id = queue(app, ivan.id) or 0
    skipped = message(app, sent_id)
    assert skipped.status == MAIL_SKIPPED and "off" in skipped.error
    assert jobs_of(app) == []
    jobs.run_pending(app)
    assert mailserver.received == []


def test_a_message_queued_before_email_was_turned_off_is_skipped(
        app: Flask, ivan: User, make_app: Any, mailserver: MailServer) -> None:  # noqa: F811
    sent_id = queue(app, ivan.id) or 0
    off = make_app(**mailserver.settings(SMTP_HOST=""))
    jobs.run_pending(off)
    assert message(app, sent_id).status == MAIL_SKIPPED
    assert mailserver.received == []


def test_an_opt_out_after_queueing_stops_the_message_but_not_an_essential_one(
        app: Flask, ivan: User, mailserver: MailServer) -> None:  # noqa: F811
    optional = queue(app, ivan.id, kind="session_reminder", key="r") or 0
    essential = queue(app, ivan.id, kind="session_changed", key="c") or 0
    with app.app_context():
        outbox.set_preference(db.session(), ivan.id or 0, "session_reminder", False)
        outbox.set_preference(db.session(), ivan.id or 0, "session_changed", False)
        db.session().commit()
    jobs.run_pending(app)
    assert message(app, optional).status == MAIL_SKIPPED
    assert message(app, optional).error == mail_send.SKIPPED_OPTED_OUT
    assert message(app, essential).status == MAIL_SENT
    assert [got.rcpt_tos for got in mailserver.received] == [[ivan.email]]


def test_the_password_is_never_logged_nor_kept(make_app: Any, build_dir: Path, people: People,
                                               caplog: pytest.LogCaptureFixture) -> None:
    secret = "Таен-пароль-42"
    server = MailServer(user="dobro", password="the-right-one").start()
    try:
        app = with_probes(make_app(**server.settings(SMTP_PASSWORD=_secret(secret))))
        ivan = add_email(app, "ivan", "ivan@example.org")
        caplog.set_level(logging.DEBUG)
        sent_id = queue(app, ivan.id) or 0
        jobs.run_pending(app)
        refused = message(app, sent_id)
        assert refused.status == MAIL_QUEUED and "535" in refused.error
        assert server.logins == [("dobro", secret)]  # it was sent, to the server only
        assert secret not in caplog.text and secret not in refused.error
        assert secret not in repr(app.config) and secret not in str(dict(app.config))
        good = with_probes(make_app(**server.settings()))
        make_due(good)
        jobs.run_pending(good)
        assert message(app, sent_id).status == MAIL_SENT
        assert "the-right-one" not in caplog.text
    finally:
        server.stop()


def _secret(value: str) -> str:
    from webapp.config import Secret

    return Secret(value)


def test_starttls_with_a_login(make_app: Any, build_dir: Path, people: People, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    context, ca = self_signed(tmp_path)
    server = MailServer(tls=context, user="dobro", password="p4ss").start()
    monkeypatch.setattr(mail_send, "tls_context",
                        lambda: ssl.create_default_context(cafile=str(ca)))
    try:
        app = with_probes(make_app(**server.settings()))
        assert app.config["SMTP_SECURITY"] == "starttls"
        ivan = add_email(app, "ivan", "ivan@example.org")
        sent_id = queue(app, ivan.id) or 0
        jobs.run_pending(app)
        assert message(app, sent_id).status == MAIL_SENT
        assert len(server.received) == 1
        assert server.logins == [("dobro", "p4ss")]
    finally:
        server.stop()


def test_starttls_refuses_an_untrusted_certificate(make_app: Any, build_dir: Path,
                                                   people: People, tmp_path: Path) -> None:
    context, _ = self_signed(tmp_path)
    server = MailServer(tls=context).start()
    try:
        app = with_probes(make_app(**server.settings()))
        ivan = add_email(app, "ivan", "ivan@example.org")
        sent_id = queue(app, ivan.id) or 0
        jobs.run_pending(app)
        assert message(app, sent_id).status == MAIL_QUEUED
        assert "CERTIFICATE_VERIFY_FAILED" in message(app, sent_id).error
        assert server.received == []
    finally:
        server.stop()


# --- preferences and unsubscribing ---------------------------------------------------

def token_for(app: Flask, user: User, kind: str) -> str:
    with app.app_context():
        return outbox.unsubscribe_token(app, user, kind)


def preference(app: Flask, user: User, kind: str) -> MailPreference | None:
    with app.app_context():
        return db.session().get(MailPreference, (user.id, kind))


def test_unsubscribe_asks_on_get_and_stops_on_post(app: Flask, ivan: User) -> None:
    url = f"/unsubscribe/{token_for(app, ivan, 'session_reminder')}"
    client = app.test_client()
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Спиране на тези писма" in text and 'method="post"' in text
    assert preference(app, ivan, "session_reminder") is None  # a GET changes nothing
    done = client.post(url)
    assert done.status_code == 200
    assert "Готово" in done.get_data(as_text=True)
    row = preference(app, ivan, "session_reminder")
    assert row is not None and not row.enabled and row.via == "unsubscribe"
    assert queue(app, ivan.id, kind="session_reminder", key="after") is None
    assert queue(app, ivan.id, kind="certificate_issued", key="other kind") is not None


def test_one_click_unsubscribe_needs_no_session_nor_csrf(app: Flask, ivan: User,
                                                         mailserver: MailServer) -> None:  # noqa: F811
    queue(app, ivan.id, kind="trainer_digest")
    jobs.run_pending(app)
    link = mailserver.received[0].email["List-Unsubscribe"][1:-1]
    path = link.removeprefix("https://dobro.example.org")
    client = app.test_client()  # no cookie, no token: a mail client's one-click POST
    answer = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    row = preference(app, ivan, "trainer_digest")
    assert row is not None and not row.enabled


@pytest.mark.parametrize("token", ["nonsense", "eyJ1IjoxLCJrIjoic2Vzc2lvbl9yZW1pbmRlciJ9.forged",
                                   "", "a" * 300])
def test_a_tampered_token_gets_a_clear_page(app: Flask, ivan: User, token: str) -> None:
    client = app.test_client()
    for answer in (client.get(f"/unsubscribe/{token}"), client.post(f"/unsubscribe/{token}")):
        assert answer.status_code in (400, 404)
        if answer.status_code == 400:
            assert "Връзката не работи" in answer.get_data(as_text=True)
    assert preference(app, ivan, "session_reminder") is None


def test_a_token_for_another_app_or_an_essential_kind_is_refused(app: Flask, ivan: User,
                                                                 make_app: Any) -> None:
    other = make_app(SECRET_KEY="another-secret")
    assert app.test_client().get(
        f"/unsubscribe/{token_for(other, ivan, 'session_reminder')}").status_code == 400
    assert app.test_client().post(
        f"/unsubscribe/{token_for(app, ivan, 'reset_code')}").status_code == 400
    assert preference(app, ivan, "reset_code") is None


def test_preferences_save_and_opt_out_stops_only_non_essential_messages(
        app: Flask, ivan: User) -> None:
    client = app.test_client()
    login(client, "ivan")
    page = client.get("/account/email")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Известия по имейл" in text and "ivan.ivanov@smolyan.example.bg" in text
    assert 'id="kind-session_reminder"' in text and 'id="kind-reset_code"' not in text
    ticked = {f"kind_{kind}": "y" for kind in outbox.optional_kinds()
              if kind != "session_reminder"}
    answer = submit(client, "/account/email", {**ticked, "language": "en"})
    assert answer.status_code == 302
    row = preference(app, ivan, "session_reminder")
    assert row is not None and not row.enabled and row.via == "settings"
    assert preference(app, ivan, "certificate_issued").enabled  # type: ignore[union-attr]
    with app.app_context():
        assert db.session().get(User, ivan.id).language == "en"  # type: ignore[union-attr]
    assert queue(app, ivan.id, kind="session_reminder", key="r") is None
    essential = queue(app, ivan.id, kind="session_changed", key="c")
    assert essential is not None
    assert message(app, essential).language == "en"
    again = client.get("/account/email").get_data(as_text=True)
    assert 'id="kind-session_reminder" name="kind_session_reminder" type="checkbox" value="y">' \
        in again
    assert 'checked id="kind-certificate_issued"' in again or \
        'id="kind-certificate_issued" name="kind_certificate_issued" type="checkbox" value="y" ' \
        'checked' in again or 'checked' in again.split('id="kind-certificate_issued"')[1][:80]


def test_preferences_need_sign_in_and_csrf(app: Flask, ivan: User) -> None:
    client = app.test_client()
    assert client.get("/account/email").status_code in (302, 401)
    login(client, "ivan")
    assert client.post("/account/email", data={"language": "en"}).status_code == 400
    assert preference(app, ivan, "session_reminder") is None


def test_the_password_page_links_to_the_email_settings(app: Flask, ivan: User) -> None:
    client = app.test_client()
    login(client, "ivan")
    assert 'href="/account/email"' in client.get("/account/password").get_data(as_text=True)


# --- the sent log ------------------------------------------------------------------------

@pytest.fixture
def logged(app: Flask, ivan: User, mailserver: MailServer) -> Iterator[int]:  # noqa: F811
    queue(app, ivan.id, kind="certificate_issued", key="a")
    failed = queue(app, ivan.id, kind="reset_code", key="b") or 0
    jobs.run_pending(app)
    with app.app_context():
        row = db.session().get(MailMessage, failed)
        assert row is not None
        row.status, row.error = MAIL_FAILED, "550 No such mailbox"
        db.session().add(row)
        db.session().commit()
    yield failed


def test_the_sent_log_is_for_coordinators_only(app: Flask, people: People, logged: int) -> None:
    for username in ("ivan", "trainer"):
        client = app.test_client()
        login(client, username)
        assert client.get("/trainer/mail").status_code == 403
        assert client.post(f"/trainer/mail/{logged}/send-again").status_code in (400, 403)
    assert app.test_client().get("/trainer/mail").status_code in (302, 401)


def test_the_sent_log_lists_filters_and_sends_again(app: Flask, people: People, logged: int,
                                                    mailserver: MailServer) -> None:  # noqa: F811
    client = app.test_client()
    login(client, "admin")
    page = client.get("/trainer/mail").get_data(as_text=True)
    assert page.count('<tr id="mail-') == 2
    assert "ivan.ivanov@smolyan.example.bg" in page and "550 No such mailbox" in page
    assert "Занятия: Покана за сертификата" in page
    failed_only = client.get("/trainer/mail?status=failed").get_data(as_text=True)
    assert failed_only.count('<tr id="mail-') == 1 and f'id="mail-{logged}"' in failed_only
    assert client.get("/trainer/mail?kind=trainer_digest").get_data(as_text=True).count(
        '<tr id="mail-') == 0
    assert client.get("/trainer/mail?status=bogus&kind=x&page=-3").status_code == 200
    answer = submit(client, f"/trainer/mail/{logged}/send-again", {}, page="/trainer/mail")
    assert answer.status_code == 302
    jobs.run_pending(app)
    assert message(app, logged).status == MAIL_SENT
    assert len(mailserver.received) == 3  # both at first, then the "failed" one again
    assert client.post("/trainer/mail/999999/send-again").status_code in (400, 404)


def test_the_coordinators_tools_link_to_the_sent_log(app: Flask, people: People) -> None:
    client = app.test_client()
    login(client, "admin")
    assert 'href="/trainer/mail"' in client.get("/trainer/").get_data(as_text=True)
    trainer = app.test_client()
    login(trainer, "trainer")
    assert 'href="/trainer/mail"' not in trainer.get("/trainer/").get_data(as_text=True)


# --- settings ----------------------------------------------------------------------------

def test_mail_settings_defaults_and_the_password_file(tmp_path: Path) -> None:
    from webapp.config import mail_settings

    off = mail_settings({})
    assert off["SMTP_HOST"] == "" and off["SMTP_PORT"] == 587
    assert off["SMTP_SECURITY"] == "starttls" and off["SMTP_TIMEOUT"] == 30
    assert not outbox.mail_enabled(off)
    assert mail_settings({"DOBRO_SMTP_SECURITY": "SSL"})["SMTP_PORT"] == 465
    secret = tmp_path / "smtp"
    secret.write_text("от-файла\nignored\n", encoding="utf-8")
    on = mail_settings({"DOBRO_SMTP_HOST": "smtp.example.org", "DOBRO_SMTP_PORT": "2525",
                        "DOBRO_MAIL_FROM": "obuchenie@example.org",
                        "DOBRO_SMTP_PASSWORD": "from-env",
                        "DOBRO_SMTP_PASSWORD_FILE": str(secret)})
    assert outbox.mail_enabled(on) and on["SMTP_PORT"] == 2525
    assert str(on["SMTP_PASSWORD"]) == "от-файла"
    assert "от-файла" not in repr(on) and "от-файла" not in f"{on!r}"


@pytest.mark.parametrize(("env", "named"), [
    ({"DOBRO_SMTP_SECURITY": "tls"}, "DOBRO_SMTP_SECURITY"),
    ({"DOBRO_SMTP_PORT": "70000"}, "DOBRO_SMTP_PORT"),
    ({"DOBRO_SMTP_TIMEOUT": "soon"}, "DOBRO_SMTP_TIMEOUT"),
    ({"DOBRO_MAIL_FROM": "not an address"}, "DOBRO_MAIL_FROM"),
    ({"DOBRO_MAIL_REPLY_TO": "Коорд <a@b.bg>"}, "DOBRO_MAIL_REPLY_TO"),
    ({"DOBRO_SMTP_HOST": "smtp.example.org"}, "DOBRO_MAIL_FROM"),
    ({"DOBRO_SMTP_PASSWORD_FILE": "/nonexistent/smtp"}, "DOBRO_SMTP_PASSWORD_FILE"),
])
def test_a_bad_mail_setting_stops_the_start(env: dict[str, str], named: str) -> None:
    from webapp.config import mail_settings

    with pytest.raises(ValueError, match=named):
        mail_settings(env)


def test_the_app_reads_the_mail_settings_from_the_environment(
        make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOBRO_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("DOBRO_MAIL_FROM", "obuchenie@example.org")
    monkeypatch.setenv("DOBRO_SMTP_PASSWORD", "s3cret-value")
    app = make_app()
    assert outbox.mail_enabled(app) and app.config["SMTP_PORT"] == 587
    assert "s3cret-value" not in repr(app.config)
    monkeypatch.setenv("DOBRO_SMTP_SECURITY", "plain")
    with pytest.raises(ValueError, match="DOBRO_SMTP_SECURITY"):
        make_app()


# --- dobro mail test ------------------------------------------------------------------------

def test_dobro_mail_test_sends_at_once_and_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        mailserver: MailServer) -> None:  # noqa: F811
    from webapp.cli import main

    monkeypatch.setenv("DOBRO_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("DOBRO_SECRET_KEY", "cli")
    assert main(["mail", "test", "admin@example.org"]) == 1
    assert "DOBRO_SMTP_HOST" in capsys.readouterr().err  # off: it says what to set
    for name, value in (("DOBRO_SMTP_HOST", "127.0.0.1"), ("DOBRO_SMTP_PORT", mailserver.port),
                        ("DOBRO_SMTP_SECURITY", "none"),
                        ("DOBRO_MAIL_FROM", "obuchenie@dobro.example.org")):
        monkeypatch.setenv(name, str(value))
    assert main(["mail", "test", "admin@example.org"]) == 0
    assert "admin@example.org" in capsys.readouterr().out
    [got] = mailserver.received
    assert got.rcpt_tos == ["admin@example.org"]
    assert got.email["Subject"] == "Dobro: пробно писмо / test message"
    mailserver.handler.reject = True
    monkeypatch.setenv("DOBRO_SMTP_USER", "")
    monkeypatch.setenv("DOBRO_SMTP_PASSWORD", "never-printed")
    assert main(["mail", "test", "nobody@example.org"]) == 1
    said = capsys.readouterr()
    assert "550" in said.err and "never-printed" not in said.err + said.out
