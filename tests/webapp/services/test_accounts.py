"""Accounts: codes, passwords and throttling, on every database backend."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from webapp.models import Invitation, User
from webapp.services import accounts
from webapp.services.accounts import AccountError


def test_join_with_a_code_sets_name_and_password(db: Session, learner: User) -> None:
    code = accounts.issue_code(db, learner, "join", None)
    db.commit()
    assert len(code) == 14 and code.count("-") == 2
    user = accounts.redeem_code(db, code.lower().replace("-", " "), "maria.p",
                                "дълга-парола-2027")
    db.commit()
    assert user.username == "maria.p" and user.joined_at is not None
    assert accounts.authenticate(db, "Maria.P", "дълга-парола-2027", "10.0.0.1").user == user


def test_a_code_works_once(db: Session, learner: User) -> None:
    code = accounts.issue_code(db, learner, "join", None)
    accounts.redeem_code(db, code, "maria.p", "дълга-парола-2027")
    db.commit()
    with pytest.raises(AccountError) as caught:
        accounts.redeem_code(db, code, "maria.q", "друга-парола-2027")
    assert caught.value.code == "bad-code"


def test_a_new_code_replaces_the_old_one(db: Session, learner: User) -> None:
    old = accounts.issue_code(db, learner, "join", None)
    new = accounts.issue_code(db, learner, "join", None)
    db.commit()
    with pytest.raises(AccountError):
        accounts.find_code(db, old)
    assert accounts.find_code(db, new)[1].id == learner.id


def test_only_the_hash_of_a_code_is_stored(db: Session, learner: User) -> None:
    code = accounts.issue_code(db, learner, "join", None)
    db.commit()
    stored = db.exec(select(Invitation)).one()
    assert accounts.normalise_code(code) not in stored.code_hash


@pytest.mark.parametrize(("username", "password", "error"), [
    ("x", "дълга-парола-2027", "username-invalid"),
    ("Мария", "дълга-парола-2027", "username-invalid"),
    ("maria.p", "къса", "password-short"),
    ("maria.p", "maria.p-2027-abc", "password-name"),
    ("maria.p", "x" * 500, "password-long"),
])
def test_bad_choices_are_refused(db: Session, learner: User, username: str, password: str,
                                 error: str) -> None:
    code = accounts.issue_code(db, learner, "join", None)
    db.commit()
    with pytest.raises(AccountError) as caught:
        accounts.redeem_code(db, code, username, password)
    assert caught.value.code == error


def test_username_taken(db: Session, learner: User) -> None:
    db.add(User(name="Друг", username="maria.p"))
    code = accounts.issue_code(db, learner, "join", None)
    db.commit()
    with pytest.raises(AccountError) as caught:
        accounts.redeem_code(db, code, "maria.p", "дълга-парола-2027")
    assert caught.value.code == "username-taken"


def test_reset_code_keeps_the_username_and_ends_other_sessions(db: Session,
                                                               learner: User) -> None:
    accounts.redeem_code(db, accounts.issue_code(db, learner, "join", None), "maria.p",
                         "дълга-парола-2027")
    db.commit()
    version = learner.session_version
    accounts.redeem_code(db, accounts.issue_code(db, learner, "reset", None), "ignored",
                         "нова-парола-2027")
    db.commit()
    assert learner.username == "maria.p" and learner.session_version > version
    assert accounts.authenticate(db, "maria.p", "нова-парола-2027", "ip").user is not None
    assert accounts.authenticate(db, "maria.p", "дълга-парола-2027", "ip").error == "invalid"


def test_change_password_needs_the_current_one(db: Session, learner: User) -> None:
    accounts.set_password(learner, "дълга-парола-2027")
    with pytest.raises(AccountError):
        accounts.change_password(learner, "грешна", "нова-парола-2027")
    accounts.change_password(learner, "дълга-парола-2027", "нова-парола-2027")


def test_login_is_throttled_per_name_and_per_ip(db: Session, learner: User) -> None:
    learner.username = "maria.p"
    accounts.set_password(learner, "дълга-парола-2027")
    db.add(learner)
    db.commit()
    for _ in range(accounts.THROTTLE_LIMIT):
        assert accounts.authenticate(db, "maria.p", "грешна", "1.1.1.1").error == "invalid"
    # Even the right password is refused while throttled, from any address.
    assert accounts.authenticate(db, "maria.p", "дълга-парола-2027", "2.2.2.2").error == (
        "throttled")
    assert accounts.authenticate(db, "someone", "x", "1.1.1.1").error == "throttled"
    assert accounts.authenticate(db, "someone", "x", "3.3.3.3").error == "invalid"


def test_inactive_users_cannot_log_in(db: Session, learner: User) -> None:
    learner.username, learner.active = "maria.p", False
    accounts.set_password(learner, "дълга-парола-2027")
    db.add(learner)
    db.commit()
    assert accounts.authenticate(db, "maria.p", "дълга-парола-2027", "ip").user is None
