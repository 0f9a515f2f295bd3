"""Behind a reverse proxy: per-address limits count each client, and only trusted hops count."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import People, submit
from webapp import create_app
from webapp.services import accounts

PROXY = "10.0.0.2"  # every request reaches the app from the proxy
BAD_CODE = "ABCD-EFGH-JKLM"


def behind_proxy(app: Flask, forwarded_for: str) -> FlaskClient:
    """A client whose requests come through the proxy, which reports ``forwarded_for``."""
    client = app.test_client()
    # A browser on https sends the page it came from: Flask-WTF checks it there.
    client.environ_base.update({"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": forwarded_for,
                                "HTTP_X_FORWARDED_PROTO": "https",
                                "HTTP_REFERER": "https://localhost/reset"})
    return client


def try_code(client: FlaskClient) -> str:
    response = submit(client, "/reset", {"code": BAD_CODE, "password": "x" * 12,
                                         "confirm": "x" * 12})
    return str(response.get_data(as_text=True))


def exhaust(client: FlaskClient) -> None:
    """Use up the client's wrong-code attempts."""
    for _ in range(accounts.THROTTLE_LIMIT):
        assert "Този код не е валиден" in try_code(client)
    assert "Твърде много неуспешни опита" in try_code(client)


def test_with_a_trusted_proxy_each_client_has_its_own_limit(make_app: Any, build_dir: Any,
                                                            people: People) -> None:
    app = make_app(TRUSTED_PROXIES=1)
    exhaust(behind_proxy(app, "203.0.113.1"))
    assert "Този код не е валиден" in try_code(behind_proxy(app, "203.0.113.2"))
    # A client that sends its own header gets it appended to by the proxy: the proxy's
    # entry, on the right, is the one believed.
    spoofer = behind_proxy(app, "198.51.100.9, 203.0.113.1")
    assert "Твърде много неуспешни опита" in try_code(spoofer)


def test_without_trusted_proxies_the_header_is_ignored(make_app: Any, build_dir: Any,
                                                       people: People) -> None:
    app = make_app()
    assert app.config["TRUSTED_PROXIES"] == 0
    exhaust(behind_proxy(app, "203.0.113.1"))
    for n in range(3):  # a spoofed header dodges nothing
        assert "Твърде много неуспешни опита" in try_code(behind_proxy(app, f"198.51.100.{n}"))


def test_a_trusted_proxy_tells_the_scheme(make_app: Any, build_dir: Any) -> None:
    seen: dict[str, str] = {}
    for hops in (0, 1):
        app = make_app(TRUSTED_PROXIES=hops)

        @app.get("/test-scheme")
        def scheme() -> str:
            from flask import request
            return f"{request.scheme} {request.remote_addr}"
        seen[str(hops)] = str(behind_proxy(app, "203.0.113.1").get("/test-scheme")
                              .get_data(as_text=True))
    assert seen == {"0": f"http {PROXY}", "1": "https 203.0.113.1"}


@pytest.mark.parametrize(("value", "hops"), [("", 0), ("0", 0), ("1", 1), (" 2 ", 2)])
def test_trusted_proxies_from_the_environment(tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                                              value: str, hops: int) -> None:
    monkeypatch.setenv("DOBRO_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DOBRO_TRUSTED_PROXIES", value)
    assert create_app().config["TRUSTED_PROXIES"] == hops


@pytest.mark.parametrize("value", ["yes", "-1", "6", "1e3"])
def test_a_bad_number_of_proxies_stops_the_start(tmp_path: Any,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 value: str) -> None:
    monkeypatch.setenv("DOBRO_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DOBRO_TRUSTED_PROXIES", value)
    with pytest.raises(ValueError, match="DOBRO_TRUSTED_PROXIES"):
        create_app()


def test_certificate_look_ups_are_counted_per_client_and_never_by_raw_address(
        make_app: Any, build_dir: Any, people: People) -> None:
    from sqlmodel import select

    from webapp import db
    from webapp.models import Throttle
    from webapp.views.public import VERIFY_LIMIT

    app = make_app(TRUSTED_PROXIES=1)
    first = behind_proxy(app, "203.0.113.1")
    for _ in range(VERIFY_LIMIT):
        assert first.get("/verify/no-such-code").status_code == 404
    assert first.get("/verify/no-such-code").status_code == 429
    # Another client behind the same proxy still looks certificates up.
    assert behind_proxy(app, "203.0.113.2").get("/verify/no-such-code").status_code == 404
    with app.app_context():
        keys = {row.key for row in db.session().exec(select(Throttle))}
    assert keys and not any("203.0.113" in key or PROXY in key for key in keys)
