"""Stored files: certificate PDFs rendered by a job at issue and served from the database,
and the Handbook built by a job, never inside a request."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import Session, col, select

from tests.webapp.conftest import People, login, submit
from webapp import db, jobs
from webapp.cli import main
from webapp.content import current_course, store
from webapp.models import Certificate, Group, Job, StoredFile, User
from webapp.services import certificate_pdf, certificates, publications, stored_files


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def engine_of(app: Flask) -> Any:
    return app.extensions["dobro.engine"]


def stored(app: Flask, kind: str) -> dict[str, StoredFile]:
    with Session(engine_of(app)) as session:
        return {f.key: f for f in session.exec(select(StoredFile).where(StoredFile.kind == kind))}


def queued(app: Flask, kind: str) -> list[Job]:
    with Session(engine_of(app)) as session:
        return list(session.exec(select(Job).where(Job.kind == kind, Job.status == "queued")
                                 .order_by(col(Job.id))))


def issue(app: Flask, people: People, learner: User | None = None,
          topic: str = "osnovi") -> Certificate:
    """A trainer issues a certificate by hand (through the service, as the view does)."""
    with app.app_context():
        database = db.session()
        user = database.get(User, (learner or people.learner).id)
        by = database.get(User, people.trainer.id)
        assert user is not None and by is not None
        cert = certificates.issue_by_hand(database, user, topic, by, "Завършил другаде",
                                          current_course(), store().build_dir,
                                          certificates.current_issuer())
        return cert


def no_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, any render fails the test: what is served must come from storage."""
    def refuse(*_args: Any) -> bytes:
        raise AssertionError("rendered a PDF in the request")
    monkeypatch.setattr(certificate_pdf, "render_pdf", refuse)


def test_issuing_queues_a_job_that_stores_the_pdf(app: Flask, people: People) -> None:
    cert = issue(app, people)
    [job] = queued(app, certificates.PDF_JOB)
    assert job.key == cert.code and job.payload == {"code": cert.code}
    assert stored(app, "certificate") == {}
    assert jobs.run_pending(app) == 1
    found = stored(app, "certificate")[cert.code]
    assert found.content.startswith(b"%PDF") and found.media_type == "application/pdf"
    assert found.sha256 == sha(found.content) and found.size == len(found.content)
    assert jobs.run_pending(app) == 0


