"""The donor report: the programme's indicators against its targets, and the learners' funnel.

Everything is counted with a handful of aggregate queries, whatever the number of
learners: no query per learner, and no attempt's questions or answers are read
(the stages' queries are in ``report_stages``).

Definitions (the page and ``docs/administration.md`` say the same):

* a *learner* is a user with the role ``learner``; the report's population is the
  learners enrolled (account created) in the period, optionally only those of
  one organisation kind;
* *enrolled* (reached): in the population;
* *attended*: present or late (``ATTENDED``) at one session or more;
* *studied*: every module the completion rules of their track require is studied
  (``course.rules.modules_done``, on the same checklist the learner sees);
* *passed*: every required final test passed, by the quiz's grading method and
  the pass mark of the latest finished attempt (``course.rules.finals_passed``);
* *certified* (trained): holds a valid programme certificate, the one issued when
  every required topic of their track is complete;
* each stage is counted on its own, as at the end of the period: what was done
  after the end date does not count.

Sessions held, attendance, certificates issued and Handbook recipients are
counted by their own date within the period.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, NamedTuple

from sqlalchemy import case, distinct, func
from sqlmodel import Session, col, select

from course.compiled import CompiledCourse
from webapp.localtime import SOFIA
from webapp.models import (
    ATTENDED,
    CERTIFICATE_ERASED_REASON,
    CERTIFICATE_REVOKED,
    CERTIFICATE_VALID,
    Attendance,
    BulletinRecipient,
    Certificate,
    Organisation,
    TrainingSession,
    User,
    utcnow,
)
from webapp.services import bulk
from webapp.services import report_stages as stages

Measure = Literal["people", "organisations", "recipients"]


@dataclass(frozen=True)
class Target:
    """One of the programme's targets: what is counted, of whom, and how many are wanted."""

    measure: Measure
    subject: str  # an audience id (people), an organisation kind (organisations), or ""
    wanted: int


# The programme's targets (the project brief), in one place. Audience ids are those of
# modules/course.yaml; a course without them simply shows 0 for these lines.
TARGETS: dict[str, Target] = {
    "employees": Target("people", "employees", 100),
    "councillors": Target("people", "councillors", 80),
    "municipalities": Target("organisations", "municipality", 21),
    "ngos": Target("organisations", "ngo", 10),
    "regional": Target("organisations", "regional", 4),
    "handbook": Target("recipients", "", 180),
}
STAGES = ("enrolled", "attended", "studied", "passed", "certified")
SEXES = ("f", "m", "x", "")


@dataclass(frozen=True)
class Filters:
    """The reporting period (dates in Europe/Sofia, both included) and an organisation kind."""

    start: date | None = None
    end: date | None = None
    kind: str = ""

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The period as aware UTC times: from the start's midnight to the day after the end."""
        low = datetime.combine(self.start, time(), SOFIA).astimezone(UTC) if self.start else None
        high = (datetime.combine(self.end + timedelta(days=1), time(), SOFIA).astimezone(UTC)
                if self.end else None)
        return low, high


def share(part: int, whole: int) -> int:
    """``part`` as a whole percent of ``whole``, halves rounded up (not to even)."""
    return int(100 * part / whole + 0.5) if whole else 0


@dataclass(frozen=True)
class Indicator:
    key: str
    target: int | None  # None: no target in the brief
    achieved: int
    reached: int | None = None  # enrolled learners, or organisations with one
    trained: int | None = None  # certified learners, or organisations with one
    extra: int | None = None  # copies (distribution list) or learners (attendance)

    @property
    def percent(self) -> int | None:
        return share(self.achieved, self.target) if self.target else None


@dataclass(frozen=True)
class Funnel:
    enrolled: int = 0
    attended: int = 0
    studied: int = 0
    passed: int = 0
    certified: int = 0

    def stages(self) -> list[tuple[str, int]]:
        return [(name, getattr(self, name)) for name in STAGES]


@dataclass(frozen=True)
class FunnelRow:
    key: str  # organisation id, audience id or sex ("" for none given)
    label: str
    kind: str  # the organisation's kind ("" elsewhere)
    funnel: Funnel


@dataclass(frozen=True)
class Report:
    filters: Filters
    generated_at: datetime
    indicators: list[Indicator]
    funnel: Funnel
    by_organisation: list[FunnelRow]
    by_audience: list[FunnelRow]
    by_sex: list[FunnelRow]

    def indicator(self, key: str) -> Indicator:
        return next(i for i in self.indicators if i.key == key)


@dataclass(frozen=True)
class CertificateLine:
    number: str
    holder: str
    organisation: str
    kind: str  # topic | programme
    title: str
    issued_at: datetime
    status: str


class _Learner(NamedTuple):
    organisation_id: int | None
    audience: str
    sex: str


