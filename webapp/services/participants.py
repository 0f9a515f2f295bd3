"""Importing participants from a table: a preview of every change and error, then one apply.

Rules (the same on the web page and in ``dobro participants import``):

* Columns are named in Bulgarian or English (``HEADERS``); name, organisation and
  audience are required; position, sex, email, phone, group and specialism are optional.
  A specialism is one of the row's audience's (``modules/course.yaml``), named by its id
  or its title in any case.
* Identity, so that importing the same file again creates no one twice: the email
  (case-insensitive) when the row has one; otherwise the name (spaces squeezed,
  case-insensitive) together with the organisation. A row with an email that no one
  has yet also matches a learner of the same name and organisation without an email.
* An empty optional cell leaves the stored value as it is (it never erases).
* All or nothing: while any row has an error, nothing is written.
* Only learners are created or changed; a row that names a staff account is an error.
* Whose stored records a row may match is the caller's ``scope``: on the web a
  trainer's import matches only learners of the groups they look after (a match
  outside them is a row error that shows nothing stored about that person), while
  coordinators, admins and the command line match across the whole database and
  the preview says so.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, col, func, select

from course.compiled import Specialism
from webapp.models import Group, GroupMember, Organisation, User
from webapp.services.participant_files import MAX_CELL, Message, Table, column_letter
from webapp.services.specialisms import SpecialismError
from webapp.services.specialisms import find as find_specialism

FIELDS = ("name", "organisation", "audience", "position", "sex", "email", "phone", "group",
          "specialism")
REQUIRED = ("name", "organisation", "audience")
LABELS = {"name": "Име", "organisation": "Организация", "audience": "Целева група",
          "position": "Длъжност", "sex": "Пол", "email": "Имейл", "phone": "Телефон",
          "group": "Група", "specialism": "Специалност"}
HEADERS = {**{label.casefold(): key for key, label in LABELS.items()},
           **{key: key for key in FIELDS},
           "organization": "organisation", "e-mail": "email", "имейл адрес": "email",
           "e-mail адрес": "email", "gender": "sex", "телефонен номер": "phone",
           "име и фамилия": "name", "full name": "name", "група": "group",
           "specialty": "specialism", "speciality": "specialism",
           "аудитория": "audience"}  # the column's name before the UI said "целева група"
SEXES = {"f": "жена", "m": "мъж", "x": "друго"}
SEX_WORDS = {"f": "f", "ж": "f", "жена": "f", "female": "f",
             "m": "m", "м": "m", "мъж": "m", "male": "m",
             "x": "x", "друго": "x", "other": "x"}
LIMITS = {"name": 200, "position": 200, "email": 254, "phone": 30, "group": 200,
          "specialism": 200}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ()/-]{6,30}$")


class ImportRefused(Exception):
    """The preview has errors: nothing was written."""


@dataclass(frozen=True)
class RowError:
    """What is wrong in one row (or cell) and what to do, translated when it is shown."""

    row: int
    column: str  # the letter, "" for the whole row
    column_name: str
    message: Message

    def __str__(self) -> str:
        if self.column:
            return str(_l("row %(row)s, column %(column)s (%(name)s): %(message)s",
                          row=self.row, column=self.column, name=self.column_name,
                          message=self.message))
        return str(_l("row %(row)s: %(message)s", row=self.row, message=self.message))


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass
class Planned:
    """What one row of the file will do."""

    row: int
    values: dict[str, str]  # name, organisation, audience … as they will be stored
    organisation_id: int
    group_name: str
    user: User | None = None  # None: a new learner
    changes: list[Change] = field(default_factory=list)
    joins_group: bool = False
    offered_specialisms: frozenset[str] = frozenset()  # the ids of the audience's


@dataclass
class Preview:
    creates: list[Planned] = field(default_factory=list)
    updates: list[Planned] = field(default_factory=list)
    unchanged: list[Planned] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    groups_to_create: list[str] = field(default_factory=list)
    whole_database: bool = True  # matched across every learner, not one trainer's


    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Summary:
    created: int
    updated: int
    unchanged: int
    groups_created: int
    joined: tuple[User, ...] = ()  # the learners added to a group they were not in


def squeeze(text: str) -> str:
    return " ".join(text.split())


def name_key(name: str) -> str:
    return squeeze(name).casefold()


@dataclass
class _Context:
    """What validation looks things up in, loaded once per preview."""

    organisations: dict[str, Organisation]
    audiences: dict[str, str]  # a casefolded id or title → the id
    audience_titles: Mapping[str, str]
    specialisms: Mapping[str, Sequence[Specialism]]  # an audience's id → its specialisms
    default_group: str
    fixed_group: bool  # the web page imports into its own group only
    scope: frozenset[int] | None  # the learners a row may match; None: everyone


def preview(db: Session, table: Table, audiences: Mapping[str, str], group: str = "",
            fixed_group: bool = False, scope: Collection[int] | None = None,
            specialisms: Mapping[str, Sequence[Specialism]] | None = None) -> Preview:
    """Check every row of ``table`` against the database and say what importing would do.

    ``scope`` holds the ids of the learners whose records a row may match (a trainer's
    own); ``None`` matches across the whole database (coordinators, admins, the CLI).
    ``specialisms`` are the course's, by audience (``CompiledCourse.specialisms``).
    """
    result = Preview(whole_database=scope is None)
    columns = _columns(table, result)
    if not result.ok:
        return result
    context = _Context(
        organisations={name_key(o.name): o for o in db.exec(select(Organisation))},
        audiences={**{k.casefold(): k for k in audiences},
                   **{name_key(t): k for k, t in audiences.items()}},
        audience_titles=audiences, specialisms=specialisms or {}, default_group=group,
        fixed_group=fixed_group,
        scope=None if scope is None else frozenset(scope))
    seen: dict[tuple[str, ...], int] = {}
    for row in table.rows:
        cells = {key: squeeze(row.cells[i]) if i < len(row.cells) else ""
                 for key, i in columns.items()}
        errors_before = len(result.errors)
        planned = _validate(row.number, cells, columns, context, result)
        if planned is None or len(result.errors) > errors_before:
            continue
        key = _identity(planned)
        if key in seen:
            result.errors.append(RowError(row.number, "", "", _l(
                "repeats row %(row)s (the same e-mail, or the same name and organisation): "
                "delete one of the two rows", row=seen[key])))
            continue
        seen[key] = row.number
        _match(db, planned, result, columns, context.scope)
    return result


def _columns(table: Table, result: Preview) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(table.header):
        if not title:
            continue
        key = HEADERS.get(name_key(title))
        letter = column_letter(index)
        if key is None:
            result.errors.append(RowError(1, letter, title, _l(
                "unknown column “%(title)s”: rename it to one of %(expected)s, or delete it",
                title=title, expected=", ".join(LABELS.values()))))
        elif key in columns:
            result.errors.append(RowError(1, letter, title, _l(
                "the column appears twice: delete one of the two")))
        else:
            columns[key] = index
    for key in REQUIRED:
        if key not in columns:
            result.errors.append(RowError(1, "", "", _l(
                "the column “%(label)s” (%(key)s) is missing: add it to the first row",
                label=LABELS[key], key=key)))
    return columns


def _error(result: Preview, row: int, columns: dict[str, int], key: str,
           message: Message) -> None:
    result.errors.append(RowError(row, column_letter(columns[key]), LABELS[key], message))


def _validate(row: int, cells: dict[str, str], columns: dict[str, int], context: _Context,
              result: Preview) -> Planned | None:
    for key, value in cells.items():
        if len(value) > LIMITS.get(key, MAX_CELL):
            _error(result, row, columns, key, _l(
                "too long (%(length)s characters; at most %(limit)s): shorten it",
                length=len(value), limit=LIMITS.get(key, MAX_CELL)))
            cells[key] = ""
    too_long = {e.column_name for e in result.errors if e.row == row}
    for key in REQUIRED:
        if not cells[key] and LABELS[key] not in too_long:
            _error(result, row, columns, key, _l("required: fill it in"))
    organisation = context.organisations.get(name_key(cells["organisation"]))
    if cells["organisation"] and organisation is None:
        _error(result, row, columns, "organisation", _l(
            "unknown organisation “%(name)s”: write its name as the list of organisations "
            "has it, or ask an administrator to add it", name=cells["organisation"]))
    audience = context.audiences.get(name_key(cells["audience"]))
    if cells["audience"] and audience is None:
        _error(result, row, columns, "audience", _l(
            "unknown audience “%(value)s”: write one of %(expected)s",
            value=cells["audience"], expected=", ".join(context.audience_titles.values())))
    sex = SEX_WORDS.get(cells.get("sex", "").casefold(), None) if cells.get("sex") else ""
    if sex is None:
        _error(result, row, columns, "sex", _l(
            "unknown sex “%(value)s”: write ж, м or друго, or leave the cell empty",
            value=cells["sex"]))
    email = cells.get("email", "").lower()
    if email and not EMAIL.match(email):
        _error(result, row, columns, "email", _l(
            "invalid e-mail “%(value)s”: correct it (name@example.bg) or leave the cell empty",
            value=cells["email"]))
    phone = cells.get("phone", "")
    if phone and not PHONE.match(phone):
        _error(result, row, columns, "phone", _l(
            "invalid phone “%(value)s”: write only digits, spaces and + (0888 123 456), "
            "or leave the cell empty", value=phone))
    group = cells.get("group", "") or context.default_group
    if context.fixed_group and cells.get("group") and name_key(group) != name_key(
            context.default_group):
        _error(result, row, columns, "group", _l(
            "another group “%(value)s”: this page imports participants into the group "
            "“%(group)s” only; leave the cell empty, or import the row from that group's page",
            value=cells["group"], group=context.default_group))
    specialism = _specialism(row, cells.get("specialism", ""), audience, columns, context,
                             result)
    if organisation is None or audience is None or sex is None or specialism is None:
        return None
    assert organisation.id is not None
    values = {"name": cells["name"], "organisation": organisation.name, "audience": audience,
              "position": cells.get("position", ""), "sex": sex, "email": email,
              "phone": phone, "specialism": specialism}
    return Planned(row, values, organisation.id, group, offered_specialisms=frozenset(
        s.id for s in context.specialisms.get(audience, ())))


def _specialism(row: int, cell: str, audience: str | None, columns: dict[str, int],
                context: _Context, result: Preview) -> str | None:
    """The id of the specialism ``cell`` names ("" for none); None, with a row error, when
    it is not one of the audience's (an unknown audience has its own error already)."""
    if not cell or audience is None:
        return "" if not cell else None
    offered = context.specialisms.get(audience, ())
    try:
        found = find_specialism(offered, cell)
    except SpecialismError:
        title = context.audience_titles.get(audience, audience)
        if offered:
            message = _l("unknown specialism “%(value)s” for the audience “%(audience)s”: "
                         "write one of %(expected)s, or leave the cell empty", value=cell,
                         audience=title, expected=", ".join(s.title for s in offered))
        else:
            message = _l("the audience “%(audience)s” has no specialisms: leave the cell empty",
                         audience=title)
        _error(result, row, columns, "specialism", message)
        return None
    return found.id if found else ""


