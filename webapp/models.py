"""Every database table, in one module (SQLModel).

Times are aware UTC datetimes (``utcnow()``); SQLModel's ``UTCDateTime`` stores
them the same way in SQLite and PostgreSQL. Templates show them in Europe/Sofia.
Content is referred to by its ids from the compiled course (``module_id``,
``quiz_id``) — the course lives in files, not in the database — and every
attempt keeps a snapshot of the questions it drew, so a later edit of the
course can never change a past attempt.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Final, Literal

from sqlalchemy import JSON, Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

Role = Literal["learner", "trainer", "coordinator", "admin"]
ROLES: tuple[Role, ...] = ("learner", "trainer", "coordinator", "admin")
STAFF: tuple[Role, ...] = ("trainer", "coordinator", "admin")  # edit the course, run groups
# See every group, the reports and the publications, and keep the groups themselves.
COORDINATORS: tuple[Role, ...] = ("coordinator", "admin")
ORGANISATION_KINDS = ("municipality", "regional", "ngo", "other")

# An attempt is open until it is submitted or its time runs out.
AttemptState = Literal["open", "submitted", "expired"]
ATTEMPT_OPEN: Final = "open"
ATTEMPT_SUBMITTED: Final = "submitted"
ATTEMPT_EXPIRED: Final = "expired"
# A certificate is valid until revoked, or replaced by a re-issued one.
CertificateStatus = Literal["valid", "revoked", "replaced"]
CERTIFICATE_VALID: Final = "valid"
CERTIFICATE_REVOKED: Final = "revoked"
CERTIFICATE_REPLACED: Final = "replaced"
# The revocation reason of an erased holder's certificates (issue 16): revoked for the data's
# sake, not the training's, so the reports still count them as earned.
CERTIFICATE_ERASED_REASON: Final = "заличени данни по искане на титуляра"


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=20, default="municipality")
    oblast: str = Field(max_length=100, default="")
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str | None = Field(default=None, max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(max_length=20, default="learner")
    audience: str | None = Field(default=None, max_length=50)
    # One of the audience's specialisms in course.yaml (its id); None: not chosen (0012).
    specialism: str | None = Field(default=None, max_length=100)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    position: str = Field(max_length=200, default="")
    sex: str = Field(max_length=1, default="")  # "" not given, f, m, x (participants import)
    phone: str = Field(max_length=30, default="")
    active: bool = True
    # Bumped when the password changes or the account closes: sessions begun with an
    # older value end (LoginSession.version).
    session_version: int = 1
    created_at: datetime = Field(default_factory=utcnow)
    joined_at: datetime | None = None
    last_login_at: datetime | None = None
    # The language of the e-mails sent to this person ("" the programme's default, bg; en).
    language: str = Field(max_length=5, default="")
    # When the person's data was erased (replaced by a pseudonym, issue 16): None for all others.
    pseudonymised_at: datetime | None = None


class Group(SQLModel, table=True):
    __tablename__ = "learner_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    description: str = Field(max_length=2000, default="")
    created_at: datetime = Field(default_factory=utcnow)


class GroupMember(SQLModel, table=True):
    group_id: int = Field(foreign_key="learner_group.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)


class GroupTrainer(SQLModel, table=True):
    group_id: int = Field(foreign_key="learner_group.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)


class Invitation(SQLModel, table=True):
    """A one-time code to join (set a password) or to reset a forgotten one.

    Only a hash of the code is kept: a copy of the database gives no one a way in.
    A code is never deleted: a newer code or a closed account voids it (it expires at
    once), so who made which code for whom, and when, stays on record.
    """

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    purpose: str = Field(max_length=10, default="join")  # join | reset
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
    # When the person was told, at a sign-in, of a reset code someone else made for them.
    notified_at: datetime | None = None


class Throttle(SQLModel, table=True):
    """One failed login or code attempt, counted per key (an IP or a user name)."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow)

    __table_args__ = (Index("ix_throttle_key_at", "key", "at"),)


