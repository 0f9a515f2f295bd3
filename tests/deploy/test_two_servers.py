"""The deployment as documented, for real: Debian's nginx running deploy/nginx/dobro.conf in
front of two ``dobro serve`` (gunicorn) on one PostgreSQL, each server with its own copy of
the course and its own instance folder holding the same keys (tests/stack.py).

A browser goes through nginx only. Every app response names its server (X-Dobro-Server,
set by the stack through DOBRO_SERVER_LABEL), so each step proves where it landed: what one
server saved, the other shows; a certificate issued by one verifies on the other; a web
author's save on one is served by the other within seconds; sign-in failures spread over
both lock the name, and look-ups spread over both meet one limit. nginx itself serves
the static files and the course's hashed images with the app's cache headers, and sends
plain HTTP to HTTPS.

Needs nginx, Chromium and DOBRO_TEST_DATABASE_URL (PostgreSQL): without them the tests
skip, except with CI=true, where a missing piece is a failure.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from tests.conftest import FIXTURES
from tests.dbutil import PG_ENV, fresh_database
from tests.stack import Stack, missing
from webapp import create_app, db
from webapp.models import Attempt, Certificate, User, utcnow
from webapp.services import badges

PASSWORD = "rodopi-demo-2027"  # dobro demo's accounts
LEARNER = "demo-slujitel"  # attended the demo session of the first topic
OTHER_LEARNER = "demo-savetnik"
TRAINER = "demo-obuchitel"
MODULE_FILE = "modules/osnovi/01-obshtinata.md"
NEW_SENTENCE = "Общината отговаря на гражданите чрез двата сървъра."
METRICS_NETWORK_ADDRESS = "10.9.9.9"  # the only address allowed to read /metrics here
SYNC_SECONDS = 10  # "within a few seconds"
CHROMIUM = os.environ.get("DOBRO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = pytest.mark.slow  # starts nginx and two servers (about 40 s)


def _missing() -> str:
    reason = missing()
    if reason:
        return reason
    if not os.environ.get(PG_ENV):
        return f"{PG_ENV} is not set (the two servers share one PostgreSQL)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}"
    return ""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    reason = _missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the two-server journey cannot run: {reason}")
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("stack")
    url = next(fresh_database(os.environ[PG_ENV], root))
    with Stack(root / "run", url, servers=2, workers=1, threads=4,
               content=FIXTURES / "courses" / "webapp-mini",
               env={"DOBRO_METRICS_ALLOW": f"{METRICS_NETWORK_ADDRESS}/32"}) as running:
        running.run("demo", "--force")  # https:// base URL: demo accounts only when forced
        yield running


class Visitor:
    """A browser tab through nginx, noting which app server answered each request."""

    def __init__(self, browser: Any, stack: Stack) -> None:
        self.stack = stack
        self.context = browser.new_context(locale="bg-BG", ignore_https_errors=True,
                                           viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.seen: list[tuple[str, str, int, str]] = []  # method, url, server, cache-control
        self.page.on("response", lambda r: self.seen.append(
            (r.request.method, r.url, stack.server_of(r.headers),
             r.headers.get("cache-control", ""))))

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.stack.base_url + path)
        assert response is not None
        return response

    def on(self, server: int, path: str, ready: Callable[[], bool] = lambda: True,
           seconds: float = 15) -> Any:
        """Open ``path`` until app server ``server`` answers it and ``ready()`` holds."""
        deadline = time.monotonic() + seconds
        while True:
            response = self.goto(path)
            if self.stack.server_of(response.headers) == server and ready():
                return response
            if time.monotonic() > deadline:
                served = self.stack.server_of(response.headers)
                raise AssertionError(f"{path}: not ready on server {server} within {seconds} s "
                                     f"(last answer from server {served})")
            time.sleep(0.2)

    def fetch(self, server: int, path: str, seconds: float = 15) -> Any:
        """GET ``path`` with the tab's cookies (no page: downloads) until ``server`` answers."""
        deadline = time.monotonic() + seconds
        while True:
            response = self.context.request.get(self.stack.base_url + path)
            answered = self.stack.server_of(response.headers)
            self.seen.append(("GET", response.url, answered,
                              response.headers.get("cache-control", "")))
            if answered == server or time.monotonic() > deadline:
                assert answered == server, f"{path}: server {server} never answered"
                return response
            time.sleep(0.1)

    def submit(self, button: Any, url_part: str) -> int:
        """Click ``button`` (a form's POST to a URL holding ``url_part``); the server it hit."""
        with self.page.expect_response(
                lambda r: r.request.method == "POST" and url_part in r.url) as posted:
            button.click()
        self.page.wait_for_load_state()
        return self.stack.server_of(posted.value.headers)

    def sign_in(self, username: str, password: str = PASSWORD, via: int = -1) -> int:
        """Sign in (its POST sent to server ``via`` if nginx's turn allows); the server hit."""
        if via >= 0:  # round robin: the form from one server, its POST most likely the other
            self.on(other(via), "/login")
        else:
            self.goto("/login")
        self.page.get_by_label("Потребителско име").fill(username)
        self.page.get_by_label("Парола").fill(password)
        return self.submit(self.page.get_by_role("button", name="Вход"), "/login")

    def shot(self, name: str) -> None:
        """A screenshot ``name``.png in ``DOBRO_SHOTS``, when that is set."""
        folder = os.environ.get("DOBRO_SHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    def servers(self) -> set[int]:
        return {server for _m, _u, server, _c in self.seen if server >= 0}

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor(browser: Any, stack: Stack) -> Iterator[Visitor]:
    found = Visitor(browser, stack)
    yield found
    found.close()


def database_app(stack: Stack, tmp_path: Path) -> Any:
    """An app on the stack's database, for what a test prepares or reads directly."""
    return create_app({"DATABASE_URL": stack.database_url, "SECRET_KEY": "test",
                       "CONTENT_ROOT": str(stack.content_root(0)),
                       "INSTANCE_PATH": str(tmp_path / "instance")})


def other(server: int) -> int:
    assert server in (0, 1), f"the request was not answered by an app server ({server})"
    return 1 - server


def get(url: str, stack: Stack) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10, context=stack.ssl_context()) as response:
        return response.status, dict(response.headers), response.read()


