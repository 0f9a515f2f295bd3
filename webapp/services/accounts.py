"""Accounts: invitation and reset codes, passwords, and signing in.

Codes are shown once, printed, and handed out by a trainer; the database keeps
only their SHA-256. Failed logins and code attempts are counted in the database
(services/limits.py), so the limits hold across workers.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import and_, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.models import Invitation, KnownAddress, User, utcnow
from webapp.services import limits

# Re-exported: the code and certificate look-up limits count through accounts.
from webapp.services.limits import THROTTLE_LIMIT as THROTTLE_LIMIT
from webapp.services.limits import THROTTLE_WINDOW as THROTTLE_WINDOW
from webapp.services.limits import record_failure as record_failure
from webapp.services.limits import throttled as throttled

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
CODE_LENGTH = 12
CODE_LIFETIME = timedelta(days=60)
MIN_PASSWORD = 10
MAX_PASSWORD = 200
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
# scrypt (Werkzeug's default) with explicit parameters: memory-hard, no extra dependency.
PASSWORD_METHOD = "scrypt:32768:8:1"


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)


class AccountError(Exception):
    """A request about an account that cannot be carried out; ``code`` names why."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def normalise_code(code: str) -> str:
    """Upper case without spaces or hyphens, as a code is typed from paper."""
    return re.sub(r"[\s-]", "", code).upper()


def format_code(code: str) -> str:
    """Group a code in fours for printing: ABCD-EFGH-JKLM."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def issue_code(db: Session, user: User, purpose: str, created_by: User | None) -> str:
    """Create a new one-time code for ``user``; earlier unused codes stop working."""
    return issue_invitation(db, user, purpose, created_by)[0]


def issue_invitation(db: Session, user: User, purpose: str,
                     created_by: User | None) -> tuple[str, Invitation]:
    """Create a new one-time code for ``user`` and return it with its (unsaved) record."""
    void_codes(db, user)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = utcnow()
    # Codes one makes for oneself need no notice; a code made by someone else does.
    told = now if created_by is None or created_by.id == user.id else None
    invitation = Invitation(user_id=user.id, code_hash=hash_code(code), purpose=purpose,  # type: ignore[arg-type]
                            created_by=created_by.id if created_by else None,
                            created_at=now, expires_at=now + CODE_LIFETIME, notified_at=told)
    db.add(invitation)
    return format_code(code), invitation


def void_codes(db: Session, user: User) -> None:
    """Make the user's unused codes stop working, keeping their records."""
    now = utcnow()
    db.exec(update(Invitation).where(col(Invitation.user_id) == user.id,
                                     col(Invitation.used_at).is_(None),
                                     col(Invitation.expires_at) > now).values(expires_at=now))


@dataclass(frozen=True)
class ResetNotice:
    """A password code someone else made for a user: who, and when."""

    made_by: str
    made_at: datetime
    used: bool


def reset_notices(db: Session, user: User) -> list[ResetNotice]:
    """The password codes others made for ``user`` that they were not told of; now told."""
    maker = aliased(User)
    rows = db.exec(select(Invitation, maker.name)
                   .join(maker, col(maker.id) == Invitation.created_by, isouter=True)
                   .where(Invitation.user_id == user.id, Invitation.purpose == "reset",
                          col(Invitation.notified_at).is_(None))
                   .order_by(col(Invitation.created_at))).all()
    now = utcnow()
    for invitation, _name in rows:
        invitation.notified_at = now
        db.add(invitation)
    return [ResetNotice(name or "", invitation.created_at, invitation.used_at is not None)
            for invitation, name in rows]


def find_code(db: Session, code: str) -> tuple[Invitation, User]:
    """The unused, unexpired invitation for ``code`` and its user."""
    if not 8 <= len(normalise_code(code)) <= 32:
        raise AccountError("bad-code")
    invitation = db.exec(select(Invitation).where(
        Invitation.code_hash == hash_code(code))).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at < utcnow():
        raise AccountError("bad-code")
    user = db.get(User, invitation.user_id)
    if user is None or not user.active:
        raise AccountError("bad-code")
    return invitation, user


