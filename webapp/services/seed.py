"""Reference and demo data: the programme's organisations, and demo accounts to try the app.

Both seeders are idempotent: they add what is missing and put back what a demo
account needs, so running them again changes nothing. They flush but never
commit; the caller decides (``dobro organisations``, ``dobro demo``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash

from webapp.localtime import SOFIA
from webapp.models import (
    Attendance,
    Group,
    GroupMember,
    GroupTrainer,
    Organisation,
    TrainingSession,
    User,
    utcnow,
)
from webapp.services import accounts, sessions


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    kind: str
    oblast: str


# The 21 members of the Association of Rhodope Municipalities, by oblast (CONTENT.md §8).
MEMBERS_BY_OBLAST: dict[str, tuple[str, ...]] = {
    "Смолян": ("Смолян", "Баните", "Борино", "Чепеларе", "Девин", "Доспат", "Мадан",
               "Неделино", "Рудозем", "Златоград"),
    "Кърджали": ("Кърджали", "Кирково", "Момчилград"),
    "Пловдив": ("Асеновград", "Лъки", "Родопи"),
    "Пазарджик": ("Батак", "Брацигово", "Ракитово", "Септември", "Велинград"),
}

ORGANISATIONS: tuple[OrganisationSpec, ...] = tuple(
    OrganisationSpec(f"Община {town}", "municipality", oblast)
    for oblast, towns in MEMBERS_BY_OBLAST.items() for town in towns
) + tuple(
    OrganisationSpec(f"Областна администрация {oblast}", "regional", oblast)
    for oblast in MEMBERS_BY_OBLAST
)

# Demo data is marked in its names, so it can never pass for a real body or person.
DEMO_NGO = OrganisationSpec("Сдружение „Родопи – гражданско участие“ (демо)", "ngo", "Смолян")
DEMO_GROUP = "Демо група – Смолян, 2027"
DEMO_GROUP_DESCRIPTION = "Демонстрационни данни от „dobro demo“; не са истински обучаеми."
# A demo is meant to be tried by anyone: one known password, the same on every run.
# ``dobro demo`` refuses to run on an https:// instance (see ``demo_allowed``).
DEMO_PASSWORD = "rodopi-demo-2027"


@dataclass(frozen=True)
class DemoPerson:
    name: str
    role: str
    audience: str | None = None
    organisation: str = ""
    position: str = ""
    username: str | None = None  # None: invited, has not joined yet


@dataclass(frozen=True)
class DemoLogin:
    """A demo account to print: who it is and how to sign in."""

    username: str
    password: str
    name: str
    role: str
    audience: str | None
    organisation: str


DEMO_ACCOUNTS: tuple[DemoPerson, ...] = (
    DemoPerson("Елена Стоянова (демо)", "learner", "employees", "Община Смолян",
               "юрисконсулт", "demo-slujitel"),
    DemoPerson("Николай Кехайов (демо)", "learner", "councillors", "Община Чепеларе",
               "общински съветник", "demo-savetnik"),
    DemoPerson("Радка Чолакова (демо)", "learner", "ngo", DEMO_NGO.name,
               "председател на сдружението", "demo-npo"),
    DemoPerson("Иван Боюклиев (демо)", "learner", "regional", "Областна администрация Смолян",
               "главен експерт", "demo-oblast"),
    DemoPerson("Теодора Маринова (демо)", "trainer", username="demo-obuchitel"),
    DemoPerson("Стоян Пашов (демо)", "coordinator", username="demo-koordinator"),
    DemoPerson("Администратор (демо)", "admin", username="demo-admin"),
)
# Invited to the demo group but not joined yet, so a trainer can try printing join codes.
DEMO_INVITEES: tuple[DemoPerson, ...] = (
    DemoPerson("Десислава Кирова (демо)", "learner", "employees", "Община Мадан",
               "експерт „Европейски програми и проекти“"),
    DemoPerson("Петър Хаджиев (демо)", "learner", "councillors", "Община Златоград",
               "общински съветник"),
)


def demo_allowed(base_url: str, force: bool) -> bool:
    """Tell whether demo accounts may be created: never on an https:// site unless forced."""
    return force or not base_url.strip().lower().startswith("https://")


def seed_organisations(db: Session) -> int:
    """Add the member municipalities and regional administrations that are missing; count them."""
    return sum(_ensure_organisation(db, spec)[1] for spec in ORGANISATIONS)


