"""The staff audit log (issue 16 item 10): every staff access to personal data is recorded
once, with the right actor, person and target and no personal data in any column; a
learner's own pages record nothing; the admins' page, its filters and its CSV export;
pruning by age."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from tests.conftest import REPO
from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import PASSWORD, People, login, submit
from webapp import db, jobs
from webapp.cli import main
from webapp.models import AuditEntry, Certificate, Group, Organisation, User, utcnow
from webapp.services import accounts, audit
from webapp.services.seed import seed_organisations

GOOD = ("Име,Организация,Аудитория,Длъжност,Пол,Имейл,Телефон\n"
        "Анна Иванова,Смолян,employees,юрисконсулт,ж,anna@example.bg,0888 123 456\n"
        "Борис Петров,Смолян,employees,,м,,\n").encode()


@pytest.fixture(autouse=True)
def close_connections(app: Flask) -> Iterator[None]:
    yield
    app.extensions["dobro.engine"].dispose()


@pytest.fixture
def group_id(app: Flask, people: People) -> int:
    with app.app_context():
        found = db.session().exec(select(Group)).one()
        assert found.id is not None
        return found.id


@pytest.fixture
def coordinator(app: Flask, people: People) -> User:
    with app.app_context():
        database = db.session()
        user = User(username="koord", name="Координаторка Петкова", role="coordinator",
                    email="koord@example.bg")
        accounts.set_password(user, PASSWORD)
        database.add(user)
        database.commit()
        database.refresh(user)
        return user


def entries(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session().exec(select(AuditEntry).order_by(AuditEntry.id)).all())


def personal_values(app: Flask) -> list[str]:
    """Every name, user name, e-mail and phone in the database: none may be in the log."""
    with app.app_context():
        found: list[str] = []
        for user in db.session().exec(select(User)):
            found += [v for v in (user.name, user.username, user.email, user.phone) if v]
        return found


def only_entry(app: Flask, action: str) -> AuditEntry:
    """The one entry of ``action``; and no entry holds anyone's personal data."""
    rows = entries(app)
    values = personal_values(app)
    for row in rows:
        text = " ".join(str(v) for v in row.model_dump().values()).casefold()
        leaked = [v for v in values if v.casefold() in text]
        assert not leaked, (row, leaked)
    found = [row for row in rows if row.action == action]
    assert len(found) == 1, [row.action for row in rows]
    return found[0]


# --- The service ---------------------------------------------------------------------------

def test_record_refuses_an_unknown_action_and_free_text(app: Flask, people: People) -> None:
    with app.app_context():
        database = db.session()
        with pytest.raises(audit.AuditError):
            audit.record(database, people.admin.id, "looked_around")
        with pytest.raises(audit.AuditError):
            audit.record(database, people.admin.id, "view_learner", people.learner,
                         target="Иван Иванов")
        audit.record(database, people.admin.id, "view_learner", people.learner.id,
                     target="user:1")
        database.commit()
    [row] = entries(app)
    assert (row.actor_id, row.subject_user_id, row.target) == (
        people.admin.id, people.learner.id, "user:1")


def test_every_action_has_a_bulgarian_label(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "bg"}):
        labels = {key: str(action.label) for key, action in audit.ACTIONS.items()}
    untranslated = [key for key, label in labels.items() if not any(
        "а" <= ch <= "я" for ch in label.lower())]
    assert not untranslated
    assert {"erasure_approved", "erasure_refused", "retention_erased"} <= set(labels)


def test_prune_deletes_only_what_is_older_than_the_period(app: Flask, people: People,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    now = utcnow()
    with app.app_context():
        database = db.session()
        for days in (1, 300, 800, 2000):
            entry = audit.record(database, people.admin, "view_learner", people.learner)
            entry.at = now - timedelta(days=days)
        database.commit()
        assert audit.prune(database, 24, now) == 2
        database.commit()
        assert sorted((now - e.at).days for e in database.exec(select(AuditEntry))) == [1, 300]
    assert audit.keep_months() == 24
    monkeypatch.setenv("DOBRO_AUDIT_KEEP_MONTHS", "6")
    assert audit.keep_months() == 6
    monkeypatch.setenv("DOBRO_AUDIT_KEEP_MONTHS", "много")
    with pytest.raises(ValueError):
        audit.keep_months()


def test_the_cli_prunes(app: Flask, people: People, database_url: str, course_root: Path,
                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str]) -> None:
    with app.app_context():
        database = db.session()
        audit.record(database, people.admin, "view_learner", people.learner).at = \
            utcnow() - timedelta(days=1000)
        audit.record(database, people.admin, "view_learner", people.learner)
        database.commit()
    monkeypatch.setenv("DOBRO_INSTANCE", str(tmp_path / "cli-instance"))
    monkeypatch.setenv("DOBRO_CONTENT", str(course_root))
    monkeypatch.setenv("DOBRO_DATABASE_URL", database_url)
    assert main(["audit", "prune"]) == 0
    assert "изтрити 1 записа" in capsys.readouterr().out
    assert len(entries(app)) == 1
    assert main(["audit", "prune", "--months", "1"]) == 0
    assert len(entries(app)) == 1  # the new one stays


