"""Sessions: scheduling, enrolment, the roster, check-in and the calendar."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from tests.webapp.blended import make_session
from tests.webapp.conftest import People, login, submit
from webapp import db
from webapp.models import (
    Attendance,
    AttendanceChange,
    Group,
    GroupMember,
    GroupTrainer,
    SessionGroup,
    TrainingSession,
)


def test_a_trainer_schedules_a_session_and_enrols_a_group(client: FlaskClient, app: Flask,
                                                          people: People) -> None:
    login(client, "trainer")
    response = submit(client, "/sessions/manage", {
        "topic": "osnovi", "title": "Основи – Смолян", "municipality": "Смолян",
        "venue": "Зала 1", "day": "2027-04-15", "starts": "09:30", "ends": "13:30",
        "trainer": str(people.trainer.id), "capacity": "25"})
    assert response.status_code == 302
    with app.app_context():
        found = db.session().exec(select(TrainingSession)).one()
        group = db.session().exec(select(Group)).one()
    # 09:30 in Sofia in April (EEST, UTC+3) is 06:30 UTC.
    assert (found.starts_at.hour, found.starts_at.minute) == (6, 30)
    assert (found.ends_at - found.starts_at) == timedelta(hours=4)
    page = f"/sessions/{found.id}"
    response = submit(client, f"{page}/groups", {"group": str(group.id)}, page=page)
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Иван Иванов" in html and "Мария Петрова" in html and found.checkin_code in html
    assert "<svg" in html  # the QR code of the check-in page


def test_bad_session_input_gets_bulgarian_messages(client: FlaskClient, people: People) -> None:
    login(client, "trainer")
    response = submit(client, "/sessions/manage", {
        "topic": "nope", "title": "", "municipality": "Смолян", "day": "15.04.2027",
        "starts": "13:00", "ends": "12:00", "trainer": "x", "capacity": "-3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Изберете тема от списъка." in html
    assert "Въведете заглавие." in html
    assert "Изберете обучител от списъка." in html


def test_the_roster_keeps_every_change(client: FlaskClient, app: Flask, people: People) -> None:
    found = make_session(app, people.trainer)
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    url = f"{page}/attendance/{people.learner.id}"
    for status in ("absent", "late", "late", "present"):
        assert submit(client, url, {"status": status}, page=page).status_code == 302
    with app.app_context():
        database = db.session()
        current = database.get(Attendance, (found.id, people.learner.id))
        changes = database.exec(select(AttendanceChange).order_by(AttendanceChange.id)).all()
    assert current is not None and current.status == "present"
    assert [(c.old_status, c.new_status) for c in changes] == [
        ("", "absent"), ("absent", "late"), ("late", "present")]
    assert all(c.changed_by == people.trainer.id and c.via == "roster" for c in changes)
    # A learner outside the enrolled groups cannot be marked, and a bad status is refused.
    stranger = f"{page}/attendance/{people.stranger.id}"
    html = submit(client, stranger, {"status": "present"}, page=page,
                  follow_redirects=True).get_data(as_text=True)
    assert "Този обучаем не е записан за занятието." in html
    html = submit(client, url, {"status": "sleeping"}, page=page,
                  follow_redirects=True).get_data(as_text=True)
    assert "Изберете една от отметките за присъствие." in html


def test_a_learner_checks_in_inside_the_window(client: FlaskClient, app: Flask,
                                               people: People) -> None:
    found = make_session(app, people.trainer, starts_in=timedelta(minutes=-5))
    login(client, "ivan")
    response = submit(client, "/sessions/checkin", {"code": "kx7p-2m"}, follow_redirects=True)
    assert "Отбелязахте се на „Основи – Смолян“" in response.get_data(as_text=True)
    with app.app_context():
        mark = db.session().get(Attendance, (found.id, people.learner.id))
        change = db.session().exec(select(AttendanceChange)).one()
    assert mark is not None and mark.status == "present"
    assert change.via == "checkin" and change.changed_by == people.learner.id


def test_a_late_check_in_is_marked_late(client: FlaskClient, app: Flask, people: People) -> None:
    found = make_session(app, people.trainer, starts_in=timedelta(minutes=-40))
    login(client, "ivan")
    submit(client, "/sessions/checkin", {"code": "KX7P2M"})
    with app.app_context():
        mark = db.session().get(Attendance, (found.id, people.learner.id))
    assert mark is not None and mark.status == "late"


def test_a_check_in_outside_the_window_is_refused(client: FlaskClient, app: Flask,
                                                  people: People) -> None:
    found = make_session(app, people.trainer, starts_in=timedelta(hours=3))
    login(client, "ivan")
    response = submit(client, "/sessions/checkin", {"code": "KX7P2M"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Отбелязването за „Основи – Смолян“ е възможно само от" in html
    ended = make_session(app, people.trainer, starts_in=timedelta(hours=-6),
                         checkin_code="ENDED2")
    html = submit(client, "/sessions/checkin", {"code": "ENDED2"}).get_data(as_text=True)
    assert "е възможно само от" in html
    with app.app_context():
        assert db.session().exec(select(Attendance)).first() is None
    assert found.id != ended.id


def test_a_learner_not_enrolled_is_refused(client: FlaskClient, app: Flask,
                                           people: People) -> None:
    make_session(app, people.trainer)
    login(client, "georgi")
    html = submit(client, "/sessions/checkin", {"code": "KX7P2M"}).get_data(as_text=True)
    assert "Не сте записани за това занятие" in html
    with app.app_context():
        assert db.session().exec(select(Attendance)).first() is None


def test_a_wrong_code_is_refused_and_counted(client: FlaskClient, app: Flask,
                                             people: People) -> None:
    make_session(app, people.trainer)
    login(client, "ivan")
    html = submit(client, "/sessions/checkin", {"code": "ZZZZZZ"}).get_data(as_text=True)
    assert "Няма занятие с този код." in html
    for _ in range(10):
        submit(client, "/sessions/checkin", {"code": "ZZZZZZ"})
    html = submit(client, "/sessions/checkin", {"code": "KX7P2M"}).get_data(as_text=True)
    assert "Твърде много грешни кодове." in html


def test_the_qr_link_fills_in_the_code(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    html = client.get("/sessions/checkin?code=KX7P2M").get_data(as_text=True)
    assert 'value="KX7P2M"' in html


def test_learners_see_upcoming_sessions_and_get_calendars(client: FlaskClient, app: Flask,
                                                          people: People) -> None:
    found = make_session(app, people.trainer, starts_in=timedelta(days=2))
    login(client, "ivan")
    html = client.get("/").get_data(as_text=True)
    assert "Основи – Смолян" in html and f"/sessions/{found.id}.ics" in html
    ics = client.get(f"/sessions/{found.id}.ics")
    text = ics.get_data(as_text=True)
    assert ics.mimetype == "text/calendar" and "BEGIN:VEVENT" in text
    assert f"DTSTART:{found.starts_at.strftime('%Y%m%dT%H%M%SZ')}" in text
    assert "LOCATION:Заседателна зала\\, Смолян" in text
    token = html.split("/sessions/calendar/")[1].split(".ics")[0]
    client.post("/logout")
    feed = app.test_client().get(f"/sessions/calendar/{token}.ics")
    assert feed.status_code == 200 and f"session-{found.id}@" in feed.get_data(as_text=True)
    assert app.test_client().get("/sessions/calendar/not-a-token.ics").status_code == 404


def test_sessions_are_private(client: FlaskClient, app: Flask, people: People) -> None:
    found = make_session(app, people.admin, enrol=False)
    login(client, "trainer")
    assert client.get(f"/sessions/{found.id}").status_code == 404
    # Nor its calendar file: a staff member downloads only the sessions they may see.
    assert client.get(f"/sessions/{found.id}.ics").status_code == 404
    admin = app.test_client()
    login(admin, "admin")
    assert admin.get(f"/sessions/{found.id}.ics").status_code == 200
    other = app.test_client()
    login(other, "georgi")
    assert other.get(f"/sessions/{found.id}.ics").status_code == 404
    assert other.get("/sessions/manage").status_code == 403


def test_a_group_too_big_for_the_places_is_refused(client: FlaskClient, app: Flask,
                                                   people: People) -> None:
    found = make_session(app, people.trainer, enrol=False, capacity=2)
    with app.app_context():
        database = db.session()
        first = database.exec(select(Group)).one()  # Иван and Мария
        second = Group(name="Още една група")
        database.add(second)
        database.commit()
        database.add_all([GroupMember(group_id=second.id, user_id=people.learner.id),
                          GroupMember(group_id=second.id, user_id=people.stranger.id),
                          GroupTrainer(group_id=second.id, user_id=people.trainer.id)])
        database.commit()
        first_id, second_id = first.id, second.id
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    assert submit(client, f"{page}/groups", {"group": str(first_id)}, page=page).status_code == 302
    assert "(заети 2)" in client.get(page).get_data(as_text=True)
    # Иван is in both groups and counts once, but Георги would be the third learner.
    refused = submit(client, f"{page}/groups", {"group": str(second_id)}, page=page)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "С тази група на занятието ще има 3 обучаеми, а местата са 2." in html
    with app.app_context():
        enrolled = db.session().exec(select(SessionGroup.group_id).where(
            SessionGroup.session_id == found.id)).all()
        assert enrolled == [first_id]
