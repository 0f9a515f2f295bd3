"""Interface language: Bulgarian by default, English on request (kept in the session)."""

from __future__ import annotations

import gettext
from typing import Any

from flask import Flask, current_app, g, session
from flask_babel import Babel, get_babel, get_locale, get_translations

from webapp import health

SESSION_KEY = "lang"
CATALOG_KEY = "_dobro_catalog"
LANGUAGE_NAMES = {"bg": "Български", "en": "English"}
SOURCE_LANGUAGE = "en"  # the msgids are English: it needs no catalog

babel = Babel()


def init_app(app: Flask) -> None:
    """Bind Flask-Babel and expose the language choices to templates."""
    babel.init_app(app, locale_selector=select_locale)
    # The templates' _() and ngettext(), as Flask-Babel installs them, but with the catalog
    # looked up once per request and language instead of at every call: a page calls them
    # a hundred times, and Flask-Babel's lookup (context, domain, the locale's name) was
    # a tenth of the home page's rendering.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: catalog().ugettext(s),
        ngettext=lambda s, p, n: catalog().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: catalog().upgettext(c, s),
        npgettext=lambda c, s, p, n: catalog().unpgettext(c, s, p, n),
    )
    app.context_processor(language_context)
    missing = missing_catalogs(app)
    if missing:
        # Flask-Babel falls back to the English msgids without a word: say it at startup.
        app.logger.error("no compiled message catalog (.mo) for %s: the interface shows "
                         "English; run `make translations` or install from a wheel",
                         ", ".join(missing))
    health.add_check(app, "translations", lambda: not missing_catalogs(app))


def catalog() -> Any:
    """The current language's translations, kept for the rest of the request.

    Kept with the locale object they are for: ``flask_babel.force_locale`` (an e-mail in
    the recipient's language, a certificate) sets another object, so the catalog is looked
    up again inside it and again after it.
    """
    if not g:  # outside an app context: Flask-Babel's own fallback (no translation)
        return get_translations()
    locale = getattr(getattr(g, "_flask_babel", None), "babel_locale", None)
    kept = g.get(CATALOG_KEY)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    found = get_translations()  # computes the locale if it was not yet
    setattr(g, CATALOG_KEY, (g._flask_babel.babel_locale, found))
    return found


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
