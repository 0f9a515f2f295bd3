"""Certificates: issued when the rules are met, by hand with a reason, revoked and re-issued
with history, the PDF, a group's ZIP, and the certificates today's rules would not give."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlmodel import select

from course.build import build
from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import People, login, submit
from webapp import db
from webapp.models import Certificate, CertificateEvent, Group, TrainingSession, User
from webapp.services import certificates
from webapp.services.certificate_pdf import render_pdf

SHOTS = Path("/tmp/shots")


def mark_present(client: FlaskClient, session_id: int, user_id: int) -> None:
    page = f"/sessions/{session_id}"
    response = submit(client, f"{page}/attendance/{user_id}", {"status": "present"}, page=page)
    assert response.status_code == 302


def held(app: Flask) -> list[Certificate]:
    with app.app_context():
        return list(db.session().exec(select(Certificate).order_by(Certificate.id)).all())


@pytest.fixture
def completed(app: Flask, client: FlaskClient, people: People) -> list[Certificate]:
    """Ivan studied everything, passed the final, and the trainer marks him present."""
    study_everything(app, people.learner)
    found = make_session(app, people.trainer, hours=4)
    login(client, "trainer")
    mark_present(client, found.id, people.learner.id)
    return held(app)


def test_marking_the_last_missing_part_issues_the_certificates(completed: list[Certificate],
                                                               people: People) -> None:
    kinds = sorted((c.kind, c.topic_id) for c in completed)
    assert kinds == [("programme", ""), ("topic", "osnovi")]
    topic = next(c for c in completed if c.kind == "topic")
    assert topic.user_id == people.learner.id and topic.holder_name == "Иван Иванов"
    assert topic.organisation_name == "Смолян" and topic.issued_by is None
    assert topic.title == "Основи на самоуправлението"
    assert (topic.in_person_hours, topic.online_hours) == (4, 3)
    assert topic.number.startswith("ARO-") and len(topic.code) >= 32
    assert topic.issuer_name == "Асоциация на родопските общини"


def test_no_certificate_while_a_rule_is_not_met(app: Flask, client: FlaskClient,
                                                people: People) -> None:
    study_everything(app, people.learner, final_passed=False)
    found = make_session(app, people.trainer, hours=4)
    login(client, "trainer")
    mark_present(client, found.id, people.learner.id)
    assert held(app) == []
    # Present at a session too short for the rule (3 hours needed): still nothing.
    study_everything(app, people.councillor)
    short = make_session(app, people.trainer, hours=2, checkin_code="SHORT2")
    mark_present(client, short.id, people.councillor.id)
    assert held(app) == []
    learner = app.test_client()
    login(learner, "maria")
    html = learner.get("/").get_data(as_text=True)
    assert "Присъствени занятия: 2 от 3 часа посетени" in html
    assert "Още не е завършена" in html


def test_the_dashboard_checklist_shows_what_is_done(completed: list[Certificate],
                                                    app: Flask) -> None:
    learner = app.test_client()
    login(learner, "ivan")
    html = learner.get("/").get_data(as_text=True)
    assert "Присъствени занятия: 4 от 3 часа посетени" in html
    assert "Модули: 2 от 2 изучени" in html and "Заключителен тест: издържан" in html
    assert "Сертификат (PDF)" in html


def test_a_trainer_sees_the_checklist_of_their_learner_only(app: Flask, client: FlaskClient,
                                                            people: People) -> None:
    login(client, "trainer")
    html = client.get(f"/certificates/learners/{people.learner.id}").get_data(as_text=True)
    assert "Модули: 0 от 2 изучени" in html
    assert client.get(f"/certificates/learners/{people.stranger.id}").status_code == 404


def test_the_pdf_has_the_cyrillic_name_and_the_number(completed: list[Certificate],
                                                      app: Flask) -> None:
    topic = next(c for c in completed if c.kind == "topic")
    with app.app_context():
        pdf = render_pdf(topic, certificates.current_issuer())
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1
    assert "Иван Иванов" in text and topic.number in text
    assert "Основи на самоуправлението" in text
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    fonts = {str(f["/BaseFont"]) for p in reader.pages
             for f in p["/Resources"]["/Font"].values()}
    assert all("+" in name for name in fonts)  # embedded subsets
    if shutil.which("pdftoppm"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "certificate.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-singlefile", "-f", "1", "-l", "1",
                        str(SHOTS / "certificate.pdf"), str(SHOTS / "certificate")], check=True)


def test_only_the_holder_and_their_trainers_download_the_pdf(completed: list[Certificate],
                                                            app: Flask,
                                                            client: FlaskClient) -> None:
    code = completed[0].code
    response = client.get(f"/certificates/{code}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    stranger = app.test_client()
    login(stranger, "georgi")
    assert stranger.get(f"/certificates/{code}.pdf").status_code == 404


def test_revoking_needs_a_reason_and_keeps_history(completed: list[Certificate], app: Flask,
                                                   client: FlaskClient, people: People) -> None:
    topic = next(c for c in completed if c.kind == "topic")
    page = f"/certificates/learners/{people.learner.id}"
    html = submit(client, f"/certificates/{topic.code}/revoke", {"reason": ""},
                  page=page).get_data(as_text=True)
    assert "Посочете причината" in html
    response = submit(client, f"/certificates/{topic.code}/revoke",
                      {"reason": "Грешно отбелязано присъствие"}, page=page)
    assert response.status_code == 302
    with app.app_context():
        row = db.session().get(Certificate, topic.id)
        events = db.session().exec(select(CertificateEvent).where(
            CertificateEvent.certificate_id == topic.id)).all()
    assert row is not None and row.status == "revoked"
    assert row.revoked_by == people.trainer.id and row.revoked_reason
    assert [e.action for e in events] == ["issued", "revoked"]


def test_reissue_points_the_old_code_to_the_new_certificate(completed: list[Certificate],
                                                            app: Flask, client: FlaskClient,
                                                            people: People) -> None:
    topic = next(c for c in completed if c.kind == "topic")
    page = f"/certificates/learners/{people.learner.id}"
    response = submit(client, f"/certificates/{topic.code}/reissue",
                      {"name": "Иван Петров Иванов", "reason": "Поправено име"}, page=page)
    assert response.status_code == 302
    rows = {c.id: c for c in held(app)}
    old = rows[topic.id]
    assert old.status == "replaced" and old.replaced_by_id is not None
    new = rows[old.replaced_by_id]
    assert new.status == "valid" and new.holder_name == "Иван Петров Иванов"
    assert new.replaces_id == old.id and new.code != old.code and new.number != old.number
    html = app.test_client().get(f"/verify/{old.code}").get_data(as_text=True)
    assert "заменен с нов" in html and f"/verify/{new.code}" in html
    # The trainer sees each certificate's history: who did what, when and why.
    history = client.get(page).get_data(as_text=True)
    assert "издадено · автоматично" in " ".join(history.split())
    assert "преиздадено · Теодора Обучителева · Поправено име" in " ".join(history.split())


def test_a_trainer_issues_by_hand_only_with_a_reason(app: Flask, client: FlaskClient,
                                                     people: People) -> None:
    login(client, "trainer")
    page = f"/certificates/learners/{people.councillor.id}"
    html = submit(client, f"{page}/issue", {"topic": "osnovi", "reason": " "},
                  page=page).get_data(as_text=True)
    assert "Посочете причината" in html and held(app) == []
    submit(client, f"{page}/issue", {"topic": "osnovi", "reason": "Завършила в друг курс"},
           page=page)
    [cert] = held(app)
    assert cert.issued_by == people.trainer.id and cert.reason == "Завършила в друг курс"
    html = submit(client, f"{page}/issue", {"topic": "osnovi", "reason": "пак"}, page=page,
                  follow_redirects=True).get_data(as_text=True)
    assert "Вече има валиден сертификат" in html and len(held(app)) == 1


def test_a_group_zip_holds_every_valid_certificate(completed: list[Certificate], app: Flask,
                                                   client: FlaskClient) -> None:
    with app.app_context():
        group = db.session().exec(select(Group)).one()
    response = client.get(f"/certificates/groups/{group.id}.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert sorted(names) == sorted(f"{c.number}.pdf" for c in completed)


def test_a_stricter_rule_lists_the_affected_and_revokes_nothing(completed: list[Certificate],
                                                                app: Flask, client: FlaskClient,
                                                                course_root: Path,
                                                                build_dir: Path) -> None:
    assert "Всички издадени сертификати" in client.get("/certificates/affected").get_data(
        as_text=True)
    manifest = course_root / "modules" / "course.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "attended_hours: 3", "attended_hours: 6"), encoding="utf-8")
    build(course_root, build_dir, jobs=1)
    html = client.get("/certificates/affected").get_data(as_text=True)
    assert "Иван Иванов" in html
    assert all(c.number in html for c in completed)
    assert all(c.status == "valid" for c in held(app))


def test_a_revocation_stands_whatever_the_learner_does_next(completed: list[Certificate],
                                                           app: Flask, client: FlaskClient,
                                                           people: People) -> None:
    page = f"/certificates/learners/{people.learner.id}"
    for cert in completed:  # the topic's and the programme's
        response = submit(client, f"/certificates/{cert.code}/revoke",
                          {"reason": "Присъствието е отбелязано погрешка"}, page=page)
        assert response.status_code == 302
    # The learner studies a module again, the trainer marks the roster again, the learner
    # checks in: each of these used to issue a new valid certificate by itself.
    learner = app.test_client()
    login(learner, "ivan")
    studied = submit(learner, "/learn/obshtinata/studied", {}, page="/learn/obshtinata",
                     follow_redirects=True).get_data(as_text=True)
    assert "Поздравления" not in studied
    with app.app_context():
        session_id = db.session().exec(select(TrainingSession.id)).first()
    mark = f"/sessions/{session_id}"
    submit(client, f"{mark}/attendance/{people.learner.id}", {"status": "late"}, page=mark)
    mark_present(client, session_id, people.learner.id)
    with app.app_context():
        database = db.session()
        learner_row = database.get(User, people.learner.id)
        assert learner_row is not None
        assert certificates.check_and_issue(database, learner_row) == []
    assert [c.status for c in held(app)] == ["revoked", "revoked"]
    for cert in completed:
        verify = app.test_client().get(f"/verify/{cert.code}").get_data(as_text=True)
        assert "Сертификатът е отнет и вече не е валиден." in verify
    # A person may still issue again by hand, with a reason; that one is valid.
    submit(client, f"{page}/issue", {"topic": "osnovi", "reason": "Проверено: присъствал е"},
           page=page)
    assert sorted(c.status for c in held(app)) == ["revoked", "revoked", "valid"]