class LoginSession(SQLModel, table=True):
    """A signed-in browser. Its cookie holds a random id; only the id's SHA-256 is kept.

    Signing out deletes the row, so a copied cookie stops working with it; ``version``
    is the user's ``session_version`` when it began (a new password ends older rows).
    """

    __tablename__ = "login_session"

    id_hash: str = Field(max_length=64, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    version: int
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class KnownAddress(SQLModel, table=True):
    """An address a user signed in from, as a keyed hash: failures by others never delay
    the user there (services/limits.py)."""

    __tablename__ = "known_address"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    address: str = Field(max_length=64, primary_key=True)
    last_seen_at: datetime = Field(default_factory=utcnow)


class ModuleProgress(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    module_id: str = Field(max_length=100)
    topic_id: str = Field(max_length=100)
    first_opened_at: datetime = Field(default_factory=utcnow)
    last_opened_at: datetime = Field(default_factory=utcnow)
    seconds_spent: int = 0
    position: str = Field(max_length=200, default="")  # the last section read (an anchor)
    studied_at: datetime | None = None
    studied_version: str = Field(max_length=32, default="")

    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        # The dashboard's latest activity per learner, from the index alone (0006).
        Index("ix_moduleprogress_user_activity", "user_id", "last_opened_at", "studied_at"),
    )


class Attempt(SQLModel, table=True):
    """One attempt at a quiz, with the questions it drew frozen at its start."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    quiz_id: str = Field(max_length=100)
    quiz_version: str = Field(max_length=32)
    topic_id: str = Field(max_length=100, default="")
    kind: str = Field(max_length=20)
    number: int = 1  # 1 for the learner's first attempt at this quiz
    seed: str = Field(max_length=64)
    pass_mark: float = 0  # the quiz's pass mark when the attempt started
    # [{"question": {...question_to_dict...}, "order": [source indices]}], in display order
    questions: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    started_at: datetime = Field(default_factory=utcnow)
    deadline_at: datetime | None = None
    submitted_at: datetime | None = None
    state: str = Field(max_length=12, default=ATTEMPT_OPEN)  # an AttemptState
    score: float | None = None
    points: float | None = None
    percent: float | None = None
    passed: bool | None = None
    results: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))

    __table_args__ = (
        Index("ix_attempt_user_quiz", "user_id", "quiz_id"),
        # At most one open attempt per learner and quiz, whatever races the browser runs.
        Index("uq_attempt_one_open", "user_id", "quiz_id", unique=True,
              sqlite_where=text("state = 'open'"), postgresql_where=text("state = 'open'")),
        # Covering indexes for the reports (0006): they read a few small columns of many
        # attempts, never the large JSON ones.
        Index("ix_attempt_user_progress", "user_id", "quiz_id", "started_at", "submitted_at",
              "state", "percent", "passed", "pass_mark"),
        Index("ix_attempt_quiz_scores", "quiz_id", "state", "user_id", "number", "percent",
              "pass_mark", "passed", "started_at"),
    )


class Answer(SQLModel, table=True):
    """The latest saved response to one question of an attempt (source order)."""

    attempt_id: int = Field(foreign_key="attempt.id", primary_key=True)
    question_id: str = Field(max_length=100, primary_key=True)
    response: Any = Field(default=None, sa_column=Column(JSON))
    saved_at: datetime = Field(default_factory=utcnow)


class QuestionScore(SQLModel, table=True):
    """One graded question of a finished attempt, in display order.

    Written with the grade, never changed: the quiz statistics read these few
    numbers instead of every attempt's question snapshot (tens of kilobytes each),
    the fingerprint of the question's key among them.
    """

    __tablename__ = "question_score"

    attempt_id: int = Field(foreign_key="attempt.id", primary_key=True)
    position: int = Field(primary_key=True)  # 0-based, as the learner saw the questions
    question_id: str = Field(max_length=100)
    # course.questionkey.question_key of the question as graded: answers to two versions
    # of a question with different keys are counted apart (0011).
    question_key: str = Field(max_length=12, default="")
    score: float
    points: float


# --- Sessions, attendance and certificates -------------------------------------------------

ATTENDANCE_STATUSES = ("present", "late", "excused", "absent")
ATTENDED = ("present", "late")  # the statuses whose hours count towards completion


class TrainingSession(SQLModel, table=True):
    """An in-person session of a topic, in a municipality, for the groups enrolled in it."""

    __tablename__ = "training_session"

    id: int | None = Field(default=None, primary_key=True)
    topic_id: str = Field(max_length=100, index=True)
    title: str = Field(max_length=200)
    municipality: str = Field(max_length=100)
    venue: str = Field(max_length=200, default="")
    starts_at: datetime
    ends_at: datetime
    trainer_id: int = Field(foreign_key="user.id", index=True)
    capacity: int = 30
    # Shown by the trainer on a screen during the session; only good inside its time window.
    checkin_code: str = Field(max_length=12)
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    # A cancelled session stays on record (its enrolled learners were told); None: it holds.
    cancelled_at: datetime | None = None


class SessionGroup(SQLModel, table=True):
    session_id: int = Field(foreign_key="training_session.id", primary_key=True)
    group_id: int = Field(foreign_key="learner_group.id", primary_key=True, index=True)


class Attendance(SQLModel, table=True):
    """A learner's current attendance at a session; every change is in ``AttendanceChange``."""

    session_id: int = Field(foreign_key="training_session.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)
    status: str = Field(max_length=10)
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="user.id")


class AttendanceChange(SQLModel, table=True):
    """One change of attendance, append-only: who made it, when, from what to what."""

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="training_session.id")
    user_id: int = Field(foreign_key="user.id")
    old_status: str = Field(max_length=10, default="")
    new_status: str = Field(max_length=10)
    via: str = Field(max_length=10, default="roster")  # roster | checkin
    changed_by: int | None = Field(default=None, foreign_key="user.id")
    changed_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (Index("ix_attendancechange_session_user", "session_id", "user_id"),)


