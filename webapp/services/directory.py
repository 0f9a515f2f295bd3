"""The programme's directory: organisations, groups and their trainers, staff accounts.

Admins keep the organisations (the seeded municipalities and regional
administrations, and the NGOs and others they add) and the staff accounts;
coordinators and admins make groups and put trainers in charge of them.
Functions here change the session and flush; the view commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, func, select

from webapp.models import STAFF, Group, GroupMember, GroupTrainer, Organisation, User
from webapp.services import accounts, audit, mail_messages


class DirectoryError(Exception):
    """A change the directory refuses; ``code`` names the reason for the view's message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class OrganisationRow:
    organisation: Organisation
    learners: int


@dataclass(frozen=True)
class GroupRow:
    group: Group
    trainers: list[User]
    learners: int


@dataclass(frozen=True)
class StaffCode:
    """A code just made for a staff account: it exists only here, the database keeps its hash."""

    user: User
    code: str
    purpose: str  # join | reset
    expires_at: datetime


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


# --- Organisations ---------------------------------------------------------------------------

def organisation_rows(db: Session) -> list[OrganisationRow]:
    """Every organisation with how many learners it has, by kind, oblast and name."""
    query = (select(Organisation, func.count(col(User.id)))
             .join(User, (col(User.organisation_id) == Organisation.id)
                   & (col(User.role) == "learner"), isouter=True)
             .group_by(col(Organisation.id))
             .order_by(Organisation.kind, Organisation.oblast, Organisation.name))
    return [OrganisationRow(org, count) for org, count in db.exec(query)]


def _check_name_free(db: Session, name: str, own_id: int | None) -> None:
    for other_id, other in db.exec(select(Organisation.id, Organisation.name)):
        if other_id != own_id and _key(other) == _key(name):
            raise DirectoryError("organisation-exists")


def add_organisation(db: Session, name: str, kind: str, oblast: str) -> Organisation:
    """A new organisation; a name already taken (whatever its case or spaces) is refused."""
    _check_name_free(db, name, None)
    organisation = Organisation(name=name, kind=kind, oblast=oblast)
    db.add(organisation)
    db.flush()
    return organisation


def update_organisation(db: Session, organisation: Organisation, name: str, kind: str,
                        oblast: str) -> Organisation:
    """Rename or reclassify; certificates already issued keep the name they were issued with."""
    _check_name_free(db, name, organisation.id)
    organisation.name, organisation.kind, organisation.oblast = name, kind, oblast
    db.add(organisation)
    db.flush()
    return organisation


# --- Groups ----------------------------------------------------------------------------------

def group_rows(db: Session) -> list[GroupRow]:
    """Every group with its trainers and how many learners it has, by name."""
    counts = dict(db.exec(select(GroupMember.group_id, func.count())
                          .group_by(col(GroupMember.group_id))).all())
    trainers: dict[int, list[User]] = {}
    for group_id, user in db.exec(select(GroupTrainer.group_id, User)
                                  .join(User, col(User.id) == GroupTrainer.user_id)
                                  .order_by(User.name)):
        trainers.setdefault(group_id, []).append(user)
    return [GroupRow(group, trainers.get(group.id or 0, []), counts.get(group.id or 0, 0))
            for group in db.exec(select(Group).order_by(Group.name))]


def staff(db: Session, roles: Iterable[str] = STAFF) -> list[User]:
    """Staff accounts of ``roles``, active first, by name."""
    return list(db.exec(select(User).where(col(User.role).in_(tuple(roles)))
                        .order_by(col(User.active).desc(), User.name, col(User.id))))


def group_trainer_ids(db: Session, group: Group) -> list[int]:
    return list(db.exec(select(GroupTrainer.user_id).where(GroupTrainer.group_id == group.id)))


def _check_group_name_free(db: Session, name: str, own_id: int | None) -> None:
    for other_id, other in db.exec(select(Group.id, Group.name)):
        if other_id != own_id and _key(other) == _key(name):
            raise DirectoryError("group-exists")


def _set_trainers(db: Session, group: Group, trainer_ids: Iterable[int]) -> None:
    wanted = set(trainer_ids)
    allowed = {u.id for u in staff(db, STAFF) if u.active}
    if not wanted <= allowed:
        raise DirectoryError("not-a-trainer")
    db.exec(delete(GroupTrainer).where(col(GroupTrainer.group_id) == group.id))
    assert group.id is not None  # flushed
    for user_id in sorted(wanted):
        db.add(GroupTrainer(group_id=group.id, user_id=user_id))
    db.flush()


def add_group(db: Session, name: str, description: str, trainer_ids: Iterable[int]) -> Group:
    """A new group (cohort) looked after by ``trainer_ids``."""
    _check_group_name_free(db, name, None)
    group = Group(name=name, description=description)
    db.add(group)
    db.flush()
    _set_trainers(db, group, trainer_ids)
    return group


def update_group(db: Session, group: Group, name: str, description: str,
                 trainer_ids: Iterable[int]) -> Group:
    """Rename a group, describe it, change who looks after it."""
    _check_group_name_free(db, name, group.id)
    group.name, group.description = name, description
    db.add(group)
    db.flush()
    _set_trainers(db, group, trainer_ids)
    return group


# --- Staff accounts --------------------------------------------------------------------------

def _code(db: Session, user: User, created_by: User) -> StaffCode:
    purpose = "reset" if user.username else "join"
    code, invitation = accounts.issue_invitation(db, user, purpose, created_by)
    mail_messages.code_made(db, user, code, invitation, created_by, None)
    audit.record(db, created_by, f"{purpose}_code", user, f"user:{user.id}")
    return StaffCode(user, code, purpose, invitation.expires_at)


def add_staff(db: Session, name: str, role: str, email: str, organisation_id: int | None,
              created_by: User) -> StaffCode:
    """A staff account and its join code: the person chooses a user name and a password."""
    if role not in STAFF:
        raise DirectoryError("bad-role")
    if organisation_id is not None and db.get(Organisation, organisation_id) is None:
        raise DirectoryError("no-organisation")
    user = User(name=name, role=role, email=email or None, organisation_id=organisation_id)
    db.add(user)
    db.flush()
    return _code(db, user, created_by)


def staff_member(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None or user.role not in STAFF:
        raise DirectoryError("not-found")
    return user


def staff_code(db: Session, user: User, created_by: User) -> StaffCode:
    """A new join code (not joined yet) or password code (joined) for an active staff account."""
    if not user.active:
        raise DirectoryError("inactive")
    return _code(db, user, created_by)


def set_active(db: Session, user: User, active: bool, actor: User) -> None:
    """Close or reopen a staff account; closing ends its sessions and voids its codes.

    No one closes their own account, so there is always an admin who can reopen it.
    """
    if user.id == actor.id:
        raise DirectoryError("self")
    if active and user.pseudonymised_at is not None:  # erased (issue 16): stays closed
        raise DirectoryError("erased")
    if user.active == active:
        return
    user.active = active
    if not active:
        user.session_version += 1
        accounts.void_codes(db, user)
    db.add(user)
    db.flush()
