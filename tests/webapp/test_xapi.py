"""xAPI statements (webapp/services/xapi.py): the pure builder, the settings, and what is
queued at each event — nothing without an LRS, nothing left of an erased learner.
Sending to a real LRS: tests/webapp/test_xapi_lrs.py."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import col, select

from tests.webapp.blended import make_session
from tests.webapp.conftest import People, login, submit
from webapp import db
from webapp.config import Secret, lrs_settings
from webapp.models import Attempt, Job, User, utcnow
from webapp.services import attempts, certificates, erasure, sessions, xapi
from webapp.services.xapi import Activity, Result

ACTOR = xapi.actor_name("key", 7)
MODULE = Activity("https://dobro.example.org/learn/obshtinata", "module", "Общината")
TOPIC = Activity("https://dobro.example.org/#topic-osnovi", "topic", "Основи")
AT = datetime(2027, 3, 4, 9, 30, tzinfo=UTC)
FAKE_LRS = {"LRS_ENDPOINT": "http://127.0.0.1:9/xAPI/", "LRS_KEY": "k",
            "LRS_SECRET": Secret("s"), "BASE_URL": "https://dobro.example.org"}


def make(**overrides: Any) -> dict[str, Any]:
    """A statement of a module experienced, with ``overrides`` to ``xapi.statement``."""
    values: dict[str, Any] = {"actor": ACTOR, "home_page": "https://dobro.example.org/",
                              "event": "experienced:obshtinata", "verb": "experienced",
                              "activity": MODULE, "topic": TOPIC, "timestamp": AT,
                              "language": "bg"}
    values.update(overrides)
    return xapi.statement(**values)


def test_a_statement_names_an_opaque_account_the_verb_the_activity_and_the_topic() -> None:
    made = make()
    assert made["actor"] == {"objectType": "Agent", "account": {
        "homePage": "https://dobro.example.org/", "name": ACTOR}}
    assert made["verb"]["id"] == "http://adlnet.gov/expapi/verbs/experienced"
    assert made["object"] == {"objectType": "Activity", "id": MODULE.iri, "definition": {
        "name": {"bg": "Общината", "en": "Общината"},
        "type": "http://adlnet.gov/expapi/activities/module"}}
    assert made["context"] == {"platform": "Dobro", "language": "bg", "contextActivities": {
        "grouping": [{"objectType": "Activity", "id": TOPIC.iri, "definition": {
            "name": {"bg": "Основи", "en": "Основи"},
            "type": "http://adlnet.gov/expapi/activities/course"}}]}}
    assert made["timestamp"] == "2027-03-04T09:30:00+00:00" and made["version"] == "1.0.3"
    assert "result" not in made
    uuid.UUID(made["id"])


def test_every_verb_has_its_vocabulary_iri() -> None:
    iris = {verb: make(verb=verb)["verb"]["id"] for verb in xapi.VERBS}
    assert iris == {
        "experienced": "http://adlnet.gov/expapi/verbs/experienced",
        "completed": "http://adlnet.gov/expapi/verbs/completed",
        "attempted": "http://adlnet.gov/expapi/verbs/attempted",
        "passed": "http://adlnet.gov/expapi/verbs/passed",
        "failed": "http://adlnet.gov/expapi/verbs/failed",
        "attended": "http://adlnet.gov/expapi/verbs/attended",
        "earned": "http://id.tincanapi.com/verb/earned"}


def test_a_naive_time_is_taken_as_utc() -> None:
    assert make(timestamp=AT.replace(tzinfo=None))["timestamp"] == "2027-03-04T09:30:00+00:00"


def test_the_statement_id_is_one_per_event_and_actor() -> None:
    assert make()["id"] == make(timestamp=AT + timedelta(days=1))["id"]
    assert make()["id"] != make(event="completed:obshtinata")["id"]
    assert make()["id"] != make(actor=xapi.actor_name("key", 8))["id"]


def test_the_actor_is_a_keyed_hash_stable_for_one_key() -> None:
    assert xapi.actor_name("key", 7) == ACTOR
    assert xapi.actor_name("other key", 7) != ACTOR
    assert xapi.actor_name("key", 70) != ACTOR
    assert len(ACTOR) == 40 and "7" != ACTOR


@pytest.mark.parametrize(("raw", "maximum", "scaled", "kept"), [
    (3, 4, 0.75, 3), (0, 4, 0.0, 0), (5, 4, 1.0, 4), (-1, 4, 0.0, 0), (0, 0, 0.0, 0)])
def test_a_result_carries_the_score_scaled_raw_min_and_max(raw: float, maximum: float,
                                                         scaled: float, kept: float) -> None:
    made = make(verb="passed", result=Result(raw, maximum, True, timedelta(seconds=125.5)))
    assert made["result"] == {"score": {"scaled": scaled, "raw": kept, "min": 0.0,
                                        "max": maximum},
                              "success": True, "completion": True, "duration": "PT125.5S"}


def test_a_result_without_pass_or_fail_has_no_success() -> None:
    made = make(verb="attempted", result=Result(1, 2, None, timedelta(0)))
    assert "success" not in made["result"] and made["result"]["duration"] == "PT0S"


@pytest.mark.parametrize(("delta", "said"), [
    (timedelta(seconds=90), "PT90S"), (timedelta(seconds=1.234), "PT1.23S"),
    (timedelta(hours=2), "PT7200S"), (timedelta(seconds=-5), "PT0S")])
def test_durations_are_iso_8601(delta: timedelta, said: str) -> None:
    assert xapi.duration(delta) == said


@pytest.mark.parametrize(("kind", "pass_mark", "passed", "verb"), [
    ("final", 50, True, "passed"), ("final", 50, False, "failed"),
    ("self-check", 0, True, "attempted"), ("self-check", 60, False, "failed"),
    ("pre-test", 50, True, "attempted"), ("final", 50, None, "attempted")])
def test_the_quiz_verb(kind: str, pass_mark: float, passed: bool | None, verb: str) -> None:
    assert xapi.quiz_verb(kind, pass_mark, passed) == verb


# --- settings ----------------------------------------------------------------------------


def test_no_endpoint_no_lrs() -> None:
    assert lrs_settings({}) == {"LRS_ENDPOINT": "", "LRS_KEY": "", "LRS_SECRET": ""}
    assert not xapi.enabled(lrs_settings({}))


def test_the_secret_comes_from_a_file_and_never_shows(tmp_path: Path) -> None:
    secret = tmp_path / "lrs-secret"
    secret.write_text("tajna\n", encoding="utf-8")
    found = lrs_settings({"DOBRO_LRS_ENDPOINT": "https://lrs.example.org/xAPI/",
                          "DOBRO_LRS_KEY": "dobro", "DOBRO_LRS_SECRET_FILE": str(secret)})
    assert found["LRS_SECRET"] == "tajna" and "tajna" not in repr(found)
    assert xapi.enabled(found)


@pytest.mark.parametrize(("env", "says"), [
    ({"DOBRO_LRS_ENDPOINT": "lrs.example.org"}, "DOBRO_LRS_ENDPOINT must be"),
    ({"DOBRO_LRS_ENDPOINT": "https://lrs.example.org/xAPI/"}, "DOBRO_LRS_KEY and"),
    ({"DOBRO_LRS_ENDPOINT": "https://lrs.example.org/xAPI/", "DOBRO_LRS_KEY": "k"},
     "DOBRO_LRS_SECRET"),
    ({"DOBRO_LRS_ENDPOINT": "https://lrs.example.org/", "DOBRO_LRS_KEY": "k",
      "DOBRO_LRS_SECRET_FILE": "/nonexistent/lrs"}, "cannot be read")])
def test_a_half_configured_lrs_stops_the_start(env: dict[str, str], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        lrs_settings(env)


# --- what the events queue ------------------------------------------------------------------


def queued(app: Flask) -> list[Job]:
    with app.app_context():
        return list(db.session().exec(select(Job).where(Job.kind == xapi.JOB)
                                      .order_by(col(Job.id))).all())


def verbs(app: Flask) -> list[str]:
    return [job.payload["statement"]["verb"]["display"]["en-US"] for job in queued(app)]


def take(app: Flask, user: User, quiz_id: str, responses: dict[str, Any] | None = None,
         now: datetime | None = None) -> None:
    with app.app_context():
        database = db.session()
        quiz = attempts.load_quiz(Path(app.config["COURSE_BUILD"]), quiz_id)
        learner = database.get(User, user.id)
        assert learner is not None
        attempt = attempts.start(database, learner, quiz)
        attempts.submit(database, attempt, responses or {}, now=now)


def study(client: FlaskClient, module_id: str) -> None:
    page = f"/learn/{module_id}"
    assert client.get(page).status_code == 200
    assert submit(client, f"{page}/studied", {}, page=page).status_code == 302


def test_without_an_lrs_no_statement_is_queued(app: Flask, client: FlaskClient,
                                               people: People) -> None:
    login(client, "ivan")
    study(client, "obshtinata")
    study(client, "savetat")
    take(app, people.learner, "osnovi-final")
    found = make_session(app, people.trainer)
    with app.app_context():  # a passed final and the session: the topic is complete
        database = db.session()
        database.add(Attempt(user_id=people.learner.id, quiz_id="osnovi-final",
                             quiz_version="v", topic_id="osnovi", kind="final", seed="s",
                             number=2, pass_mark=50, questions=[], state="submitted",
                             submitted_at=utcnow(), percent=90, passed=True))
        database.commit()
        sessions.mark(database, found, people.learner.id or 0, "present", None)
        database.commit()
        learner = database.get(User, people.learner.id)
        assert learner is not None
        assert len(certificates.check_and_issue(database, learner)) == 2
    assert queued(app) == []


@pytest.fixture
def lrs_app(make_app: Any, build_dir: Path) -> Flask:
    """The mini course's app with an LRS configured (nothing listens there: the tests
    only look at the queue)."""
    flask_app: Flask = make_app(**FAKE_LRS)
    return flask_app


def test_each_event_queues_its_statement_once(lrs_app: Flask, people: People) -> None:
    client = lrs_app.test_client()
    login(client, "ivan")
    study(client, "obshtinata")
    client.get("/learn/obshtinata")  # opened again, studied again: no second statement
    submit(client, "/learn/obshtinata/studied", {}, page="/learn/obshtinata")
    take(lrs_app, people.learner, "osnovi-final")
    take(lrs_app, people.learner, "osnovi-vhoden")
    assert verbs(lrs_app) == ["experienced", "completed", "failed", "attempted"]
    keys = [job.key for job in queued(lrs_app)]
    assert keys[:2] == [f"{people.learner.id}:experienced:obshtinata",
                        f"{people.learner.id}:completed:obshtinata"]
    final = queued(lrs_app)[2].payload["statement"]
    assert final["object"]["id"] == "https://dobro.example.org/quiz/osnovi-final"
    assert final["object"]["definition"]["name"]["bg"] == "Заключителен тест – Основи"
    assert final["result"]["success"] is False and final["result"]["score"]["raw"] == 0
    assert final["result"]["score"]["max"] > 0
    assert final["context"]["contextActivities"]["grouping"][0]["id"] == (
        "https://dobro.example.org/#topic-osnovi")
    with lrs_app.app_context():
        actor = xapi.actor_name(lrs_app.config["SECRET_KEY"], people.learner.id or 0)
    assert {job.payload["statement"]["actor"]["account"]["name"]
            for job in queued(lrs_app)} == {actor}


def test_an_attempt_closed_at_its_deadline_is_recorded(lrs_app: Flask, people: People) -> None:
    with lrs_app.app_context():
        database = db.session()
        quiz = attempts.load_quiz(Path(lrs_app.config["COURSE_BUILD"]), "osnovi-final")
        user = database.get(User, people.learner.id)
        assert user is not None
        attempt = attempts.start(database, user, quiz)
        attempt.deadline_at = utcnow() - timedelta(minutes=5)
        database.add(attempt)
        database.commit()
        attempts.expire_overdue(database, user)
    assert verbs(lrs_app) == ["failed"]


def test_attendance_and_certificates_are_recorded(lrs_app: Flask, people: People) -> None:
    found = make_session(lrs_app, people.trainer)
    with lrs_app.app_context():
        database = db.session()
        sessions.mark(database, found, people.learner.id or 0, "absent", None)
        sessions.mark(database, found, people.learner.id or 0, "present", None)
        sessions.mark(database, found, people.learner.id or 0, "late", None)
        database.commit()
    assert verbs(lrs_app) == ["attended"]
    made = queued(lrs_app)[0].payload["statement"]
    assert made["object"]["id"] == f"https://dobro.example.org/sessions/{found.id}"
    assert made["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/meeting"


def test_an_erased_learners_waiting_statements_are_dropped(lrs_app: Flask,
                                                           people: People) -> None:
    for username in ("ivan", "maria"):
        client = lrs_app.test_client()
        login(client, username)
        client.get("/learn/obshtinata")
    assert len(queued(lrs_app)) == 2
    with lrs_app.app_context():
        database = db.session()
        user, admin = database.get(User, people.learner.id), database.get(User, people.admin.id)
        assert user is not None and admin is not None
        erasure.pseudonymise(database, user, admin, "paper")
        database.commit()
    assert [job.key for job in queued(lrs_app)] == [
        f"{people.councillor.id}:experienced:obshtinata"]


def test_no_statement_holds_personal_data(lrs_app: Flask, people: People) -> None:
    with lrs_app.app_context():
        database = db.session()
        user = database.get(User, people.learner.id)
        assert user is not None
        user.email, user.phone = "ivan.ivanov@smolyan.bg", "+359888123456"
        database.add(user)
        database.commit()
    client = lrs_app.test_client()
    login(client, "ivan")
    study(client, "obshtinata")
    take(lrs_app, people.learner, "osnovi-final")
    found = make_session(lrs_app, people.trainer)
    with lrs_app.app_context():
        sessions.mark(db.session(), found, people.learner.id or 0, "present", None)
        db.session().commit()
    text = json.dumps([job.payload for job in queued(lrs_app)], ensure_ascii=False)
    assert len(queued(lrs_app)) == 4
    for personal in ("Иван", "Иванов", "ivan", "smolyan.bg", "359888123456", "888 123"):
        assert personal not in text


def test_the_privacy_notice_names_the_lrs_only_when_there_is_one(make_app: Any,
                                                                 build_dir: Path) -> None:
    from webapp.services import privacy

    texts, versions = {}, {}
    for configured, settings in ((False, {}), (True, FAKE_LRS)):
        flask_app: Flask = make_app(**settings)
        with flask_app.app_context():
            notice = privacy.notice_settings(flask_app.config)
            texts[configured] = privacy.render_notice(flask_app.jinja_env, notice, "bg")
            versions[configured] = privacy.notice_version(flask_app.jinja_env, notice)
    assert "xAPI" not in texts[False] and "хранилището за записи за ученето (xAPI)" in texts[True]
    assert versions[False] != versions[True]  # a new recipient: everyone sees the notice again
    client = make_app(**FAKE_LRS).test_client()
    assert "вместо името ви" in client.get("/privacy").get_data(as_text=True)