class CalendarFeed(SQLModel, table=True):
    """A learner's private iCalendar feed: the token in its URL is the only key."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    token: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class Certificate(SQLModel, table=True):
    """A certificate as issued: the facts at issue time, never recomputed from the course.

    Revoking or re-issuing keeps the row; a re-issue links the old certificate
    to the new one (``replaced_by_id``), so an old code still explains itself.
    """

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)  # the public verification code
    number: str = Field(max_length=32, unique=True)  # human-friendly, ARO-2027-000123
    user_id: int = Field(foreign_key="user.id", index=True)
    kind: str = Field(max_length=10, default="topic")  # topic | programme
    topic_id: str = Field(max_length=100, default="")  # "" for a programme certificate
    audience: str = Field(max_length=50, default="")
    holder_name: str = Field(max_length=200)
    organisation_name: str = Field(max_length=200, default="")
    title: str = Field(max_length=500)  # the topic's title, or the programme's
    programme_title: str = Field(max_length=500)
    in_person_hours: float = 0
    online_hours: float = 0
    issuer_name: str = Field(max_length=200)
    signatory_name: str = Field(max_length=200, default="")
    signatory_title: str = Field(max_length=200, default="")
    issued_at: datetime = Field(default_factory=utcnow)
    issued_by: int | None = Field(default=None, foreign_key="user.id")  # None: automatic
    reason: str = Field(max_length=500, default="")  # why a trainer issued it by hand
    status: str = Field(max_length=10, default=CERTIFICATE_VALID)  # a CertificateStatus
    revoked_at: datetime | None = None
    revoked_by: int | None = Field(default=None, foreign_key="user.id")
    revoked_reason: str = Field(max_length=500, default="")
    replaces_id: int | None = Field(default=None, foreign_key="certificate.id")
    replaced_by_id: int | None = Field(default=None, foreign_key="certificate.id")

    __table_args__ = (
        # One valid certificate per learner and topic (or programme), whatever races happen.
        Index("uq_certificate_one_valid", "user_id", "kind", "topic_id", unique=True,
              sqlite_where=text("status = 'valid'"), postgresql_where=text("status = 'valid'")),
    )


class CertificateEvent(SQLModel, table=True):
    """The history of a certificate: issued, revoked, re-issued — who, when and why."""

    id: int | None = Field(default=None, primary_key=True)
    certificate_id: int = Field(foreign_key="certificate.id", index=True)
    action: str = Field(max_length=12)  # issued | revoked | reissued
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    reason: str = Field(max_length=500, default="")
    at: datetime = Field(default_factory=utcnow)


class BulletinRecipient(SQLModel, table=True):
    """One line of the Bulletin's and Handbook's distribution list, kept by a coordinator."""

    __tablename__ = "bulletin_recipient"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)  # a person or a role ("Председател на ОбС")
    copies: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class SourceVersion(SQLModel, table=True):
    """One version of a course source file edited in the browser (web authoring).

    ``status`` is ``saved``, ``rejected`` (a draft the checks refused; the file was
    not written), ``discarded`` (a rejected draft its author chose not to go on with),
    ``restored`` or ``baseline`` (the file as it was on disk before its first web save;
    ``author_id`` None means "from the repository"). ``content`` is the text as shown;
    ``raw`` holds the exact bytes of a baseline, and of any version that is not UTF-8
    (a Windows-1251 file), so restoring it gives back the very same file.
    """

    __tablename__ = "source_version"

    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(max_length=300, index=True)  # relative to the content root, posix
    content: str = Field(sa_column=Column(Text, nullable=False))
    raw: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    sha256: str = Field(max_length=64)
    status: str = Field(max_length=10)  # baseline | saved | rejected | discarded | restored
    comment: str = Field(max_length=200, default="")
    author_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


# Background work (webapp/jobs.py): a job waits ("queued"), one runner takes it ("running"),
# and it ends "done", or "failed" once its tries are used up.
JobStatus = Literal["queued", "running", "done", "failed"]
JOB_QUEUED: Final = "queued"
JOB_RUNNING: Final = "running"
JOB_DONE: Final = "done"
JOB_FAILED: Final = "failed"


class Job(SQLModel, table=True):
    """One piece of work that must not run inside a request: a certificate's PDF, the
    Handbook, an e-mail. A runner claims it (``SKIP LOCKED`` on PostgreSQL), so each job
    runs once however many runners there are; a job with a ``key`` is queued at most once
    while it waits (queueing the same Handbook build twice is one build)."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=50)
    key: str = Field(max_length=200, default="")  # "" for a job that may wait twice
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(max_length=10, default=JOB_QUEUED)  # a JobStatus
    tries: int = 0
    run_after: datetime = Field(default_factory=utcnow)
    locked_by: str = Field(max_length=100, default="")  # the runner that holds it
    locked_at: datetime | None = None
    error: str = Field(sa_column=Column(Text, nullable=False, default=""), default="")
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None

    __table_args__ = (
        Index("ix_job_ready", "status", "run_after"),
        Index("uq_job_waiting_key", "kind", "key", unique=True,
              sqlite_where=text("status = 'queued' AND key <> ''"),
              postgresql_where=text("status = 'queued' AND key <> ''")),
    )


