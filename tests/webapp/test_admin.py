"""Administration: organisations, groups and their trainers, staff accounts."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from tests.webapp.conftest import PASSWORD, People, login, submit
from webapp import db
from webapp.models import Group, GroupTrainer, Organisation, User
from webapp.services import accounts


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def make_coordinator(app: Flask) -> None:
    with app.app_context():
        database = db.session()
        user = User(username="koordinator", name="Коста Координаторов", role="coordinator")
        accounts.set_password(user, PASSWORD)
        database.add(user)
        database.commit()


def test_who_may_see_what(app: Flask, people: People) -> None:
    make_coordinator(app)
    learner, trainer = signed_in(app, "ivan"), signed_in(app, "trainer")
    coordinator, admin = signed_in(app, "koordinator"), signed_in(app, "admin")
    for url in ("/admin/", "/admin/groups", "/admin/organisations", "/admin/staff"):
        assert learner.get(url).status_code == 403
        assert trainer.get(url).status_code == 403
        assert admin.get(url).status_code == 200
    assert coordinator.get("/admin/groups").status_code == 200
    assert coordinator.get("/admin/organisations").status_code == 403
    assert coordinator.get("/admin/staff").status_code == 403
    anonymous = app.test_client().get("/admin/groups")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    # The staff tools line links here for coordinators and admins only.
    assert 'href="/admin/"' in text(admin.get("/trainer/"))
    assert 'href="/admin/"' not in text(trainer.get("/trainer/"))


def test_admin_adds_an_ngo_and_a_duplicate_name_is_refused(app: Flask, people: People) -> None:
    admin = signed_in(app, "admin")
    response = submit(admin, "/admin/organisations",
                      {"name": "  Сдружение   Родопи ", "kind": "ngo", "oblast": "Смолян"})
    assert response.status_code == 302
    with app.app_context():
        ngo = db.session().exec(select(Organisation).where(Organisation.kind == "ngo")).one()
        assert ngo.name == "Сдружение Родопи" and ngo.oblast == "Смолян"
    page = text(admin.get("/admin/organisations"))
    assert "Сдружение Родопи" in page and "НПО" in page
    again = submit(admin, "/admin/organisations", {"name": "сдружение родопи", "kind": "ngo"})
    assert again.status_code == 200
    assert "Организация с това име вече има." in text(again)
    for bad in ({"name": "", "kind": "ngo"}, {"name": "Х", "kind": "castle"},
                {"name": "Я" * 5000, "kind": "ngo"}, {"kind": ["ngo", "other"]}):
        answer = submit(admin, "/admin/organisations", bad)
        assert answer.status_code == 200 and 'class="field-errors"' in text(answer)
    with app.app_context():
        assert len(db.session().exec(select(Organisation)).all()) == 2  # Смолян and the NGO
    replay = admin.post("/admin/organisations", data={"name": "Без токен", "kind": "ngo"})
    assert replay.status_code == 400


def test_admin_renames_an_organisation(app: Flask, people: People) -> None:
    admin = signed_in(app, "admin")
    with app.app_context():
        org_id = db.session().exec(select(Organisation.id)).one()
    url = f"/admin/organisations/{org_id}"
    assert submit(admin, url, {"name": "Община Смолян", "kind": "municipality",
                               "oblast": "Смолян"}).status_code == 302
    with app.app_context():
        assert db.session().get(Organisation, org_id).name == "Община Смолян"  # type: ignore[union-attr]
    assert admin.get("/admin/organisations/99999").status_code == 404


def test_coordinator_makes_a_group_and_puts_a_trainer_in_charge(app: Flask,
                                                                 people: People) -> None:
    make_coordinator(app)
    coordinator = signed_in(app, "koordinator")
    response = submit(coordinator, "/admin/groups", {
        "name": "Служители – Кърджали", "description": "Есен 2027",
        "trainers": [str(people.trainer.id)]})
    assert response.status_code == 302
    with app.app_context():
        database = db.session()
        group = database.exec(select(Group).where(Group.name == "Служители – Кърджали")).one()
        assert database.get(GroupTrainer, (group.id, people.trainer.id)) is not None
    assert response.headers["Location"].endswith(f"/trainer/groups/{group.id}")
    # The trainer now sees the group; a learner cannot be put in charge of one.
    trainer = signed_in(app, "trainer")
    assert "Служители – Кърджали" in text(trainer.get("/trainer/"))
    refused = submit(coordinator, f"/admin/groups/{group.id}", {
        "name": "Служители – Кърджали", "trainers": [str(people.learner.id)]})
    assert refused.status_code == 200 and "Изберете обучители от списъка" in text(refused)
    garbage = submit(coordinator, f"/admin/groups/{group.id}", {
        "name": "Служители – Кърджали", "trainers": ["x", "9" * 40]})
    assert garbage.status_code == 200
    with app.app_context():  # nothing changed by the refused forms
        assert db.session().get(GroupTrainer, (group.id, people.trainer.id)) is not None
    # Taking the trainer off: the group disappears from their list.
    assert submit(coordinator, f"/admin/groups/{group.id}",
                  {"name": "Служители – Кърджали"}).status_code == 302
    assert "Служители – Кърджали" not in text(trainer.get("/trainer/"))
    assert trainer.get(f"/trainer/groups/{group.id}").status_code == 404
    duplicate = submit(coordinator, "/admin/groups", {"name": "служители – кърджали"})
    assert duplicate.status_code == 200 and "Група с това име вече има." in text(duplicate)
    assert coordinator.get("/admin/groups/99999").status_code == 404


def test_admin_adds_a_trainer_who_joins_with_the_code(app: Flask, people: People) -> None:
    admin = signed_in(app, "admin")
    form = text(admin.get("/admin/staff"))
    # Only the fields that must be filled say so (an optional one once said required="None").
    assert re.search(r'<input[^>]*id="name"[^>]*required', form)
    assert not re.search(r'<input[^>]*id="email"[^>]*required', form)
    response = submit(admin, "/admin/staff", {"name": "Нова Обучителка", "role": "trainer",
                                              "email": "nova@example.bg"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    code = re.search(r"<code>([A-Z0-9-]+)</code>", text(response))
    assert code, text(response)
    newcomer = app.test_client()
    joined = submit(newcomer, "/join", {"privacy": "y", "code": code.group(1), "username": "nova",
                                        "password": "дълга-парола-2028",
                                        "confirm": "дълга-парола-2028"})
    assert joined.status_code == 302, text(joined)
    assert newcomer.get("/trainer/").status_code == 200
    for bad in ({"name": "Х", "role": "learner"}, {"name": "Х", "role": "trainer",
                                                   "email": "not-an-address"},
                {"name": "", "role": "trainer"}, {"name": "Х", "role": "trainer",
                                                  "organisation": "424242"}):
        answer = submit(admin, "/admin/staff", bad)
        assert answer.status_code == 200 and 'class="field-errors"' in text(answer), bad


def test_closing_a_staff_account_ends_its_sessions(app: Flask, people: People) -> None:
    admin, trainer = signed_in(app, "admin"), signed_in(app, "trainer")
    assert trainer.get("/trainer/").status_code == 200
    closed = submit(admin, f"/admin/staff/{people.trainer.id}/active", {"active": "0"},
                    page="/admin/staff")
    assert closed.status_code == 302
    assert trainer.get("/trainer/").status_code == 302  # signed out
    assert login(app.test_client(), "trainer").status_code == 200  # refused, form again
    # No code for a closed account; reopening lets them in again.
    refused = submit(admin, f"/admin/staff/{people.trainer.id}/code", {}, page="/admin/staff")
    assert refused.status_code == 302
    assert submit(admin, f"/admin/staff/{people.trainer.id}/active", {"active": "1"},
                  page="/admin/staff").status_code == 302
    assert login(app.test_client(), "trainer").status_code == 302
    # An admin cannot close their own account; a learner is not staff.
    own = submit(admin, f"/admin/staff/{people.admin.id}/active", {"active": "0"},
                 page="/admin/staff")
    assert own.status_code == 302
    assert "Не можете да затворите собствения си профил." in text(admin.get("/admin/staff"))
    assert submit(admin, f"/admin/staff/{people.learner.id}/code", {},
                  page="/admin/staff").status_code == 404
