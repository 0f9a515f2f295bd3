"""The ``dobro`` console script: the core's check and build, plus the web verbs."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from course import cli as core_cli


def add_web_verbs(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add serve, db and demo to the core's parser."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dobro`` command."""
    return core_cli.main(argv, extend=add_web_verbs)