class JobRunner(SQLModel, table=True):
    """A job runner's heartbeat: readiness tells whether any runner is alive."""

    __tablename__ = "job_runner"

    name: str = Field(max_length=100, primary_key=True)  # host:pid:thread
    started_at: datetime = Field(default_factory=utcnow)
    seen_at: datetime = Field(default_factory=utcnow)


class StoredFile(SQLModel, table=True):
    """A file made once and served many times, kept in the database so that every app
    server serves the same bytes and a backup carries it: a certificate's PDF (rendered
    when it is issued), the Handbook built for a course version."""

    __tablename__ = "stored_file"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)  # certificate | handbook | …
    key: str = Field(max_length=200)  # a certificate's code; the Handbook's kind and version
    media_type: str = Field(max_length=100)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sha256: str = Field(max_length=64)
    size: int
    created_at: datetime = Field(default_factory=utcnow)

    __table_args__ = (UniqueConstraint("kind", "key", name="uq_stored_file_kind_key"),)


class SharedCache(SQLModel, table=True):
    """A computed result every worker and server shares (a quiz's statistics): ``stamp``
    names what it was computed from, so a result with another stamp is stale."""

    __tablename__ = "shared_cache"

    key: str = Field(max_length=200, primary_key=True)
    stamp: str = Field(max_length=200)
    value: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    computed_at: datetime = Field(default_factory=utcnow)


