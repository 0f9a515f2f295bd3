"""Learning records: xAPI 1.0.3 statements for a Learning Record Store, when one is set.

Each event (a module opened for the first time, studied; a quiz finished; a session
attended; a certificate issued) builds its statement at the moment it happens, in the
caller's transaction, and queues it as a job (``webapp.jobs``): a statement exists exactly
when its event is committed, and a request never waits for the LRS. No LRS configured
(``DOBRO_LRS_ENDPOINT``): nothing is queued.

The statement id is fixed when the statement is queued (a UUID 5 of the actor and the
event), so a retry after a lost response, or the same event queued again, sends the same
id: the LRS keeps one statement and answers 204 (same content) or 409 (it has one with
that id); both count as sent.

Nothing personal leaves the server: the actor is an account on the site
(``DOBRO_BASE_URL``) whose name is a keyed hash of the user id (HMAC with the app's secret
key), stable and opaque, never a name, e-mail, user name or phone.

Vocabulary: the ADL verbs (experienced, completed, attempted, passed, failed, attended:
``http://adlnet.gov/expapi/verbs/…``, the IRIs the ADL vocabulary gives them) and, for a
certificate, ``earned`` of the xAPI registry (``http://id.tincanapi.com/verb/earned``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from flask import current_app, has_app_context, url_for
from sqlalchemy import delete
from sqlmodel import Session, col

from webapp import jobs
from webapp.content import current_course
from webapp.models import JOB_FAILED, JOB_QUEUED, Attempt, Certificate, Job, TrainingSession
from webapp.services.outbox import public_urls

JOB = "xapi"
VERSION = "1.0.3"
PLATFORM = "Dobro"
TIMEOUT = 20  # seconds for one request to the LRS
MAX_ANSWER = 500  # characters of an LRS's refusal kept in the log and on the job
# Fixed forever: a new namespace would give every event a new statement id.
NAMESPACE = uuid.UUID("6f1c1a8e-2d3b-5c47-9a0e-4b8d7e2f1c55")
log = logging.getLogger("dobro.xapi")

VerbName = Literal["experienced", "completed", "attempted", "passed", "failed", "attended",
                   "earned"]
ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
VERBS: dict[VerbName, tuple[str, str]] = {  # IRI, and its display in Bulgarian
    "experienced": (ADL_VERBS + "experienced", "разгледа"),
    "completed": (ADL_VERBS + "completed", "завърши"),
    "attempted": (ADL_VERBS + "attempted", "направи опит"),
    "passed": (ADL_VERBS + "passed", "издържа"),
    "failed": (ADL_VERBS + "failed", "не издържа"),
    "attended": (ADL_VERBS + "attended", "присъства"),
    "earned": ("http://id.tincanapi.com/verb/earned", "получи"),
}
ActivityKind = Literal["module", "quiz", "session", "topic", "certificate"]
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
ACTIVITY_TYPES: dict[ActivityKind, str] = {
    "module": ADL_ACTIVITIES + "module",
    "quiz": ADL_ACTIVITIES + "assessment",
    "session": ADL_ACTIVITIES + "meeting",
    "topic": ADL_ACTIVITIES + "course",
    "certificate": "http://id.tincanapi.com/activitytype/certificate",
}


class Refused(jobs.Permanent):
    """The LRS refused a statement for good (a 4xx other than 409): retrying cannot help."""


# --- statements: plain values in, a JSON-ready dict out ---------------------------------


@dataclass(frozen=True)
class Activity:
    iri: str
    kind: ActivityKind
    name: str


@dataclass(frozen=True)
class Result:
    """A quiz's outcome: points scored of ``maximum``, pass or fail (None: not graded so)."""

    raw: float
    maximum: float
    success: bool | None
    duration: timedelta


def actor_name(secret_key: str, user_id: int) -> str:
    """The learner's opaque, stable name in the LRS: a keyed hash of the user id."""
    return hmac.new(secret_key.encode(), f"xapi-actor:{user_id}".encode(),
                    hashlib.sha256).hexdigest()[:40]


def statement_id(actor: str, event: str) -> uuid.UUID:
    """The one id of ``event`` of ``actor``, whenever and however often it is queued."""
    return uuid.uuid5(NAMESPACE, f"{actor}/{event}")


