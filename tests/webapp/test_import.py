"""Importing participants on the web: upload → preview → confirm, access, and codes as a PDF."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlmodel import select
from werkzeug.test import TestResponse

from tests.conftest import REPO
from webapp import db
from webapp.models import Group, GroupMember, GroupTrainer, User

from .conftest import People, login, submit

FIXTURES = REPO / "tests" / "fixtures" / "participants"
# The people fixture's organisation is called just "Смолян".
GOOD = ("Име,Организация,Аудитория,Длъжност,Пол,Имейл,Телефон\n"
        "Анна Иванова,Смолян,employees,юрисконсулт,ж,anna@example.bg,0888 123 456\n"
        "Борис Петров,Смолян,Общински съветници,,м,,\n").encode()
BAD = ("Име;Организация;Аудитория\n"
       "Анна Иванова;Смолян;employees\n"
       "Борис Петров;Смолян;съветници2\n").encode()
CONFIRM = re.compile(r'action="(/trainer/groups/\d+/import/[A-Za-z0-9_-]+)"')
CODE_IN_PDF = re.compile(r"\b([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})\b")


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


def import_url(group_id: int) -> str:
    return f"/trainer/groups/{group_id}/import"


def upload(client: FlaskClient, group_id: int, data: bytes, name: str = "хора.csv") -> TestResponse:
    return submit(client, import_url(group_id), {"file": (io.BytesIO(data), name)},
                  content_type="multipart/form-data")


def confirm(client: FlaskClient, preview: TestResponse, group_id: int) -> TestResponse:
    match = CONFIRM.search(preview.get_data(as_text=True))
    assert match, "no confirm form on the preview"
    return submit(client, match.group(1), {}, page=import_url(group_id))


def names_in_group(app: Flask, group_id: int) -> list[str]:
    with app.app_context():
        return sorted(u.name for u in db.session().exec(
            select(User).join(GroupMember, GroupMember.user_id == User.id)  # type: ignore[arg-type]
            .where(GroupMember.group_id == group_id)))


def test_upload_preview_confirm_and_again(client: FlaskClient, app: Flask, group_id: int) -> None:
    login(client, "trainer")
    page = client.get(f"/trainer/groups/{group_id}").get_data(as_text=True)
    assert import_url(group_id) in page
    preview = upload(client, group_id, GOOD)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Анна Иванова" in html and "Борис Петров" in html
    assert names_in_group(app, group_id) == ["Иван Иванов", "Мария Петрова"]  # nothing yet
    done = confirm(client, preview, group_id)
    assert done.status_code == 302 and done.location == f"/trainer/groups/{group_id}"
    assert names_in_group(app, group_id) == ["Анна Иванова", "Борис Петров", "Иван Иванов",
                                             "Мария Петрова"]
    page = client.get(f"/trainer/groups/{group_id}").get_data(as_text=True)
    assert f"/trainer/groups/{group_id}/codes.pdf" in page
    # The same file again: nothing new, nothing to update.
    again = upload(client, group_id, GOOD).get_data(as_text=True)
    assert "(0)" in again and "Без промяна (2)" in again
    assert again.count("Анна Иванова") == 1
    confirm(client, upload(client, group_id, GOOD), group_id)
    with app.app_context():
        assert len(db.session().exec(select(User).where(User.name == "Анна Иванова")).all()) == 1


def test_errors_are_listed_by_row_and_column_and_nothing_is_saved(
        client: FlaskClient, app: Flask, group_id: int) -> None:
    login(client, "trainer")
    preview = upload(client, group_id, BAD)
    html = preview.get_data(as_text=True)
    assert "ред 3, колона C (Целева група): непозната целева група „съветници2“" in html
    assert CONFIRM.search(html) is None
    assert names_in_group(app, group_id) == ["Иван Иванов", "Мария Петрова"]


def test_another_group_in_the_file_is_an_error(client: FlaskClient, group_id: int) -> None:
    login(client, "trainer")
    data = "Име,Организация,Аудитория,Група\nАнна,Смолян,employees,Чужда група\n".encode()
    html = upload(client, group_id, data).get_data(as_text=True)
    assert "ред 2, колона D (Група): друга група „Чужда група“" in html


def test_a_wrong_file_is_a_form_error_not_a_crash(client: FlaskClient, group_id: int) -> None:
    login(client, "trainer")
    wrong = upload(client, group_id, b"%PDF", name="people.pdf")
    assert wrong.status_code == 200 and "field-invalid" in wrong.get_data(as_text=True)
    broken = upload(client, group_id, b"not a zip", name="people.xlsx")
    assert "не е четим XLSX" in broken.get_data(as_text=True)


def test_a_preview_token_is_only_good_for_its_uploader(client: FlaskClient, app: Flask,
                                                       group_id: int) -> None:
    login(client, "trainer")
    preview = upload(client, group_id, GOOD)
    admin = app.test_client()
    login(admin, "admin")
    refused = confirm(admin, preview, group_id)
    assert refused.location == import_url(group_id)
    assert names_in_group(app, group_id) == ["Иван Иванов", "Мария Петрова"]


def test_access(client: FlaskClient, app: Flask, people: People, group_id: int) -> None:
    with app.app_context():
        database = db.session()
        other_trainer = User(username="trainer2", name="Борис Второв", role="trainer")
        other_group = Group(name="Чужда група")
        database.add_all([other_trainer, other_group])
        database.commit()
        database.add(GroupTrainer(group_id=other_group.id, user_id=other_trainer.id))
        database.commit()
        other_id = other_group.id
    assert other_id is not None
    login(client, "trainer")
    assert client.get(import_url(other_id)).status_code == 404
    assert upload(client, other_id, GOOD).status_code == 404
    assert submit(client, f"/trainer/groups/{other_id}/codes.pdf", {},
                  page=import_url(group_id)).status_code == 404
    learner = app.test_client()
    login(learner, "ivan")
    assert learner.get(import_url(group_id)).status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    assert admin.get(import_url(other_id)).status_code == 200


def test_codes_as_a_pdf_list_that_work_at_join(client: FlaskClient, app: Flask,
                                               group_id: int) -> None:
    login(client, "trainer")
    confirm(client, upload(client, group_id, GOOD), group_id)
    response = submit(client, f"/trainer/groups/{group_id}/codes.pdf", {},
                      page=import_url(group_id))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Анна Иванова" in text and "Борис Петров" in text
    assert "Иван Иванов" not in text  # he has joined already
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    codes = list(dict.fromkeys(CODE_IN_PDF.findall(text)))  # each is also in its link
    assert len(codes) == 2
    learner = app.test_client()
    joined = submit(learner, "/join", {"privacy": "y", "code": codes[0], "username": "anna.i",
                                       "password": "нова-парола-за-курса",
                                       "confirm": "нова-парола-за-курса"})
    assert joined.status_code == 302


def test_a_trainer_import_never_reaches_a_learner_outside_their_groups(
        client: FlaskClient, app: Flask, people: People, group_id: int) -> None:
    login(client, "trainer")

    def refused(data: bytes, column: str, *secrets: str) -> None:
        preview = upload(client, group_id, data)
        html = preview.get_data(as_text=True)
        assert preview.status_code == 200
        assert f"ред 2, {column}: съвпада с човек, който не е във вашите групи" in html
        # Nothing stored about the other person is shown, and nothing can be confirmed.
        for secret in secrets:
            assert secret not in html
        assert CONFIRM.search(html) is None
        assert "само с участниците от групите, за които отговаряте" in html

    by_name = "Име,Организация,Аудитория,Длъжност\nГеорги  непознат,Смолян,employees,х\n"
    refused(by_name.encode(), "колона A (Име)", "Георги Непознат")
    with app.app_context():
        database = db.session()
        stranger = database.get(User, people.stranger.id)
        assert stranger is not None
        stranger.email, stranger.phone, stranger.position = "georgi@obshtina.bg", \
            "0899 111 222", "Секретар на общината"
        database.add(stranger)
        database.commit()
    by_email = ("Име,Организация,Аудитория,Имейл\n"
                "Нападател Нов,Смолян,employees,GEORGI@obshtina.bg\n").encode()
    refused(by_email, "колона D (Имейл)", "Георги Непознат", "0899 111 222",
            "Секретар на общината")
    assert names_in_group(app, group_id) == ["Иван Иванов", "Мария Петрова"]
    # Staff accounts are outside a trainer's scope too: the row says no more than that.
    staff = "Име,Организация,Аудитория\nАдмин Админов,Смолян,employees\n".encode()
    html = upload(client, group_id, staff).get_data(as_text=True)
    assert "не е във вашите групи" in html and "служебен профил" not in html
    # A coordinator or admin matches across the database, and the preview says so.
    admin = app.test_client()
    login(admin, "admin")
    html = upload(admin, group_id, by_email).get_data(as_text=True)
    assert "с всички обучаеми в базата данни" in html and "Георги Непознат" in html
    assert CONFIRM.search(html) is not None
