"""A database session for service tests, on every configured backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

import webapp.models  # noqa: F401
from tests.dbutil import backends, fresh_database
from webapp.db import make_engine
from webapp.models import Organisation, User


@pytest.fixture(params=backends())
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    for url in fresh_database(request.param, tmp_path):
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            yield session
        engine.dispose()


@pytest.fixture
def learner(db: Session) -> User:
    org = Organisation(name="Смолян", kind="municipality", oblast="Смолян")
    db.add(org)
    db.commit()
    user = User(name="Мария Петрова", role="learner", audience="councillors",
                organisation_id=org.id)
    db.add(user)
    db.commit()
    return user
