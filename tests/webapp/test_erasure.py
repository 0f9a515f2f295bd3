"""Erasure (issue 16 item 8): a learner with activity everywhere is erased, and then neither
a dump of the whole database nor a fresh ``dobro backup`` archive holds their name, e-mail,
phone or user name — while the statistics and the donor report count them as before."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import SQLModel, select
from sqlmodel.sql.sqltypes import AutoString

from course.attempts import to_display
from course.grading import correct_response
from tests.course.builders import make_question, make_quiz
from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import PASSWORD, People, login, submit
from webapp import backup, backup_database, db
from webapp.content import current_course, store
from webapp.models import (
    Answer,
    AttendanceChange,
    AuditEntry,
    CalendarFeed,
    Certificate,
    CertificateEvent,
    ErasureRequest,
    Group,
    Job,
    KnownAddress,
    LoginSession,
    MailMessage,
    PrivacyConsent,
    StoredFile,
    User,
)
from webapp.services import accounts, attempts, donor_report, erasure, sessions, statistics
from webapp.services.certificate_pdf import STORED_KIND

NAME = "Цветелина Драгомирова-Кьосева"
EMAIL = "tsveti.kyoseva@primer-obshtina.bg"
PHONE = "0899 765 432"
USERNAME = "tsveti_k77"
FREE_TEXT = "Аз, Цветелина Драгомирова-Кьосева, смятам така"
CSV = ("Име,Организация,Аудитория,Длъжност,Пол,Имейл,Телефон\n"
       f"{NAME},Смолян,employees,главен експерт,ж,{EMAIL},{PHONE}\n").encode()
CONFIRM = re.compile(r'action="(/trainer/groups/\d+/import/[A-Za-z0-9_-]+)"')


# --- a learner with activity everywhere ---------------------------------------------


def import_her(app: Flask, client: FlaskClient) -> int:
    """The trainer imports her from a spreadsheet into the group; her id."""
    with app.app_context():
        group = db.session().exec(select(Group)).one()
    login(client, "trainer")
    url = f"/trainer/groups/{group.id}/import"
    preview = submit(client, url, {"file": (io.BytesIO(CSV), "хора.csv")},
                     content_type="multipart/form-data")
    match = CONFIRM.search(preview.get_data(as_text=True))
    assert match, preview.get_data(as_text=True)
    assert submit(client, match.group(1), {}, page=url).status_code == 302
    with app.app_context():
        database = db.session()
        her = database.exec(select(User).where(User.name == NAME)).one()
        her.username = USERNAME
        accounts.set_password(her, PASSWORD)
        database.add(her)
        database.commit()
        assert her.id is not None and her.email == EMAIL
        return her.id


def answer_a_text_question(app: Flask, user: User) -> None:
    quiz = make_quiz(id="erasure-practice", kind="practice", topic="osnovi",
                     questions=(make_question("single"), make_question("text")))
    with app.app_context():
        database = db.session()
        attempt = attempts.start(database, user, quiz)
        right = {s.question.id: to_display(s.question, s.drawn, correct_response(s.question))
                 for s in attempts.slots(attempt)}
        attempts.submit(database, attempt, {**right, "q-text": FREE_TEXT})
        admin = database.exec(select(User).where(User.role == "admin")).one()
        report = statistics.quiz_report(database, admin, quiz)  # cached, with her text
        assert FREE_TEXT in repr(report)


def make_activity(app: Flask, people: People, her_id: int) -> None:
    """Progress, attempts, attendance with its change, certificates (one stored PDF), a
    calendar feed, a mail, an audit entry, a consent, a failed and a good sign-in."""
    with app.app_context():
        her = db.session().get(User, her_id)
    assert her is not None
    study_everything(app, her)
    answer_a_text_question(app, her)
    found = make_session(app, people.trainer, hours=4)
    trainer = app.test_client()
    login(trainer, "trainer")
    page = f"/sessions/{found.id}"
    for status in ("absent", "present"):
        response = submit(trainer, f"{page}/attendance/{her_id}", {"status": status}, page=page)
        assert response.status_code == 302
    with app.app_context():
        database = db.session()
        her = database.get(User, her_id)
        assert her is not None
        certs = database.exec(select(Certificate).where(Certificate.user_id == her_id)).all()
        assert {c.kind for c in certs} == {"topic", "programme"}
        assert all(c.holder_name == NAME for c in certs)
        # The PDF as stored, with the name in it as plain bytes (a real one compresses it).
        database.add(StoredFile(kind=STORED_KIND, key=certs[0].code,
                                media_type="application/pdf", sha256="0" * 64,
                                size=10, content=f"%PDF {NAME}".encode()))
        sessions.feed_token(database, her)
        letter = MailMessage(
            key="test:erasure-letter", kind="certificate", user_id=her_id,
            to_address=f"{NAME} <{EMAIL}>", subject=f"{NAME}, сертификатът ви е издаден",
            text_body=f"Здравейте, {NAME}! Телефон за връзка: {PHONE}",
            html_body=f"<p>Здравейте, {NAME}!</p>",
            attachments=[{"filename": "a.txt", "media_type": "text/plain",
                          "content": NAME}], status="failed", error=f"550 <{EMAIL}>")
        database.add(letter)
        database.flush()
        # Its send job, failed with the server's answer naming the address.
        database.add(Job(kind="mail.send", key=f"mail:{letter.id}", payload={"id": letter.id},
                         status="failed", error=f"SMTPRecipientsRefused: 550 <{EMAIL}>"))
        database.add(AuditEntry(actor_id=people.trainer.id, action="view_attempts",
                                subject_user_id=her_id, target=f"user:{her_id}"))
        database.add(PrivacyConsent(user_id=her_id, notice_version="v1"))
        database.commit()
    learner = app.test_client()
    assert login(learner, USERNAME, "грешна-парола-123").status_code in (200, 302)
    assert login(learner, USERNAME).status_code == 302
    with app.app_context():
        database = db.session()
        assert database.exec(select(LoginSession).where(LoginSession.user_id == her_id)).all()
        assert database.get(CalendarFeed, her_id) is not None
        assert database.exec(select(AttendanceChange).where(
            AttendanceChange.user_id == her_id)).all()


# --- searching dumps ----------------------------------------------------------------


def needles(phone: str) -> list[bytes]:
    """What must not be found: each value as UTF-8 and as JSON writes it (\\u escapes)."""
    found: list[bytes] = []
    for value in (NAME, "Цветелина", "Драгомирова-Кьосева", EMAIL, phone, USERNAME,
                  phone.replace(" ", "")):
        found += [value.encode(), json.dumps(value).strip('"').encode()]
        found += [value.lower().encode(), value.upper().encode()]
    return found


def leaks(data: bytes, phone: str) -> list[bytes]:
    return [needle for needle in needles(phone) if needle in data]


def database_dump(url: str) -> bytes:
    """The whole database as SQL text: SQLite's iterdump, or a plain pg_dump."""
    if backup_database.kind_of(url) == "sqlite":
        with closing(sqlite3.connect(backup_database.sqlite_path(url))) as connection:
            return "\n".join(connection.iterdump()).encode()
    target, env = backup_database.libpq(url)
    program = backup_database.checked_tool("pg_dump", url)
    return subprocess.run([program, "--format=plain", "--no-owner", target], env=env,
                          capture_output=True, check=True, timeout=120).stdout


