"""Fixtures shared by every test layer."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent
CHROMIUM = os.environ.get("DOBRO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, one for the whole run: Playwright's sync API allows only one
    instance at a time, so the browser journeys and the deploy journey share it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def copy_course(name: str, dest: Path) -> Path:
    """Copy the fixture course ``name`` into ``dest`` and return its root."""
    root = dest / name
    shutil.copytree(FIXTURES / "courses" / name, root)
    return root


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A fresh copy of the minimal valid course, safe to break."""
    return copy_course("minimal", tmp_path)


@pytest.fixture(autouse=True)
def _no_leaked_metrics_folder() -> Iterator[None]:
    """``dobro serve`` run inside a test process sets PROMETHEUS_MULTIPROC_DIR for its workers;
    a later test's app would then count into that (removed) folder."""
    yield
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
