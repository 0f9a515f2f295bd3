"""The app's own endpoints: health, readiness, metrics, interface language, live build status."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from webapp import health, i18n, livebuild, metrics

bp = Blueprint("system", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    failed = [name for name, ok in health.run_checks(current_app).items() if not ok]
    if failed:
        return Response("unavailable: " + ", ".join(failed), 503, mimetype="text/plain")
    return Response("ok", mimetype="text/plain")


@bp.get("/readyz")
def readyz() -> Response:
    checks = health.readiness(current_app)
    ready = all(check["ok"] for check in checks.values())
    response = jsonify(ready=ready, checks=checks)
    response.status_code = 200 if ready else 503
    response.cache_control.no_store = True
    return response


@bp.get("/metrics")
def metrics_page() -> Response:
    if not metrics.allowed(current_app, request.remote_addr):
        abort(404)  # as for any unknown page: do not tell that it exists
    body, content_type = metrics.exposition(current_app)
    response = Response(body, content_type=content_type)
    response.cache_control.no_store = True
    return response


@bp.get("/language")
def language() -> BaseResponse:
    code = request.args.get("lang", "")
    if i18n.is_language(code):
        session[i18n.SESSION_KEY] = code
    return redirect(local_url(request.args.get("next")))


@bp.get("/_build-status")
def build_status() -> Response:
    status = livebuild.build_status(current_app) or abort(404)
    state = status.state
    response = jsonify(version=state.version, ok=state.ok)
    response.cache_control.no_store = True
    return response


@bp.get("/_build-events")
def build_events() -> Response:
    status = livebuild.build_status(current_app) or abort(404)
    response = Response(livebuild.event_stream(status), mimetype="text/event-stream")
    response.cache_control.no_store = True
    response.headers["X-Accel-Buffering"] = "no"  # a proxy must pass each event on at once
    return response


def local_url(target: str | None) -> str:
    """``target`` if it is a path on this site, else the home page (no open redirects)."""
    parts = urlsplit(target or "")
    if (not target or parts.scheme or parts.netloc or not target.startswith("/")
            or target.startswith("//") or "\\" in target):
        return url_for("learn.home")
    return target
