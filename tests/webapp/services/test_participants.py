"""Importing participants: reading CSV and XLSX, every error by row and column, no duplicates."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.conftest import REPO
from tests.webapp.xlsx_crafted import workbook
from webapp.models import Group, GroupMember, Organisation, User
from webapp.services import participants
from webapp.services.participant_files import (
    MAX_BYTES,
    ParticipantFileError,
    Table,
    column_letter,
    read_table,
)

FIXTURES = REPO / "tests" / "fixtures" / "participants"
AUDIENCES = {"employees": "Общински служители", "councillors": "Общински съветници"}
HEADER = "Име,Организация,Аудитория,Длъжност,Пол,Имейл,Телефон\n"


@pytest.fixture
def orgs(db: Session) -> Session:
    db.add_all([Organisation(name="Община Смолян", oblast="Смолян"),
                Organisation(name="Областна администрация Смолян", kind="regional",
                             oblast="Смолян")])
    db.commit()
    return db


def fixture(name: str) -> Table:
    return read_table(name, (FIXTURES / name).read_bytes())




def run(db: Session, table: Table, group: str = "Смолян 2027") -> participants.Summary:
    _plan, summary = participants.apply(db, table, AUDIENCES, group)
    db.commit()
    return summary


# Reading


@pytest.mark.parametrize("encoding,bom,delimiter", [
    ("utf-8", False, ","), ("utf-8", True, ","), ("utf-8", True, ";"), ("cp1251", False, ";"),
    ("cp1251", False, ","),
])
def test_csv_in_every_encoding_and_delimiter(encoding: str, bom: bool, delimiter: str) -> None:
    text = (HEADER + "Анна Иванова,Община Смолян,employees,,ж,,\n").replace(",", delimiter)
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
    table = read_table("хора.CSV", data)
    assert table.kind == "csv" and table.header[0] == "Име"
    assert table.rows[0].number == 2 and table.rows[0].cells[:3] == (
        "Анна Иванова", "Община Смолян", "employees")


def test_xlsx_first_sheet_with_numbers_and_blank_rows() -> None:
    data = workbook([["name", "organisation", "audience", "phone"], [None, None, None, None],
                 ["Анна Иванова", "Община Смолян", "employees", 359888123456]])
    table = read_table("people.xlsx", data)
    assert table.kind == "xlsx" and table.rows[0].number == 3
    assert table.rows[0].cells == ("Анна Иванова", "Община Смолян", "employees", "359888123456")


# Outside a request the messages are the English msgids (their Bulgarian is tested through
# the import page and the command line); each says what to do.
@pytest.mark.parametrize("name,data,message", [
    ("people.pdf", b"%PDF-1.4", "Unknown file type.*“Save as”"),
    ("people.xlsx", b"not a zip", "not a readable XLSX.*save it again"),
    ("people.csv", b"", "empty: write the column names"),
    ("people.csv", b"\n\n" + HEADER.encode(), "first row.*delete the empty rows"),
    ("people.csv", b"x" * (MAX_BYTES + 1), "too big.*split the list"),
    ("people.csv", (HEADER + "a,b,c,,,,\n" * 5001).encode(), "Too many rows.*split"),
])
def test_unreadable_files_are_refused_whole(name: str, data: bytes, message: str) -> None:
    with pytest.raises(ParticipantFileError, match=message):
        read_table(name, data)


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 2, 25, 26, 27)] == ["A", "C", "Z", "AA", "AB"]


# Validation: every error, by row and column


def test_every_row_error_is_named_by_row_and_column(orgs: Session) -> None:
    plan = participants.preview(orgs, fixture("errors.csv"), AUDIENCES)
    found = {(e.row, e.column, e.column_name) for e in plan.errors}
    assert found == {(3, "A", "Име"), (4, "B", "Организация"), (5, "D", "Пол"),
                     (5, "E", "Имейл"), (5, "F", "Телефон"), (6, "C", "Целева група"),
                     (7, "", "")}
    messages = [str(e) for e in plan.errors]
    assert any(m.startswith("row 6, column C (Целева група): unknown audience “съветници2”: "
                            "write one of") for m in messages)
    assert any(m.startswith("row 7: repeats row 2") and m.endswith("delete one of the two rows")
               for m in messages)
    assert not plan.ok and [p.row for p in plan.creates] == [2]


def test_errors_write_nothing(orgs: Session) -> None:
    with pytest.raises(participants.ImportRefused):
        participants.apply(orgs, fixture("errors.csv"), AUDIENCES, "Смолян 2027")
    orgs.rollback()
    assert orgs.exec(select(User)).all() == [] and orgs.exec(select(Group)).all() == []


def test_unknown_and_missing_columns_are_named_in_row_1(orgs: Session) -> None:
    table = read_table("x.csv", "Име,Град,Име\nАнна,Смолян,Анна\n".encode())
    errors = [str(e) for e in participants.preview(orgs, table, AUDIENCES).errors]
    assert errors[0].startswith("row 1, column B (Град): unknown column “Град”: rename it")
    assert errors[1] == "row 1, column C (Име): the column appears twice: delete one of the two"
    assert ("row 1: the column “Организация” (organisation) is missing: add it to the first row"
            in errors)


def test_a_huge_cell_is_an_error_not_a_crash(orgs: Session) -> None:
    table = read_table("x.xlsx", workbook([["name", "organisation", "audience", "position"],
                                       ["Я" * 5000, "Община Смолян", "employees", "ж" * 300]]))
    errors = [str(e) for e in participants.preview(orgs, table, AUDIENCES).errors]
    assert errors == [
        "row 2, column A (Име): too long (5000 characters; at most 200): shorten it",
        "row 2, column D (Длъжност): too long (300 characters; at most 200): shorten it"]


def test_staff_accounts_are_never_changed(orgs: Session) -> None:
    orgs.add(User(name="Теодора", role="trainer", email="anna@example.bg"))
    orgs.commit()
    plan = participants.preview(orgs, fixture("group.csv"), AUDIENCES)
    assert [(e.row, e.column) for e in plan.errors] == [(2, "F")]


# Applying, and applying again


def test_import_creates_learners_in_the_group(orgs: Session) -> None:
    summary = run(orgs, fixture("group.csv"))
    assert (summary.created, summary.updated, summary.groups_created) == (3, 0, 1)
    anna = orgs.exec(select(User).where(User.email == "anna@example.bg")).one()
    assert (anna.role, anna.audience, anna.sex, anna.phone, anna.position) == (
        "learner", "employees", "f", "+359 888 123 456", "юрисконсулт")
    boris = orgs.exec(select(User).where(User.name == "Борис Петров")).one()
    assert boris.audience == "councillors" and boris.email is None and boris.sex == "m"
    assert len(orgs.exec(select(GroupMember)).all()) == 3


def test_the_same_file_again_changes_nothing(orgs: Session) -> None:
    run(orgs, fixture("group.csv"))
    plan = participants.preview(orgs, fixture("group.csv"), AUDIENCES, "Смолян 2027")
    assert (len(plan.creates), len(plan.updates), len(plan.unchanged)) == (0, 0, 3)
    summary = run(orgs, fixture("group.csv"))
    assert (summary.created, summary.updated, summary.groups_created) == (0, 0, 0)
    assert len(orgs.exec(select(User)).all()) == 3


def test_a_changed_file_lists_the_updates_field_by_field(orgs: Session) -> None:
    run(orgs, fixture("group.csv"))
    changed = (HEADER + "Анна Иванова,Областна администрация Смолян,councillors,,,"
               "ANNA@example.bg,\n"
               "борис  петров,Община Смолян,Общински съветници,,,boris@example.bg,\n"
               "Весела Тодорова,Областна администрация Смолян,employees,експерт,,"
               "vesela@example.bg,\n")
    table = read_table("x.csv", changed.encode())
    plan = participants.preview(orgs, table, AUDIENCES, "Нова група")
    changes = {p.values["name"]: [(c.field, c.old, c.new) for c in p.changes]
               for p in plan.updates}
    assert changes["Анна Иванова"] == [
        ("organisation", "Община Смолян", "Областна администрация Смолян"),
        ("audience", "employees", "councillors")]
    # Found by name and organisation, the email is added; empty cells keep what is stored.
    assert changes["борис петров"] == [("email", "", "boris@example.bg")]
    assert all(p.joins_group for p in plan.updates) and plan.groups_to_create == ["Нова група"]
    summary = run(orgs, table, "Нова група")
    assert (summary.created, summary.updated) == (0, 3)
    anna = orgs.exec(select(User).where(User.email == "anna@example.bg")).one()
    assert anna.audience == "councillors" and anna.sex == "f"
    assert len(orgs.exec(select(User)).all()) == 3


def test_rows_without_a_group_join_none(orgs: Session) -> None:
    summary = run(orgs, fixture("group.csv"), group="")
    assert summary.created == 3 and orgs.exec(select(GroupMember)).all() == []
