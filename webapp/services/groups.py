"""Groups as their trainers see them: who looks after which group, its learners, their codes.

A trainer sees only the groups they look after (``GroupTrainer``); coordinators
and admins see every group. Anything outside what one may see is reported as
"not found", so an id never tells whether someone else's group exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from webapp.models import (
    COORDINATORS,
    Group,
    GroupMember,
    GroupTrainer,
    Invitation,
    Organisation,
    User,
    utcnow,
)
from webapp.services import accounts, audit, mail_messages


class GroupNotFound(Exception):
    """No such group or learner, or not one that this user may look after."""


@dataclass(frozen=True)
class GroupSummary:
    group: Group
    learners: int
    joined: int


@dataclass(frozen=True)
class Member:
    user: User
    organisation: Organisation | None

    @property
    def joined(self) -> bool:
        """Whether the learner has a user name (joined with a code, or was given one)."""
        return self.user.username is not None

    @property
    def may_get_code(self) -> bool:
        # Codes sign people in: staff accounts are never reset through a group.
        return self.user.role == "learner" and self.user.active


@dataclass(frozen=True)
class IssuedCode:
    """A code just made: it exists only here, the database keeps its hash."""

    member: Member
    code: str
    purpose: str  # join | reset
    expires_at: datetime


def groups_for(db: Session, user: User) -> list[GroupSummary]:
    """The groups ``user`` looks after, by name, with how many learners have joined."""
    query = (select(Group, func.count(col(User.id)), func.count(col(User.username)))
             .join(GroupMember, col(GroupMember.group_id) == Group.id, isouter=True)
             .join(User, col(User.id) == GroupMember.user_id, isouter=True)
             .group_by(col(Group.id)).order_by(Group.name))
    if user.role not in COORDINATORS:
        query = query.where(col(Group.id).in_(
            select(GroupTrainer.group_id).where(GroupTrainer.user_id == user.id)))
    return [GroupSummary(group, learners, joined) for group, learners, joined in db.exec(query)]


def group_for(db: Session, user: User, group_id: int) -> Group:
    """The group ``group_id`` if ``user`` may look after it."""
    group = db.get(Group, group_id)
    if group is None:
        raise GroupNotFound(group_id)
    if user.role not in COORDINATORS and db.get(GroupTrainer, (group.id, user.id)) is None:
        raise GroupNotFound(group_id)
    return group


def learners_in_care(db: Session, user: User) -> frozenset[int] | None:
    """The ids of the learners ``user`` looks after; ``None`` for those who see everyone."""
    if user.role in COORDINATORS:
        return None
    rows = db.exec(select(GroupMember.user_id).join(
        GroupTrainer, col(GroupTrainer.group_id) == GroupMember.group_id).where(
        GroupTrainer.user_id == user.id))
    return frozenset(rows)


def members(db: Session, group: Group) -> list[Member]:
    """The group's members with their organisations, by name."""
    rows = db.exec(select(User, Organisation)
                   .join(GroupMember, col(GroupMember.user_id) == User.id)
                   .join(Organisation, col(Organisation.id) == User.organisation_id, isouter=True)
                   .where(GroupMember.group_id == group.id)
                   .order_by(User.name, col(User.id)))
    return [Member(user, organisation) for user, organisation in rows]


def learner_in(db: Session, group: Group, user_id: int) -> Member:
    """The member ``user_id`` of ``group``, if a code may be issued to them."""
    for member in members(db, group):
        if member.user.id == user_id and member.may_get_code:
            return member
    raise GroupNotFound(user_id)


def organisations(db: Session) -> list[Organisation]:
    """Every organisation, grouped by kind and oblast, for choosing one."""
    return list(db.exec(select(Organisation).order_by(
        Organisation.kind, Organisation.oblast, Organisation.name)))


def add_learner(db: Session, group: Group, name: str, organisation_id: int, audience: str,
                position: str = "", specialism: str | None = None) -> User:
    """Create a learner who has not joined yet and put them in ``group``."""
    if db.get(Organisation, organisation_id) is None:
        raise GroupNotFound(organisation_id)
    user = User(name=name, role="learner", audience=audience, organisation_id=organisation_id,
                position=position, specialism=specialism)
    db.add(user)
    db.flush()
    assert group.id is not None and user.id is not None  # both flushed
    db.add(GroupMember(group_id=group.id, user_id=user.id))
    db.flush()
    return user


def update_learner(db: Session, member: Member, name: str, organisation_id: int, audience: str,
                   position: str, specialism: str | None) -> User:
    """Change a learner's details as their trainer edits them (the caller commits)."""
    if db.get(Organisation, organisation_id) is None:
        raise GroupNotFound(organisation_id)
    user = member.user
    user.name, user.organisation_id, user.audience = name, organisation_id, audience
    user.position, user.specialism = position, specialism
    db.add(user)
    db.flush()
    return user


def new_code(db: Session, member: Member, created_by: User,
             send: bool | None = None) -> IssuedCode:
    """A join code for someone who has not joined, a reset code for someone who has;
    ``send``: by e-mail too (None: when e-mail is on and they have an address)."""
    purpose = "reset" if member.joined else "join"
    code, invitation = accounts.issue_invitation(db, member.user, purpose, created_by)
    mail_messages.code_made(db, member.user, code, invitation, created_by, send)
    audit.record(db, created_by, f"{purpose}_code", member.user, f"user:{member.user.id}")
    return IssuedCode(member, code, purpose, invitation.expires_at)


def join_codes(db: Session, group: Group, created_by: User,
               send: bool | None = None) -> list[IssuedCode]:
    """New join codes for the learners of ``group`` who have not joined; older ones stop working."""
    return [new_code(db, member, created_by, send) for member in members(db, group)
            if member.may_get_code and not member.joined]


def codes_held(db: Session, found: Sequence[Member]) -> dict[int, Invitation]:
    """The code each of ``found`` holds that still works (unused, not expired), by user id.

    Making a code voids the earlier ones, so a learner holds at most one.
    """
    ids = [m.user.id for m in found if m.user.id is not None]
    if not ids:
        return {}
    now = utcnow()
    rows = db.exec(select(Invitation).where(col(Invitation.user_id).in_(ids),
                                            col(Invitation.used_at).is_(None),
                                            col(Invitation.expires_at) > now)
                   .order_by(col(Invitation.created_at)))
    return {row.user_id: row for row in rows}


def waiting(found: Sequence[Member]) -> list[Member]:
    """The learners who may join with a code and have not yet."""
    return [m for m in found if m.may_get_code and not m.joined]


def email_invitations(db: Session, group: Group, created_by: User) -> list[IssuedCode]:
    """Join codes, sent by e-mail, for the learners of ``group`` who have not joined, hold
    no code that works and have an address (after an import); the others get cards."""
    pending = [m for m in waiting(members(db, group)) if (m.user.email or "").strip()]
    held = codes_held(db, pending)
    return [new_code(db, member, created_by, send=True) for member in pending
            if member.user.id not in held]


def missing_codes(db: Session, group: Group, created_by: User,
                  send: bool | None = None) -> list[IssuedCode]:
    """Join codes for the learners of ``group`` who have not joined and hold no code that
    works; the codes already handed out keep working."""
    pending = waiting(members(db, group))
    held = codes_held(db, pending)
    return [new_code(db, member, created_by, send) for member in pending
            if member.user.id not in held]