def _identity(planned: Planned) -> tuple[str, ...]:
    if planned.values["email"]:
        return ("email", planned.values["email"])
    return ("name", name_key(planned.values["name"]), str(planned.organisation_id))


def _candidates(db: Session, planned: Planned) -> list[User]:
    """Everyone the row may be: those with its email, else those of its name and organisation."""
    email = planned.values["email"]
    if email:
        found = list(db.exec(select(User).where(func.lower(User.email) == email)
                             .order_by(col(User.id))))
        if found:
            return found
    same_name = db.exec(select(User).where(User.organisation_id == planned.organisation_id)
                        .order_by(col(User.id)))
    return [user for user in same_name
            if name_key(user.name) == name_key(planned.values["name"])
            and (not user.email or user.email.lower() == email)]


def _match(db: Session, planned: Planned, result: Preview, columns: dict[str, int],
           scope: frozenset[int] | None) -> None:
    candidates = _candidates(db, planned)
    column = "email" if planned.values["email"] else "name"
    if scope is not None:
        mine = [user for user in candidates if user.id in scope]
        if candidates and not mine:
            # Someone outside the trainer's groups: say so, and nothing else about them.
            _error(result, planned.row, columns, column, _l(
                "matches someone who is not in your groups; the import from this page changes "
                "only participants of your groups. Ask a coordinator to add them to the "
                "group."))
            return
        candidates = mine
    user = candidates[0] if candidates else None
    group = _group(db, planned.group_name) if planned.group_name else None
    if planned.group_name and group is None and planned.group_name not in \
            result.groups_to_create:
        result.groups_to_create.append(planned.group_name)
    if user is None:
        result.creates.append(planned)
        return
    if user.role != "learner":
        _error(result, planned.row, columns, column, _l(
            "this is a staff account (trainer, coordinator or administrator); the import "
            "changes learners only: delete the row"))
        return
    planned.user = user
    planned.changes = _changes(db, user, planned)
    planned.joins_group = planned.group_name != "" and (
        group is None or group.id is None or db.get(GroupMember, (group.id, user.id)) is None)
    (result.updates if planned.changes or planned.joins_group else result.unchanged).append(
        planned)