def test_plain_http_is_sent_to_https(stack: Stack) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", stack.http_port, timeout=10)
    connection.request("GET", "/learn/obshtinata?x=1")
    try:
        response = connection.getresponse()
        assert response.status == 301
        # The shipped site redirects to the standard port (443): the stack's port is its own.
        assert response.getheader("Location") == "https://127.0.0.1/learn/obshtinata?x=1"
    finally:
        connection.close()


def test_nginx_logs_each_request_with_the_app_server_and_its_time(stack: Stack) -> None:
    """The one access log (the app servers keep none: --no-access-log): nginx's, with the
    app's own time and the server that answered."""
    for number in range(4):
        assert get(f"{stack.base_url}/healthz?logged={number}", stack)[0] == 200
    time.sleep(0.5)  # nginx writes its log line once the response is sent
    lines = [line for line in stack.access_log.read_text(encoding="utf-8").splitlines()
             if "/healthz?logged=" in line]
    assert len(lines) == 4, lines
    servers = {line.rsplit(" ", 1)[1] for line in lines}
    assert servers <= {url.removeprefix("http://") for url in stack.server_urls}, servers
    for line in lines:
        request_time, upstream_time = line.rsplit(" ", 3)[1:3]  # seconds, both
        assert float(request_time) >= 0 and float(upstream_time) >= 0, line
    for number in range(len(stack.server_urls)):
        log = stack.server_logs[number].read_text(encoding="utf-8")
        assert "/healthz?logged=" not in log


