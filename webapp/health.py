"""What ``/healthz`` checks: each part of the app registers a named check."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

HealthCheck = Callable[[], bool]
CHECKS_KEY = "dobro.health_checks"


def add_check(app: Flask, name: str, check: HealthCheck) -> None:
    """Register ``check`` (True when healthy) under ``name``."""
    app.extensions.setdefault(CHECKS_KEY, {})[name] = check


def run_checks(app: Flask) -> dict[str, bool]:
    """Run every registered check; a check that raises counts as failed."""
    results = {}
    for name, check in app.extensions.get(CHECKS_KEY, {}).items():
        try:
            results[name] = bool(check())
        except Exception:
            app.logger.exception("health check %s failed", name)
            results[name] = False
    return results
