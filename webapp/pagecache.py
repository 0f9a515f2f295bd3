"""Rendered pages that many people see alike, with holes for what is personal.

A module page is the same HTML for every learner of a role and language who
has (or has not) marked it studied: only the CSRF token and the date they
marked it differ. Rendering it costs several times more than the rest of the
request (Jinja, ~20 gettext and url_for calls), so the page is rendered once
with *markers* in those holes, kept, and each request fills the holes in.

The cache lives on the compiled course snapshot it was rendered from
(``CompiledCourse.page_cache``), so a rebuild starts an empty one: nothing is
ever served from an older build. Pages are cached only when nothing else of the
request shows on them: no flashed messages, no query string (the language link
repeats the path), no live-rebuild status.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Hashable, Mapping

from flask import current_app, request, session

from webapp.livebuild import STATUS_KEY

MAX_PAGES = 2048


def marker(name: str) -> str:
    """A string no course text or URL can contain: a hole to fill per request."""
    return f"\x1b{name}-{secrets.token_hex(8)}\x1b"


class PageCache:
    """Rendered pages by key, bounded; thread-safe for gthread workers."""

    def __init__(self, limit: int = MAX_PAGES) -> None:
        self._pages: dict[Hashable, str] = {}
        self._lock = threading.Lock()
        self._limit = limit

    def __len__(self) -> int:
        return len(self._pages)

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> str:
        page = self._pages.get(key)
        if page is None:
            page = render()
            with self._lock:
                if len(self._pages) >= self._limit:
                    self._pages.clear()  # keys are few; only a flood of variants gets here
                self._pages[key] = page
        return page


def cacheable() -> bool:
    """Whether this request's page may come from the cache (see the module docstring)."""
    return (request.method == "GET" and not request.query_string
            and not session.get("_flashes")
            and current_app.extensions.get(STATUS_KEY) is None)


def fill(page: str, holes: Mapping[str, str]) -> str:
    """``page`` with each marker replaced by its value for this request."""
    for mark, value in holes.items():
        page = page.replace(mark, value)
    return page