# E-mail (issue 16): the outbox. A message is recorded in the transaction of the event that
# causes it and sent afterwards by the job runner; ``key`` names the event, so one event is
# never one message twice. The rows are also the log of what was sent to whom and when.
MailStatus = Literal["queued", "sending", "sent", "failed", "skipped"]
MAIL_QUEUED: Final = "queued"
# A runner is talking to the SMTP server (services/mail_send.py); sent_at is when it began.
MAIL_SENDING: Final = "sending"
MAIL_SENT: Final = "sent"
MAIL_FAILED: Final = "failed"  # every try failed; the last error is kept
MAIL_SKIPPED: Final = "skipped"  # not sent: e-mail off, no address, or the person opted out


class MailMessage(SQLModel, table=True):
    """One e-mail, queued then sent (or failed or skipped), with what it said."""

    __tablename__ = "mail_message"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)  # the causing event: "certificate:41"
    kind: str = Field(max_length=40, index=True)  # invitation | session_reminder | …
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    text_body: str = Field(sa_column=Column(Text, nullable=False))
    html_body: str = Field(sa_column=Column(Text, nullable=False, default=""), default="")
    # [{"filename": …, "media_type": …, "content": base64}] (a session's .ics)
    attachments: list[dict[str, str]] = Field(default_factory=list,
                                              sa_column=Column(JSON, nullable=False))
    language: str = Field(max_length=5, default="bg")
    status: str = Field(max_length=10, default=MAIL_QUEUED)  # a MailStatus
    tries: int = 0
    error: str = Field(sa_column=Column(Text, nullable=False, default=""), default="")
    message_id: str = Field(max_length=200, default="")  # the Message-ID header sent
    created_by: int | None = Field(default=None, foreign_key="user.id")  # None: automatic
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None

    __table_args__ = (Index("ix_mail_message_status_created", "status", "created_at"),)


class MailPreference(SQLModel, table=True):
    """A person's choice for one kind of non-essential message; no row: the default."""

    __tablename__ = "mail_preference"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    kind: str = Field(max_length=40, primary_key=True)
    enabled: bool
    updated_at: datetime = Field(default_factory=utcnow)
    via: str = Field(max_length=12, default="settings")  # settings | unsubscribe


class PrivacyConsent(SQLModel, table=True):
    """That a person was shown a version of the privacy notice, and when (on joining, and
    again at the first sign-in after the notice changed)."""

    __tablename__ = "privacy_consent"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    notice_version: str = Field(max_length=64)  # the notice's version (a hash of its text)
    via: str = Field(max_length=12, default="join")  # join | sign_in
    at: datetime = Field(default_factory=utcnow)


ErasureStatus = Literal["pending", "approved", "refused"]


class ErasureRequest(SQLModel, table=True):
    """A request to erase a person's data and its decision. Kept after the erasure with no
    personal data: ``user_id`` then points at the pseudonymised account."""

    __tablename__ = "erasure_request"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    channel: str = Field(max_length=10, default="web")  # web | paper | retention
    recorded_by: int | None = Field(default=None, foreign_key="user.id")  # None: the person
    requested_at: datetime = Field(default_factory=utcnow)
    status: str = Field(max_length=10, default="pending")  # an ErasureStatus
    decided_by: int | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = None
    reason: str = Field(max_length=500, default="")  # why refused (no personal data)


