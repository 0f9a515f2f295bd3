"""Without the compiled Bulgarian catalog the app would serve English: it says so loudly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.serving import free_port
from webapp import commands, i18n
from webapp.cli import main


@pytest.fixture
def empty_translations(tmp_path: Path) -> Path:
    """A translations folder holding only the source catalog, as in a fresh clone."""
    folder = tmp_path / "uncompiled"
    (folder / "bg" / "LC_MESSAGES").mkdir(parents=True)
    (folder / "bg" / "LC_MESSAGES" / "messages.po").write_text('msgid ""\nmsgstr ""\n')
    return folder


def test_a_compiled_catalog_is_found(app: Flask) -> None:
    assert i18n.missing_catalogs(app) == []
    assert app.test_client().get("/healthz").status_code == 200


def test_a_missing_catalog_is_reported_by_healthz(make_app: Any, build_dir: Path,
                                                  empty_translations: Path) -> None:
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(empty_translations))
    assert i18n.missing_catalogs(app) == ["bg"]
    health = app.test_client().get("/healthz")
    assert health.status_code == 503
    assert b"translations" in health.data


def serve_with(monkeypatch: pytest.MonkeyPatch, make_app: Any, **overrides: Any) -> list[Flask]:
    """Make ``dobro serve`` build its app with ``overrides`` and record it instead of serving
    (by Flask's server or by gunicorn)."""
    served: list[Flask] = []

    def fake_run(self: Flask, **_kwargs: Any) -> None:
        served.append(self)

    def fake_serve(factory: Any, *_args: Any, **_kwargs: Any) -> None:
        served.append(factory())  # gunicorn: each worker creates its app

    monkeypatch.setattr(commands, "create_app", lambda config: make_app(**config, **overrides))
    monkeypatch.setattr(Flask, "run", fake_run)
    monkeypatch.setattr(commands.wsgiserver, "serve", fake_serve)
    return served


def test_serve_refuses_without_the_default_catalog(
        monkeypatch: pytest.MonkeyPatch, make_app: Any, build_dir: Path,
        empty_translations: Path, capsys: pytest.CaptureFixture[str]) -> None:
    served = serve_with(monkeypatch, make_app,
                        BABEL_TRANSLATION_DIRECTORIES=str(empty_translations))
    assert main(["serve", "--port", str(free_port())]) == 2
    assert served == []
    err = capsys.readouterr().err
    assert "„bg“" in err and "make translations" in err and "English" in err


def test_serve_starts_with_the_catalog(monkeypatch: pytest.MonkeyPatch, make_app: Any,
                                       build_dir: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    served = serve_with(monkeypatch, make_app)
    assert main(["serve", "--port", str(free_port())]) == 0
    assert len(served) == 1
    assert "messages.mo" not in capsys.readouterr().err


def test_a_missing_second_language_only_warns(
        monkeypatch: pytest.MonkeyPatch, make_app: Any, build_dir: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    served = serve_with(monkeypatch, make_app, LANGUAGES=("bg", "en", "de"))
    assert main(["serve", "--port", str(free_port())]) == 0
    assert len(served) == 1
    assert "warning" in capsys.readouterr().err