def duration(delta: timedelta) -> str:
    """An ISO 8601 duration in seconds, to the hundredth (what xAPI keeps)."""
    seconds = max(delta.total_seconds(), 0.0)
    return f"PT{seconds:.2f}".rstrip("0").rstrip(".") + "S"


def _names(name: str, language: str) -> dict[str, str]:
    # The course has its titles in one language; "en" repeats it for dashboards that look
    # for English first.
    return {language: name, "en": name}


def _activity(activity: Activity, language: str) -> dict[str, Any]:
    return {"objectType": "Activity", "id": activity.iri,
            "definition": {"name": _names(activity.name, language),
                           "type": ACTIVITY_TYPES[activity.kind]}}


def _result(result: Result) -> dict[str, Any]:
    maximum = max(result.maximum, 0.0)
    raw = min(max(result.raw, 0.0), maximum)
    out: dict[str, Any] = {
        "score": {"scaled": round(raw / maximum, 4) if maximum else 0.0, "raw": raw,
                  "min": 0.0, "max": maximum},
        "completion": True, "duration": duration(result.duration)}
    if result.success is not None:
        out["success"] = result.success
    return out


def statement(*, actor: str, home_page: str, event: str, verb: VerbName, activity: Activity,
              topic: Activity | None, timestamp: datetime, language: str,
              result: Result | None = None) -> dict[str, Any]:
    """One xAPI 1.0.3 statement (a JSON-ready dict) of ``event`` by the opaque ``actor``."""
    verb_iri, verb_bg = VERBS[verb]
    context: dict[str, Any] = {"platform": PLATFORM, "language": language}
    if topic is not None:
        context["contextActivities"] = {"grouping": [_activity(topic, language)]}
    moment = timestamp if timestamp.tzinfo else timestamp.replace(tzinfo=UTC)
    made: dict[str, Any] = {
        "id": str(statement_id(actor, event)),
        "actor": {"objectType": "Agent", "account": {"homePage": home_page, "name": actor}},
        "verb": {"id": verb_iri, "display": {"en-US": verb, "bg": verb_bg}},
        "object": _activity(activity, language),
        "context": context,
        "timestamp": moment.astimezone(UTC).isoformat(),
        "version": VERSION,
    }
    if result is not None:
        made["result"] = _result(result)
    return made


def quiz_verb(kind: str, pass_mark: float, passed: bool | None) -> VerbName:
    """passed or failed where the quiz has a pass mark that means something; else attempted
    (a pre-test, a self-check without a pass mark)."""
    if kind == "pre-test" or pass_mark <= 0 or passed is None:
        return "attempted"
    return "passed" if passed else "failed"


# --- queueing at the events ----------------------------------------------------------------


def enabled(config: Mapping[str, Any]) -> bool:
    """Whether an LRS is configured (else no statement is made)."""
    return bool(config.get("LRS_ENDPOINT"))


def _configured() -> bool:
    """Whether this app sends statements; outside an app (the services used on their own,
    by a script or a test) there is no LRS to send to."""
    return has_app_context() and enabled(current_app.config)


def _queue(db: Session, user_id: int, event: str, verb: VerbName, activity: Activity,
           topic: Activity | None, when: datetime, result: Result | None = None) -> None:
    config = current_app.config
    actor = actor_name(str(config["SECRET_KEY"]), user_id)
    made = statement(actor=actor, home_page=_home_page(), event=event, verb=verb,
                     activity=activity, topic=topic, timestamp=when,
                     language=current_course().language or "bg", result=result)
    # The key starts with the user id: an erasure finds the learner's waiting statements.
    jobs.enqueue(db, JOB, {"statement": made}, key=f"{user_id}:{event}"[:200])


def _home_page() -> str:
    return str(current_app.config["BASE_URL"]).rstrip("/") + "/"


def _url(endpoint: str, **values: Any) -> str:
    with public_urls(current_app._get_current_object()):  # type: ignore[attr-defined]
        return url_for(endpoint, _external=True, **values)


def _topic(topic_id: str) -> Activity | None:
    if not topic_id:
        return None
    found = current_course().topic(topic_id)
    # No page of its own: the topic's place on the learner's home page.
    return Activity(_url("learn.home", _anchor=f"topic-{topic_id}"), "topic",
                    found.title if found is not None else topic_id)


def _module(module_id: str, title: str) -> Activity:
    return Activity(_url("learn.module", module_id=module_id), "module", title)


