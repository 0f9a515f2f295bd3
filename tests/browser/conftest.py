"""Browser journeys: the real app on a local port, driven in headless Chromium.

Chromium comes from Debian (``/usr/bin/chromium``, or ``DOBRO_CHROMIUM``), never
a browser download; axe-core comes from npm (``node_modules/``). Without them
these tests skip with the reason — except in CI (``CI=true``), where they must run.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from course.build import build
from tests.conftest import REPO
from tests.dbutil import fresh_database
from tests.webapp.conftest import (  # noqa: F401  (fixtures shared with the app tests)
    PASSWORD,
    app,
    build_dir,
    clean_environment,
    course_root,
    make_app,
    people,
    translations,
)

CHROMIUM = os.environ.get("DOBRO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 360, "height": 800}
DESKTOP = {"width": 1280, "height": 900}


def _missing() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (make test installs it)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not AXE.exists():
        return "axe-core is not installed (npm ci)"
    return ""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    if not reason:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but the browser tests cannot run: {reason}")
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """Browser journeys run on SQLite only: the database layer has its own tests."""
    yield from fresh_database("sqlite", tmp_path)


@pytest.fixture
def live_server(app: Any, people: Any) -> Iterator[str]:  # noqa: F811
    """The test app served on a free local port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    # bypass_csp lets the test inject axe-core; the app itself runs under its real policy.
    context = browser.new_context(viewport=PHONE, locale="bg-BG", has_touch=True,
                                  bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, locale="bg-BG", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def start_axe(page: Any) -> None:
    """Start axe-core (WCAG 2.1 A and AA rules) on the page, without waiting for it.

    ``axe_violations`` waits; started on two pages first, the two checks run side by side.
    A context may load axe into every page itself (``context.add_init_script(path=AXE)``).
    """
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    page.evaluate("""tags => { window.dobroAxe = axe.run(document, {
        runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']}); }""", WCAG_TAGS)


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The violations axe-core finds on the page (started by ``start_axe``, or now)."""
    if not page.evaluate("'dobroAxe' in window"):
        start_axe(page)
    result = page.evaluate("() => { const run = window.dobroAxe; delete window.dobroAxe; "
                           "return run; }")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, violations


def assert_fits(page: Any) -> None:
    """Nothing makes the page scroll sideways (a wide table scrolls in its own box)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def shot(page: Any, name: str, full_page: bool = True) -> None:
    """Keep a screenshot ``name``.png of the page in ``DOBRO_SHOTS``, when that is set."""
    folder = os.environ.get("DOBRO_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Потребителско име").fill(username)
    page.get_by_label("Парола").fill(PASSWORD)
    page.get_by_role("button", name="Вход").click()
    page.wait_for_load_state()


@pytest.fixture
def real_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own course, built once into a temporary folder."""
    out = tmp_path_factory.mktemp("real-build")
    build(REPO, out, jobs=1)
    return out
