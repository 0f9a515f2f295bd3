"""Settings from the environment: instance folder, secret key, course folders."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from webapp import create_app


def test_secret_key_is_generated_once_and_private(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    instance = tmp_path / "instance"
    monkeypatch.setenv("DOBRO_INSTANCE", str(instance))
    first = create_app()
    assert instance.is_dir()
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.config["SECRET_KEY"]) == 64
    assert create_app().config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert not list(instance.glob("*.tmp"))


def test_environment_sets_the_key_and_the_folders(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOBRO_INSTANCE", str(tmp_path / "inst"))
    monkeypatch.setenv("DOBRO_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DOBRO_CONTENT", str(tmp_path / "course"))
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "inst" / "secret_key").exists()
    assert app.config["CONTENT_ROOT"] == tmp_path / "course"
    assert app.config["COURSE_BUILD"] == tmp_path / "course" / "build"
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'dobro.sqlite3'}"
    assert app.instance_path == str(tmp_path / "inst")
    monkeypatch.setenv("DOBRO_BUILD", str(tmp_path / "elsewhere"))
    assert create_app().config["COURSE_BUILD"] == tmp_path / "elsewhere"


def test_cookies_follow_the_base_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOBRO_INSTANCE", str(tmp_path))
    app = create_app()
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("DOBRO_BASE_URL", "https://dobro.example.org")
    assert create_app().config["SESSION_COOKIE_SECURE"] is True
