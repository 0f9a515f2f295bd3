"""Fixtures for the web app: a built copy of the webapp-mini course and an app serving it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from course.build import build
from tests.conftest import REPO, copy_course
from webapp import create_app

MINI = "webapp-mini"
CATALOG = REPO / "webapp" / "translations" / "bg" / "LC_MESSAGES" / "messages.po"


# The app's own settings; test-harness variables (DOBRO_TEST_DATABASE_URL …) are left alone.
APP_SETTINGS = ("DOBRO_DATABASE_URL", "DOBRO_SECRET_KEY", "DOBRO_CONTENT", "DOBRO_BUILD",
                "DOBRO_BASE_URL", "DOBRO_INSTANCE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's app settings out of the tests."""
    for name in APP_SETTINGS:
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


@pytest.fixture
def make_app(course_root: Path, translations: Path, tmp_path: Path) -> Any:
    """Create an app on the course copy; keyword arguments override the test settings."""
    def factory(**overrides: Any) -> Flask:
        config: dict[str, Any] = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "CONTENT_ROOT": course_root,
            "INSTANCE_PATH": tmp_path / "instance",
            "DATABASE_URL": "sqlite://",
            "BABEL_TRANSLATION_DIRECTORIES": str(translations),
        }
        config.update(overrides)
        return create_app(config)
    return factory


@pytest.fixture
def app(make_app: Any, build_dir: Path) -> Flask:
    flask_app: Flask = make_app()
    return flask_app


@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client
