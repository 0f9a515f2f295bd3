"""Retention (issue 16 item 9): who is due, the job that only marks them, the coordinator's
confirmed erasure, and the settings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import select

from tests.webapp.conftest import People, login, submit
from webapp import config, db, jobs
from webapp.models import AuditEntry, ErasureRequest, Job, ModuleProgress, User, utcnow
from webapp.services import retention

MONTHS = retention.Policy(months=12, programme_end=None)


def age(app: Flask, user_id: int, days: int) -> None:
    """Make the account look ``days`` old, with no activity since."""
    with app.app_context():
        database = db.session()
        user = database.get(User, user_id)
        assert user is not None
        user.created_at = utcnow() - timedelta(days=days)
        user.last_login_at = None
        database.add(user)
        database.commit()


def due_names(app: Flask, rules: retention.Policy, now: datetime | None = None) -> list[str]:
    with app.app_context():
        return [e.user.name for e in retention.expired(db.session(), rules, now)]


def test_add_months_keeps_the_end_of_a_month() -> None:
    start = datetime(2027, 1, 31, 12, tzinfo=UTC)
    assert retention.add_months(start, 1) == datetime(2027, 2, 28, 12, tzinfo=UTC)
    assert retention.add_months(start, 13) == datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert retention.add_months(start, 24).year == 2029


def test_due_after_the_last_activity(app: Flask, people: People) -> None:
    assert due_names(app, retention.Policy(None, None)) == []  # no period: no one
    assert due_names(app, MONTHS) == []
    for learner in (people.learner, people.councillor, people.stranger):
        age(app, learner.id or 0, 400)
    assert due_names(app, MONTHS) == ["Иван Иванов", "Мария Петрова", "Георги Непознат"]
    with app.app_context():  # Ivan opened a module last month: not due
        database = db.session()
        database.add(ModuleProgress(user_id=people.learner.id, module_id="obshtinata",
                                    topic_id="osnovi", last_opened_at=utcnow() - timedelta(
                                        days=30)))
        database.commit()
    assert due_names(app, MONTHS) == ["Мария Петрова", "Георги Непознат"]
    assert "Теодора Обучителева" not in due_names(app, MONTHS)  # staff never


def test_due_after_the_programme_end(app: Flask, people: People) -> None:
    end = date(2027, 6, 30)
    rules = retention.Policy(months=6, programme_end=end)
    assert due_names(app, rules, datetime(2027, 12, 30, tzinfo=UTC)) == []
    everyone = due_names(app, rules, datetime(2028, 1, 2, tzinfo=UTC))
    assert sorted(everyone) == ["Георги Непознат", "Иван Иванов", "Мария Петрова"]


def test_the_job_marks_and_never_erases(app: Flask, people: People) -> None:
    assert "privacy.retention" in jobs.periodic_kinds()
    age(app, people.councillor.id or 0, 400)
    app.config["RETENTION_MONTHS"] = 12
    with app.app_context():
        retention.mark_job({})
        retention.mark_job({})  # twice: still one mark
        database = db.session()
        [mark] = database.exec(select(ErasureRequest)).all()
        assert (mark.user_id, mark.channel, mark.status) == (people.councillor.id, "retention",
                                                             "pending")
        maria = database.get(User, people.councillor.id)
        assert maria is not None and maria.pseudonymised_at is None and maria.active
    admin = app.test_client()
    login(admin, "admin")
    home = admin.get("/trainer/").get_data(as_text=True)
    assert "1 участник е с изтекъл срок за съхранение — прегледайте" in home
    # She comes back: the next run withdraws the mark.
    with app.app_context():
        database = db.session()
        maria = database.get(User, people.councillor.id)
        assert maria is not None
        maria.last_login_at = utcnow()
        database.add(maria)
        database.commit()
        retention.mark_job({})
        assert database.exec(select(ErasureRequest)).one().status == "refused"
    assert "изтекъл срок" not in admin.get("/trainer/").get_data(as_text=True)
    # Marked again after a year away; then the period is turned off: the mark goes.
    age(app, people.councillor.id or 0, 400)
    with app.app_context():
        retention.mark_job({})
        assert retention.marked_count(db.session()) == 1
        app.config["RETENTION_MONTHS"] = None
        retention.mark_job({})
        assert retention.marked_count(db.session()) == 0


def test_the_coordinator_erases_the_list_they_saw(app: Flask, people: People) -> None:
    age(app, people.councillor.id or 0, 400)
    app.config["RETENTION_MONTHS"] = 12
    with app.app_context():
        retention.mark(db.session(), retention.policy(app.config))
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/coordinator/retention").get_data(as_text=True)
    assert "Мария Петрова" in page and "Смолян: 1" in page and "Заличи 1 участник" in page
    age(app, people.stranger.id or 0, 400)  # the list grows after the page was opened
    stale = submit(admin, "/coordinator/retention", {"expected": "1"}, page="/coordinator/erasure")
    assert stale.status_code == 302
    assert "Списъкът се промени" in admin.get("/coordinator/retention").get_data(as_text=True)
    done = submit(admin, "/coordinator/retention", {"expected": "2"},
                  page="/coordinator/retention")
    assert done.status_code == 302
    waiting = admin.get("/coordinator/retention").get_data(as_text=True)
    assert "2 участници се заличават във фонов режим" in waiting
    assert "Заличаването е в ход" in waiting and "Заличи 2 участници" not in waiting
    again = submit(admin, "/coordinator/retention", {"expected": "2"},
                   page="/coordinator/erasure")  # a second click while it waits
    assert again.status_code == 302
    with app.app_context():
        assert len(db.session().exec(select(Job).where(Job.kind == retention.ERASE_JOB)).all()) \
            == 1
    assert jobs.run_pending(app) >= 1
    page = admin.get("/coordinator/retention").get_data(as_text=True)
    assert "Срокът не е изтекъл за никого." in page
    with app.app_context():
        database = db.session()
        requests = database.exec(select(ErasureRequest).order_by(ErasureRequest.id)).all()
        assert {(r.user_id, r.channel, r.status) for r in requests} == {
            (people.councillor.id, "retention", "approved"),
            (people.stranger.id, "retention", "approved")}
        assert all(database.get(User, r.user_id).pseudonymised_at for r in requests)  # type: ignore[union-attr]
        assert database.exec(select(AuditEntry).where(
            AuditEntry.action == "retention_erased")).one().count == 2


def test_the_erasure_job_is_idempotent(app: Flask, people: People) -> None:
    with app.app_context():
        database = db.session()
        admin = database.get(User, people.admin.id)
        assert admin is not None
        payload = {"ids": [people.councillor.id, people.stranger.id, people.trainer.id],
                   "by": people.admin.id}
        retention.erase_job(payload)
        retention.erase_job(payload)  # run again (a runner died after its commit): no change
        requests = database.exec(select(ErasureRequest)).all()
        assert sorted(r.user_id for r in requests) == sorted(
            [people.councillor.id, people.stranger.id])  # staff are never erased by time
        trainer = database.get(User, people.trainer.id)
        assert trainer is not None and trainer.pseudonymised_at is None
        ivan = database.get(User, people.learner.id)
        assert ivan is not None and ivan.pseudonymised_at is None


def test_no_period_no_button(app: Flask, people: People) -> None:
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/coordinator/retention").get_data(as_text=True)
    assert "DOBRO_RETENTION_MONTHS" in page and "Заличи" not in page
    assert submit(admin, "/coordinator/retention", {"expected": "0"},
                  page="/coordinator/erasure").status_code == 400


def test_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    found = config.settings(tmp_path, {})
    assert found["RETENTION_MONTHS"] is None and found["PROGRAMME_END"] is None
    monkeypatch.setenv("DOBRO_RETENTION_MONTHS", "24")
    monkeypatch.setenv("DOBRO_PROGRAMME_END", "2027-12-31")
    found = config.settings(tmp_path, {})
    assert found["RETENTION_MONTHS"] == 24 and found["PROGRAMME_END"] == date(2027, 12, 31)
    for name, bad in (("DOBRO_RETENTION_MONTHS", "две години"),
                      ("DOBRO_RETENTION_MONTHS", "0"),
                      ("DOBRO_PROGRAMME_END", "31.12.2027")):
        monkeypatch.setenv(name, bad)
        with pytest.raises(ValueError, match=name):
            config.settings(tmp_path, {})
        monkeypatch.setenv(name, "24" if name == "DOBRO_RETENTION_MONTHS" else "2027-12-31")