# How many learners share an organisation, audience, sex and set of stages reached (a bit
# mask over ``STAGES``): a few hundred keys for thousands of learners, so every count of
# the report is a sum over this tally rather than a loop over the learners.
Tally = Counter[tuple[int | None, str, str, int]]


def _of_kind(query: Any, user_column: Any, kind: str) -> Any:
    """Keep only rows whose user belongs to an organisation of ``kind`` (if one is asked)."""
    if not kind:
        return query
    return query.join(User, col(User.id) == user_column).join(
        Organisation, col(Organisation.id) == User.organisation_id).where(
        Organisation.kind == kind)


def _learners(db: Session, filters: Filters) -> dict[int, _Learner]:
    low, high = filters.bounds()
    query = select(User.id, User.organisation_id, User.audience, User.sex).where(
        User.role == "learner", *stages.in_period(col(User.created_at), low, high))
    if filters.kind:
        query = query.join(Organisation, col(Organisation.id) == User.organisation_id).where(
            Organisation.kind == filters.kind)
    return {uid: _Learner(org, audience or "", sex if sex in SEXES else "")
            for uid, org, audience, sex in stages.rows(db, query) if uid is not None}


def _funnel(masks: Counter[int]) -> Funnel:
    return Funnel(**{name: sum(n for mask, n in masks.items() if mask & (1 << bit))
                     for bit, name in enumerate(STAGES)})


def _grouped(tally: Tally, part: int) -> dict[Any, Funnel]:
    """The funnel for each value of one part of the tally's key (0 organisation, 1 audience,
    2 sex)."""
    masks: dict[Any, Counter[int]] = defaultdict(Counter)
    for key, n in tally.items():
        masks[key[part]][key[3]] += n
    return {k: _funnel(v) for k, v in masks.items()}


def _certificate_counts(db: Session, filters: Filters) -> dict[str, int]:
    low, high = filters.bounds()
    # A certificate revoked only because its holder's data was erased was earned: it counts
    # as issued, not as revoked (report_stages.certified says the same).
    status = case((col(Certificate.revoked_reason) == CERTIFICATE_ERASED_REASON,
                   CERTIFICATE_VALID), else_=col(Certificate.status))
    query = select(status, func.count()).where(
        *stages.in_period(col(Certificate.issued_at), low, high)).group_by(status)
    return dict(db.exec(_of_kind(query, Certificate.user_id, filters.kind)).all())


def _sessions_held(db: Session, filters: Filters, now: datetime) -> int:
    low, high = filters.bounds()
    high = min(high, now) if high is not None else now
    return db.exec(select(func.count()).select_from(TrainingSession).where(
        *stages.in_period(col(TrainingSession.starts_at), low, high))).one()


def _attendance(db: Session, filters: Filters) -> tuple[int, int]:
    """Learners' attendances (present or late) at sessions in the period, and how many."""
    low, high = filters.bounds()
    query = (select(func.count(), func.count(distinct(col(Attendance.user_id))))
             .select_from(Attendance)
             .join(TrainingSession, col(TrainingSession.id) == Attendance.session_id)
             .where(col(Attendance.status).in_(ATTENDED),
                    *stages.in_period(col(TrainingSession.starts_at), low, high)))
    query = query.join(User, col(User.id) == Attendance.user_id).where(User.role == "learner")
    if filters.kind:
        query = query.join(Organisation, col(Organisation.id) == User.organisation_id).where(
            Organisation.kind == filters.kind)
    marks, people = db.exec(query).one()
    return int(marks or 0), int(people or 0)


def _recipients(db: Session, filters: Filters) -> tuple[int, int]:
    """Lines on the distribution list added in the period, and the copies they receive."""
    low, high = filters.bounds()
    query = select(func.count(), func.sum(BulletinRecipient.copies)).where(
        *stages.in_period(col(BulletinRecipient.created_at), low, high))
    if filters.kind:
        query = query.join(Organisation,
                           col(Organisation.id) == BulletinRecipient.organisation_id).where(
            Organisation.kind == filters.kind)
    lines, copies = db.exec(query).one()
    return int(lines or 0), int(copies or 0)


