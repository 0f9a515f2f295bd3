"""Error pages: in the interface language, never a traceback."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from werkzeug.exceptions import HTTPException

from webapp.content import CourseUnavailable

ResponseTuple = tuple[str, int]
FALLBACK_500 = "Възникна грешка в сървъра. Опитайте отново по-късно."


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(500, server_error)
    app.register_error_handler(CourseUnavailable, course_unavailable)


def http_error(error: HTTPException) -> ResponseTuple:
    code = error.code or 500
    template = "errors/404.html" if code == 404 else "errors/http.html"
    return render_template(template, code=code), code


def server_error(_error: Exception) -> ResponseTuple:
    try:
        return render_template("errors/500.html"), 500
    except Exception:  # the error page must not fail in turn
        current_app.logger.exception("rendering the error page failed")
        return FALLBACK_500, 500


def course_unavailable(error: CourseUnavailable) -> ResponseTuple:
    current_app.logger.warning("no compiled course: %s", error)
    return render_template("errors/no_build.html"), 503
