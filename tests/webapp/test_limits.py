"""Request sizes: one body limit for the app, smaller ones for JSON checked before parsing,
hostile XLSX uploads and YAML that explodes, each with a clear Bulgarian answer."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import EnvironBuilder, TestResponse, encode_multipart

from tests.course.test_yamlsrc import billion_laughs
from tests.webapp.conftest import People, csrf_token, login
from tests.webapp.test_quiz import start
from tests.webapp.xlsx_crafted import SHEET, padded_sheet, rezip, sheet_xml, workbook
from webapp import db
from webapp.bodies import json_body
from webapp.models import Group

MB = 1024 * 1024
QUIZ = "quizzes/osnovi/obshtinata-proverka.yaml"
QUIZ_EDIT = f"/trainer/authoring/edit?file={QUIZ}"
QUIZ_PREVIEW = f"/trainer/authoring/preview?file={QUIZ}"
TOO_LARGE = "Изпратеното е твърде голямо"


@pytest.fixture
def parsed(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The size of every JSON document the app parses from a request."""
    sizes: list[int] = []
    loads = app.json.loads

    def spy(data: str | bytes, **kwargs: Any) -> Any:
        sizes.append(len(data))
        return loads(data, **kwargs)
    monkeypatch.setattr(app.json, "loads", spy)
    yield sizes


@pytest.fixture
def group_id(app: Flask, people: People) -> int:
    with app.app_context():
        found = db.session().exec(select(Group)).one()
        assert found.id is not None
        return found.id


def upload(client: FlaskClient, group_id: int, data: bytes, name: str) -> TestResponse:
    """Post the import form as a browser would, the body built in memory.

    (Werkzeug's test client spools a large multipart body to a temporary file that
    nothing closes when the app refuses it unread.)
    """
    url = f"/trainer/groups/{group_id}/import"
    fields = {"csrf_token": csrf_token(client, url),
              "file": FileStorage(io.BytesIO(data), filename=name)}
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(url, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


# The app-wide limit ---------------------------------------------------------------------

def test_a_4_mb_form_post_gets_413_with_a_bulgarian_page(client: FlaskClient,
                                                         group_id: int) -> None:
    login(client, "trainer")
    response = upload(client, group_id, b"x" * (4 * MB), "хора.csv")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert TOO_LARGE in page and "3 MB" in page and "Traceback" not in page


def test_a_4_mb_post_is_refused_before_signing_in_too(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "x" * (4 * MB)})
    assert response.status_code == 413 and TOO_LARGE in response.get_data(as_text=True)


def test_a_participant_file_just_under_its_own_limit_still_fits(client: FlaskClient,
                                                                 group_id: int) -> None:
    login(client, "trainer")
    rows = "Име,Организация,Аудитория\n" + "Анна Иванова,Смолян,employees\n" * 60_000
    data = rows.encode()[: 2 * MB - 10]
    response = upload(client, group_id, data, "хора.csv")
    assert response.status_code == 200  # the file's own rules answer, not the body limit
    assert "Твърде много редове" in response.get_data(as_text=True)