def _indicators(db: Session, filters: Filters, tally: Tally,
                organisations: dict[int, Organisation], now: datetime) -> list[Indicator]:
    certified = 1 << STAGES.index("certified")
    found = []
    for key, target in TARGETS.items():
        if target.measure == "people":
            mine = [(mask, n) for (_org, audience, _sex, mask), n in tally.items()
                    if audience == target.subject]
            trained = sum(n for mask, n in mine if mask & certified)
            found.append(Indicator(key, target.wanted, trained, sum(n for _m, n in mine),
                                   trained))
        elif target.measure == "organisations":
            kinds = {o.id: o.kind for o in organisations.values()}
            mine_orgs = [(org, mask) for (org, _a, _s, mask) in tally
                         if org is not None and kinds.get(org) == target.subject]
            reached = {org for org, _mask in mine_orgs}
            with_certified = {org for org, mask in mine_orgs if mask & certified}
            # "Reached" is what the brief counts; organisations with a certified learner beside.
            found.append(Indicator(key, target.wanted, len(reached), len(reached),
                                   len(with_certified)))
        else:
            lines, copies = _recipients(db, filters)
            found.append(Indicator(key, target.wanted, lines, extra=copies))
    certificates = _certificate_counts(db, filters)
    marks, people = _attendance(db, filters)
    found += [Indicator("certificates", None, certificates.get(CERTIFICATE_VALID, 0)),
              Indicator("certificates_revoked", None, certificates.get(CERTIFICATE_REVOKED, 0)),
              Indicator("sessions", None, _sessions_held(db, filters, now)),
              Indicator("attendance", None, marks, extra=people)]
    return found


def build(db: Session, course: CompiledCourse, build_dir: Path, filters: Filters,
          now: datetime | None = None) -> Report:
    """The whole report for ``filters``: indicators, the funnel and its breakdowns."""
    # Some 30,000 rows at 10,000 learners, made into short-lived objects that would set
    # the cyclic collector off over the whole heap now and then: paused, as on the
    # dashboard (``bulk.paused_gc``).
    with bulk.paused_gc():
        return _build(db, course, build_dir, filters, now or utcnow())


def _build(db: Session, course: CompiledCourse, build_dir: Path, filters: Filters,
           now: datetime) -> Report:
    _low, high = filters.bounds()
    learners = _learners(db, filters)
    audiences = {uid: learner.audience for uid, learner in learners.items()}
    studied, passed = stages.studied_and_passed(db, course, build_dir, audiences, high)
    stage_sets = [  # in the order of STAGES after "enrolled"
        stages.attended(db, high), studied, passed, stages.certified(db, high)]
    tally: Tally = Counter()
    for uid, learner in learners.items():
        mask = 1  # enrolled
        for bit, ids in enumerate(stage_sets, start=1):
            if uid in ids:
                mask |= 1 << bit
        tally[(learner.organisation_id, learner.audience, learner.sex, mask)] += 1
    organisations = {o.id: o for o in db.exec(select(Organisation)) if o.id is not None}
    everyone: Counter[int] = Counter()
    for key, n in tally.items():
        everyone[key[3]] += n
    return Report(filters, now, _indicators(db, filters, tally, organisations, now),
                  _funnel(everyone), _by_organisation(tally, organisations, filters.kind),
                  _by_audience(tally, course), _by_sex(tally))


def _organisation_order(org: Organisation) -> tuple[int, str, int]:
    """Municipalities first, then regional administrations, NGOs and others; by name."""
    kinds = ("municipality", "regional", "ngo")
    rank = kinds.index(org.kind) if org.kind in kinds else len(kinds)
    return rank, org.name, org.id or 0


def _by_organisation(tally: Tally, organisations: dict[int, Organisation],
                     kind: str) -> list[FunnelRow]:
    funnels = _grouped(tally, 0)
    rows = [FunnelRow(str(org.id), org.name, org.kind, funnels.get(org.id, Funnel()))
            for org in sorted(organisations.values(), key=_organisation_order)
            if not kind or org.kind == kind]
    if None in funnels:
        rows.append(FunnelRow("", "", "", funnels[None]))
    return rows


def _by_audience(tally: Tally, course: CompiledCourse) -> list[FunnelRow]:
    funnels = _grouped(tally, 1)
    rows = [FunnelRow(a, title, "", funnels.get(a, Funnel()))
            for a, title in course.audiences.items()]
    rows += [FunnelRow(a, a, "", f) for a, f in sorted(funnels.items())
             if a not in course.audiences]
    return rows


def _by_sex(tally: Tally) -> list[FunnelRow]:
    funnels = _grouped(tally, 2)
    return [FunnelRow(s, s, "", funnels.get(s, Funnel())) for s in SEXES]


def certificate_lines(db: Session, filters: Filters) -> list[CertificateLine]:
    """Every certificate issued in the period (valid, revoked or replaced), oldest first."""
    low, high = filters.bounds()
    # sqlmodel types select() for at most four columns; seven work the same at run time.
    query = select(  # type: ignore[call-overload]
        Certificate.number, Certificate.holder_name, Certificate.organisation_name,
        Certificate.kind, Certificate.title, Certificate.issued_at, Certificate.status).where(
        *stages.in_period(col(Certificate.issued_at), low, high)).order_by(
        col(Certificate.issued_at), col(Certificate.id))
    return [CertificateLine(*row) for row in db.exec(_of_kind(query, Certificate.user_id,
                                                              filters.kind))]
