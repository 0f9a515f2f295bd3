"""Where the compiled course's links point, and the compiled format's version."""

from __future__ import annotations

from dataclasses import dataclass

COMPILED_SCHEMA = 1


@dataclass(frozen=True)
class UrlScheme:
    """Where compiled links point; the web app's scheme is the default."""

    module: str = "/learn/{id}"
    page: str = "/page/{id}"
    glossary: str = "/glossary#{term}"
    asset: str = "/course/assets/{name}"
