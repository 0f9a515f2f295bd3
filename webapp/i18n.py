"""Interface language: Bulgarian by default, English on request (kept in the session)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, session
from flask_babel import Babel, get_locale

SESSION_KEY = "lang"
LANGUAGE_NAMES = {"bg": "Български", "en": "English"}

babel = Babel()


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and expose the language choices to templates."""
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(language_context)


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