def test_static_files_and_course_images_come_from_nginx(stack: Stack) -> None:
    status, headers, body = get(stack.base_url + "/static/css/dobro.css", stack)
    assert status == 200 and body
    assert stack.server_of(headers) == -1  # no app server saw it
    assert headers["Cache-Control"] == "no-cache"  # as the app answers: no hash in the name
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    image = next((stack.content_root(0) / "build" / "assets").iterdir()).name
    status, headers, body = get(f"{stack.base_url}/course/assets/{image}", stack)
    assert status == 200 and body[:4] == b"\x89PNG"
    assert stack.server_of(headers) == -1
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "sandbox" in headers["Content-Security-Policy"]  # as the app's own asset route
    # An image no disk of nginx's holds is asked of the app (404 there).
    try:
        get(f"{stack.base_url}/course/assets/0000000000000000.png", stack)
    except urllib.error.HTTPError as error:
        error.close()
        assert error.code == 404 and stack.server_of(error.headers) in (0, 1)
    else:
        raise AssertionError("a missing image was served")
    # nginx appends the address it saw to X-Forwarded-For, and the app believes that one
    # alone: a visitor claiming the metrics network's address is still refused.
    request = urllib.request.Request(f"{stack.base_url}/metrics",
                                     headers={"X-Forwarded-For": METRICS_NETWORK_ADDRESS})
    try:
        urllib.request.urlopen(request, timeout=10, context=stack.ssl_context()).close()
    except urllib.error.HTTPError as error:
        error.close()
        assert error.code == 404 and stack.server_of(error.headers) in (0, 1)
    else:
        raise AssertionError("/metrics believed the client's X-Forwarded-For")
    # Text is compressed.
    request = urllib.request.Request(stack.base_url + "/static/css/dobro.css",
                                     headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10, context=stack.ssl_context()) as response:
        assert response.headers["Content-Encoding"] == "gzip"
    # The app's pages are not (BREACH: a CSRF token beside text a visitor chose).
    request = urllib.request.Request(stack.base_url + "/search?q=obshtina",
                                     headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10, context=stack.ssl_context()) as response:
        assert stack.server_of(response.headers) in (0, 1)
        assert "Content-Encoding" not in response.headers
        assert b"obshtina" in response.read()


