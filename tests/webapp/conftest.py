"""Fixtures for the web app: a built copy of the webapp-mini course and an app serving it."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from course.build import build
from tests.conftest import REPO, copy_course
from tests.dbutil import backends, fresh_database
from webapp import create_app, db
from webapp.models import Group, GroupMember, GroupTrainer, Organisation, User
from webapp.services import accounts, privacy

MINI = "webapp-mini"
CATALOG = REPO / "webapp" / "translations" / "bg" / "LC_MESSAGES" / "messages.po"


# The app's own settings; test-harness variables (DOBRO_TEST_DATABASE_URL …) are left alone.
# The test set-up's own settings (the test database, the browser, where screenshots go);
# every other DOBRO_* variable is an app setting and stays out of the tests.
TEST_SETTINGS = frozenset({"DOBRO_TEST_DATABASE_URL", "DOBRO_CHROMIUM", "DOBRO_SHOTS",
                           "DOBRO_SCREENSHOTS", "DOBRO_LOAD_DATABASE_URL"})


def is_app_setting(name: str) -> bool:
    """Whether an environment variable is one of the app's settings (DOBRO_*, not the tests')."""
    return name.startswith("DOBRO_") and name not in TEST_SETTINGS


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's app settings out of the tests: a DOBRO_SMTP_HOST left set in
    a shell must never make a test send real mail, nor a DOBRO_DATABASE_URL point one at
    a real database."""
    for name in [n for n in os.environ if is_app_setting(n)]:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def translations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Bulgarian catalog compiled from the .po, so tests need no ``make`` step first."""
    root = tmp_path_factory.mktemp("translations")
    target = root / "bg" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(CATALOG, "rb") as source, open(target / "messages.mo", "wb") as compiled:
        write_mo(compiled, read_po(source))
    return root


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    """A fresh copy of the webapp-mini course, safe to edit."""
    return copy_course(MINI, tmp_path)


@pytest.fixture
def build_dir(course_root: Path) -> Path:
    out = course_root / "build"
    build(course_root, out, jobs=1)
    return out


@pytest.fixture(params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database: SQLite, and PostgreSQL when configured."""
    yield from fresh_database(request.param, tmp_path)


@pytest.fixture
def make_app(course_root: Path, translations: Path, tmp_path: Path,
             database_url: str) -> Iterator[Any]:
    """Create apps on the course copy; keyword arguments override the test settings.

    Every app's database connections are closed when the test ends.
    """
    made: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        config: dict[str, Any] = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "CONTENT_ROOT": course_root,
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": database_url,
            "BABEL_TRANSLATION_DIRECTORIES": str(translations),
        }
        config.update(overrides)
        made.append(create_app(config))
        return made[-1]
    yield factory
    for flask_app in made:
        flask_app.extensions["dobro.engine"].dispose()


@pytest.fixture
def app(make_app: Any, build_dir: Path) -> Flask:
    flask_app: Flask = make_app()
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    # Not in a ``with`` block: that would keep a request context open, which a second
    # client in the same test would then share (signed in as the first one).
    return app.test_client()


PASSWORD = "дълга-парола-2027"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*? value="([^"]+)"'
                        r'|<meta name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on the page at ``url``."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def submit(client: FlaskClient, url: str, data: dict[str, Any], page: str | None = None,
           **kwargs: Any) -> TestResponse:
    """Post ``data`` the way a browser would: with the CSRF token of the form on ``page``."""
    token = csrf_token(client, page or url)
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


@dataclass
class People:
    """Users of every role in the test database, with the password ``PASSWORD``."""

    learner: User
    councillor: User
    trainer: User
    admin: User
    stranger: User  # a learner in no group of the trainer's


@pytest.fixture
def people(app: Flask) -> People:
    with app.app_context():
        database = db.session()
        org = Organisation(name="Смолян", kind="municipality", oblast="Смолян")
        database.add(org)
        database.commit()

        def person(username: str, name: str, role: str, audience: str | None) -> User:
            user = User(username=username, name=name, role=role, audience=audience,
                        organisation_id=org.id)
            accounts.set_password(user, PASSWORD)
            database.add(user)
            return user

        found = People(person("ivan", "Иван Иванов", "learner", "employees"),
                       person("maria", "Мария Петрова", "learner", "councillors"),
                       person("trainer", "Теодора Обучителева", "trainer", None),
                       person("admin", "Админ Админов", "admin", None),
                       person("georgi", "Георги Непознат", "learner", "employees"))
        database.commit()
        # They have read the current privacy notice (else signing in shows it first:
        # tests/webapp/test_privacy.py covers that).
        version = privacy.notice_version(app.jinja_env, privacy.notice_settings(app.config))
        for user in (found.learner, found.councillor, found.trainer, found.admin,
                     found.stranger):
            privacy.record(database, user, version, "join")
        database.commit()
        group = Group(name="Съветници – Смолян, пролет 2027")
        database.add(group)
        database.commit()
        database.add_all([GroupMember(group_id=group.id, user_id=found.learner.id),
                          GroupMember(group_id=group.id, user_id=found.councillor.id),
                          GroupTrainer(group_id=group.id, user_id=found.trainer.id)])
        database.commit()
        return found


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    """Sign in through the login form."""
    return submit(client, "/login", {"username": username, "password": password})


@pytest.fixture
def ivan(client: FlaskClient, people: People) -> FlaskClient:
    """Ivan, a learner of the mini course, signed in."""
    login(client, "ivan")
    return client