def archive_texts(archive: Path, url: str, work: Path) -> dict[str, bytes]:
    """Every member of a backup archive, the database dump also as SQL text."""
    found: dict[str, bytes] = {"(archive)": gzip.decompress(archive.read_bytes())}
    with tarfile.open(archive, "r:gz") as tar:
        for info in tar:
            member = tar.extractfile(info)
            if member is not None:
                found[info.name] = member.read()
    database = found[backup.DATABASE_MEMBERS[backup_database.kind_of(url)]]
    copy = work / "copy.db"
    copy.write_bytes(database)
    if backup_database.kind_of(url) == "sqlite":
        with closing(sqlite3.connect(copy)) as connection:
            found["(sql)"] = "\n".join(connection.iterdump()).encode()
    else:
        program = backup_database.checked_tool("pg_restore", url)
        found["(sql)"] = subprocess.run([program, "--file=-", str(copy)], capture_output=True,
                                        check=True, timeout=120).stdout
    return found


def fresh_backup(app: Flask, url: str, tmp_path: Path) -> Path:
    """``dobro backup`` in a process of its own, as an administrator runs it."""
    out = tmp_path / "after-erasure.tar.gz"
    env = {**os.environ, "DOBRO_DATABASE_URL": url, "DOBRO_INSTANCE": app.instance_path,
           "DOBRO_SECRET_KEY": ""}
    made = subprocess.run([sys.executable, "-c", "import sys; from webapp.cli import main; "
                           "sys.exit(main(sys.argv[1:]))", "backup", "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert made.returncode == 0, made.stderr
    return out


# --- what counts ----------------------------------------------------------------------


def counts(app: Flask, people: People) -> dict[str, Any]:
    with app.app_context():
        database = db.session()
        admin = database.get(User, people.admin.id)
        assert admin is not None
        report = donor_report.build(database, current_course(), store().build_dir,
                                    donor_report.Filters())
        return {"attempts": statistics.attempt_counts(database, admin),
                "indicators": report.indicators,
                "funnel": report.funnel, "by_organisation": report.by_organisation,
                "by_audience": report.by_audience,
                "by_sex_total": sum(r.funnel.enrolled for r in report.by_sex)}


# --- the Must-show test -------------------------------------------------------------


def test_an_erased_learner_is_nowhere_in_a_dump_or_a_backup_but_still_counted(
        app: Flask, client: FlaskClient, people: People, database_url: str,
        tmp_path: Path) -> None:
    her_id = import_her(app, client)
    make_activity(app, people, her_id)
    with app.app_context():
        phone = db.session().get(User, her_id).phone  # type: ignore[union-attr]
    assert phone
    # A second upload of the same list waits for its confirmation: the file holds her row.
    trainer = app.test_client()
    login(trainer, "trainer")
    with app.app_context():
        group = db.session().exec(select(Group)).one()
    url = f"/trainer/groups/{group.id}/import"
    assert submit(trainer, url, {"file": (io.BytesIO(CSV), "хора.csv")},
                  content_type="multipart/form-data").status_code == 200
    uploads = Path(app.instance_path) / "imports"
    assert any(EMAIL.encode() in f.read_bytes() for f in uploads.iterdir())
    before = database_dump(database_url)
    assert leaks(before, phone), "the dump should hold her data before the erasure"
    backup.create(database_url, Path(app.instance_path), tmp_path / "before.tar.gz")
    assert leaks(archive_texts(tmp_path / "before.tar.gz", database_url, tmp_path)["(sql)"],
                 phone), "and so should a backup"
    counted = counts(app, people)

    # She asks on the web; the administrator (a coordinator) approves.
    learner = app.test_client()
    login(learner, USERNAME)
    asked = submit(learner, "/account/erasure", {"password": PASSWORD, "confirm": "y"})
    assert asked.status_code == 302
    admin = app.test_client()
    login(admin, "admin")
    with app.app_context():
        request = db.session().exec(select(ErasureRequest)).one()
    assert request.channel == "web" and request.status == "pending"
    page = admin.get("/coordinator/erasure").get_data(as_text=True)
    assert NAME in page
    done = submit(admin, f"/coordinator/erasure/{request.id}/approve", {},
                  page="/coordinator/erasure")
    assert done.status_code == 302

    dump = database_dump(database_url)
    assert leaks(dump, phone) == []
    assert list(uploads.iterdir()) == []  # every upload waiting for confirmation is gone
    archive = fresh_backup(app, database_url, tmp_path)
    for member, data in archive_texts(archive, database_url, tmp_path).items():
        assert leaks(data, phone) == [], member
    assert counts(app, people) == counted
    if backup_database.kind_of(database_url) == "sqlite":  # not even in the file's free pages
        path = backup_database.sqlite_path(database_url)
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                assert leaks(file.read_bytes(), phone) == [], file.name

    with app.app_context():
        database = db.session()
        her = database.get(User, her_id)
        assert her is not None and her.pseudonymised_at is not None and not her.active
        assert her.name == erasure.pseudonym(her_id)
        certs = database.exec(select(Certificate).where(Certificate.user_id == her_id)).all()
        assert {c.status for c in certs} == {"revoked"}
        assert {c.revoked_reason for c in certs} == {erasure.REVOCATION_REASON}
        assert database.exec(select(CertificateEvent).where(
            CertificateEvent.reason == erasure.REVOCATION_REASON)).all()
        assert not database.exec(select(LoginSession).where(LoginSession.user_id == her_id)).all()
        assert not database.exec(select(KnownAddress).where(KnownAddress.user_id == her_id)).all()
        assert database.exec(select(PrivacyConsent).where(
            PrivacyConsent.user_id == her_id)).all()  # kept: no personal data in it
        assert database.exec(select(AuditEntry).where(AuditEntry.subject_user_id == her_id)).all()
        mail = database.exec(select(MailMessage).where(
            MailMessage.key == "test:erasure-letter")).one()
        assert mail.status == "failed" and mail.kind == "certificate" and not mail.to_address
        answers = [a.response for a in database.exec(select(Answer))]
        assert "" in answers and FREE_TEXT not in answers
        decided = database.get(ErasureRequest, request.id)
        assert decided is not None and decided.status == "approved" and decided.decided_by
        code = certs[0].code
    # Her session ended; she cannot sign in again, by the old name or any.
    assert learner.get("/account/erasure").status_code == 302
    assert login(app.test_client(), USERNAME).status_code == 200
    # The verify page of her old certificate: revoked, and no name.
    verify = app.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "Сертификатът е отнет" in verify and NAME not in verify
    assert erasure.pseudonym(her_id) not in verify
    credential = app.test_client().get(f"/credentials/{code}").get_data(as_text=True)
    assert "Цветелина" not in credential and "\\u0426" not in credential


# --- requests and decisions -----------------------------------------------------------


def ask_as(app: Flask, username: str) -> FlaskClient:
    person = app.test_client()
    login(person, username)
    response = submit(person, "/account/erasure", {"password": PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    return person


def only_request(app: Flask) -> ErasureRequest:
    with app.app_context():
        return db.session().exec(select(ErasureRequest)).one()


def test_asking_needs_the_password_and_the_tick(app: Flask, people: People) -> None:
    ivan = app.test_client()
    login(ivan, "ivan")
    page = ivan.get("/account/erasure").get_data(as_text=True)
    assert "Заличаване на моите данни" in page
    wrong = submit(ivan, "/account/erasure", {"password": "не-е-тази", "confirm": "y"})
    assert wrong.status_code == 200 and "Това не е вашата парола." in wrong.get_data(as_text=True)
    unticked = submit(ivan, "/account/erasure", {"password": PASSWORD})
    assert unticked.status_code == 200 and 'aria-invalid="true"' in unticked.get_data(as_text=True)
    with app.app_context():
        assert not db.session().exec(select(ErasureRequest)).all()
    ask_as(app, "ivan")
    again = submit(ivan, "/account/erasure", {"password": PASSWORD, "confirm": "y"})
    assert again.status_code == 302  # asking again: still the one request
    with app.app_context():
        assert len(db.session().exec(select(ErasureRequest)).all()) == 1
    page = ivan.get("/account/erasure").get_data(as_text=True)
    assert "Чака решение" in page


def test_refusing_needs_a_reason_and_is_kept(app: Flask, people: People) -> None:
    ivan = ask_as(app, "ivan")
    request = only_request(app)
    admin = app.test_client()
    login(admin, "admin")
    url = f"/coordinator/erasure/{request.id}/refuse"
    empty = submit(admin, url, {"reason": "  "}, page="/coordinator/erasure")
    assert empty.status_code == 200 and "Посочете причината." in empty.get_data(as_text=True)
    done = submit(admin, url, {"reason": "Текущо обучение по договор; ще се изтрие след края му"},
                  page="/coordinator/erasure")
    assert done.status_code == 302
    again = submit(admin, f"/coordinator/erasure/{request.id}/approve", {},
                   page="/coordinator/erasure")
    assert again.status_code == 302  # decided already: nothing changes
    with app.app_context():
        database = db.session()
        found = database.get(ErasureRequest, request.id)
        ivan_row = database.get(User, people.learner.id)
        assert found is not None and found.status == "refused" and "договор" in found.reason
        assert ivan_row is not None and ivan_row.pseudonymised_at is None
    page = ivan.get("/account/erasure").get_data(as_text=True)
    assert "Отказано" in page and "договор" in page


def test_a_second_approval_changes_nothing(app: Flask, people: People) -> None:
    ask_as(app, "ivan")
    request = only_request(app)
    admin = app.test_client()
    login(admin, "admin")
    confirm = admin.get(f"/coordinator/erasure/{request.id}/approve").get_data(as_text=True)
    assert f"„Заличен участник #{people.learner.id}“" in confirm
    assert "0 валидни сертификата се отнемат" in confirm
    for _ in range(2):
        response = submit(admin, f"/coordinator/erasure/{request.id}/approve", {},
                          page="/coordinator/erasure")
        assert response.status_code == 302
    with app.app_context():
        database = db.session()
        ivan = database.get(User, people.learner.id)
        assert ivan is not None and ivan.name == erasure.pseudonym(people.learner.id)
        assert len(database.exec(select(ErasureRequest)).all()) == 1
    page = admin.get("/coordinator/erasure").get_data(as_text=True)
    assert "Одобрено: заличено" in page and "Иван Иванов" not in page
    again = admin.get(f"/coordinator/erasure/{request.id}/approve")
    assert again.status_code == 302 and again.location.endswith("/coordinator/erasure")
    # Nobody can give the erased account a name or a join code again.
    with app.app_context():
        group = db.session().exec(select(Group)).one()
    trainer = app.test_client()
    login(trainer, "trainer")
    learner_page = f"/trainer/groups/{group.id}/learners/{people.learner.id}"
    assert trainer.get(learner_page).status_code == 404
    assert submit(trainer, f"{learner_page}/code", {}, page=f"/trainer/groups/{group.id}"
                  ).status_code == 404


def test_a_paper_request_is_recorded_by_a_coordinator(app: Flask, people: People) -> None:
    admin = app.test_client()
    login(admin, "admin")
    found = admin.get("/coordinator/erasure?q=мария").get_data(as_text=True)
    assert "Мария Петрова" in found
    url = f"/coordinator/erasure/record/{people.councillor.id}"
    assert submit(admin, url, {}, page="/coordinator/erasure").status_code == 302
    request = only_request(app)
    assert request.channel == "paper" and request.recorded_by == people.admin.id
    assert "Мария Петрова" in admin.get("/coordinator/erasure").get_data(as_text=True)


def test_access_and_bad_ids(app: Flask, people: People) -> None:
    anonymous = app.test_client()
    assert anonymous.get("/account/erasure").status_code == 302
    for username in ("ivan", "trainer"):
        person = app.test_client()
        login(person, username)
        for url in ("/coordinator/erasure", "/coordinator/retention"):
            assert person.get(url).status_code == 403, (username, url)
        token_page = "/account/erasure"
        for url in ("/coordinator/erasure/1/approve", "/coordinator/erasure/1/refuse",
                    f"/coordinator/erasure/record/{people.learner.id}",
                    "/coordinator/retention"):
            assert submit(person, url, {}, page=token_page).status_code == 403, url
    admin = app.test_client()
    login(admin, "admin")
    for url in ("/coordinator/erasure/999/approve", "/coordinator/erasure/999/refuse",
                "/coordinator/erasure/record/999"):
        assert submit(admin, url, {"reason": "x"}, page="/coordinator/erasure").status_code \
            == 404, url
    for url in ("/coordinator/erasure/999/approve", "/coordinator/erasure/99999999999/approve",
                "/coordinator/erasure/abc/approve"):
        assert admin.get(url).status_code == 404, url


def test_the_last_administrator_cannot_be_erased(app: Flask, people: People) -> None:
    with app.app_context():
        database = db.session()
        admin = database.get(User, people.admin.id)
        assert admin is not None
        request = erasure.ask(database, admin)
        database.commit()
        with pytest.raises(erasure.ErasureError, match="last-admin"):
            erasure.approve(database, request, admin)
        database.rollback()
        assert database.get(User, people.admin.id).pseudonymised_at is None  # type: ignore[union-attr]


# --- every column that can hold text was looked at -----------------------------------

# Each text, JSON or binary column, and what erasure does with it. A new column makes the
# test below fail until someone decides whether it can hold a person's data (and, if so,
# erases it in services/erasure.py).
REVIEWED: dict[str, dict[str, str]] = {
    "user": {"name": "pseudonym", "email": "erased", "phone": "erased", "username": "erased",
             "position": "erased", "sex": "erased", "password_hash": "erased",
             "role": "kept", "audience": "kept: reports", "specialism": "kept: reports",
             "language": "kept"},
    "certificate": {"holder_name": "erased", "organisation_name": "erased",
                    "reason": "erased", "revoked_reason": "the erasure's reason",
                    "signatory_name": "the programme's", "signatory_title": "the programme's",
                    "issuer_name": "the programme's", "title": "course", "programme_title":
                    "course", "number": "id", "code": "id", "status": "revoked",
                    "topic_id": "course", "audience": "kept", "kind": "kept"},
    "certificateevent": {"reason": "erased", "action": "kept"},
    "mail_message": {"to_address": "erased", "subject": "erased", "text_body": "erased",
                     "html_body": "erased", "attachments": "erased", "error": "erased",
                     "key": "event id", "kind": "kept", "language": "kept", "status": "kept",
                     "message_id": "random id and the server's host"},
    "answer": {"response": "text answers erased", "question_id": "course"},
    "attempt": {"questions": "course snapshot", "results": "grades and course feedback",
                "quiz_version": "course", "quiz_id": "course", "state": "kept",
                "seed": "random", "topic_id": "course", "kind": "kept"},
    "job": {"error": "mail jobs' erased", "payload": "ids", "key": "ids", "locked_by": "host",
            "status": "kept", "kind": "kept"},
    "shared_cache": {"value": "quiz statistics dropped", "stamp": "hash", "key": "ids"},
    "stored_file": {"content": "certificate PDFs deleted", "key": "id", "sha256": "hash",
                    "kind": "kept", "media_type": "kept"},
    "throttle": {"key": "sign-in counters by user name deleted"},
    "known_address": {"address": "deleted (a keyed hash)"},
    "login_session": {"id_hash": "deleted"},
    "calendarfeed": {"token": "deleted"},
    "invitation": {"code_hash": "deleted", "purpose": "deleted"},
    "mail_preference": {"kind": "deleted", "via": "deleted"},
    "privacy_consent": {"notice_version": "hash", "via": "kept"},
    "erasure_request": {"reason": "no personal data (the form says so)", "status": "kept",
                        "channel": "kept"},
    "audit_entry": {"target": "ids only (audit.TARGET_RE)", "action": "kept"},
    "attendance": {"status": "kept"},
    "attendancechange": {"via": "kept", "new_status": "kept", "old_status": "kept"},
    "moduleprogress": {"studied_version": "course", "module_id": "course",
                       "position": "an anchor of the course", "topic_id": "course"},
    "question_score": {"question_key": "hash", "question_id": "course"},
    "learner_group": {"name": "the programme's", "description": "the programme's"},
    "organisation": {"name": "a public body", "oblast": "kept", "kind": "kept"},
    "training_session": {"venue": "a place", "title": "course", "municipality": "a place",
                         "checkin_code": "random", "topic_id": "course"},
    "bulletin_recipient": {"name": "a post or a person on the bulletin list, not an account"},
    # bulletin_delivery has no text column: issue numbers, days and copies of those lines.
    "source_version": {"content": "a trainer's course text", "raw": "the same",
                       "comment": "a trainer's note on it", "sha256": "hash", "path": "course",
                       "status": "kept"},
    "job_runner": {"name": "host and process"},
    # Anonymous: nothing in a response leads to its person, so erasure has nothing to find;
    # open answers are kept (docs/privacy: they cannot be linked to anyone).
    "survey_response": {"id": "random", "survey_id": "course", "survey_version": "course",
                        "topic_id": "course", "organisation_kind": "coarse, kept",
                        "audience": "coarse, kept", "answers": "anonymous, kept"},
    "survey_answered": {"survey_id": "deleted"},
    "review_card": {"module_id": "deleted", "quiz_id": "deleted", "question_id": "deleted",
                    "question_key": "deleted"},
    "review_log": {"rated_by": "deleted", "result": "deleted", "response": "deleted"},
}


def test_every_text_column_was_looked_at() -> None:
    found: dict[str, set[str]] = {}
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (AutoString, sa.String, sa.Text, sa.JSON, sa.LargeBinary)):
                found.setdefault(table.name, set()).add(column.name)
    assert found == {table: set(columns) for table, columns in REVIEWED.items()}


def test_an_erased_staff_account_stays_closed(app: Flask, people: People) -> None:
    with app.app_context():
        database = db.session()
        admin = database.get(User, people.admin.id)
        trainer = database.get(User, people.trainer.id)
        assert admin is not None and trainer is not None
        erasure.approve(database, erasure.ask(database, trainer, recorded_by=admin), admin)
    client = app.test_client()
    login(client, "admin")
    page = client.get("/admin/staff").get_data(as_text=True)
    assert erasure.pseudonym(people.trainer.id) in page
    assert f'action="/admin/staff/{people.trainer.id}/active"' not in page
    reopen = submit(client, f"/admin/staff/{people.trainer.id}/active", {"active": "1"},
                    page="/admin/staff")
    assert reopen.status_code == 302
    assert "остава закрит" in client.get("/admin/staff").get_data(as_text=True)
    with app.app_context():
        trainer = db.session().get(User, people.trainer.id)
        assert trainer is not None and not trainer.active
