"""The e-mails and what queues them (issue 16 item 3): invitations, sessions (enrolled,
changed, cancelled, reminders), certificates, reset codes and password changes, the
trainers' weekly digest and the inactivity nudge — each queued once for its event, in the
recipient's language, and one end-to-end delivery with its .ics through a real SMTP server."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import col, select

from tests.mailserver import MailServer, mailserver  # noqa: F401
from tests.webapp.blended import make_session
from tests.webapp.conftest import People, login, submit
from tests.webapp.test_erasure import EMAIL as ERASED_EMAIL
from tests.webapp.test_erasure import import_her
from webapp import db, jobs
from webapp.models import Group, MailMessage, TrainingSession, User, utcnow
from webapp.services import accounts, certificates, mail_sweep
from webapp.services.sessions import aware

MAIL_ON = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": 2, "SMTP_SECURITY": "none",
           "MAIL_FROM": "obuchenie@dobro.example.org", "BASE_URL": "https://dobro.example.org"}


@pytest.fixture
def app(make_app: Any, build_dir: Path) -> Flask:
    """E-mail on (the messages are queued; no test here runs the sending job but one)."""
    flask_app: Flask = make_app(**MAIL_ON)
    return flask_app


def set_email(app: Flask, user: User, address: str | None, language: str = "") -> None:
    with app.app_context():
        database = db.session()
        found = database.get(User, user.id)
        assert found is not None
        found.email, found.language = address, language
        database.add(found)
        database.commit()


@pytest.fixture
def addresses(app: Flask, people: People) -> People:
    """Ivan (Bulgarian) and Maria (English) have addresses; the trainer too."""
    set_email(app, people.learner, "ivan@example.org")
    set_email(app, people.councillor, "maria@example.org", "en")
    set_email(app, people.trainer, "teodora@example.org")
    return people


def messages(app: Flask, kind: str | None = None) -> list[MailMessage]:
    with app.app_context():
        query = select(MailMessage).order_by(col(MailMessage.id))
        if kind is not None:
            query = query.where(MailMessage.kind == kind)
        return list(db.session().exec(query))


def by_address(found: list[MailMessage]) -> dict[str, MailMessage]:
    return {m.to_address: m for m in found}


def ics_of(message: MailMessage) -> str:
    assert [a["media_type"] for a in message.attachments] == ["text/calendar"]
    return base64.b64decode(message.attachments[0]["content"]).decode("utf-8")


def ics_field(text: str, name: str) -> str:
    unfolded = text.replace("\r\n ", "")
    found = re.search(rf"^{name}:(.*)\r$", unfolded, re.M)
    assert found, f"no {name} in {text}"
    return found.group(1)


def the_group(app: Flask) -> Group:
    with app.app_context():
        return db.session().exec(select(Group)).one()


def unjoin(app: Flask, *users: User) -> None:
    """Make the learners not joined yet (the people fixture's have user names)."""
    with app.app_context():
        database = db.session()
        for user in users:
            found = database.get(User, user.id)
            assert found is not None
            found.username, found.joined_at = None, None
            database.add(found)
        database.commit()


# --- Invitations and reset codes ------------------------------------------------------------


def test_join_codes_sent_by_email_reach_each_learner_once_in_their_language(
        client: FlaskClient, app: Flask, addresses: People) -> None:
    unjoin(app, addresses.learner, addresses.councillor)
    group = the_group(app)
    login(client, "trainer")
    page = f"/trainer/groups/{group.id}"
    assert 'name="send_email"' in client.get(page).get_data(as_text=True)
    cards = submit(client, f"{page}/codes", {"send_email": "y"}, page=page)
    assert cards.status_code == 200
    sent = by_address(messages(app, "invitation"))
    assert set(sent) == {"ivan@example.org", "maria@example.org"}
    ivan, maria = sent["ivan@example.org"], sent["maria@example.org"]
    assert (ivan.language, maria.language) == ("bg", "en")
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", ivan.text_body)
    assert code and code.group(0) in cards.get_data(as_text=True)  # the card's very code
    assert "Вашият код за присъединяване" in ivan.subject
    assert "Здравейте, Иван Иванов," in ivan.text_body
    assert "https://dobro.example.org/join#code=" + code.group(0) in ivan.html_body
    assert "Your join code" in maria.subject and "Hello, Мария Петрова," in maria.text_body
    with app.app_context():
        invitation = db.session().exec(select(accounts.Invitation).where(
            accounts.Invitation.user_id == addresses.learner.id)).one()
    assert ivan.key == f"invitation:{invitation.id}"
    # They hold codes now: pressing again makes none, and so sends none.
    submit(client, f"{page}/codes", {"send_email": "y"}, page=page)
    assert len(messages(app, "invitation")) == 2


def test_only_print_sends_nothing(client: FlaskClient, app: Flask, addresses: People) -> None:
    unjoin(app, addresses.learner, addresses.councillor)
    group = the_group(app)
    login(client, "trainer")
    page = f"/trainer/groups/{group.id}"
    assert submit(client, f"{page}/codes", {}, page=page).status_code == 200
    assert messages(app) == []


def test_without_an_address_the_code_is_still_made_and_nothing_is_sent(
        client: FlaskClient, app: Flask, people: People) -> None:
    unjoin(app, people.learner)
    group = the_group(app)
    login(client, "trainer")
    page = f"/trainer/groups/{group.id}"
    cards = submit(client, f"{page}/codes", {"send_email": "y"}, page=page)
    assert cards.status_code == 200 and "Иван Иванов" in cards.get_data(as_text=True)
    assert messages(app) == []


def test_with_email_off_the_form_says_codes_are_only_printed(
        make_app: Any, build_dir: Path, people: People) -> None:
    off = make_app()
    client = off.test_client()
    unjoin(off, people.learner)
    login(client, "trainer")
    with off.app_context():
        group = db.session().exec(select(Group)).one()
    html = client.get(f"/trainer/groups/{group.id}").get_data(as_text=True)
    assert 'name="send_email"' not in html
    assert "Електронната поща е изключена: кодовете само се отпечатват." in html


IMPORTED = ("Име,Организация,Аудитория,Длъжност,Пол,Имейл,Телефон\n"
            "Анна Иванова,Смолян,employees,юрисконсулт,ж,anna@example.bg,0888 123 456\n"
            "Борис Петров,Смолян,Общински съветници,,м,,\n").encode()


def import_file(client: FlaskClient, group_id: int, send: bool) -> str:
    """Upload ``IMPORTED`` and confirm it (with the e-mail box ticked or not); the group page."""
    url = f"/trainer/groups/{group_id}/import"
    preview = submit(client, url, {"file": (io.BytesIO(IMPORTED), "хора.csv")},
                     content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert 'name="send_email"' in html
    action = re.search(r'action="(/trainer/groups/\d+/import/[A-Za-z0-9_-]+)"', html)
    assert action
    done = submit(client, action.group(1), {"send_email": "y"} if send else {}, page=url,
                  follow_redirects=True)
    return done.get_data(as_text=True)


def test_imported_learners_with_an_address_get_their_code_by_email_when_chosen(
        client: FlaskClient, app: Flask, people: People) -> None:
    group = the_group(app)
    login(client, "trainer")
    page = import_file(client, group.id or 0, send=True)
    assert "Кодът за присъединяване е изпратен по имейл на 1 обучаем." in page
    [sent] = messages(app)
    assert (sent.kind, sent.to_address) == ("invitation", "anna@example.bg")
    assert "Здравейте, Анна Иванова," in sent.text_body
    # Борис has no address: he still waits for a card, and gets one.
    cards = submit(client, f"/trainer/groups/{group.id}/codes", {},
                   page=f"/trainer/groups/{group.id}").get_data(as_text=True)
    assert "Борис Петров" in cards and "Анна Иванова" not in cards


def test_an_import_without_the_box_sends_nothing(client: FlaskClient, app: Flask,
                                                 people: People) -> None:
    login(client, "trainer")
    import_file(client, the_group(app).id or 0, send=False)
    assert messages(app) == []


def test_a_reset_code_made_by_the_trainer_tells_its_owner_without_the_code(
        client: FlaskClient, app: Flask, addresses: People) -> None:
    group = the_group(app)
    login(client, "trainer")
    page = f"/trainer/groups/{group.id}"
    made = submit(client, f"{page}/learners/{addresses.learner.id}/code", {}, page=page)
    assert made.status_code == 200
    [notice] = messages(app)
    assert (notice.kind, notice.to_address) == ("reset_code", "ivan@example.org")
    assert notice.key.startswith("reset-code:")
    assert "Теодора Обучителева" in notice.text_body
    assert "Ако не сте поискали това, кажете на своя обучител." in notice.text_body
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", made.get_data(as_text=True))
    assert code and code.group(0) not in notice.text_body + notice.html_body


def test_a_changed_password_is_told_once(client: FlaskClient, app: Flask,
                                         addresses: People) -> None:
    login(client, "ivan")
    new = "още-по-дълга-парола-2028"
    response = submit(client, "/account/password", {
        "current": "дълга-парола-2027", "password": new, "confirm": new})
    assert response.status_code == 302
    [told] = messages(app)
    assert (told.kind, told.to_address) == ("password_changed", "ivan@example.org")
    assert told.subject == "Паролата на профила ви е сменена"
    assert told.key.startswith(f"password-changed:{addresses.learner.id}:")


def test_a_new_password_with_a_reset_code_is_told(client: FlaskClient, app: Flask,
                                                  addresses: People) -> None:
    trainer = app.test_client()
    login(trainer, "trainer")
    group = the_group(app)
    page = f"/trainer/groups/{group.id}"
    made = submit(trainer, f"{page}/learners/{addresses.learner.id}/code", {}, page=page)
    code = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", made.get_data(as_text=True))
    assert code
    new = "съвсем-нова-парола-2029"
    done = submit(client, "/reset", {"code": code.group(0), "password": new, "confirm": new})
    assert done.status_code == 302
    assert [m.kind for m in messages(app)] == ["reset_code", "password_changed"]


def test_a_new_staff_account_gets_its_invitation_by_default(app: Flask,
                                                             people: People) -> None:
    admin = app.test_client()
    login(admin, "admin")
    response = submit(admin, "/admin/staff", {"name": "Нова Обучителка", "role": "trainer",
                                              "email": "nova@example.bg"})
    assert response.status_code == 200
    code = re.search(r"<code>([A-Z0-9-]+)</code>", response.get_data(as_text=True))
    [sent] = messages(app)
    assert (sent.kind, sent.to_address) == ("invitation", "nova@example.bg")
    assert code and code.group(1) in sent.text_body


def test_an_issued_certificate_is_told_with_its_verify_link_once(
        app: Flask, addresses: People) -> None:
    with app.app_context():
        database = db.session()
        learner = database.get(User, addresses.learner.id)
        trainer = database.get(User, addresses.trainer.id)
        assert learner is not None and trainer is not None
        cert = certificates.issue_by_hand(
            database, learner, "osnovi", trainer, "Присъствал е на всичко.",
            certificates.current_course(), certificates.store().build_dir,
            certificates.current_issuer())
        code, cert_id = cert.code, cert.id
    [told] = messages(app)
    assert (told.kind, told.key) == ("certificate_issued", f"certificate:{cert_id}")
    assert "Сертификатът ви е издаден" in told.subject
    assert f"https://dobro.example.org/verify/{code}" in told.text_body
    assert f"https://dobro.example.org/verify/{code}" in told.html_body


# --- Sessions -------------------------------------------------------------------------------


def enrol_page(client: FlaskClient, app: Flask, found: TrainingSession) -> str:
    page = f"/sessions/{found.id}"
    response = submit(client, f"{page}/groups", {"group": str(the_group(app).id)}, page=page)
    assert response.status_code == 302
    return page


def test_enrolling_a_group_sends_each_learner_the_session_with_its_ics_once(
        client: FlaskClient, app: Flask, addresses: People) -> None:
    found = make_session(app, addresses.trainer, starts_in=timedelta(days=5), enrol=False)
    login(client, "trainer")
    page = enrol_page(client, app, found)
    sent = by_address(messages(app, "session_enrolled"))
    assert set(sent) == {"ivan@example.org", "maria@example.org"}
    ivan = sent["ivan@example.org"]
    assert ivan.subject == "Записани сте за занятие: Основи – Смолян"
    assert "Заседателна зала" in ivan.text_body and "Кога:" in ivan.text_body
    assert "You are enrolled in a session" in sent["maria@example.org"].subject
    ics = ics_of(ivan)
    assert ics_field(ics, "UID") == f"session-{found.id}@dobro.example.org"
    assert ics_field(ics, "METHOD") == "PUBLISH"
    assert ics_field(ics, "SUMMARY") == "Основи – Смолян"
    # Enrolled already: nothing more.
    submit(client, f"{page}/groups", {"group": str(the_group(app).id)}, page=page)
    assert len(messages(app, "session_enrolled")) == 2


def test_a_learner_added_later_is_told_of_the_groups_coming_sessions(
        client: FlaskClient, app: Flask, addresses: People) -> None:
    """The group was enrolled before she came: imported into it, she is told of each of its
    sessions still to come (not of one under way or cancelled), once."""
    coming = make_session(app, addresses.trainer, starts_in=timedelta(days=5))
    make_session(app, addresses.trainer, starts_in=timedelta(minutes=-30),
                 checkin_code="NOWNOW", title="Сега")
    make_session(app, addresses.trainer, starts_in=timedelta(days=7), checkin_code="CNCL22",
                 title="Отменено", cancelled_at=utcnow())
    her_id = import_her(app, client)
    sent = [m for m in messages(app, "session_enrolled") if m.user_id == her_id]
    assert [m.to_address for m in sent] == [ERASED_EMAIL]
    assert sent[0].subject == f"Записани сте за занятие: {coming.title}"
    assert ics_field(ics_of(sent[0]), "UID") == f"session-{coming.id}@dobro.example.org"
    import_her(app, client)  # the same file again: she is in the group already
    assert len([m for m in messages(app, "session_enrolled") if m.user_id == her_id]) == 1


def test_a_changed_session_is_told_with_the_same_uid_and_a_higher_sequence(
        client: FlaskClient, app: Flask, addresses: People) -> None:
    found = make_session(app, addresses.trainer, starts_in=timedelta(days=5))
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    assert "Промени" in client.get(page).get_data(as_text=True)
    form = client.get(f"{page}/edit").get_data(as_text=True)
    assert 'value="Заседателна зала"' in form
    day = (utcnow() + timedelta(days=6)).date().isoformat()
    fields = {"title": "Основи – Смолян", "municipality": "Смолян", "venue": "Читалище",
              "day": day, "starts": "10:00", "ends": "14:00",
              "trainer": str(addresses.trainer.id), "capacity": "25"}
    assert submit(client, f"{page}/edit", fields).status_code == 302
    sent = by_address(messages(app, "session_changed"))
    assert set(sent) == {"ivan@example.org", "maria@example.org"}
    ivan = sent["ivan@example.org"]
    assert ivan.subject == "Занятието е променено: Основи – Смолян"
    assert "Читалище" in ivan.text_body and "10:00" in ivan.text_body
    ics = ics_of(ivan)
    assert ics_field(ics, "UID") == f"session-{found.id}@dobro.example.org"
    assert ics_field(ics, "METHOD") == "REQUEST"
    first = int(ics_field(ics, "SEQUENCE"))
    assert first > 0 and ics_field(ics, "DTSTART").endswith("T070000Z") is not None
    with app.app_context():
        moved = db.session().get(TrainingSession, found.id)
        assert moved is not None and moved.venue == "Читалище"
    # Only the places change: nobody is told.
    assert submit(client, f"{page}/edit", {**fields, "capacity": "30"}).status_code == 302
    assert len(messages(app, "session_changed")) == 2
    # Fewer places than the learners enrolled: refused, in Bulgarian.
    html = submit(client, f"{page}/edit", {**fields, "capacity": "1"}).get_data(as_text=True)
    assert "Вече са записани 2 обучаеми" in html


def test_cancelling_needs_the_box_then_tells_everyone_and_hides_it_from_learners(
        client: FlaskClient, app: Flask, addresses: People) -> None:
    found = make_session(app, addresses.trainer, starts_in=timedelta(minutes=10))
    login(client, "trainer")
    page = f"/sessions/{found.id}"
    refused = submit(client, f"{page}/cancel", {}, page=f"{page}/cancel")
    assert refused.status_code == 200
    assert "Отметнете полето" in refused.get_data(as_text=True)
    assert messages(app) == []
    done = submit(client, f"{page}/cancel", {"confirm": "y"}, page=f"{page}/cancel")
    assert done.status_code == 302
    sent = by_address(messages(app, "session_changed"))
    assert set(sent) == {"ivan@example.org", "maria@example.org"}
    ivan = sent["ivan@example.org"]
    assert ivan.subject == "Занятието е отменено: Основи – Смолян"
    ics = ics_of(ivan)
    assert ics_field(ics, "METHOD") == "CANCEL" and ics_field(ics, "STATUS") == "CANCELLED"
    assert ics_field(ics, "ORGANIZER") == "mailto:obuchenie@dobro.example.org"
    assert ics_field(ics, "UID") == f"session-{found.id}@dobro.example.org"
    assert int(ics_field(ics, "SEQUENCE")) > 0
    # Staff still see it, marked; it can no longer be changed or enrolled in.
    assert "Отменено" in client.get(page).get_data(as_text=True)
    assert "Отменено" in client.get("/sessions/manage").get_data(as_text=True)
    assert client.get(f"{page}/edit").status_code == 404
    assert client.get(f"{page}/cancel").status_code == 404
    # Cancelling twice is not possible, so nobody is told twice.
    assert len(messages(app, "session_changed")) == 2
    # Learners no longer see it and cannot check in to it.
    learner = app.test_client()
    login(learner, "ivan")
    assert "Основи – Смолян" not in learner.get("/").get_data(as_text=True)
    html = submit(learner, "/sessions/checkin", {"code": "KX7P2M"}).get_data(as_text=True)
    assert "Няма занятие с този код." in html


def test_a_cancelled_session_leaves_the_trainers_home_and_waits_for_no_marks(
        client: FlaskClient, app: Flask, addresses: People) -> None:
    ended = make_session(app, addresses.trainer, starts_in=timedelta(days=-1), hours=2,
                         title="Отменено вчера", cancelled_at=utcnow() - timedelta(days=2))
    make_session(app, addresses.trainer, starts_in=timedelta(days=2), checkin_code="NEXT22",
                 title="Отменено утре", cancelled_at=utcnow())
    login(client, "trainer")
    home = client.get("/trainer/").get_data(as_text=True)
    assert "Отменено вчера" not in home and "Отменено утре" not in home
    assert f"/sessions/{ended.id}" not in home


def test_the_calendar_feed_marks_a_cancelled_session(client: FlaskClient, app: Flask,
                                                     people: People) -> None:
    from webapp.services import sessions as session_service
    found = make_session(app, people.trainer, starts_in=timedelta(days=2),
                         cancelled_at=utcnow())
    with app.app_context():
        learner = db.session().get(User, people.learner.id)
        assert learner is not None
        token = session_service.feed_token(db.session(), learner)
    feed = client.get(f"/sessions/calendar/{token}.ics").get_data(as_text=True)
    assert f"UID:session-{found.id}@" in feed
    assert ics_field(feed, "STATUS") == "CANCELLED" and int(ics_field(feed, "SEQUENCE")) > 0


def test_only_the_sessions_trainer_or_a_coordinator_may_change_it(
        client: FlaskClient, app: Flask, addresses: People) -> None:
    found = make_session(app, addresses.admin, starts_in=timedelta(days=3))
    login(client, "trainer")  # sees it (their group is enrolled), but does not lead it
    page = f"/sessions/{found.id}"
    assert client.get(page).status_code == 200
    assert "/edit" not in client.get(page).get_data(as_text=True)
    assert client.get(f"{page}/edit").status_code == 404
    assert client.get(f"{page}/cancel").status_code == 404


# --- The sweep: reminders, digest, nudge ----------------------------------------------------


def sweep(app: Flask, now: datetime) -> mail_sweep.Swept:
    with app.app_context():
        return mail_sweep.sweep(db.session(), now)


def test_reminders_go_two_days_and_two_hours_before_once_each(
        app: Flask, addresses: People) -> None:
    found = make_session(app, addresses.trainer, starts_in=timedelta(days=3))
    starts = aware(found.starts_at)
    assert sweep(app, starts - timedelta(days=2, minutes=5)).reminders == 0
    assert sweep(app, starts - timedelta(days=2) + timedelta(minutes=1)).reminders == 2
    assert sweep(app, starts - timedelta(days=1)).reminders == 0  # sent already
    assert sweep(app, starts - timedelta(hours=2) + timedelta(minutes=3)).reminders == 2
    assert sweep(app, starts - timedelta(minutes=30)).reminders == 0
    assert sweep(app, starts + timedelta(minutes=5)).reminders == 0
    sent = messages(app, "session_reminder")
    assert len(sent) == 4
    ivan = [m for m in sent if m.to_address == "ivan@example.org"]
    assert [m.key.split(":")[0] for m in ivan] == ["session-reminder-2d", "session-reminder-2h"]
    assert ivan[0].key == (f"session-reminder-2d:{found.id}:{addresses.learner.id}:"
                           f"{starts.isoformat()}")
    assert ivan[0].subject.startswith("Напомняне: Основи – Смолян")
    assert ics_field(ics_of(ivan[0]), "UID") == f"session-{found.id}@dobro.example.org"


def test_a_session_scheduled_late_gets_only_the_nearest_reminder(
        app: Flask, addresses: People) -> None:
    found = make_session(app, addresses.trainer, starts_in=timedelta(hours=1))
    assert sweep(app, utcnow()).reminders == 2
    assert {m.key.split(":")[0] for m in messages(app)} == {"session-reminder-2h"}
    assert found.id


def test_a_moved_session_gets_new_reminders_and_a_cancelled_one_none(
        app: Flask, addresses: People) -> None:
    moved = make_session(app, addresses.trainer, starts_in=timedelta(hours=1))
    make_session(app, addresses.trainer, starts_in=timedelta(hours=1),
                 checkin_code="CANC22", cancelled_at=utcnow())  # never reminded
    now = utcnow()
    assert sweep(app, now).reminders == 2  # the moved one's learners only
    with app.app_context():
        database = db.session()
        found = database.get(TrainingSession, moved.id)
        assert found is not None
        found.starts_at = aware(found.starts_at) + timedelta(minutes=30)
        found.ends_at = aware(found.ends_at) + timedelta(minutes=30)
        database.add(found)
        database.commit()
    assert sweep(app, now).reminders == 2  # its new time: reminded again
    assert {m.key.split(":")[1] for m in messages(app)} == {str(moved.id)}


def test_no_reminders_when_the_setting_is_empty(make_app: Any, build_dir: Path,
                                                people: People) -> None:
    quiet = make_app(**MAIL_ON, MAIL_REMINDERS=())
    set_email(quiet, people.learner, "ivan@example.org")
    make_session(quiet, people.trainer, starts_in=timedelta(hours=1))
    assert sweep(quiet, utcnow()).reminders == 0


def monday_morning() -> datetime:
    """The next Monday, 8:00 in Sofia (as UTC)."""
    today = utcnow().date()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return datetime(monday.year, monday.month, monday.day, 6, 0, tzinfo=UTC)


def test_the_digest_goes_to_trainers_once_a_week(app: Flask, addresses: People) -> None:
    monday = monday_morning()
    make_session(app, addresses.trainer, starts_in=monday - utcnow() + timedelta(days=2))
    assert sweep(app, monday - timedelta(hours=5)).digests == 0  # 3:00 on Monday: too early
    assert sweep(app, monday).digests == 1
    assert sweep(app, monday + timedelta(hours=3)).digests == 0  # this week's is sent
    assert sweep(app, monday + timedelta(days=1)).digests == 0  # Tuesday
    [digest] = messages(app, "trainer_digest")
    year, week, _ = monday.isocalendar()
    assert digest.key == f"digest:{addresses.trainer.id}:{year}-W{week}"
    assert digest.to_address == "teodora@example.org"
    assert "Основи – Смолян" in digest.text_body and "Смолян" in digest.html_body
    assert sweep(app, monday + timedelta(days=7)).digests == 0  # nothing left to tell


def test_the_nudge_is_off_by_default_and_once_per_session_when_on(
        make_app: Any, build_dir: Path, people: People) -> None:
    default = make_app(**MAIL_ON)
    set_email(default, people.learner, "ivan@example.org")
    with default.app_context():
        database = db.session()
        ivan = database.get(User, people.learner.id)
        assert ivan is not None
        ivan.joined_at = utcnow() - timedelta(days=30)
        database.add(ivan)
        database.commit()
    make_session(default, people.trainer, starts_in=timedelta(days=5))
    assert sweep(default, utcnow()).nudges == 0
    on = make_app(**MAIL_ON, MAIL_NUDGE_DAYS=7)
    assert sweep(on, utcnow()).nudges == 1
    assert sweep(on, utcnow() + timedelta(hours=1)).nudges == 0
    [nudge] = messages(on, "inactivity_nudge")
    assert nudge.to_address == "ivan@example.org" and nudge.key.startswith(
        f"nudge:{people.learner.id}:")
    assert "7 дни" in nudge.text_body


def test_a_recently_active_learner_is_not_nudged(make_app: Any, build_dir: Path,
                                                 people: People) -> None:
    from tests.webapp.blended import study_everything
    on = make_app(**MAIL_ON, MAIL_NUDGE_DAYS=7)
    set_email(on, people.learner, "ivan@example.org")
    with on.app_context():
        database = db.session()
        ivan = database.get(User, people.learner.id)
        assert ivan is not None
        ivan.joined_at = utcnow() - timedelta(days=30)
        database.add(ivan)
        database.commit()
    study_everything(on, people.learner)
    make_session(on, people.trainer, starts_in=timedelta(days=5))
    assert sweep(on, utcnow()).nudges == 0


def test_the_sweep_is_a_periodic_job(app: Flask) -> None:
    assert mail_sweep.SWEEP_JOB in jobs.periodic_kinds()


# --- End to end -----------------------------------------------------------------------------


def test_an_enrolled_learner_receives_the_mail_with_its_ics(
        make_app: Any, build_dir: Path, people: People,
        mailserver: MailServer) -> None:  # noqa: F811
    app = make_app(**mailserver.settings())
    set_email(app, people.learner, "ivan@example.org")
    found = make_session(app, people.trainer, starts_in=timedelta(days=4), enrol=False)
    client = app.test_client()
    login(client, "trainer")
    enrol_page(client, app, found)
    jobs.run_pending(app)
    [received] = mailserver.received
    mail = received.email
    assert received.rcpt_tos == ["ivan@example.org"]
    assert mail["Subject"] == "Записани сте за занятие: Основи – Смолян"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and "Заседателна зала" in body.get_content()
    [attachment] = [part for part in mail.iter_attachments()
                    if part.get_content_type() == "text/calendar"]
    ics = attachment.get_payload(decode=True).decode("utf-8")
    assert f"UID:session-{found.id}@dobro.example.org" in ics
    assert messages(app)[0].status == "sent"