def test_the_limit_is_a_setting(make_app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert make_app().config["MAX_CONTENT_LENGTH"] == 3 * MB
    monkeypatch.setenv("DOBRO_MAX_UPLOAD_MB", "5")
    assert make_app().config["MAX_CONTENT_LENGTH"] == 5 * MB
    monkeypatch.setenv("DOBRO_MAX_UPLOAD_MB", "много")
    with pytest.raises(ValueError, match="DOBRO_MAX_UPLOAD_MB"):
        make_app()


# JSON endpoints: their own, smaller limits, checked before parsing ------------------------

def test_authoring_preview_refuses_a_large_body_unparsed(client: FlaskClient, people: People,
                                                         parsed: list[int]) -> None:
    login(client, "trainer")
    token = csrf_token(client, QUIZ_EDIT)
    body = json.dumps({"text": "a" * (3 * MB)})  # over 2 MB, under the editor's 7 MB form
    response = client.post(QUIZ_PREVIEW, data=body, content_type="application/json",
                           headers={"X-CSRFToken": token})
    assert response.status_code == 413 and "1 MB" in response.get_json()["error"]
    assert not any(size > MB for size in parsed)


def test_reading_heartbeat_refuses_a_large_body_unparsed(client: FlaskClient, people: People,
                                                         parsed: list[int]) -> None:
    login(client, "ivan")
    token = csrf_token(client, "/learn/obshtinata")
    url = "/learn/obshtinata/progress"
    assert client.post(url, json={"position": ""}, headers={"X-CSRFToken": token}
                       ).status_code == 204
    response = client.post(url, json={"position": "я" * 500_000},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 413
    assert not any(size > 10_000 for size in parsed)


def test_quiz_autosave_refuses_a_large_body_unparsed(client: FlaskClient, people: People,
                                                     parsed: list[int]) -> None:
    login(client, "ivan")
    url = f"/attempt/{start(client)}"
    token = csrf_token(client, url)
    response = client.post(f"{url}/save", json={"answers": {"a.v-text": "я" * 300_000}},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 400 and "error" in response.get_json()
    assert not any(size > 300_000 for size in parsed)


def test_json_without_a_declared_length_is_not_read(app: Flask) -> None:
    environ = EnvironBuilder(method="POST", data=b'{"text": "x"}',
                             content_type="application/json").get_environ()
    del environ["CONTENT_LENGTH"]
    with app.request_context(environ), pytest.raises(Exception) as caught:
        json_body(1000)
    assert getattr(caught.value, "code", None) == 411
    with app.test_request_context(method="POST", json={"text": "x"}):
        assert json_body(1000) == {"text": "x"}
        with pytest.raises(Exception) as too_big:
            json_body(5)
        assert getattr(too_big.value, "code", None) == 413


# Item 9: YAML that explodes, in the authoring preview -------------------------------------

def test_authoring_preview_of_a_billion_laughs_is_small_fast_and_says_why(
        client: FlaskClient, people: People) -> None:
    login(client, "trainer")
    token = csrf_token(client, QUIZ_EDIT)
    text = billion_laughs(6, "grading")  # a 7 MB message per mention before the fix
    started = time.perf_counter()
    response = client.post(QUIZ_PREVIEW, json={"text": text}, headers={"X-CSRFToken": token})
    assert time.perf_counter() - started < 5
    assert response.status_code == 200 and len(response.data) < 200_000
    items = response.get_json()["items"]
    own = [p for p in items if p["path"] == QUIZ]
    assert {p["code"] for p in own} == {"yaml-anchor", "yaml-alias"}
    assert any("не се поддържат" in p["message"] and p["line"] == 5 for p in own)


# Item 10: hostile XLSX through the import page --------------------------------------------

@pytest.mark.parametrize("attack", ["bomb", "broken-xml", "entity", "not-a-zip"])
def test_hostile_xlsx_upload_gets_a_clear_message(client: FlaskClient, group_id: int,
                                                  attack: str) -> None:
    from tests.webapp.xlsx_crafted import ENTITY_BOMB

    data = {"bomb": lambda: padded_sheet(30 * MB),
            "broken-xml": lambda: rezip(workbook(), replace={SHEET: sheet_xml(workbook())[:-40]}),
            "entity": lambda: rezip(workbook(), replace={SHEET: ENTITY_BOMB}),
            "not-a-zip": "Име,Организация\n".encode}[attack]()
    login(client, "trainer")
    started = time.perf_counter()
    response = upload(client, group_id, data, "хора.xlsx")
    assert time.perf_counter() - started < 10
    assert response.status_code in (200, 400)
    page = response.get_data(as_text=True)
    assert "хора.xlsx: Файлът не е четим XLSX (Excel) файл" in page
    assert not re.search(r'action="/trainer/groups/\d+/import/[\w-]+"', page)  # no confirm
