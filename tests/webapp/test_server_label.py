"""DOBRO_SERVER_LABEL names the app server in an X-Dobro-Server header; unset, no header."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize("path", ["/healthz", "/login", "/no-such-page"])
def test_the_label_names_the_server(make_app: Any, build_dir: Any, path: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOBRO_SERVER_LABEL", " app2 ")
    response = make_app().test_client().get(path)
    assert response.headers["X-Dobro-Server"] == "app2"


def test_no_label_no_header(make_app: Any, build_dir: Any,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DOBRO_SERVER_LABEL", raising=False)
    response = make_app().test_client().get("/healthz")
    assert response.status_code == 200
    assert "X-Dobro-Server" not in response.headers
