"""Evaluation surveys in the web app: the invitation, answering once, anonymity, results
(threshold 5, who sees what, XLSX), the donor report's satisfaction, erasure."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlmodel import select

from tests.conftest import copy_course
from tests.webapp.blended import make_session, study_everything
from tests.webapp.conftest import MINI, PASSWORD, People, login, submit
from webapp import db
from webapp.content import current_course
from webapp.models import (
    Attendance,
    Organisation,
    SurveyAnswered,
    SurveyResponse,
    TrainingSession,
    User,
)
from webapp.services import accounts, erasure, survey_results, surveys

SESSION_SURVEY = """\
schema: 1
id: osnovi-ocenka-sesiya
kind: survey
title: Оценка на занятието
intro: Анкетата е анонимна.
questions:
  - id: sadarzhanie
    type: likert
    text: Съдържанието беше полезно.
  - id: prodalzhitelnost
    type: single
    text: Продължителността беше
    choices: [Кратка, Подходяща, Дълга]
  - id: chasti
    type: multiple
    text: Кое беше полезно?
    required: false
    choices: [Занятието, Материалите, Обсъждането]
  - id: podobrenie
    type: open
    text: Какво да подобрим?
    max_length: 200
"""
TOPIC_SURVEY = """\
schema: 1
id: osnovi-ocenka-tema
kind: survey
title: Оценка на темата
questions:
  - id: obshto
    type: likert
    text: Доволен съм от обучението.
"""
URL = "/surveys/osnovi-ocenka-sesiya/session/{}"
GOOD = {"q-sadarzhanie": "4", "q-prodalzhitelnost": "1", "q-chasti": ["0", "2"],
        "q-podobrenie": "Повече примери от практиката."}


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    """The mini course with a session and a topic survey attached to its topic."""
    root = copy_course(MINI, tmp_path)
    (root / "quizzes/osnovi/osnovi-ocenka-sesiya.yaml").write_text(SESSION_SURVEY, "utf-8")
    (root / "quizzes/osnovi/osnovi-ocenka-tema.yaml").write_text(TOPIC_SURVEY, "utf-8")
    manifest = root / "modules/course.yaml"
    text = manifest.read_text("utf-8").replace(
        "    final: osnovi-final\n", "    final: osnovi-final\n    surveys: {session: "
        "osnovi-ocenka-sesiya, topic: osnovi-ocenka-tema}\n")
    manifest.write_text(text, "utf-8")
    return root


def held_session(app: Flask, trainer: User, attended: list[User], **kw: Any) -> int:
    """A session that ended yesterday, ``attended`` marked present."""
    found = make_session(app, trainer, starts_in=timedelta(days=-1), **kw)
    with app.app_context():
        database = db.session()
        for user in attended:
            database.add(Attendance(session_id=found.id, user_id=user.id, status="present"))
        database.commit()
    assert found.id is not None
    return found.id


def learners(app: Flask, count: int, kind: str = "ngo") -> list[User]:
    """``count`` more learners of an organisation of ``kind``."""
    with app.app_context():
        database = db.session()
        org = Organisation(name=f"Сдружение {kind}", kind=kind)
        database.add(org)
        database.commit()
        made = [User(username=f"l{kind}{n}", name=f"Участник {n}", role="learner",
                     audience="councillors", organisation_id=org.id) for n in range(count)]
        for user in made:
            accounts.set_password(user, PASSWORD)
        database.add_all(made)
        database.commit()
        return made


def answer_as(app: Flask, users: list[User], session_id: int,
              answers: dict[str, Any] | None = None) -> None:
    """Store ``users``' answers through the service (as the form would)."""
    with app.app_context():
        database = db.session()
        course = current_course()
        for user in users:
            person = database.get(User, user.id)
            assert person is not None
            invite = surveys.for_session(database, course, person, "osnovi-ocenka-sesiya",
                                         session_id)
            assert invite is not None
            assert surveys.submit(database, person, invite, answers or {
                "sadarzhanie": 3, "prodalzhitelnost": 1, "podobrenie": f"Бележка {user.name}"})


# --- Invitation and answering ---------------------------------------------------------------

def test_the_home_page_invites_after_an_attended_session(
        app: Flask, people: People, ivan: FlaskClient) -> None:
    session_id = held_session(app, people.trainer, [people.learner])
    page = ivan.get("/").get_data(as_text=True)
    assert "Оценете обучението" in page
    assert URL.format(session_id) in page


def test_no_invitation_without_attendance_or_before_the_end(
        app: Flask, people: People, ivan: FlaskClient) -> None:
    held_session(app, people.trainer, [])  # ivan did not come
    running = make_session(app, people.trainer)  # still running, ivan present
    with app.app_context():
        db.session().add(Attendance(session_id=running.id, user_id=people.learner.id,
                                    status="present"))
        db.session().commit()
    page = ivan.get("/").get_data(as_text=True)
    assert "Оценете обучението" not in page
    assert ivan.get(URL.format(running.id)).status_code == 404


