"""Module pages come from a cache of rendered pages: nothing personal may leak through it."""

from __future__ import annotations

import os
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import CSRF_FIELD, People, login, submit
from webapp.content import store

MODULE = "/learn/obshtinata"


def text(client: FlaskClient, url: str = MODULE) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def tokens(page: str) -> set[str]:
    """The CSRF tokens on the page, without their time stamp and signature: what is left
    is the session's own secret (the signed form changes every second)."""
    return {t.split(".")[0] for t in {a or b for a, b in CSRF_FIELD.findall(page)} | set(
        re.findall(r'<meta name="csrf-token" content="([^"]+)"', page))}


def signed_token(page: str) -> str:
    match = CSRF_FIELD.search(page)
    assert match
    return match.group(1) or match.group(2)


def test_each_learner_gets_their_own_csrf_token_and_no_marker(app: Flask, people: People) -> None:
    ivan, maria = app.test_client(), app.test_client()
    login(ivan, "ivan")
    login(maria, "maria")
    first, second, again = text(ivan), text(maria), text(ivan)
    assert "\x1b" not in first + second + again
    assert len(tokens(first)) == 1 and tokens(first) == tokens(again)
    assert tokens(first) != tokens(second)
    # The token in the cached page is the session's own: the studied form works with it.
    response = ivan.post(f"{MODULE}/studied", data={"csrf_token": signed_token(again)})
    assert response.status_code == 302
    with app.app_context():  # one rendered page served both learners
        assert len(store().course().page_cache) == 1


def test_staff_navigation_and_learners_pages_do_not_mix(app: Flask, people: People) -> None:
    trainer, learner = app.test_client(), app.test_client()
    login(trainer, "trainer")
    login(learner, "ivan")
    assert 'href="/trainer/"' in text(trainer)
    assert 'href="/trainer/"' not in text(learner)
    assert 'href="/trainer/"' in text(trainer)


def test_studied_date_and_flash_are_the_learners_own(app: Flask, people: People) -> None:
    ivan, maria = app.test_client(), app.test_client()
    login(ivan, "ivan")
    login(maria, "maria")
    text(ivan)
    text(maria)
    response = submit(ivan, f"{MODULE}/studied", {}, page=MODULE)
    assert response.status_code == 302
    # The flash is shown once, on the page that follows, then the page is cached again.
    flashed = text(ivan, response.headers["Location"])
    assert "Отбелязано като изучено." in flashed
    mine = text(ivan)
    assert "Отбелязахте модула като изучен на" in mine
    assert "Отбелязано като изучено." not in mine
    theirs = text(maria)
    assert "Отбелязахте модула като изучен на" not in theirs
    assert "Изучих този модул" in theirs


def test_a_new_build_is_served_at_once(app: Flask, people: People, build_dir: Path) -> None:
    client = app.test_client()
    login(client, "ivan")
    assert "Ново изречение." not in text(client)
    html = build_dir / "modules" / "obshtinata.html"
    html.write_text(html.read_text(encoding="utf-8") + "<p>Ново изречение.</p>", encoding="utf-8")
    stamp = build_dir / "course.json"
    stat = stamp.stat()
    os.utime(stamp, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert "Ново изречение." in text(client)


def test_a_query_string_is_rendered_not_cached(app: Flask, people: People) -> None:
    client = app.test_client()
    login(client, "ivan")
    page = text(client, MODULE + "?x=%3Cb%3E")
    assert "x=%3Cb%3E" in page or "x%3D%253Cb%253E" in page  # the language link keeps it
    assert "x=%3Cb%3E" not in text(client) and "x%3D" not in text(client)