def test_downloads_and_the_group_zip_serve_the_stored_bytes(app: Flask, client: FlaskClient,
                                                            people: People,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    first = issue(app, people)
    second = issue(app, people, learner=people.councillor)
    jobs.run_pending(app)
    no_render(monkeypatch)
    files = stored(app, "certificate")
    assert set(files) == {first.code, second.code}
    login(client, "ivan")
    own = client.get(f"/certificates/{first.code}.pdf")
    assert own.status_code == 200 and sha(own.data) == files[first.code].sha256
    trainer = app.test_client()
    login(trainer, "trainer")
    assert sha(trainer.get(f"/certificates/{second.code}.pdf").data) == files[second.code].sha256
    with app.app_context():
        group = db.session().exec(select(Group)).one()
    response = trainer.get(f"/certificates/groups/{group.id}.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
    assert {sha(archive.read(f"{c.number}.pdf")) for c in (first, second)} == \
        {files[first.code].sha256, files[second.code].sha256}


def test_a_pdf_not_stored_yet_is_rendered_once_and_stored(app: Flask, client: FlaskClient,
                                                          people: People,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    cert = issue(app, people)  # its job has not run
    login(client, "ivan")
    first = client.get(f"/certificates/{cert.code}.pdf")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    assert stored(app, "certificate")[cert.code].sha256 == sha(first.data)
    monkeypatch.setattr(certificate_pdf, "render_pdf", lambda *_a: b"rendered again")
    assert client.get(f"/certificates/{cert.code}.pdf").data == first.data
    assert jobs.run_pending(app) == 1  # the job finds it stored and renders nothing
    assert stored(app, "certificate")[cert.code].sha256 == sha(first.data)


def test_the_group_zip_renders_the_missing_ones_first(app: Flask, people: People) -> None:
    first = issue(app, people)
    jobs.run_pending(app)
    second = issue(app, people, learner=people.councillor)  # not rendered yet
    trainer = app.test_client()
    login(trainer, "trainer")
    with app.app_context():
        group = db.session().exec(select(Group)).one()
    archive = zipfile.ZipFile(io.BytesIO(trainer.get(f"/certificates/groups/{group.id}.zip").data))
    files = stored(app, "certificate")
    assert set(files) == {first.code, second.code}
    assert sha(archive.read(f"{second.number}.pdf")) == files[second.code].sha256


def test_reissue_stores_the_new_pdf_and_the_old_one_stays_as_issued(
        app: Flask, client: FlaskClient, people: People) -> None:
    old = issue(app, people)
    jobs.run_pending(app)
    before = stored(app, "certificate")[old.code].sha256
    login(client, "trainer")
    page = f"/certificates/learners/{people.learner.id}"
    submit(client, f"/certificates/{old.code}/reissue",
           {"name": "Иван Петров Иванов", "reason": "Поправено име"}, page=page)
    with app.app_context():
        new = db.session().exec(select(Certificate).where(
            Certificate.replaces_id == old.id)).one()
    assert [j.key for j in queued(app, certificates.PDF_JOB)] == [new.code]
    jobs.run_pending(app)
    files = stored(app, "certificate")
    assert set(files) == {old.code, new.code} and files[old.code].sha256 == before
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(files[new.code].content)).pages[0].extract_text()
    assert "Иван Петров Иванов" in text and new.number in text
    # A replaced (or revoked) certificate's PDF is what was issued, as before this change:
    # its holder and trainer may still download it; the verify page tells its status.
    assert sha(client.get(f"/certificates/{old.code}.pdf").data) == before


def test_handbook_requests_never_build_and_say_so_in_bulgarian(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any) -> bytes:
        raise AssertionError("built the Handbook in a request")
    monkeypatch.setattr(publications, "build_handbook", refuse)
    response = client.get("/handbook/a4")
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert response.mimetype == "text/html"
    assert "Наръчникът се подготвя…" in response.get_data(as_text=True)
    assert client.get("/handbook/a4").status_code == 503
    [job] = queued(app, publications.HANDBOOK_JOB)  # queued once, however many ask
    assert job.payload["kind"] == "a4" and job.key.startswith("a4-")
    page = client.get("/handbook").get_data(as_text=True)
    assert "Наръчникът се подготвя след промяна на курса" in page


def test_the_job_builds_the_handbook_then_every_request_gets_the_stored_file(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    assert client.get("/handbook/html").status_code == 503
    assert jobs.run_pending(app) == 1
    [found] = stored(app, "handbook").values()
    monkeypatch.setattr(publications, "build_handbook", lambda *_a: b"built again")
    html = client.get("/handbook/html")
    assert html.status_code == 200 and html.data == found.content
    assert b"<!doctype html>" in html.data and html.mimetype == "text/html"
    assert "attachment" in html.headers["Content-Disposition"]
    again = client.get("/handbook/html", headers={"If-None-Match": html.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert html.headers["ETag"] == f'"{found.sha256}"'


def test_the_runner_queues_every_handbook_once_per_course_version(
        app: Flask, build_dir: Path) -> None:
    publications.queue_handbooks(app)
    publications.queue_handbooks(app)
    first = queued(app, publications.HANDBOOK_JOB)
    assert sorted(j.payload["kind"] for j in first) == ["a4", "a5", "html"]
    with app.app_context():
        version = publications.course_version(build_dir)
    assert {j.payload["version"] for j in first} == {version}
    # A new course version: the waiting jobs of the old one do nothing, new ones are queued.
    (build_dir / "course.json").write_text(
        (build_dir / "course.json").read_text(encoding="utf-8") + " ", encoding="utf-8")
    publications.queue_handbooks(app)
    later = queued(app, publications.HANDBOOK_JOB)
    assert len(later) == 6 and {j.payload["version"] for j in later[3:]} != {version}


def test_a_job_for_an_old_course_version_builds_nothing(app: Flask,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any) -> bytes:
        raise AssertionError("built an outdated Handbook")
    monkeypatch.setattr(publications, "build_handbook", refuse)
    with app.app_context():
        session = db.session()
        jobs.enqueue(session, publications.HANDBOOK_JOB, {"kind": "a4", "version": "old"},
                     key="a4-old")
        session.commit()
    assert jobs.run_pending(app) == 1
    assert stored(app, "handbook") == {}


def test_a_new_handbook_replaces_the_old_versions_of_its_kind(app: Flask) -> None:
    with app.app_context():
        session = db.session()
        stored_files.keep(session, "handbook", "html-0ld", "text/html", b"old")
        stored_files.keep(session, "handbook", "a4-0ld", "application/pdf", b"old a4")
    with app.app_context():
        session = db.session()
        publications.queue_handbook(session, Path(app.config["COURSE_BUILD"]), "html")
        session.commit()
    jobs.run_pending(app)
    assert sorted(k.split("-")[0] + ("-old" if k.endswith("0ld") else "")
                  for k in stored(app, "handbook")) == ["a4-old", "html"]


def test_dobro_certificates_render_fills_the_missing_or_renders_all_again(
        app: Flask, people: People, database_url: str, course_root: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    first = issue(app, people)
    jobs.run_pending(app)
    before = stored(app, "certificate")[first.code].sha256
    second = issue(app, people, learner=people.councillor)  # issued, its job not run
    for name, value in (("DOBRO_DATABASE_URL", database_url), ("DOBRO_CONTENT", str(course_root)),
                        ("DOBRO_INSTANCE", str(tmp_path / "cli-instance")),
                        ("DOBRO_SECRET_KEY", "cli")):
        monkeypatch.setenv(name, value)
    assert main(["certificates", "render", "--missing"]) == 0
    assert "rendered and stored: 1." in capsys.readouterr().out
    files = stored(app, "certificate")
    assert set(files) == {first.code, second.code} and files[first.code].sha256 == before
    # The site moved: every PDF again, with the new address in its QR code and text.
    monkeypatch.setenv("DOBRO_BASE_URL", "https://dobro.example.bg")
    assert main(["certificates", "render"]) == 0
    assert "rendered and stored: 2." in capsys.readouterr().out
    from pypdf import PdfReader

    for cert in (first, second):
        content = stored(app, "certificate")[cert.code].content
        text = "".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())
        assert f"https://dobro.example.bg/verify/{cert.code}" in text
