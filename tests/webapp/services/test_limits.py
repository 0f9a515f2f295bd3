"""Sign-in limits: no stranger can lock a user out, and guessing slows down, on every backend."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from webapp.models import KnownAddress, Throttle, User, utcnow
from webapp.services import accounts, limits

PASSWORD = "дълга-парола-2027"
SECRET = "test-secret"
HOME, WORK = limits.address_key("192.0.2.10", SECRET), limits.address_key("192.0.2.20", SECRET)
STRANGER = limits.address_key("203.0.113.66", SECRET)
ELSEWHERE = limits.address_key("198.51.100.7", SECRET)


class Clock:
    """A settable ``utcnow`` for the limits, so that a test can wait without sleeping."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr(limits, "utcnow", ticking)
    return ticking


@pytest.fixture
def owner(db: Session, learner: User) -> User:
    """maria.p, who has signed in from HOME and WORK before."""
    learner.username = "maria.p"
    accounts.set_password(learner, PASSWORD)
    db.add(learner)
    db.commit()
    for place in (HOME, WORK):
        assert accounts.authenticate(db, "maria.p", PASSWORD, place).user is not None
    return learner


def test_delays_for_a_name_grow_and_are_capped(db: Session, owner: User, clock: Clock) -> None:
    for n in range(limits.NAME_FREE):
        assert accounts.authenticate(db, "maria.p", f"грешна-{n}", STRANGER).error == "invalid"
    waits = []
    for n in range(6):
        refused = accounts.authenticate(db, "maria.p", PASSWORD, STRANGER)
        assert refused.user is None and refused.error == "login-wait"
        # Any other unknown address waits as long: the delay is the name's.
        assert accounts.authenticate(db, "maria.p", PASSWORD, ELSEWHERE).wait == refused.wait
        waits.append(refused.wait)
        clock.advance(refused.wait)
        assert accounts.authenticate(db, "maria.p", f"още-грешна-{n}", STRANGER).error == (
            "invalid")
    assert waits == [30, 60, 120, 240, 480, 900]
    assert accounts.authenticate(db, "maria.p", PASSWORD, HOME).user is not None


def test_ten_failures_lock_the_name_at_that_address_only(db: Session, owner: User,
                                                         clock: Clock) -> None:
    for n in range(limits.PAIR_LIMIT):
        assert accounts.authenticate(db, "maria.p", f"грешна-{n}", HOME).error == "invalid"
    locked = accounts.authenticate(db, "maria.p", PASSWORD, HOME)
    assert locked.error == "login-wait" and locked.wait == 15 * 60
    assert accounts.authenticate(db, "maria.p", PASSWORD, WORK).user is not None
    clock.advance(15 * 60)
    assert accounts.authenticate(db, "maria.p", PASSWORD, HOME).user is not None


def test_unknown_names_answer_as_known_ones_do(db: Session, owner: User, clock: Clock) -> None:
    def answers(name: str, address: str) -> list[tuple[str, int]]:
        found = []
        for n in range(limits.NAME_FREE + 3):
            result = accounts.authenticate(db, name, f"грешна-{n}", address)
            found.append((result.error, result.wait))
            clock.advance(31)
        return found
    assert answers("maria.p", STRANGER) == answers("nobody.here", ELSEWHERE)


def test_an_office_behind_one_address_is_not_locked_out(db: Session, owner: User,
                                                        clock: Clock) -> None:
    for _ in range(limits.ADDRESS_LIMIT - 1):
        limits.record_failure(db, f"login-ip:{WORK}")
    db.commit()
    assert accounts.authenticate(db, "colleague", "грешна", WORK).error == "invalid"
    # Now at the limit: strangers' names are refused from there, the owner is not.
    assert accounts.authenticate(db, "colleague", "грешна", WORK).error == "login-wait"
    assert accounts.authenticate(db, "maria.p", PASSWORD, WORK).user is not None


def test_addresses_are_kept_as_keyed_hashes_and_few(db: Session, owner: User,
                                                    clock: Clock) -> None:
    assert limits.address_key("192.0.2.10", "other-secret") != HOME
    assert "192.0.2.10" not in HOME and len(HOME) == 32
    assert owner.id is not None
    for n in range(limits.KNOWN_KEEP + 2):
        clock.advance(60)
        limits.remember_address(db, owner.id, limits.address_key(f"10.0.0.{n}", SECRET))
    limits.remember_address(db, owner.id, limits.address_key("10.0.0.0", SECRET))  # again
    db.commit()
    kept = set(db.exec(select(KnownAddress.address)).all())
    assert len(kept) == limits.KNOWN_KEEP
    assert limits.address_key("10.0.0.0", SECRET) in kept  # renewed, so kept
    assert limits.address_key("10.0.0.1", SECRET) not in kept  # the oldest, forgotten
    assert HOME not in kept


def test_failures_long_past_are_forgotten(db: Session, owner: User, clock: Clock) -> None:
    accounts.authenticate(db, "maria.p", "грешна", STRANGER)
    clock.advance(int(limits.NAME_WINDOW.total_seconds()) + 1)
    accounts.authenticate(db, "nobody.here", "грешна", STRANGER)
    assert len(db.exec(select(Throttle)).all()) == 3  # the second failure's three keys


@pytest.mark.parametrize(("failures", "seconds"), [
    (0, 0), (4, 0), (5, 30), (6, 60), (9, 480), (10, 900), (400, 900)])
def test_name_delay(failures: int, seconds: int) -> None:
    assert limits.name_delay(failures) == timedelta(seconds=seconds)