def test_progress_and_a_certificate_on_one_server_are_seen_on_the_other(
        stack: Stack, visitor: Visitor, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    app = database_app(stack, tmp_path)
    request.addfinalizer(app.extensions["dobro.engine"].dispose)
    with app.app_context():  # the final test, passed (the quiz's own journey is elsewhere)
        database = db.session()
        learner = database.exec(select(User).where(User.username == LEARNER)).one()
        assert learner.id is not None
        database.add(Attempt(user_id=learner.id, quiz_id="osnovi-final", quiz_version="v",
                             topic_id="osnovi", kind="final", seed="s", pass_mark=50,
                             questions=[], state="submitted", submitted_at=utcnow(),
                             percent=90, passed=True))
        database.commit()
        learner_id = learner.id
    visitor.sign_in(LEARNER)
    page = visitor.page

    # Progress saved through one server…
    visitor.goto("/learn/obshtinata")
    saved_on = visitor.submit(page.get_by_role("button", name="Изучих този модул"), "/studied")
    assert "Отбелязахте модула като изучен" in page.content()
    # …is seen through the other.
    visitor.on(other(saved_on), "/learn/obshtinata")
    assert "Отбелязахте модула като изучен" in page.content()

    # The last module studied: the certificate is issued by the server that took the POST.
    visitor.goto("/learn/savetat")
    issued_on = visitor.submit(page.get_by_role("button", name="Изучих този модул"), "/studied")
    assert "Поздравления!" in page.content(), page.locator("main").inner_text()[:1000]
    with app.app_context():
        # The topic's certificate and, the course having one topic, the course's.
        issued = db.session().exec(select(Certificate).where(
            Certificate.user_id == learner_id).order_by(col(Certificate.id))).all()
        assert issued
        code, number = issued[0].code, issued[0].number
    verifier = other(issued_on)

    # The other server lists it, verifies it and signs its credential with the same key.
    visitor.on(verifier, "/certificates/")
    assert number in page.content()
    response = visitor.on(verifier, f"/verify/{code}")
    assert response.status == 200
    assert "Сертификатът е валиден." in page.content()
    assert "Елена Стоянова (демо)" in page.content()
    visitor.shot(f"two-servers-verify-on-app{verifier + 1}")
    response = visitor.on(verifier, f"/credentials/{code}")
    credential = json.loads(response.body())
    assert credential["id"].endswith(f"/credentials/{code}")
    token = visitor.fetch(verifier, f"/credentials/{code}.jwt").text()
    keys = visitor.fetch(issued_on, "/issuer/jwks.json").json()
    claims = badges.verify(token, keys)  # signed by one server, the other's published key
    assert code in json.dumps(claims)
    # Its PDF, downloaded through the other server.
    pdf = visitor.fetch(verifier, f"/certificates/{code}.pdf")
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"

    assert visitor.servers() == {0, 1}
    # The learner's pages through nginx: the app's own headers, never cached (personal).
    personal = [c for m, u, s, c in visitor.seen if s >= 0 and "/learn/" in u and m == "GET"]
    assert personal and all(c == "no-store" for c in personal)
    images = [c for _m, u, s, c in visitor.seen if "/course/assets/" in u]
    assert images and all("immutable" in c for c in images)


def test_a_web_authoring_save_on_one_server_is_served_by_the_other(
        stack: Stack, visitor: Visitor) -> None:
    visitor.sign_in(TRAINER)
    page = visitor.page
    visitor.goto(f"/trainer/authoring/edit?file={MODULE_FILE}")
    page.locator(".authoring-code .cm-content").focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(f"\n{NEW_SENTENCE}\n")
    page.wait_for_function("t => document.getElementById('text').value.includes(t)",
                           arg=NEW_SENTENCE)
    saved_on = visitor.submit(page.get_by_role("button", name="Запиши", exact=True),
                              "/trainer/authoring/")
    assert "Записано." in page.content(), page.locator("main").inner_text()[:1000]
    visitor.on(other(saved_on), "/learn/obshtinata",
               ready=lambda: NEW_SENTENCE in page.locator(".prose").inner_text(),
               seconds=SYNC_SECONDS)
    visitor.shot(f"two-servers-authored-on-app{saved_on + 1}-read-on-app{other(saved_on) + 1}")
    assert visitor.servers() == {0, 1}


def test_sign_in_failures_on_both_servers_lock_the_name(stack: Stack,
                                                        visitor: Visitor) -> None:
    from webapp.services.limits import NAME_FREE

    failures: dict[int, int] = {0: 0, 1: 0}
    for attempt in range(NAME_FREE):
        server = visitor.sign_in(OTHER_LEARNER, "not-the-password", via=attempt % 2)
        failures[server] += 1
        assert "Грешно потребителско име или парола" in visitor.page.content()
    # Neither server saw enough failures alone to lock the name: only their sum does.
    assert all(0 < count < NAME_FREE for count in failures.values()), failures
    visitor.sign_in(OTHER_LEARNER)  # the right password, too late
    content = visitor.page.content()
    assert "Твърде много неуспешни опита" in content
    assert "/login" in visitor.page.url
    visitor.shot("two-servers-sign-in-locked")


def test_the_lookup_limit_counts_across_both_servers(stack: Stack) -> None:
    from webapp.views.public import VERIFY_LIMIT

    answered: dict[int, int] = {0: 0, 1: 0}
    for _ in range(VERIFY_LIMIT + 1):  # earlier tests' look-ups count too: fewer may do
        request = urllib.request.Request(f"{stack.base_url}/credentials/no-such-code/status")
        try:
            urllib.request.urlopen(request, timeout=10, context=stack.ssl_context()).close()
        except urllib.error.HTTPError as error:
            error.close()
            if error.code == 429:
                break
            assert error.code == 404
            answered[stack.server_of(error.headers)] += 1
    else:
        raise AssertionError(f"no 429 after {VERIFY_LIMIT + 1} look-ups: {answered}")
    # Each server answered some of them and neither reached the limit alone.
    assert all(0 < count < VERIFY_LIMIT for count in answered.values()), answered