def seed_demo(db: Session, topics: Sequence[str] = ()) -> list[DemoLogin]:
    """Create (or restore) the demo organisation, accounts and group; return the demo logins.

    With the course's ``topics`` it also schedules two demo sessions of the first
    one for the demo group: one held two weeks ago, with attendance marked, and one
    in ten days, so the blended parts (attendance, calendar, reports) show data.
    """
    seed_organisations(db)
    _ensure_organisation(db, DEMO_NGO)
    users = {person: _ensure_user(db, person) for person in DEMO_ACCOUNTS + DEMO_INVITEES}
    group = db.exec(select(Group).where(Group.name == DEMO_GROUP)).first()
    if group is None:
        group = Group(name=DEMO_GROUP, description=DEMO_GROUP_DESCRIPTION)
        db.add(group)
        db.flush()
    for person, user in users.items():
        if person.role == "trainer":
            _ensure_link(db, GroupTrainer, group, user)
        elif person.role == "learner":
            _ensure_link(db, GroupMember, group, user)
    db.flush()
    if topics:
        trainer = next(u for p, u in users.items() if p.role == "trainer")
        _ensure_demo_sessions(db, group, trainer, users, topics[0])
    return [DemoLogin(p.username, DEMO_PASSWORD, p.name, p.role, p.audience, p.organisation)
            for p in DEMO_ACCOUNTS if p.username]


# (title, days from the first seeding, attendance by demo user name)
DEMO_SESSIONS: tuple[tuple[str, int, dict[str, str]], ...] = (
    ("Демо занятие 1 – Смолян (демо)", -14, {
        "demo-slujitel": "present", "demo-savetnik": "present", "demo-npo": "late",
        "demo-oblast": "absent"}),
    ("Демо занятие 2 – Смолян (демо)", 10, {}),
)


def _ensure_demo_sessions(db: Session, group: Group, trainer: User,
                          users: dict[DemoPerson, User], topic_id: str) -> None:
    by_username = {p.username: u for p, u in users.items() if p.username}
    today = datetime.now(SOFIA).date()
    for title, days, marks in DEMO_SESSIONS:
        found = db.exec(select(TrainingSession).where(TrainingSession.title == title)).first()
        if found is None:
            day = today + timedelta(days=days)
            found = sessions.create(
                db, trainer, topic_id=topic_id, title=title, municipality="Смолян",
                venue="Заседателна зала на общината (демо)",
                starts_at=datetime.combine(day, time(9, 30), SOFIA).astimezone(UTC),
                ends_at=datetime.combine(day, time(16, 30), SOFIA).astimezone(UTC),
                trainer_id=trainer.id, capacity=30)
        sessions.enrol(db, found, group)
        for username, status in marks.items():
            learner = by_username[username]
            if db.get(Attendance, (found.id, learner.id)) is None:
                sessions.mark(db, found, learner.id or 0, status, trainer)


def _ensure_organisation(db: Session, spec: OrganisationSpec) -> tuple[Organisation, bool]:
    found = db.exec(select(Organisation).where(Organisation.name == spec.name)).first()
    if found is not None:
        return found, False
    organisation = Organisation(name=spec.name, kind=spec.kind, oblast=spec.oblast)
    db.add(organisation)
    db.flush()
    return organisation, True


def _ensure_link(db: Session, link: type[GroupMember] | type[GroupTrainer], group: Group,
                 user: User) -> None:
    assert group.id is not None and user.id is not None  # both flushed
    if db.get(link, (group.id, user.id)) is None:
        db.add(link(group_id=group.id, user_id=user.id))


def _ensure_user(db: Session, person: DemoPerson) -> User:
    """Find the demo person (by user name, or by name for invitees) and restore their details."""
    if person.username:
        key = col(User.username) == person.username
    else:
        key = col(User.name) == person.name
    user = db.exec(select(User).where(key)).first() or User(name=person.name)
    organisation = None
    if person.organisation:
        organisation = db.exec(select(Organisation).where(
            Organisation.name == person.organisation)).one()
    wanted = {"name": person.name, "role": person.role, "audience": person.audience,
              "organisation_id": organisation.id if organisation else None,
              "position": person.position, "active": True}
    for attribute, value in wanted.items():
        if getattr(user, attribute) != value:
            setattr(user, attribute, value)
    if person.username:
        if user.username != person.username:
            user.username = person.username
        # Only a password that no longer matches is set again: a new hash would end sessions.
        if not user.password_hash or not check_password_hash(user.password_hash, DEMO_PASSWORD):
            accounts.set_password(user, DEMO_PASSWORD)
        if user.joined_at is None:
            user.joined_at = utcnow()
    db.add(user)
    db.flush()
    return user