def test_the_cli_import_is_recorded_without_an_actor(
        app: Flask, database_url: str, course_root: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with app.app_context():
        seed_organisations(db.session())
        db.session().commit()
    monkeypatch.setenv("DOBRO_INSTANCE", str(tmp_path / "cli-instance"))
    monkeypatch.setenv("DOBRO_CONTENT", str(course_root))
    monkeypatch.setenv("DOBRO_DATABASE_URL", database_url)
    fixture = REPO / "tests" / "fixtures" / "participants" / "group.csv"
    assert main(["participants", "import", str(fixture), "--group", "Смолян 2027"]) == 0, \
        capsys.readouterr()
    row = only_entry(app, "participants_imported")
    assert (row.actor_id, row.subject_user_id, row.target, row.count) == (
        None, None, "cli:import", 3)


def test_the_daily_job_prunes(app: Flask, people: People,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        database = db.session()
        audit.record(database, people.admin, "view_learner", people.learner).at = \
            utcnow() - timedelta(days=100)
        database.commit()
    assert audit.PRUNE_JOB in jobs.periodic_kinds()
    assert app.config["AUDIT_KEEP_MONTHS"] == 24
    with app.app_context():
        audit.prune_job({})
    assert len(entries(app)) == 1
    app.config["AUDIT_KEEP_MONTHS"] = 3
    with app.app_context():
        audit.prune_job({})
    assert entries(app) == []


def test_a_bad_period_stops_the_start(make_app: Any, build_dir: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOBRO_AUDIT_KEEP_MONTHS", "0")
    with pytest.raises(ValueError, match="DOBRO_AUDIT_KEEP_MONTHS"):
        make_app()
    monkeypatch.setenv("DOBRO_AUDIT_KEEP_MONTHS", "6")
    assert make_app().config["AUDIT_KEEP_MONTHS"] == 6


# --- What is recorded ---------------------------------------------------------------------

def test_a_trainer_viewing_and_changing_a_learner(client: FlaskClient, app: Flask,
                                                  people: People, group_id: int) -> None:
    login(client, "trainer")
    page = f"/trainer/groups/{group_id}/learners/{people.learner.id}"
    assert client.get(page).status_code == 200
    row = only_entry(app, "view_learner")
    assert (row.actor_id, row.subject_user_id, row.target) == (
        people.trainer.id, people.learner.id, f"group:{group_id}")
    assert client.get(page).status_code == 200  # again at once: recorded once
    only_entry(app, "view_learner")
    with app.app_context():
        database = db.session()
        for entry in database.exec(select(AuditEntry)):
            entry.at -= audit.VIEW_WINDOW
        database.commit()
    client.get(page)  # later: recorded again
    assert [e.action for e in entries(app)] == ["view_learner", "view_learner"]
    with app.app_context():
        org = db.session().exec(select(Organisation)).first()
        assert org is not None
    response = submit(client, page, {"name": "Иван Петров Иванов", "organisation": org.id,
                                     "audience": "employees", "position": "секретар"})
    assert response.status_code == 302
    row = only_entry(app, "person_changed")
    assert (row.actor_id, row.subject_user_id) == (people.trainer.id, people.learner.id)
    response = submit(client, f"/trainer/groups/{group_id}/learners",
                      {"name": "Нов Участник", "organisation": org.id, "audience": "employees",
                       "position": ""}, page=f"/trainer/groups/{group_id}")
    assert response.status_code == 302
    assert only_entry(app, "person_added").actor_id == people.trainer.id


def test_codes_made_for_a_learner_and_for_staff(client: FlaskClient, app: Flask,
                                                people: People, group_id: int) -> None:
    login(client, "trainer")
    group_page = f"/trainer/groups/{group_id}"
    response = submit(client, f"{group_page}/learners/{people.learner.id}/code", {},
                      page=group_page)
    assert response.status_code == 200
    row = only_entry(app, "reset_code")  # Ivan has joined: his is a reset code
    assert (row.actor_id, row.subject_user_id, row.target) == (
        people.trainer.id, people.learner.id, f"user:{people.learner.id}")
    admin = app.test_client()
    login(admin, "admin")
    submit(admin, f"/admin/staff/{people.trainer.id}/code", {}, page="/admin/staff")
    staff = [e for e in entries(app) if e.action == "reset_code"][-1]
    assert (staff.actor_id, staff.subject_user_id) == (people.admin.id, people.trainer.id)


def test_the_import_and_the_codes_pdf(client: FlaskClient, app: Flask, people: People,
                                      group_id: int) -> None:
    login(client, "trainer")
    url = f"/trainer/groups/{group_id}/import"
    preview = submit(client, url, {"file": (io.BytesIO(GOOD), "хора.csv")},
                     content_type="multipart/form-data")
    assert not entries(app)  # a preview changes nothing
    match = re.search(r'action="(/trainer/groups/\d+/import/[A-Za-z0-9_-]+)"',
                      preview.get_data(as_text=True))
    assert match
    assert submit(client, match.group(1), {}, page=url).status_code == 302
    row = only_entry(app, "participants_imported")
    assert (row.actor_id, row.subject_user_id, row.target, row.count) == (
        people.trainer.id, None, f"group:{group_id}", 2)
    response = submit(client, f"/trainer/groups/{group_id}/codes.pdf", {}, page=url)
    assert response.status_code == 200
    row = only_entry(app, "export_codes")
    assert (row.target, row.count) == (f"group:{group_id}", 2)
    assert len([e for e in entries(app) if e.action == "join_code"]) == 2


def test_attendance_and_certificates(client: FlaskClient, app: Flask, people: People,
                                     group_id: int) -> None:
    study_everything(app, people.learner)
    found = make_session(app, people.trainer, hours=4)
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    submit(client, f"{page}/attendance/{people.learner.id}", {"status": "present"}, page=page)
    row = only_entry(app, "attendance_marked")
    assert (row.actor_id, row.subject_user_id, row.target) == (
        people.trainer.id, people.learner.id, f"session:{found.id}")
    with app.app_context():
        certs = list(db.session().exec(select(Certificate)))
    topic = next(c for c in certs if c.kind == "topic")
    learner_page = f"/certificates/learners/{people.learner.id}"
    client.get(learner_page)
    assert only_entry(app, "view_progress").subject_user_id == people.learner.id
    submit(client, f"/certificates/{topic.code}/revoke", {"reason": "Грешка"}, page=learner_page)
    row = only_entry(app, "certificate_revoked")
    assert (row.subject_user_id, row.target) == (people.learner.id, f"certificate:{topic.id}")
    programme = next(c for c in certs if c.kind == "programme")
    submit(client, f"/certificates/{programme.code}/reissue",
           {"name": "Иван П. Иванов", "reason": "Поправено име"}, page=learner_page)
    row = only_entry(app, "certificate_reissued")
    assert row.subject_user_id == people.learner.id and row.target.startswith("certificate:")
    councillor_page = f"/certificates/learners/{people.councillor.id}"
    submit(client, f"{councillor_page}/issue", {"topic": "osnovi", "reason": "Друг курс"},
           page=councillor_page)
    row = only_entry(app, "certificate_issued")
    assert (row.actor_id, row.subject_user_id) == (people.trainer.id, people.councillor.id)
    assert client.get(f"/certificates/{topic.code}.pdf").status_code == 200
    row = only_entry(app, "certificate_downloaded")
    assert (row.subject_user_id, row.target) == (people.learner.id, f"certificate:{topic.id}")
    learner = app.test_client()
    login(learner, "ivan")  # the holder's own download is not recorded
    assert learner.get(f"/certificates/{topic.code}.pdf").status_code == 200
    only_entry(app, "certificate_downloaded")
    assert client.get(f"/certificates/groups/{group_id}.zip").status_code == 200
    row = only_entry(app, "export_certificates")
    assert (row.target, row.count) == (f"group:{group_id}", 2)


@pytest.mark.parametrize(("url", "who", "target"), [
    ("/trainer/progress.csv", "trainer", "report:progress"),
    ("/trainer/progress.xlsx", "trainer", "report:progress"),
    ("/trainer/reports/donor.xlsx", "admin", "report:donor"),
    ("/distribution.csv", "admin", "distribution:csv"),
    ("/distribution.xlsx", "admin", "distribution:xlsx"),
], ids=["progress-csv", "progress-xlsx", "donor-xlsx", "distribution-csv", "distribution-xlsx"])
def test_exports_with_names(client: FlaskClient, app: Flask, people: People, url: str,
                            who: str, target: str) -> None:
    login(client, who)
    assert client.get(url).status_code == 200
    [row] = entries(app)
    assert row.actor_id == getattr(people, who).id and row.target == target
    only_entry(app, row.action)


def test_the_donor_page_itself_is_anonymous_and_not_recorded(client: FlaskClient, app: Flask,
                                                             people: People) -> None:
    login(client, "admin")
    assert client.get("/trainer/reports/donor").status_code == 200
    assert entries(app) == []


def test_a_learners_own_pages_record_nothing(client: FlaskClient, app: Flask,
                                             people: People) -> None:
    study_everything(app, people.learner)
    login(client, "ivan")
    for url in ("/", "/certificates/", "/learn/", "/sessions/"):
        client.get(url)
    assert entries(app) == []


# --- The admins' page ---------------------------------------------------------------------

def seed(app: Flask, people: People) -> None:
    with app.app_context():
        database = db.session()
        audit.record(database, people.trainer, "view_learner", people.learner, "group:1")
        audit.record(database, people.trainer, "reset_code", people.councillor, "user:2")
        old = audit.record(database, people.admin, "export_report", None, "report:donor", 7)
        old.at = utcnow() - timedelta(days=40)
        database.commit()


@pytest.mark.parametrize("who", ["trainer", "ivan", "koord"])
def test_the_page_is_for_admins_only(client: FlaskClient, people: People, coordinator: User,
                                     who: str) -> None:
    assert client.get("/admin/audit/").status_code in (302, 401)
    login(client, who)
    assert "/admin/audit/" not in client.get("/admin/").get_data(as_text=True)
    assert client.get("/admin/audit/").status_code == 403
    assert client.get("/admin/audit/audit.csv").status_code == 403


def test_the_page_lists_newest_first_with_names(client: FlaskClient, app: Flask,
                                                people: People) -> None:
    seed(app, people)
    login(client, "admin")
    assert "/admin/audit/" in client.get("/admin/").get_data(as_text=True)
    html = client.get("/admin/audit/").get_data(as_text=True)
    assert "Журнал на достъпа" in html
    html = html[html.index('id="audit-table"'):]
    assert html.index("Направи код за възстановяване") < html.index(
        "Прегледа данните на участник") < html.index("Изтегли справка с имена")
    assert "Мария Петрова" in html and "Теодора Обучителева" in html
    assert 'href="/trainer/groups/1"' in html and ">Група #1</a>" in html
    assert "Профил #2" in html and ">Профил #2</a>" not in html  # a staff account has no page
    assert "Справка: Отчет към донорите (7 лица)" in " ".join(html.split())


def test_filters(client: FlaskClient, app: Flask, people: People) -> None:
    seed(app, people)
    login(client, "admin")

    def shown(**args: str) -> list[str]:
        html = client.get("/admin/audit/", query_string=args).get_data(as_text=True)
        return [a for a in audit.ACTIONS if f'data-action="{a}"' in html]

    assert shown(actor=str(people.admin.id)) == ["export_report"]
    assert shown(action="reset_code") == ["reset_code"]
    assert shown(person="мария") == ["reset_code"]
    assert shown(person=f"#{people.learner.id}") == ["view_learner"]
    today = utcnow().date()
    assert sorted(shown(since=(today - timedelta(days=1)).isoformat())) == [
        "reset_code", "view_learner"]
    assert shown(until=(today - timedelta(days=10)).isoformat()) == ["export_report"]


@pytest.mark.parametrize("args", [
    {"actor": "abc"}, {"actor": "9" * 40}, {"action": "drop table"}, {"since": "12.03.2027"},
    {"until": "2027-02-30"}, {"page": "-3"}, {"person": "x" * 5000},
    {"since": "2027-05-01", "until": "2027-01-01"}])
def test_bad_filter_values_are_said_not_a_500(client: FlaskClient, app: Flask, people: People,
                                              args: dict[str, str]) -> None:
    seed(app, people)
    login(client, "admin")
    response = client.get("/admin/audit/", query_string=args)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    if set(args) & {"actor", "action", "since", "until"}:
        assert 'id="audit-notes"' in html


def test_an_erased_person_shows_as_a_number(client: FlaskClient, app: Flask,
                                            people: People) -> None:
    seed(app, people)
    with app.app_context():
        database = db.session()
        user = database.get(User, people.learner.id)
        assert user is not None
        user.name, user.pseudonymised_at = "Заличен", utcnow()
        database.commit()
    login(client, "admin")
    html = client.get("/admin/audit/").get_data(as_text=True)
    assert f"Заличен участник #{people.learner.id}" in html


def test_the_csv_export_is_itself_recorded(client: FlaskClient, app: Flask,
                                           people: People) -> None:
    seed(app, people)
    login(client, "admin")
    response = client.get("/admin/audit/audit.csv", query_string={"action": "reset_code"})
    assert response.status_code == 200 and response.mimetype.startswith("text/csv")
    text = response.data.decode("utf-8-sig")
    assert "Мария Петрова" in text and "reset_code" in text and "view_learner" not in text
    row = only_entry(app, "export_audit")
    assert (row.actor_id, row.target, row.count) == (people.admin.id, "audit:csv", 1)
