""""Моите данни": the page, and the ZIP of everything Dobro holds about the person."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from tests.webapp.blended import make_session
from tests.webapp.conftest import People, login, submit
from tests.webapp.test_quiz import answer_everything, start
from webapp import db
from webapp.models import (
    Answer,
    Attempt,
    Attendance,
    AttendanceChange,
    AuditEntry,
    Certificate,
    CertificateEvent,
    ErasureRequest,
    KnownAddress,
    MailMessage,
    ModuleProgress,
    User,
    utcnow,
)
from webapp.services import my_data

SECTIONS = ("profile", "organisation", "groups", "progress", "study_seconds_total", "attempts",
            "attendance", "certificates", "emails", "mail_preferences", "consents",
            "erasure_requests", "sign_in_sessions", "known_addresses", "reset_codes",
            "sessions_led", "staff_access")


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


def give_activity(app: Flask, people: People, user: User, tag: str) -> None:
    """Progress, attendance with a change, a certificate with its history, an e-mail, an
    erasure request and a known address for ``user``; ``tag`` marks each of them."""
    session = make_session(app, people.trainer, title=f"Занятие {tag}",
                           starts_in=timedelta(days=-3 - len(tag)))
    with app.app_context():
        database = db.session()
        now = utcnow()
        database.add(ModuleProgress(user_id=user.id, module_id="obshtinata", topic_id="osnovi",
                                    seconds_spent=1260, studied_at=now, position=f"sec-{tag}"))
        database.add(Attendance(session_id=session.id, user_id=user.id, status="present",
                                updated_by=people.trainer.id))
        database.add_all([
            AttendanceChange(session_id=session.id, user_id=user.id, old_status="",
                             new_status="absent", changed_by=people.trainer.id,
                             changed_at=now - timedelta(minutes=5)),
            AttendanceChange(session_id=session.id, user_id=user.id, old_status="absent",
                             new_status="present", via="checkin", changed_by=user.id)])
        cert = Certificate(code=f"code-{tag}", number=f"ARO-2027-{tag}", user_id=user.id,
                           topic_id="osnovi", holder_name=user.name, title=f"Основи {tag}",
                           programme_title="Програма", issuer_name="АРО",
                           issued_by=people.trainer.id, reason=f"по хартия {tag}")
        database.add(cert)
        database.flush()
        database.add_all([
            CertificateEvent(certificate_id=cert.id, action="issued", actor_id=people.trainer.id,
                             reason=f"по хартия {tag}"),
            CertificateEvent(certificate_id=cert.id, action="revoked", actor_id=people.admin.id,
                             reason=f"грешка {tag}")])
        database.add(MailMessage(key=f"certificate:{tag}", kind="certificate", user_id=user.id,
                                 to_address=f"{tag}@example.org", subject=f"Сертификат {tag}",
                                 text_body=f"Тяло {tag}", status="sent", sent_at=now))
        database.add(ErasureRequest(user_id=user.id, channel="web"))
        database.add(KnownAddress(user_id=user.id, address=f"hash-{tag}"))
        database.add(AuditEntry(actor_id=people.trainer.id, action="view_attempts",
                                subject_user_id=user.id, target=f"attempt:{len(tag)}"))
        database.commit()


def download(client: FlaskClient) -> zipfile.ZipFile:
    response = submit(client, "/my-data/download", {}, page="/my-data")
    assert response.status_code == 200, text(response)
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


@pytest.fixture
def busy(app: Flask, client: FlaskClient, people: People) -> FlaskClient:
    """Иван (named with markup) with activity everywhere; Мария with her own, tagged."""
    with app.app_context():
        database = db.session()
        ivan = database.get(User, people.learner.id)
        assert ivan is not None
        ivan.name, ivan.email, ivan.phone = "<script>alert(1)</script> Иван", "ivan@x.bg", "0888"
        database.add(ivan)
        database.commit()
    give_activity(app, people, people.learner, "IVAN1")
    give_activity(app, people, people.councillor, "MARIA9")
    maria = app.test_client()
    login(maria, "maria")
    maria_attempt = start(maria)
    answer_everything(maria, app, maria_attempt)
    login(client, "ivan")
    done = start(client)
    answer_everything(client, app, done)
    submit(client, f"/attempt/{done}/submit", {}, page=f"/attempt/{done}/submit")
    start(client, "obshtinata-proverka")  # left open, one answer saved below
    with app.app_context():
        database = db.session()
        open_attempt = my_data.collect(database, people.learner)["attempts"][-1]
        assert open_attempt["state"] == "open"
        row = database.exec(select(Attempt).where(Attempt.user_id == people.learner.id,
                                                  Attempt.state == "open")).one()
        first = row.questions[0]["question"]
        database.add(Answer(attempt_id=row.id, question_id=first["id"], response=0))
        database.commit()
    return client


def test_the_zip_holds_every_section_of_the_learners_data(busy: FlaskClient, app: Flask,
                                                          people: People) -> None:
    zipped = download(busy)
    assert {"data.json", "summary.html"} <= set(zipped.namelist())
    data = json.loads(zipped.read("data.json").decode("utf-8"))
    assert data["format"] == "dobro-my-data" and data["format_version"] == 1
    for key in SECTIONS:
        assert key in data, key
    assert data["profile"]["name"] == "<script>alert(1)</script> Иван"
    assert data["profile"]["email"] == "ivan@x.bg" and data["profile"]["username"] == "ivan"
    assert data["organisation"]["name"] == "Смолян"
    assert data["groups"] == [{"name": "Съветници – Смолян, пролет 2027"}]
    assert data["progress"][0]["seconds_spent"] == 1260 and data["study_seconds_total"] >= 1260
    finished, still_open = data["attempts"]
    assert finished["state"] == "submitted" and finished["percent"] == 100
    assert len(finished["questions"]) == 7
    assert all(q["score"] is not None and q["response"] is not None
               for q in finished["questions"])
    assert still_open["state"] == "open" and still_open["questions"][0]["response"] == 0
    assert still_open["questions"][0]["score"] is None
    (attended,) = data["attendance"]
    assert attended["status"] == "present" and attended["updated_by"] == "trainer"
    assert [(c["new_status"], c["changed_by"]) for c in attended["changes"]] == [
        ("absent", "trainer"), ("present", "self")]
    (cert,) = data["certificates"]
    assert cert["number"] == "ARO-2027-IVAN1"
    assert [(e["action"], e["by"]) for e in cert["history"]] == [("issued", "trainer"),
                                                                ("revoked", "admin")]
    (mail,) = data["emails"]
    assert (mail["subject"], mail["status"]) == ("Сертификат IVAN1", "sent")
    assert data["consents"][0]["via"] == "join"
    assert data["erasure_requests"][0]["status"] == "pending"
    assert data["sign_in_sessions"] and "id_hash" not in data["sign_in_sessions"][0]
    (access,) = data["staff_access"]
    assert (access["action"], access["by"]) == ("view_attempts", "trainer")
    assert data["known_addresses"] == {"count": 2}  # ours, and the test client's sign-in
    assert data["generated_at"].endswith("+00:00")  # ISO 8601, UTC
    assert attended["session"]["starts_at"][:4].isdigit() and "T" in cert["issued_at"]


def test_nothing_of_another_person_is_in_the_zip(busy: FlaskClient, people: People) -> None:
    zipped = download(busy)
    everything = "".join(zipped.read(name).decode("utf-8", "replace")
                         for name in zipped.namelist() if not name.endswith(".pdf"))
    for foreign in ("MARIA9", "Мария", "maria", "Теодора", "Обучителева", "Админ Админов",
                    "Георги", "hash-IVAN1"):
        assert foreign not in everything, foreign


def test_the_answer_key_is_never_in_the_zip(busy: FlaskClient) -> None:
    zipped = download(busy)
    data = zipped.read("data.json").decode("utf-8")
    for secret in ("Тайно-обяснение-бюджет.", "Тайна-обратна-връзка-съвет.", '"weight"',
                   '"explanation"', '"text_answers"', '"number_answers"', '"feedback'):
        assert secret not in data, secret


def test_the_summary_is_readable_and_escapes_markup(busy: FlaskClient) -> None:
    zipped = download(busy)
    html = zipped.read("summary.html").decode("utf-8")
    assert html.startswith("<!doctype html>") or "<!doctype html>" in html[:400]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Иван" in html
    assert "<script>" not in html
    for part in ("Моите данни в Dobro", "Профил", "Опити на тестовете", "Присъствие",
                 "ARO-2027-IVAN1", "Сертификат IVAN1", "Основи IVAN1", "обучител",
                 "Искания за заличаване", "@page",
                 "Служители, които са разглеждали", "Входен тест – Основи, опит 1"):
        assert part in html, part


def test_the_page_summarises_and_links_the_download(busy: FlaskClient) -> None:
    page = text(busy.get("/my-data"))
    assert "Моите данни" in page and "Изтегли всичко" in page
    assert 'action="/my-data/download"' in page and 'name="csrf_token"' in page
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert "2 опита на тестове" in page
    assert 'href="/my-data"' in text(busy.get("/"))  # the footer
    assert 'href="/my-data"' in text(busy.get("/account/password"))


def test_the_download_is_a_post_with_a_token(ivan: FlaskClient) -> None:
    assert ivan.get("/my-data/download").status_code == 405
    assert ivan.post("/my-data/download").status_code == 400


def test_a_trainer_downloads_their_own_data(app: Flask, client: FlaskClient,
                                            people: People) -> None:
    make_session(app, people.trainer, title="Моето занятие")
    login(client, "trainer")
    data = json.loads(download(client).read("data.json"))
    assert data["profile"]["role"] == "trainer"
    assert [s["title"] for s in data["sessions_led"]] == ["Моето занятие"]
    assert data["attendance"] == [] and data["attempts"] == []


def test_signing_in_is_needed(client: FlaskClient) -> None:
    response = client.get("/my-data")
    assert response.status_code == 302 and "/login" in response.location


def test_collect_is_usable_without_a_request(app: Flask, people: People) -> None:
    with app.app_context():
        data = my_data.collect(db.session(), people.stranger)
    assert data["profile"]["name"] == "Георги Непознат" and data["attempts"] == []
    assert my_data.counts(data)["groups"] == 0


def test_a_pdf_of_the_summary_comes_along_unless_the_history_is_long(
        busy: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from webapp.views import privacy as views

    pdf = download(busy).read("summary.pdf")
    assert pdf.startswith(b"%PDF")
    monkeypatch.setattr(views, "PDF_MAX_QUESTIONS", 0)
    assert "summary.pdf" not in download(busy).namelist()


def test_in_english_the_page_and_the_summary_are_english(ivan: FlaskClient) -> None:
    ivan.get("/language?lang=en")
    page = text(ivan.get("/my-data"))
    assert "Download everything" in page and "Изтегли всичко" not in page
    html = download(ivan).read("summary.html").decode("utf-8")
    assert '<html lang="en">' in html and "My data in Dobro" in html