def module_experienced(db: Session, user_id: int, module_id: str, title: str, topic_id: str,
                       when: datetime) -> None:
    """The learner opened a module for the first time."""
    if _configured():
        _queue(db, user_id, f"experienced:{module_id}", "experienced",
               _module(module_id, title), _topic(topic_id), when)


def module_completed(db: Session, user_id: int, module_id: str, title: str, topic_id: str,
                     when: datetime) -> None:
    """The learner marked a module studied (the first time)."""
    if _configured():
        _queue(db, user_id, f"completed:{module_id}", "completed",
               _module(module_id, title), _topic(topic_id), when)


def quiz_finished(db: Session, attempt: Attempt, *, score: float, points: float,
                  passed: bool, submitted_at: datetime) -> None:
    """An attempt was submitted or closed at its deadline, and graded (``score`` of
    ``points``; the attempt's row is not updated yet)."""
    if not _configured() or attempt.id is None:
        return
    info = current_course().quizzes.get(attempt.quiz_id)
    activity = Activity(_url("quiz.overview", quiz_id=attempt.quiz_id), "quiz",
                        info.title if info is not None else attempt.quiz_id)
    verb = quiz_verb(attempt.kind, attempt.pass_mark, passed)
    result = Result(score, points, None if verb == "attempted" else passed,
                    submitted_at - attempt.started_at)
    _queue(db, attempt.user_id, f"attempt:{attempt.id}", verb, activity,
           _topic(attempt.topic_id), submitted_at, result)


def session_attended(db: Session, user_id: int, found: TrainingSession, when: datetime) -> None:
    """The learner was marked present (or late) at an in-person session."""
    if _configured():
        activity = Activity(_url("sessions.detail", session_id=found.id), "session", found.title)
        _queue(db, user_id, f"attended:{found.id}", "attended", activity,
               _topic(found.topic_id), when)


def certificate_earned(db: Session, cert: Certificate) -> None:
    """A certificate was issued to the learner (its IRI: the public verify page)."""
    if _configured():
        activity = Activity(_url("public.verify", code=cert.code), "certificate", cert.title)
        _queue(db, cert.user_id, f"earned:{cert.id}", "earned", activity,
               _topic(cert.topic_id), cert.issued_at)


def drop_pending(db: Session, user_id: int) -> None:
    """Drop the learner's statements not sent yet (an erasure; the caller commits)."""
    db.exec(delete(Job).where(col(Job.kind) == JOB,
                              col(Job.status).in_((JOB_QUEUED, JOB_FAILED)),
                              col(Job.key).startswith(f"{user_id}:", autoescape=True)))


# --- sending ---------------------------------------------------------------------------------


@jobs.handler(JOB)
def send(payload: dict[str, Any]) -> None:
    """PUT one statement to the LRS; a 2xx or 409 is sent, another 4xx refused for good,
    anything else (5xx, no answer) raised for the runner to try again later."""
    config = current_app.config
    if not enabled(config):
        raise Refused("no LRS is configured (DOBRO_LRS_ENDPOINT) any more")
    made = payload["statement"]
    status, answer = put(str(config["LRS_ENDPOINT"]), str(config["LRS_KEY"]),
                         str(config["LRS_SECRET"]), made)
    if 200 <= status < 300 or status == 409:
        return
    if 400 <= status < 500:
        log.error("the LRS refused statement %s: HTTP %s %s", made.get("id"), status, answer)
        raise Refused(f"HTTP {status}: {answer}")
    raise ConnectionError(f"HTTP {status}: {answer}")


def put(endpoint: str, key: str, secret: str, made: Mapping[str, Any],
        timeout: float = TIMEOUT) -> tuple[int, str]:
    """PUT ``made`` to ``<endpoint>/statements?statementId=…``: the HTTP status and the
    start of the answer. A connection that fails or times out raises ``OSError``."""
    url = f"{endpoint.rstrip('/')}/statements?statementId={quote(str(made['id']))}"
    token = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
    request = urllib.request.Request(
        url, data=json.dumps(made, ensure_ascii=False).encode("utf-8"), method="PUT",
        headers={"Content-Type": "application/json; charset=utf-8",
                 "X-Experience-API-Version": VERSION, "Authorization": f"Basic {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return int(answer.status), answer.read(MAX_ANSWER).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return int(error.code), error.read(MAX_ANSWER).decode("utf-8", "replace")