def test_a_learner_answers_once(app: Flask, people: People, ivan: FlaskClient) -> None:
    session_id = held_session(app, people.trainer, [people.learner])
    url = URL.format(session_id)
    form = ivan.get(url).get_data(as_text=True)
    assert "анонимн" in form.lower() and 'name="csrf_token"' in form
    response = submit(ivan, url, GOOD, follow_redirects=True)
    assert "Благодарим" in response.get_data(as_text=True)
    assert "Оценете обучението" not in ivan.get("/").get_data(as_text=True)
    # a reload, and a second submit: already answered, nothing lost or added
    again = ivan.get(url).get_data(as_text=True)
    assert "Вече сте попълнили" in again and 'id="survey-answered"' in again
    ivan.post(url, data={**GOOD, "q-sadarzhanie": "0"})
    with app.app_context():
        (sheet,) = db.session().exec(select(SurveyResponse)).all()
        assert sheet.answers == {"sadarzhanie": 4, "prodalzhitelnost": 1, "chasti": [0, 2],
                                 "podobrenie": "Повече примери от практиката."}
        assert sheet.trainer_id == people.trainer.id and sheet.session_id == session_id
        assert (sheet.topic_id, sheet.organisation_kind, sheet.audience) == (
            "osnovi", "municipality", "employees")
        assert len(db.session().exec(select(SurveyAnswered)).all()) == 1


