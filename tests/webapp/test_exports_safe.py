"""CSV exports are safe in Excel whatever its list separator: on a Bulgarian Windows it is
``;``, so Excel cuts our comma-separated lines at every ``;`` — even inside quotes — and a
piece that starts with ``=`` is a formula. Every field is quoted, and no piece Excel can
cut out starts a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import select

from tests.webapp.conftest import PASSWORD, People, login
from webapp import db
from webapp.models import BulletinRecipient, Group, GroupMember, Organisation, User
from webapp.services import accounts
from webapp.spreadsheets import FORMULA_STARTS, csv_bytes

NUMBER = re.compile(r"-?\d+(\.\d+)?")
HOSTILE = ('x;=HYPERLINK("http://evil")', "=1+1", "@SUM(1)", "-2+3", "+1", "＝1+1",
           'Иван; "=cmd|\' /C calc\'!A0"', "a\n=1+1", "\t=1+1", "a;\t-1")


def csv_text(data: bytes) -> str:
    assert data.startswith("\ufeff".encode())
    return data.decode("utf-8-sig")


def assert_safe(text: str, names: tuple[str, ...] = HOSTILE) -> None:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    # Every field quoted: writing the parsed rows back with QUOTE_ALL gives the same text.
    again = io.StringIO()
    csv.writer(again, quoting=csv.QUOTE_ALL).writerows(rows)
    assert again.getvalue() == text
    cells = [cell for row in rows for cell in row]
    # Read with commas (a CSV reader, or Excel in an English locale): no cell a formula
    # (a negative number is a number).
    assert not [c for c in cells if c[:1] in FORMULA_STARTS and not NUMBER.fullmatch(c)]
    # Read with semicolons, as Excel in Bulgarian does: every line, cut at each ';'. A
    # piece starting with a quote is a quoted field to Excel, so look past the quote.
    for line in re.split(r"\r\n|\n|\r", text):
        for piece in line.split(";"):
            start = piece.lstrip(' "')[:1]
            assert start not in FORMULA_STARTS, (line, piece)
    # Nothing of the names is lost: each is still there, behind a neutralising apostrophe.
    for name in names:
        assert any(name.replace("'", "").replace("\t", "") in c.replace("'", "")
                   .replace("\t", "") for c in cells), name


def test_csv_bytes_quotes_every_field_and_neutralises_every_piece() -> None:
    data = csv_bytes([("Име", "Брой"), *((name, 3) for name in HOSTILE), ("Обикновен", -2)])
    assert_safe(csv_text(data))
    text = csv_text(data)
    assert '"x;\'=HYPERLINK(""http://evil"")"' in text
    assert '"\'-2+3"' in text and '"-2"' in text  # a negative number stays a number


@pytest.fixture
def hostile_learners(app: Flask, people: People) -> None:
    """The trainer's group gains learners named like formulas, of an organisation that is one."""
    with app.app_context():
        database = db.session()
        org = Organisation(name="=ORG()+1", kind="municipality", oblast="@Смолян")
        database.add(org)
        database.commit()
        group = database.exec(select(Group)).one()
        for number, name in enumerate(HOSTILE):
            user = User(username=f"hostile{number}", name=name, role="learner",
                        audience="employees", organisation_id=org.id)
            accounts.set_password(user, PASSWORD)
            database.add(user)
            database.commit()
            database.add(GroupMember(group_id=group.id, user_id=user.id))
        database.add_all([BulletinRecipient(organisation_id=org.id, name=name, copies=1)
                          for name in HOSTILE])
        database.commit()


Download = Callable[[FlaskClient], bytes]


def progress_csv(client: FlaskClient) -> bytes:
    login(client, "trainer")
    response = client.get("/trainer/progress.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return response.data


def distribution_csv(client: FlaskClient) -> bytes:
    login(client, "admin")
    response = client.get("/distribution.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return response.data


@pytest.mark.parametrize("download", [progress_csv, distribution_csv],
                         ids=["progress", "distribution"])
def test_every_csv_export_is_safe_with_any_separator(client: FlaskClient, hostile_learners: None,
                                                     download: Download) -> None:
    text = csv_text(download(client))
    assert_safe(text, (*HOSTILE, "=ORG()+1"))
    assert "x;'=HYPERLINK" in text


@pytest.mark.parametrize("url,user", [("/trainer/progress.xlsx", "trainer"),
                                      ("/distribution.xlsx", "admin")])
def test_xlsx_exports_keep_formulas_as_text(client: FlaskClient, hostile_learners: None,
                                            url: str, user: str) -> None:
    login(client, user)
    sheet = load_workbook(io.BytesIO(client.get(url).data)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "'=1+1" in cells and "'＝1+1" in cells
    assert not [c for c in cells if c[:1] in FORMULA_STARTS]
