"""A trainer's home (issue 14): today's and the next sessions, who is stuck, the week's
certificates and what waits for the trainer — each with a link to act — for their own
groups only; and empty states that say what to do next."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from tests.webapp.blended import make_session
from webapp import db
from webapp.models import (
    Attendance,
    Certificate,
    Group,
    GroupMember,
    GroupTrainer,
    ModuleProgress,
    SessionGroup,
    User,
    utcnow,
)
from webapp.services import accounts

from .conftest import PASSWORD, People, csrf_token, login, submit


@pytest.fixture(autouse=True)
def close_connections(app: Flask) -> Iterator[None]:
    yield
    app.extensions["dobro.engine"].dispose()


@dataclass
class Elsewhere:
    """A second trainer's group, with a stuck learner and a fresh certificate of its own."""

    group: int
    petar: int
    certificate: int


def add_user(app: Flask, username: str | None, name: str, role: str = "learner") -> int:
    with app.app_context():
        database = db.session()
        user = User(username=username, name=name, role=role,
                    audience="employees" if role == "learner" else None)
        accounts.set_password(user, PASSWORD)
        database.add(user)
        database.commit()
        assert user.id is not None
        return user.id


def stuck(app: Flask, user_id: int | None, days: int = 30) -> None:
    """The learner opened a module ``days`` ago and has done nothing since."""
    with app.app_context():
        db.session().add(ModuleProgress(user_id=user_id, module_id="obshtinata",
                                        topic_id="osnovi",
                                        last_opened_at=utcnow() - timedelta(days=days)))
        db.session().commit()


def certificate(app: Flask, user_id: int | None, name: str, days: int = 1) -> int:
    with app.app_context():
        found = Certificate(code=f"code-{user_id}-{days}", number=f"ARO-2027-{user_id}{days:04}",
                            user_id=user_id, holder_name=name, topic_id=f"topic-{days}",
                            title="Основи на самоуправлението", programme_title="Програма",
                            issuer_name="Издател", issued_at=utcnow() - timedelta(days=days))
        db.session().add(found)
        db.session().commit()
        assert found.id is not None
        return found.id


@pytest.fixture
def elsewhere(app: Flask, people: People) -> Elsewhere:
    trainer2 = add_user(app, "trainer2", "Борис Второв", "trainer")
    petar = add_user(app, "petar", "Петър Петров")
    with app.app_context():
        database = db.session()
        group = Group(name="Служители – Кърджали, есен 2027")
        database.add(group)
        database.commit()
        assert group.id is not None
        database.add_all([GroupTrainer(group_id=group.id, user_id=trainer2),
                          GroupMember(group_id=group.id, user_id=petar)])
        database.commit()
        group_id = group.id
    stuck(app, petar)
    return Elsewhere(group_id, petar, certificate(app, petar, "Петър Петров"))


def home(client: FlaskClient, username: str) -> str:
    login(client, username)
    response = client.get("/trainer/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_todays_session_links_to_its_roster(client: FlaskClient, app: Flask,
                                            people: People) -> None:
    today = make_session(app, people.trainer, starts_in=timedelta(minutes=5))
    later = make_session(app, people.trainer, starts_in=timedelta(days=3), title="Второ занятие")
    page = home(client, "trainer")
    today_at = page.index(f'id="session-{today.id}"')
    assert page.index(">Днес</h3>") < today_at < page.index(f'id="session-{later.id}"')
    assert f'href="/sessions/{today.id}#roster">Отвори списъка' in page
    assert "Съветници – Смолян, пролет 2027" in page[today_at:]
    assert "Смолян, Заседателна зала" in page[today_at:]
    later_at = page.index(f'id="session-{later.id}"')
    assert "(след 3 дни)" in page[later_at:]  # today's are under "Днес"
    assert "Няма занятие днес" not in page
    # A session with no group yet: the link goes to enrolling one.
    lonely = make_session(app, people.trainer, starts_in=timedelta(days=1), enrol=False)
    page = client.get("/trainer/").get_data(as_text=True)
    assert f'href="/sessions/{lonely.id}#groups-title">Запишете група' in page


def test_who_is_stuck_and_the_weeks_certificates_of_my_groups_only(
        client: FlaskClient, app: Flask, people: People, elsewhere: Elsewhere) -> None:
    stuck(app, people.learner.id)
    stuck(app, people.councillor.id, days=2)  # active lately: not stuck
    fresh = certificate(app, people.councillor.id, "Мария Петрова")
    old = certificate(app, people.councillor.id, "Мария Петрова", days=10)
    page = home(client, "trainer")
    assert f'id="stuck-{people.learner.id}"' in page
    assert f'href="/certificates/learners/{people.learner.id}"' in page
    assert f'id="stuck-{people.councillor.id}"' not in page
    assert f'id="issued-{fresh}"' in page and f'id="issued-{old}"' not in page
    assert 'href="/trainer/progress?status=stuck"' in page
    # Another trainer's learners are not mine to see.
    assert f'id="stuck-{elsewhere.petar}"' not in page and "Петър Петров" not in page
    assert f'id="issued-{elsewhere.certificate}"' not in page
    # A coordinator sees every group's.
    coordinator = app.test_client()
    add_user(app, "coord", "Калина Координаторова", "coordinator")
    everything = home(coordinator, "coord")
    for found in (f'id="stuck-{elsewhere.petar}"', f'id="stuck-{people.learner.id}"',
                  f'id="issued-{elsewhere.certificate}"', f'id="issued-{fresh}"'):
        assert found in everything