def _group(db: Session, name: str) -> Group | None:
    return db.exec(select(Group).where(Group.name == name)).first()


def _stored(user: User) -> dict[str, str]:
    return {"name": user.name, "audience": user.audience or "", "position": user.position,
            "sex": user.sex, "email": (user.email or "").lower(), "phone": user.phone,
            "specialism": user.specialism or ""}


def _changes(db: Session, user: User, planned: Planned) -> list[Change]:
    stored = _stored(user)
    changes = []
    if user.organisation_id != planned.organisation_id:
        before = db.get(Organisation, user.organisation_id) if user.organisation_id else None
        changes.append(Change("organisation", LABELS["organisation"],
                              before.name if before else "", planned.values["organisation"]))
    for key, old in stored.items():
        new = planned.values[key]
        # An empty optional cell keeps what is stored; the name changes only in spelling.
        if new and new != old and not (key == "name" and name_key(new) == name_key(old)):
            changes.append(Change(key, LABELS[key], old, new))
    old = stored["specialism"]
    if old and not planned.values["specialism"] and old not in planned.offered_specialisms:
        # Not one of the row's audience's (the audience changes): it goes with the old one.
        changes.append(Change("specialism", LABELS["specialism"], old, ""))
    return changes


def apply(db: Session, table: Table, audiences: Mapping[str, str], group: str = "",
          fixed_group: bool = False, scope: Collection[int] | None = None,
          specialisms: Mapping[str, Sequence[Specialism]] | None = None
          ) -> tuple[Preview, Summary]:
    """Check ``table`` again and, if it has no errors, write it (the caller commits)."""
    plan = preview(db, table, audiences, group, fixed_group, scope, specialisms)
    if not plan.ok:
        raise ImportRefused(plan.errors)
    groups: dict[str, Group] = {}
    for name in plan.groups_to_create:
        groups[name] = Group(name=name)
        db.add(groups[name])
    db.flush()
    joined: list[User] = []
    for planned in plan.creates + plan.updates:
        user = planned.user or User(name=planned.values["name"], role="learner")
        user.organisation_id = planned.organisation_id
        for key in ("audience", "position", "sex", "email", "phone", "specialism"):
            if planned.values[key] or planned.user is None:
                setattr(user, key, planned.values[key] or _empty(key))
        if planned.user is not None and any(c.field == "name" for c in planned.changes):
            user.name = planned.values["name"]
        if any(c.field == "specialism" and not c.new for c in planned.changes):
            user.specialism = None
        db.add(user)
        db.flush()
        if planned.group_name:
            target = groups.get(planned.group_name) or _group(db, planned.group_name)
            assert target is not None and target.id is not None and user.id is not None
            if db.get(GroupMember, (target.id, user.id)) is None:
                db.add(GroupMember(group_id=target.id, user_id=user.id))
                joined.append(user)
    db.flush()
    return plan, Summary(len(plan.creates), len(plan.updates), len(plan.unchanged),
                         len(plan.groups_to_create), tuple(joined))


def _empty(key: str) -> str | None:
    return None if key in ("email", "specialism") else ""