def test_required_questions_are_named_and_answers_kept(
        app: Flask, people: People, ivan: FlaskClient) -> None:
    session_id = held_session(app, people.trainer, [people.learner])
    url = URL.format(session_id)
    response = submit(ivan, url, {"q-chasti": "1", "q-podobrenie": "Запазен текст",
                                  "q-prodalzhitelnost": "7"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Отговорете на този въпрос." in page
    assert "не е сред възможните" in page  # the choice 7 does not exist
    assert "Запазен текст</textarea>" in page
    assert 'name="q-chasti" value="1" checked' in page
    with app.app_context():
        assert db.session().exec(select(SurveyResponse)).all() == []


def test_huge_and_odd_input_is_capped_never_a_500(
        app: Flask, people: People, ivan: FlaskClient) -> None:
    session_id = held_session(app, people.trainer, [people.learner])
    url = URL.format(session_id)
    nul = submit(ivan, url, {**GOOD, "q-podobrenie": "a\x00b"})
    assert nul.status_code == 400  # the app refuses NUL in any form (test_nul_input)
    bad_choice = submit(ivan, url, {**GOOD, "q-prodalzhitelnost": "99999999999"})
    assert bad_choice.status_code == 200
    assert "не е сред възможните" in bad_choice.get_data(as_text=True)
    # a crafted choice beside real ones is dropped; a huge text is cut to max_length
    response = submit(ivan, url, {**GOOD, "q-podobrenie": "я" * 100_000,
                                  "q-chasti": ["0", "x", "99999999999"]})
    assert response.status_code == 302
    with app.app_context():
        (sheet,) = db.session().exec(select(SurveyResponse)).all()
        assert sheet.answers["podobrenie"] == "я" * 200
        assert sheet.answers["chasti"] == [0]


def test_bad_ids_are_not_found(app: Flask, people: People, ivan: FlaskClient) -> None:
    session_id = held_session(app, people.trainer, [people.learner])
    assert ivan.get(URL.format(99999)).status_code == 404
    assert ivan.get(f"/surveys/osnovi-final/session/{session_id}").status_code == 404
    assert ivan.get("/surveys/nyama-takava").status_code == 404
    assert ivan.get("/surveys/osnovi-ocenka-tema").status_code == 404  # topic not complete


def test_the_topic_survey_follows_completion(app: Flask, people: People,
                                             ivan: FlaskClient) -> None:
    held_session(app, people.trainer, [people.learner], hours=4)
    study_everything(app, people.learner)
    page = ivan.get("/").get_data(as_text=True)
    assert "/surveys/osnovi-ocenka-tema" in page
    response = submit(ivan, "/surveys/osnovi-ocenka-tema", {"q-obshto": "4"})
    assert response.status_code == 302
    with app.app_context():
        sheet = db.session().exec(select(SurveyResponse).where(
            SurveyResponse.survey_id == "osnovi-ocenka-tema")).one()
        assert sheet.session_id is None and sheet.trainer_id == people.trainer.id


# --- Anonymity ---------------------------------------------------------------------------------

def test_a_response_cannot_be_traced_to_its_learner(app: Flask, people: People,
                                                    client: FlaskClient) -> None:
    session_id = held_session(app, people.trainer, [people.learner, people.councillor])
    for username in ("ivan", "maria"):
        login(client, username)
        submit(client, URL.format(session_id), GOOD)
        client.post("/logout", data={"csrf_token": ""})
        client.delete_cookie("session")
    with app.app_context():
        engine = db.session().get_bind()
        with engine.connect() as connection:
            responses = [dict(r._mapping) for r in connection.execute(
                sa.text("SELECT * FROM survey_response"))]
            answered = [dict(r._mapping) for r in connection.execute(
                sa.text("SELECT * FROM survey_answered"))]
        columns = set(sa.inspect(engine).get_columns("survey_response")[0])
    assert len(responses) == 2 and len(answered) == 2
    # No user, no time in an answer sheet; a random key, not a counter.
    names = {c["name"] for c in sa.inspect(engine).get_columns("survey_response")}
    assert not {"user_id", "created_at", "answered_on", "answered_at"} & names, columns
    assert all(len(str(r["id"])) == 32 and not str(r["id"]).isdigit() for r in responses)
    # The has-answered rows hold no answers and only a day.
    assert {c["name"] for c in sa.inspect(engine).get_columns("survey_answered")} == {
        "user_id", "survey_id", "session_id", "answered_on"}
    shared = {"osnovi-ocenka-sesiya", session_id}
    for sheet in responses:
        sheet_values = {v for k, v in sheet.items() if k != "answers"}
        for row in answered:
            common = sheet_values & set(row.values())
            assert common <= shared, common
    # Both learners' sheets are the same: from the database alone, neither is theirs.
    assert responses[0]["answers"] == responses[1]["answers"]


# --- Results -------------------------------------------------------------------------------------

def test_fewer_than_five_answers_are_not_shown(app: Flask, people: People,
                                               client: FlaskClient) -> None:
    crowd = learners(app, 5)
    session_id = held_session(app, people.trainer, crowd)
    answer_as(app, crowd[:4], session_id)
    login(client, "trainer")
    url = f"/surveys/results/osnovi-ocenka-sesiya?session={session_id}"
    page = client.get(url).get_data(as_text=True)
    assert "Резултатите се показват при поне 5 отговора" in page
    assert "<svg" not in page and "Бележка" not in page
    assert client.get(f"/surveys/results/osnovi-ocenka-sesiya.xlsx?session={session_id}"
                      ).status_code == 404
    answer_as(app, crowd[4:], session_id)
    page = client.get(url).get_data(as_text=True)
    assert "Резултатите се показват при поне 5" not in page
    assert page.count('<svg class="chart"') == 3  # likert, single, multiple
    assert "Бележка Участник 0" in page and 'id="response-count">5<' in page
    assert "средно 4,00 от 5" in page  # five answers of index 3: the 4th of 5 points


def test_results_index_and_export(app: Flask, people: People, client: FlaskClient) -> None:
    crowd = learners(app, 6)
    session_id = held_session(app, people.trainer, crowd)
    answer_as(app, crowd, session_id)
    login(client, "trainer")
    index = client.get("/surveys/results").get_data(as_text=True)
    assert f"session={session_id}" in index and "Основи – Смолян" in index
    response = client.get(f"/surveys/results/osnovi-ocenka-sesiya.xlsx?session={session_id}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    results = [list(r) for r in book.worksheets[1].iter_rows(values_only=True)]
    assert ["Продължителността беше", "Подходяща", 6, 100] in results
    opened = [r[2] for r in book.worksheets[2].iter_rows(values_only=True)][1:]
    assert sorted(opened) == sorted(f"Бележка {u.name}" for u in crowd)


def test_trainers_see_only_their_own_results(app: Flask, people: People,
                                             client: FlaskClient) -> None:
    with app.app_context():
        other = User(username="drug", name="Друг Обучител", role="trainer")
        accounts.set_password(other, PASSWORD)
        db.session().add(other)
        db.session().commit()
        db.session().refresh(other)
    crowd = learners(app, 5)
    theirs = held_session(app, other, crowd)
    answer_as(app, crowd, theirs)
    login(client, "trainer")
    base = "/surveys/results/osnovi-ocenka-sesiya"
    assert client.get(f"{base}?session={theirs}").status_code == 404
    assert client.get(f"{base}?trainer={other.id}").status_code == 404
    assert client.get(f"{base}.xlsx?session={theirs}").status_code == 404
    mine = client.get(base).get_data(as_text=True)  # all of the survey: none of them theirs
    assert 'id="response-count">0<' in mine
    assert "Друг" not in client.get("/surveys/results").get_data(as_text=True)
    assert client.get("/surveys/results/nyama").status_code == 404
    assert client.get(f"{base}?kind=marsiani").status_code == 404
    client.post("/logout", data={"csrf_token": ""})
    login(client, "admin")
    page = client.get(f"{base}?session={theirs}").get_data(as_text=True)
    assert 'id="response-count">5<' in page
    assert "Друг Обучител" in client.get("/surveys/results").get_data(as_text=True)
    assert client.get(f"{base}?kind=ngo").status_code == 200


def test_learners_cannot_see_results(people: People, ivan: FlaskClient) -> None:
    assert ivan.get("/surveys/results").status_code == 403
    assert ivan.get("/surveys/results/osnovi-ocenka-sesiya").status_code == 403


def test_the_donor_report_has_satisfaction(app: Flask, people: People,
                                           client: FlaskClient) -> None:
    crowd = learners(app, 5)
    session_id = held_session(app, people.trainer, crowd)
    answer_as(app, crowd, session_id, {"sadarzhanie": 4, "prodalzhitelnost": 1})
    with app.app_context():
        (row,) = survey_results.satisfaction(db.session(), current_course())
        assert (row.topic_id, row.responses, row.answers, row.agreed) == ("osnovi", 5, 5, 100)
        assert row.mean == pytest.approx(5.0)
        db.session().get(User, people.admin.id)
    login(client, "admin")
    page = client.get("/trainer/reports/donor").get_data(as_text=True)
    assert "Удовлетвореност (ниво 1 по Къркпатрик)" in page
    assert "5,00" in page and "100%" in page
    book = load_workbook(io.BytesIO(client.get("/trainer/reports/donor.xlsx").data))
    rows = list(book["Удовлетвореност"].iter_rows(values_only=True))
    assert rows[1] == ("Основи на самоуправлението", 5, 5, "100%")


def test_erasure_deletes_has_answered_and_keeps_the_anonymous_sheet(
        app: Flask, people: People, ivan: FlaskClient) -> None:
    session_id = held_session(app, people.trainer, [people.learner])
    submit(ivan, URL.format(session_id), GOOD)
    with app.app_context():
        database = db.session()
        learner = database.get(User, people.learner.id)
        admin = database.get(User, people.admin.id)
        assert learner is not None and admin is not None
        erasure.pseudonymise(database, learner, admin, "web")
        database.commit()
        assert database.exec(select(SurveyAnswered)).all() == []
        assert len(database.exec(select(SurveyResponse)).all()) == 1
        assert database.get(TrainingSession, session_id) is not None


# --- The e-mail invitation ------------------------------------------------------------------

def test_an_email_invites_after_the_session_once(app: Flask, people: People,
                                                 ivan: FlaskClient) -> None:
    from webapp.models import MailMessage
    from webapp.services import survey_mail

    with app.app_context():
        for user_id, address in ((people.learner.id, "ivan@example.org"),
                                 (people.councillor.id, "maria@example.org")):
            person = db.session().get(User, user_id)
            assert person is not None
            person.email = address
            db.session().add(person)
        db.session().commit()
    session_id = held_session(app, people.trainer, [people.learner, people.councillor])
    submit(ivan, URL.format(session_id), GOOD)  # ivan answered already: not asked again
    with app.app_context():
        database = db.session()
        assert survey_mail.invite_after_sessions(database) == 1
        database.commit()
        assert survey_mail.invite_after_sessions(database) == 0  # once per person
        (message,) = database.exec(select(MailMessage).where(
            MailMessage.kind == "survey_invitation")).all()
        assert message.to_address == "maria@example.org"
        assert URL.format(session_id) in message.text_body
        assert "анонимн" in message.text_body and "unsubscribe" in message.text_body
        assert survey_mail.INVITE_JOB in __import__("webapp.jobs").jobs.periodic_kinds()


def test_a_group_beside_a_wider_one_never_singles_out_fewer_than_five(
        app: Flask, people: People, client: FlaskClient) -> None:
    crowd = learners(app, 5)
    two = learners(app, 2, kind="regional")
    first = held_session(app, people.trainer, crowd)
    second = held_session(app, people.trainer, two)
    answer_as(app, crowd, first)
    answer_as(app, two, second)
    login(client, "admin")
    base = "/surveys/results/osnovi-ocenka-sesiya"
    # All seven are shown; the first session's five are not: all minus them would be
    # the second session's two people.
    assert 'id="response-count">7<' in client.get(base).get_data(as_text=True)
    page = client.get(f"{base}?session={first}").get_data(as_text=True)
    assert 'id="below-threshold"' in page and "по-малко от 5 души" in page
    assert "<svg" not in page
    assert client.get(f"{base}.xlsx?session={first}").status_code == 404
    assert 'id="below-threshold"' in client.get(f"{base}?kind=ngo").get_data(as_text=True)
    with app.app_context():
        rows = survey_results.satisfaction(db.session(), current_course(), kind="ngo")
        assert rows[0].responses == 5 and rows[0].mean is None
        assert survey_results.satisfaction(db.session(), current_course())[0].mean is not None
