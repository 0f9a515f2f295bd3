"""Interface language: Bulgarian by default, English on request (kept in the session)."""

from __future__ import annotations

import gettext
from typing import Any

from flask import Flask, current_app, session
from flask_babel import Babel, get_babel, get_locale

from webapp import health

SESSION_KEY = "lang"
LANGUAGE_NAMES = {"bg": "Български", "en": "English"}
SOURCE_LANGUAGE = "en"  # the msgids are English: it needs no catalog

babel = Babel()


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and expose the language choices to templates."""
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(language_context)
    missing = missing_catalogs(app)
    if missing:
        # Flask-Babel falls back to the English msgids without a word: say it at startup.
        app.logger.error("no compiled message catalog (.mo) for %s: the interface shows "
                         "English; run `make translations` or install from a wheel",
                         ", ".join(missing))
    health.add_check(app, "translations", lambda: not missing_catalogs(app))


def missing_catalogs(app: Flask) -> list[str]:
    """The interface languages, other than English, that have no compiled catalog."""
    config = get_babel(app)
    domain = config.default_domain.split(";")[0]
    return [code for code in app.config["LANGUAGES"] if code != SOURCE_LANGUAGE
            and not any(gettext.find(domain, directory, [code])
                        for directory in config.translation_directories)]


def select_locale() -> str:
    """The language chosen in this session, else the default."""
    chosen = session.get(SESSION_KEY)
    if chosen in current_app.config["LANGUAGES"]:
        return str(chosen)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def is_language(code: str) -> bool:
    return code in current_app.config["LANGUAGES"]


def language_context() -> dict[str, Any]:
    current = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    others = [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]
              if code != current]
    return {"current_language": current, "other_languages": others}
