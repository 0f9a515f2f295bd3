"""Limits on guessing: failures counted in the database, and who must wait before trying again.

Counting in the database (table ``throttle``) makes a limit hold across workers.
Sign-ins are limited so that no stranger can lock a user out:

* a hard lock on the pair (user name, address): ten failures from one address
  stop that address from trying that name for a while;
* a limit per address across names, high enough for an office behind one NAT;
* per user name, from any address, a delay that doubles with each failure past
  the first few: an address must wait that long before it may try the name again.
  The answer comes at once ("try again in N minutes"); no request sleeps.

The addresses a user signed in from successfully are remembered (as keyed hashes,
``KnownAddress``): from those the per-name delay and the per-address limit do not
apply, so failures from elsewhere never keep the owner out of their usual place.
Addresses reach this module already hashed with the app's secret key
(``address_key``): the database holds no one's IP address.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, delete, func, select

from webapp.models import KnownAddress, Throttle, utcnow

THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_LIMIT = 10  # failures per key and window
PAIR_LIMIT = 10  # failures for one name from one address, per THROTTLE_WINDOW
ADDRESS_LIMIT = 100  # failures from one address for any names, per THROTTLE_WINDOW
NAME_WINDOW = timedelta(hours=24)  # failures for a name counted this far back
NAME_FREE = 5  # failures for a name before the delays start
NAME_DELAY = timedelta(seconds=30)  # the first delay; each further failure doubles it
NAME_DELAY_CAP = timedelta(minutes=15)
KNOWN_KEEP = 10  # addresses remembered per user, the most recent
KNOWN_FOR = timedelta(days=180)


def address_key(ip: str, secret: str) -> str:
    """A keyed hash of a client's address: the same for the same address, and no IP stored."""
    return hmac.new(secret.encode(), ip.encode(), hashlib.sha256).hexdigest()[:32]


def throttled(db: Session, *keys: str, limit: int = THROTTLE_LIMIT) -> bool:
    """Tell whether any of ``keys`` has ``limit`` or more recent failures."""
    now = utcnow()
    return any(lock_wait(db, key, limit, THROTTLE_WINDOW, now) for key in keys)


def record_failure(db: Session, *keys: str) -> None:
    """Count one failure against each of ``keys`` (and forget failures long past)."""
    now = utcnow()
    db.exec(delete(Throttle).where(col(Throttle.at) < now - NAME_WINDOW))
    db.add_all([Throttle(key=key, at=now) for key in keys])


def lock_wait(db: Session, key: str, limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until ``key`` has fewer than ``limit`` failures in ``window`` (0: not locked)."""
    # The limit-th most recent failure: the lock lifts when it leaves the window.
    oldest = db.exec(select(Throttle.at).where(Throttle.key == key, col(Throttle.at) > now - window)
                     .order_by(col(Throttle.at).desc()).offset(limit - 1).limit(1)).first()
    return 0 if oldest is None else seconds(oldest + window - now)


def name_delay(failures: int) -> timedelta:
    """How long an address waits after the last failure for a name with ``failures``."""
    if failures < NAME_FREE:
        return timedelta(0)
    # Capped before it is computed: 2 ** failures would grow without bound.
    return min(NAME_DELAY * (1 << min(failures - NAME_FREE, 16)), NAME_DELAY_CAP)


def login_wait(db: Session, name: str, address: str, known: bool) -> int:
    """Seconds ``address`` must wait before trying ``name`` again (0: it may try now)."""
    now = utcnow()
    wait = lock_wait(db, f"login-pair:{name}:{address}", PAIR_LIMIT, THROTTLE_WINDOW, now)
    if wait or known:
        return wait
    wait = lock_wait(db, f"login-ip:{address}", ADDRESS_LIMIT, THROTTLE_WINDOW, now)
    if wait:
        return wait
    failures, last = db.exec(select(func.count(), func.max(Throttle.at)).where(
        Throttle.key == f"login-user:{name}", col(Throttle.at) > now - NAME_WINDOW)).one()
    return 0 if last is None else seconds(last + name_delay(failures) - now)


def record_login_failure(db: Session, name: str, address: str) -> None:
    record_failure(db, f"login-pair:{name}:{address}", f"login-ip:{address}",
                   f"login-user:{name}")


def seconds(span: timedelta) -> int:
    """Whole seconds, rounded up; nothing for a span already past."""
    return max(0, math.ceil(span.total_seconds()))


def remember_address(db: Session, user_id: int, address: str) -> None:
    """Note that ``user_id`` signed in from ``address`` (keeping the most recent few)."""
    now = utcnow()
    values = {"user_id": user_id, "address": address, "last_seen_at": now}
    # An upsert: two sign-ins at once from the same place (a double click) must not collide.
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    db.exec(dialect.insert(KnownAddress).values(**values).on_conflict_do_update(
        index_elements=["user_id", "address"], set_={"last_seen_at": now}))
    keep = (select(KnownAddress.address).where(KnownAddress.user_id == user_id)
            .order_by(col(KnownAddress.last_seen_at).desc()).limit(KNOWN_KEEP))
    db.exec(delete(KnownAddress).where(
        col(KnownAddress.user_id) == user_id,
        col(KnownAddress.address).not_in(keep)
        | (col(KnownAddress.last_seen_at) < now - KNOWN_FOR)))
