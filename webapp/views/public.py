"""What anyone may see without signing in: the certificate check, the issuer and its key,
and each credential — signed, and its revocation status."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, jsonify, render_template

from webapp import db
from webapp.auth import client_address
from webapp.models import Certificate
from webapp.services import accounts, badges, certificates, limits

bp = Blueprint("public", __name__)
VERIFY_LIMIT = 60  # lookups per IP in the throttle window (15 minutes)
VERIFY_WAIT_MINUTES = int(limits.THROTTLE_WINDOW.total_seconds() // 60)  # as the page says it


def instance() -> Path:
    return Path(current_app.instance_path)


def too_many_lookups() -> bool:
    """Whether the caller's address has used up its lookups for now."""
    return accounts.throttled(db.session(), f"verify:{client_address()}", limit=VERIFY_LIMIT)


def lookup(code: str) -> Certificate | None:
    """The certificate with ``code``, counting every lookup against the caller's address."""
    database = db.session()
    if too_many_lookups():
        abort(429)
    accounts.record_failure(database, f"verify:{client_address()}")
    database.commit()
    return certificates.by_code(database, code)


def no_index(response: Response) -> Response:
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/verify/<code>")
def verify(code: str) -> Response:
    if too_many_lookups():  # a person at a browser: say when to come back, in their language
        page = render_template("certificates/verify.html", cert=None, throttled=True,
                               minutes=VERIFY_WAIT_MINUTES)
        response = no_index(Response(page, status=429, mimetype="text/html"))
        response.headers["Retry-After"] = str(VERIFY_WAIT_MINUTES * 60)
        return response
    cert = lookup(code)
    replaced_by = None
    if cert is not None and cert.replaced_by_id:
        replaced_by = db.session().get(Certificate, cert.replaced_by_id)
    status = 200 if cert is not None else 404
    page = render_template("certificates/verify.html", cert=cert, replaced_by=replaced_by)
    return no_index(Response(page, status=status, mimetype="text/html"))


@bp.get("/issuer")
def issuer() -> Response:
    iss = certificates.current_issuer()
    return jsonify(badges.issuer_profile(iss, current_app.config.get("ISSUER_EMAIL", "")))


@bp.get("/issuer/jwks.json")
def jwks() -> Response:
    return jsonify(badges.jwks(instance()))


@bp.get("/credentials/<code>.jwt")
def credential_jwt(code: str) -> Response:
    cert = lookup(code) or abort(404)
    token = badges.sign(cert, certificates.current_issuer(), instance())
    return no_index(Response(token, mimetype="application/vc+jwt"))


@bp.get("/credentials/<code>")
def credential(code: str) -> Response:
    cert = lookup(code) or abort(404)
    return no_index(jsonify(badges.credential(cert, certificates.current_issuer())))


@bp.get("/credentials/<code>/status")
def credential_status(code: str) -> Response:
    cert = lookup(code) or abort(404)
    replaced_by = db.session().get(Certificate, cert.replaced_by_id) if cert.replaced_by_id \
        else None
    return no_index(jsonify(badges.status(cert, certificates.current_issuer(), replaced_by)))
