"""Security headers on every response, and who may keep a copy of it."""

from __future__ import annotations

import secrets

from flask import Flask, Response, current_app, g, request, session

# No inline scripts or styles anywhere: every script and stylesheet is a static file.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; "
    "object-src 'none'"
)
# Course images are served from our origin; an SVG opened directly must not run scripts.
ASSET_SECURITY_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
# Dobro uses none of these; a session QR code is scanned with the phone's own camera app,
# never by the page, so the camera stays off too.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
}
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"
# The same bytes for everyone and named by content or release: browsers may keep them.
SHARED_ENDPOINTS = frozenset({"static", "learn.asset"})


def init_app(app: Flask) -> None:
    """Add the headers to every response."""
    app.after_request(add_security_headers)
    app.jinja_env.globals["style_nonce"] = style_nonce


def style_nonce() -> str:
    """A nonce that lets this response's scripts add ``<style>`` elements, and nothing else.

    The source editor (CodeMirror) writes its styles into a ``<style>`` element it creates;
    only a page that asks for a nonce gets one, and the policy of every other page stays
    ``default-src 'self'``: no inline style anywhere.
    """
    nonce: str | None = g.get("style_nonce")
    if nonce is None:
        nonce = g.style_nonce = secrets.token_urlsafe(18)
    return nonce


def add_security_headers(response: Response) -> Response:
    policy = CONTENT_SECURITY_POLICY
    if g.get("style_nonce"):
        policy += f"; style-src 'self' 'nonce-{g.style_nonce}'"
    response.headers.setdefault("Content-Security-Policy", policy)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if str(current_app.config["BASE_URL"]).startswith("https://"):
        response.headers["Strict-Transport-Security"] = STRICT_TRANSPORT_SECURITY
    if is_personal():
        # Not even the browser's own cache: on a shared office computer the next person
        # could otherwise page back into someone's progress, codes or certificates.
        response.headers["Cache-Control"] = "no-store"
    return response


def is_personal() -> bool:
    """Whether the response is for a signed-in user (every personal download needs one).

    The calendar feed, opened by calendar apps without signing in, says no-store itself.
    """
    if request.endpoint in SHARED_ENDPOINTS:
        return False
    # The session's claim, not current_user: no database query after the view is done, and
    # a claim whose server session has ended costs at most a page that is not cached.
    return "_user_id" in session