class AuditEntry(SQLModel, table=True):
    """One access by staff to personal data: who did what to whose data, when — never the
    data itself (``target`` is an id such as "group:3" or "attempt:55")."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=40)  # export_list | view_attempts | reset_code | …
    subject_user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    target: str = Field(max_length=200, default="")
    count: int = 0  # how many people's data (an export of a list)


# --- Spaced review (issue 18 item 3): FSRS cards and their review log --------------------------

# How a review's rating was given: chosen by the learner, or derived from the answer's
# correctness and time when they just went on (webapp.services.review.derived_rating).
ReviewRatedBy = Literal["derived", "learner"]


class ReviewCard(SQLModel, table=True):
    """One self-check question a learner reviews, with its FSRS memory state.

    A question is known by its quiz, its id and the fingerprint of its key
    (``course.questionkey.question_key``): when the key changes the card is retired and a
    new one starts from scratch. ``state``, ``step``, ``stability``, ``difficulty``, ``due``
    and ``last_review`` are ``fsrs.Card``'s fields; ``reps`` counts the answers recorded, so
    that a form answered twice (a double click, a resent POST) records one.
    """

    __tablename__ = "review_card"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    module_id: str = Field(max_length=100)  # the module whose self-check holds the question
    quiz_id: str = Field(max_length=100)
    question_id: str = Field(max_length=100)
    question_key: str = Field(max_length=12)
    state: int = 1  # fsrs.State: 1 learning, 2 review, 3 relearning
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due: datetime = Field(default_factory=utcnow)
    last_review: datetime | None = None
    reps: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    retired_at: datetime | None = None  # its question changed or left the self-check

    __table_args__ = (
        UniqueConstraint("user_id", "quiz_id", "question_id", "question_key"),
        # A learner's due cards, most overdue first, and the home page's count (0016).
        Index("ix_review_card_user_due", "user_id", "retired_at", "due"),
    )


class ReviewLog(SQLModel, table=True):
    """One answer given in the review, its grade, its rating and the card as it was before
    (so that a rating the learner chooses after seeing the result replaces the derived one
    exactly as if it had been given at the answer)."""

    __tablename__ = "review_log"

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="review_card.id", index=True)
    user_id: int = Field(foreign_key="user.id")
    reviewed_at: datetime = Field(default_factory=utcnow)
    duration_ms: int | None = None
    rating: int  # fsrs.Rating: 1 again, 2 hard, 3 good, 4 easy
    rated_by: str = Field(max_length=8, default="derived")  # a ReviewRatedBy
    result: str = Field(max_length=12)  # course.grading.State of the answer
    score: float = 0
    points: float = 0
    response: Any = Field(default=None, sa_column=Column(JSON))  # source order, encoded
    before_state: int
    before_step: int | None = None
    before_stability: float | None = None
    before_difficulty: float | None = None
    before_due: datetime
    before_last_review: datetime | None = None

    # The trainers' activity figures: a group's reviews in the last days (0016).
    __table_args__ = (Index("ix_review_log_user_at", "user_id", "reviewed_at"),)


# --- Evaluation surveys (issue 18 item 1): anonymous responses -------------------------------


class SurveyResponse(SQLModel, table=True):
    """One anonymous answer sheet of an evaluation survey.

    Nothing here leads back to the person: no user id, a random (uuid4) key rather than a
    serial that would follow the order of ``SurveyAnswered``, and no time at all. The context
    kept for the results is coarse: the session (and its trainer) or the topic, and the
    respondent's organisation kind and audience.
    """

    __tablename__ = "survey_response"

    id: str = Field(primary_key=True, max_length=32)  # uuid4().hex
    survey_id: str = Field(max_length=100)
    survey_version: str = Field(max_length=16, default="")
    topic_id: str = Field(max_length=100, index=True)
    session_id: int | None = Field(default=None, foreign_key="training_session.id", index=True)
    trainer_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    organisation_kind: str = Field(max_length=20, default="")  # an ORGANISATION_KINDS or ""
    audience: str = Field(max_length=50, default="")
    # question id → the chosen option's index, a list of them (multiple), or the text (open)
    answers: Any = Field(default=None, sa_column=Column(JSON, nullable=False))

    __table_args__ = (Index("ix_survey_response_survey_session", "survey_id", "session_id"),)


class SurveyAnswered(SQLModel, table=True):
    """That a person has answered a survey (for a session: ``session_id``; 0 for a topic's
    survey) — so that they are not asked again. Holds no answer, and only the day."""

    __tablename__ = "survey_answered"

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    survey_id: str = Field(max_length=100, primary_key=True)
    session_id: int = Field(default=0, primary_key=True)  # 0: the topic's survey
    answered_on: date


# --- The Bulletin's distribution: which issue went to whom (issue 18 item 4) ---------------

class BulletinDelivery(SQLModel, table=True):
    """That issue ``issue`` of the Bulletin was sent to one line of the distribution list.

    Recipients are not accounts (a name or a post at an organisation): nothing here is
    about a learner. ``copies`` is the line's number of copies when the issue was sent.
    """

    __tablename__ = "bulletin_delivery"

    recipient_id: int = Field(foreign_key="bulletin_recipient.id", primary_key=True)
    issue: int = Field(primary_key=True, index=True)
    sent_on: date
    copies: int = 1
