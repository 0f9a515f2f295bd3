"""Who is signed in: Flask-Login bound to server-side sessions (services/login_sessions.py),
CSRF on every form, and the role checks views use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_required
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import SQLAlchemyError

from webapp import db
from webapp.models import User, utcnow
from webapp.services import limits, login_sessions

login_manager = LoginManager()
csrf = CSRFProtect()

F = TypeVar("F", bound=Callable[..., Any])
TOUCH_KEY = "dobro.session_touch"  # in g: the session whose activity to record at teardown


class SignedIn(UserMixin):
    """The request's view of a signed-in user: the row, and the session id of the cookie."""

    def __init__(self, user: User, session_id: str) -> None:
        self.user = user
        self.session_id = session_id

    def get_id(self) -> str:
        return self.session_id

    @property
    def is_active(self) -> bool:
        return self.user.active


def init_app(app: Flask) -> None:
    """Bind Flask-Login and CSRF protection."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flask-Login's own notice is English; ours goes through the catalogue like every word.
    login_manager.login_message = _l("Sign in to see this page.")
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    app.teardown_appcontext(_touch_session)


def session_limits() -> login_sessions.Limits:
    """The configured idle timeout and lifetime of a session."""
    config = current_app.config
    return login_sessions.Limits(idle=timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                                 lifetime=timedelta(hours=config["SESSION_MAX_HOURS"]))


@login_manager.user_loader
def load_user(session_id: str) -> SignedIn | None:
    now = utcnow()
    limits = session_limits()
    found = login_sessions.resume(db.session(), session_id, limits, now)
    if found is None:
        return None
    user, row = found
    if login_sessions.due_touch(row, now, limits):
        g.setdefault(TOUCH_KEY, row.id_hash)
    return SignedIn(user, session_id)


def _touch_session(_exc: BaseException | None) -> None:
    """Record the session's activity once the request is done (see load_user)."""
    id_hash = g.pop(TOUCH_KEY, None)
    if id_hash is None:
        return
    # Written here, not while loading the user: the view may still be working in this
    # transaction then. What it left uncommitted is rolled back at teardown anyway.
    database = db.session()
    try:
        db.end_transaction(database)
        login_sessions.touch(database, id_hash, utcnow())
        database.commit()
    except SQLAlchemyError:
        # A lost touch only brings the idle timeout closer; the page was served already.
        database.rollback()
        current_app.logger.warning("could not record a session's activity", exc_info=True)


def client_address() -> str:
    """The client's address as every limit counts it: a keyed hash, never the IP itself.

    Behind a proxy, ``request.remote_addr`` is the client's only with
    ``DOBRO_TRUSTED_PROXIES`` set (ProxyFix, bound in the app factory).
    """
    return limits.address_key(request.remote_addr or "unknown", current_app.config["SECRET_KEY"])


def me() -> User:
    """The signed-in user's row (views behind ``login_required`` only).

    Called where nobody is signed in — a view that forgot ``login_required`` — it answers
    401 instead of letting an anonymous user pass as a ``User`` (a cast used to hide that).
    """
    signed_in = current_user._get_current_object()  # the object behind Flask-Login's proxy
    if not isinstance(signed_in, SignedIn):
        abort(401)
    return signed_in.user


def role_required(*roles: str) -> Callable[[F], F]:
    """Let only signed-in users with one of ``roles`` in; others get 403."""
    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if me().role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return cast(F, wrapper)
    return decorate
