"""Errors that say what to do, in the reader's language (issue 14): the participant import's
messages and the public certificate check, in Bulgarian and in English."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select
from werkzeug.test import TestResponse

from webapp import db
from webapp.models import Certificate, Group, utcnow
from webapp.views import public

from .conftest import People, login, submit

BAD = ("Име;Организация;Аудитория;Имейл\n"
       "Анна Иванова;Смолян;employees;anna@\n"
       "Борис Петров;Смолян;съветници2;\n").encode()
BAD_COLUMN = "Име;Организация;Аудитория;Град\nАнна Иванова;Смолян;employees;x\n".encode()
SAID = {
    "bg": ["ред 2, колона D (Имейл): неправилен имейл „anna@“: поправете го",
           "ред 3, колона C (Целева група): непозната целева група „съветници2“: напишете една от"],
    "en": ["row 2, column D (Имейл): invalid e-mail “anna@”: correct it",
           "row 3, column C (Целева група): unknown audience “съветници2”: write one of"],
}
UNKNOWN_COLUMN = {
    "bg": "ред 1, колона D (Град): непозната колона „Град“: преименувайте я на една от",
    "en": "row 1, column D (Град): unknown column “Град”: rename it to one of"}
WRONG_FILE = {"bg": "Приемат се само файлове .csv и .xlsx. В Excel изберете „Запиши като“",
              "en": "Only .csv and .xlsx files are accepted. In Excel choose “Save as”"}
NO_CERTIFICATE = {
    "bg": ["Няма сертификат с този код.", "Проверете адреса: трябва да е копиран точно",
           "помолете притежателя да ви изпрати връзката"],
    "en": ["There is no certificate with this code.", "Check the address: it must be copied "
           "exactly", "ask the holder to send you the link"]}
THROTTLED = {"bg": "Изчакайте 15 минути и отворете адреса отново.",
             "en": "Wait 15 minutes and open the address again."}
REVOKED = {"bg": "Не го приемайте като доказателство за обучението.",
           "en": "Do not accept it as proof of the training."}


@pytest.fixture(autouse=True)
def close_connections(app: Flask) -> Iterator[None]:
    yield
    app.extensions["dobro.engine"].dispose()


def html(response: TestResponse) -> str:
    # The page's text as the reader sees it, quotes and all (Jinja escapes them in HTML).
    return response.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")


def upload(client: FlaskClient, app: Flask, data: bytes, name: str = "хора.csv") -> str:
    with app.app_context():
        group_id = db.session().exec(select(Group)).one().id
    url = f"/trainer/groups/{group_id}/import"
    return html(submit(client, url, {"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data"))


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_import_errors_say_what_to_do_in_the_readers_language(
        client: FlaskClient, app: Flask, people: People, lang: str) -> None:
    client.get(f"/language?lang={lang}")
    login(client, "trainer")
    page = upload(client, app, BAD)
    for said in SAID[lang]:
        assert said in page
    other = SAID["en" if lang == "bg" else "bg"]
    assert not any(said in page for said in other)
    assert UNKNOWN_COLUMN[lang] in upload(client, app, BAD_COLUMN)
    assert WRONG_FILE[lang] in upload(client, app, b"%PDF", name="people.pdf")


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_the_certificate_check_says_what_to_do(client: FlaskClient, app: Flask,
                                               people: People, lang: str) -> None:
    client.get(f"/language?lang={lang}")
    missing = client.get("/verify/" + "x" * 32)
    assert missing.status_code == 404
    for said in NO_CERTIFICATE[lang]:
        assert said in html(missing)
    with app.app_context():
        cert = Certificate(code="r" * 32, number="ARO-2027-000009", user_id=people.learner.id,
                           holder_name="Иван Иванов", title="Основи", programme_title="Програма",
                           issuer_name="Асоциация на родопските общини", status="revoked",
                           revoked_at=utcnow())
        db.session().add(cert)
        db.session().commit()
    page = html(client.get("/verify/" + "r" * 32))
    assert REVOKED[lang] in page and "Асоциация на родопските общини" in page
    assert REVOKED["en" if lang == "bg" else "bg"] not in page


@pytest.mark.parametrize("lang", ["bg", "en"])
def test_too_many_checks_say_when_to_come_back(client: FlaskClient, people: People,
                                               monkeypatch: pytest.MonkeyPatch,
                                               lang: str) -> None:
    monkeypatch.setattr(public, "VERIFY_LIMIT", 2)
    client.get(f"/language?lang={lang}")
    for n in range(2):
        assert client.get(f"/verify/guess-{n}").status_code == 404
    refused = client.get("/verify/guess-3")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "900"
    assert THROTTLED[lang] in html(refused)