def check_new_password(password: str, user: User) -> None:
    """Refuse passwords that are too short, too long, the user's own name or common."""
    if len(password) < MIN_PASSWORD:
        raise AccountError("password-short")
    if len(password) > MAX_PASSWORD:
        raise AccountError("password-long")
    lowered = password.lower()
    if user.username and user.username in lowered or lowered in user.name.lower():
        raise AccountError("password-name")
    if is_common(password):
        raise AccountError("password-common")


# What people add to a common word to pass a length rule: "password123", "qwerty2027!".
_TRAILING = re.compile(r"[\d\W_]+$")


def is_common(password: str) -> bool:
    """Whether ``password``, in any case and without digits or symbols at its end, is among
    the most used ones (the first an attacker tries)."""
    lowered = password.strip().lower()
    common = _common_passwords()
    return lowered in common or _TRAILING.sub("", lowered) in common


@cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's list (MIT licence): the 30,000 most frequent passwords of a 10-million-
    # password leak corpus, lower case. Loaded on first use: only setting a password needs it.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(FREQUENCY_LISTS["passwords"])


def username_taken(db: Session, username: str, user: User) -> bool:
    other = db.exec(select(User).where(User.username == username)).first()
    return other is not None and other.id != user.id


def redeem_code(db: Session, code: str, username: str, password: str,
                email: str | None = None) -> User:
    """Join (set a user name and password) or reset a password with a one-time code."""
    invitation, user = find_code(db, code)
    if invitation.purpose == "join" or not user.username:
        username = username.strip().lower()
        if not USERNAME_RE.match(username):
            raise AccountError("username-invalid")
        if username_taken(db, username, user):
            raise AccountError("username-taken")
        user.username = username
    check_new_password(password, user)
    set_password(user, password)
    if email:
        user.email = email.strip()
    now = utcnow()
    user.joined_at = user.joined_at or now
    invitation.used_at = now
    db.add_all([user, invitation])
    return user


def set_password(user: User, password: str) -> None:
    """Hash and store a new password; other sessions of the user end."""
    user.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
    user.session_version += 1


def change_password(user: User, current: str, new: str) -> None:
    """Change a password after checking the current one."""
    if not user.password_hash or not check_password_hash(user.password_hash, current):
        raise AccountError("password-wrong")
    check_new_password(new, user)
    set_password(user, new)


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str = ""
    wait: int = 0  # seconds, when the error is "login-wait"


def authenticate(db: Session, username: str, password: str, address: str) -> LoginResult:
    """Check a user name and password from ``address`` (a ``limits.address_key``).

    Refused at once, without looking at the password, while that address must wait
    before trying that name again (services/limits.py).
    """
    name = username.strip().lower()[:64]
    # One query whether or not the name exists: the user, and whether the address is theirs.
    found = db.exec(select(User, KnownAddress.user_id).outerjoin(KnownAddress, and_(
        col(KnownAddress.user_id) == col(User.id), col(KnownAddress.address) == address))
        .where(User.username == name)).first()
    user, known = found if found is not None else (None, None)
    wait = limits.login_wait(db, name, address, known is not None)
    if wait:
        return LoginResult(None, "login-wait", wait)
    # Hash even when there is no such user, so the answer takes as long either way.
    real = user is not None and bool(user.password_hash)
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    ok = check_password_hash(stored, password[:MAX_PASSWORD]) and real
    ok = ok and user is not None and user.active
    if not ok:
        limits.record_login_failure(db, name, address)
        db.commit()
        return LoginResult(None, "invalid")
    assert user is not None and user.id is not None
    limits.remember_address(db, user.id, address)
    user.last_login_at = utcnow()
    db.add(user)
    db.commit()
    return LoginResult(user)
