"""Error pages: in the interface language, never a traceback."""

from __future__ import annotations

from flask import Flask, abort, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from course.compiled import CourseUnavailable

ResponseTuple = tuple[str, int]
FALLBACK_500 = "Възникна грешка в сървъра. Опитайте отново по-късно."


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(500, server_error)
    app.register_error_handler(CourseUnavailable, course_unavailable)
    app.before_request(refuse_nul)


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul() -> ResponseReturnValue | None:
    """Refuse a NUL character before any view sees it: no one types one, and PostgreSQL
    refuses it in a text parameter (a query with one was a 500). In the address it is
    an address that does not exist (404); in a query or a form, what was sent is
    refused (400) with a message saying what to do, and nothing is stored.
    """
    if "\x00" in request.path:
        abort(404)
    sent = list(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORMS:
        sent += list(request.form.items(multi=True))
    if any("\x00" in key or "\x00" in value for key, value in sent):
        message = _("What you sent contains a character that is not allowed (NUL). "
                    "Remove it and try again.")
        if request.is_json or request.accept_mimetypes.best == "application/json":
            return jsonify(error=message), 400
        return render_template("errors/http.html", code=400, message=message), 400
    return None


def http_error(error: HTTPException) -> ResponseTuple:
    code = error.code or 500
    template = "errors/404.html" if code == 404 else "errors/http.html"
    return render_template(template, code=code), code


def too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    """Say what was too large and what the limit is, as JSON to a script, else as a page."""
    limit = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
    message = _("What you sent is too large: at most %(limit)s MB can be sent at once.",
                limit=max(1, round(limit / (1024 * 1024))))
    if request.is_json:
        return jsonify(error=message), 413
    return render_template("errors/http.html", code=413, message=message), 413


def server_error(_error: Exception) -> ResponseTuple:
    try:
        return render_template("errors/500.html"), 500
    except Exception:  # the error page must not fail in turn
        current_app.logger.exception("rendering the error page failed")
        return FALLBACK_500, 500


def course_unavailable(error: CourseUnavailable) -> ResponseTuple:
    current_app.logger.warning("no compiled course: %s", error)
    return render_template("errors/no_build.html"), 503
