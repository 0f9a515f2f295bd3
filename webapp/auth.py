"""Who is signed in: Flask-Login bound to the ``User`` table, CSRF on every form,
and the role checks views use."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort
from flask_login import LoginManager, UserMixin, current_user, login_required
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import bindparam
from sqlmodel import select

from webapp import db
from webapp.models import User

login_manager = LoginManager()
csrf = CSRFProtect()

F = TypeVar("F", bound=Callable[..., Any])
STAFF = ("trainer", "coordinator", "admin")


class SignedIn(UserMixin):
    """The session's view of a user: the row, and an id that a password change invalidates."""

    def __init__(self, user: User) -> None:
        self.user = user

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version}"

    @property
    def is_active(self) -> bool:
        return self.user.active


def init_app(app: Flask) -> None:
    """Bind Flask-Login and CSRF protection."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    csrf.init_app(app)


# Built once: every signed-in request runs it.
_USER_BY_ID = select(User).where(User.id == bindparam("id"))


@login_manager.user_loader
def load_user(session_id: str) -> SignedIn | None:
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session().exec(_USER_BY_ID, params={"id": int(user_id)}).first()
    if user is None or not user.active or user.session_version != int(version):
        return None
    return SignedIn(user)


def me() -> User:
    """The signed-in user's row (views behind ``login_required`` only)."""
    return cast(SignedIn, current_user).user


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