def test_what_waits_for_the_trainer(client: FlaskClient, app: Flask, people: People) -> None:
    past = make_session(app, people.trainer, starts_in=timedelta(days=-2), title="Минало")
    long_ago = make_session(app, people.trainer, starts_in=timedelta(days=-90), title="Отдавна")
    newcomer = add_user(app, None, "Стефка Моллова")
    with app.app_context():
        group = db.session().exec(select(Group)).one()
        db.session().add(GroupMember(group_id=group.id, user_id=newcomer))
        db.session().add(Attendance(session_id=past.id, user_id=people.learner.id,
                                    status="present"))
        db.session().commit()
        group_id = group.id
    page = home(client, "trainer")
    assert "Минало" in page and "2 обучаеми не са отбелязани" in page
    assert f'href="/sessions/{past.id}#roster">Отбележете присъствието' in page
    assert "Отдавна" not in page  # older than a month: not nagged about
    assert "1 обучаем още не се е присъединил" in page
    assert f'href="/trainer/groups/{group_id}#codes-title">Раздайте кодове за присъединяване' \
        in page
    # Everyone marked: the session leaves the list.
    with app.app_context():
        for user in (people.councillor.id, newcomer):
            db.session().add(Attendance(session_id=past.id, user_id=user, status="absent"))
        db.session().commit()
    assert "Минало" not in client.get("/trainer/").get_data(as_text=True)
    assert long_ago.id is not None


def test_empty_states_say_what_to_do_next(client: FlaskClient, app: Flask,
                                          people: People) -> None:
    page = home(client, "trainer")
    assert "Няма насрочени занятия" in page
    assert 'href="/sessions/manage#new-session-title">Насрочване на занятие' in page
    assert "Никой не е блокирал" in page
    assert "Нищо не ви чака" in page  # the learners have joined, no session: nothing waits
    newcomer = add_user(app, "nov", "Нов Обучител", "trainer")
    alone = app.test_client()
    page = home(alone, "nov")
    assert "Все още не отговаряте за група" in page and newcomer
    # A coordinator with no groups at all is told to make one, with the link.
    with app.app_context():
        database = db.session()
        for model in (GroupTrainer, GroupMember, SessionGroup, Group):
            for row in database.exec(select(model)).all():
                database.delete(row)
            database.commit()
    page = home(app.test_client(), "admin")
    assert 'href="/admin/groups#new-group-title">Нова група' in page


def test_an_empty_group_says_to_add_learners(client: FlaskClient, app: Flask,
                                             people: People) -> None:
    with app.app_context():
        database = db.session()
        group = Group(name="Празна група")
        database.add(group)
        database.commit()
        database.add(GroupTrainer(group_id=group.id, user_id=people.trainer.id))
        database.commit()
        group_id = group.id
    page = home(client, "trainer")
    assert f'href="/trainer/groups/{group_id}#add-title">Добавете първия обучаем' in page


def test_the_home_in_english(client: FlaskClient, app: Flask, people: People) -> None:
    client.get("/language?lang=en")
    page = home(client, "trainer")
    assert "No sessions are scheduled." in page and "Schedule a session" in page


def test_every_empty_list_says_what_to_do_next(client: FlaskClient, app: Flask,
                                               people: People) -> None:
    """Each empty list a trainer, coordinator or admin may meet names the next step and
    links to it."""
    found = make_session(app, people.trainer, enrol=False)
    with app.app_context():
        group_id = db.session().exec(select(Group)).one().id
    login(client, "trainer")
    pages = {
        "/sessions/manage": None,  # a session exists: no empty state
        f"/sessions/{found.id}": ('href="#groups-title">Запишете група',
                                  "Още няма обучаеми: запишете група"),
        f"/certificates/groups/{group_id}": ("Още няма сертификати.",
                                              f'href="/trainer/progress?group={group_id}"'),
        "/trainer/progress?status=complete": ("Няма обучаеми, които отговарят на тези филтри.",
                                              'href="/trainer/progress">Покажи всички обучаеми'),
    }
    for url, said in pages.items():
        page = client.get(url).get_data(as_text=True)
        assert ('class="empty-state"' in page) == (said is not None), url
        for words in said or ():
            assert words in page, (url, words)
    assert "Изтегляне на всички валидни сертификати" not in client.get(
        f"/certificates/groups/{group_id}").get_data(as_text=True)  # an empty ZIP helps no one
    # An admin on a database with no groups, organisations or sessions.
    with app.app_context():
        database = db.session()
        for model in (GroupTrainer, GroupMember, SessionGroup, Group):
            for row in database.exec(select(model)).all():
                database.delete(row)
        database.delete(database.get(type(found), found.id))
        database.commit()
    admin = app.test_client()
    login(admin, "admin")
    for url, words in (("/admin/groups", 'href="#new-group-title">Нова група'),
                       ("/sessions/manage", 'href="#new-session-title">Насрочване на занятие')):
        page = admin.get(url).get_data(as_text=True)
        assert 'class="empty-state"' in page and words in page, url


def test_staff_sign_in_to_their_home_and_learners_to_theirs(client: FlaskClient,
                                                             people: People) -> None:
    assert login(client, "trainer").location == "/trainer/"
    submit(client, "/logout", {}, page="/")
    assert login(client, "ivan").location == "/"
    submit(client, "/logout", {}, page="/")
    # A page asked for before signing in still wins.
    token = csrf_token(client, "/login")
    response = client.post("/login", query_string={"next": "/glossary"},
                           data={"csrf_token": token, "username": "trainer",
                                 "password": PASSWORD})
    assert response.location == "/glossary"
