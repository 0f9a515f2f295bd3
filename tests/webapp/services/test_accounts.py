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


def test_inactive_users_cannot_log_in(db: Session, learner: User) -> None:
    learner.username, learner.active = "maria.p", False
    accounts.set_password(learner, "дълга-парола-2027")
    db.add(learner)
    db.commit()
    assert accounts.authenticate(db, "maria.p", "дълга-парола-2027", "ip").user is None


def test_a_stranger_cannot_lock_the_owner_out(db: Session, learner: User) -> None:
    learner.username = "maria.p"
    accounts.set_password(learner, "дълга-парола-2027")
    db.add(learner)
    db.commit()
    assert accounts.authenticate(db, "maria.p", "дълга-парола-2027", "home").user == learner
    for n in range(20):
        assert accounts.authenticate(db, "maria.p", f"грешна-{n}", "stranger").user is None
    # The owner, from where they usually sign in, still gets in; the stranger does not,
    # not even with the right password.
    assert accounts.authenticate(db, "maria.p", "дълга-парола-2027", "home").user == learner
    refused = accounts.authenticate(db, "maria.p", "дълга-парола-2027", "stranger")
    assert refused.user is None and refused.error != "invalid"


@pytest.mark.parametrize("password", [
    "password123", "qwertyuiop", "1234567890", "Password2027!", "QWERTY123456", "iloveyou!!!!",
    "  superman12345"])
def test_common_passwords_are_refused(db: Session, learner: User, password: str) -> None:
    code = accounts.issue_code(db, learner, "join", None)
    db.commit()
    with pytest.raises(AccountError) as caught:
        accounts.redeem_code(db, code, "maria.p", password)
    assert caught.value.code == "password-common"
    accounts.set_password(learner, "дълга-парола-2027")
    with pytest.raises(AccountError) as caught:
        accounts.change_password(learner, "дълга-парола-2027", password)
    assert caught.value.code == "password-common"


@pytest.mark.parametrize("password", [
    "дълга-парола-2027", "кисело мляко и боровинки", "horse-kettle-ladder-9", "9384756201",
    "qwertyuiop-zelen-dom"])
def test_uncommon_passwords_pass(learner: User, password: str) -> None:
    accounts.check_new_password(password, learner)
