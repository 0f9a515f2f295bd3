"""Signing in and out, joining with an invitation code, passwords."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from webapp import db, i18n
from webapp.auth import SignedIn, me
from webapp.forms import ChangePasswordForm, JoinForm, LoginForm, ResetForm
from webapp.services import accounts
from webapp.services.accounts import AccountError

bp = Blueprint("auth", __name__)


def account_message(code: str) -> str:
    """The learner-facing explanation of an ``AccountError`` code."""
    messages = {
        "bad-code": _("This code is not valid: check it, or ask your trainer for a new one."),
        "username-invalid": _("Use 3–32 Latin letters, digits, dots, hyphens or underscores, "
                              "starting with a letter or digit."),
        "username-taken": _("This user name is taken. Please choose another."),
        "password-short": _("The password is too short."),
        "password-long": _("The password is too long."),
        "password-name": _("The password must not contain your name or user name."),
        "password-wrong": _("The current password is not right."),
        "throttled": _("Too many failed attempts. Please wait 15 minutes and try again."),
        "invalid": _("Wrong user name or password."),
    }
    return messages.get(code, _("Something went wrong. Please try again."))


def client_ip() -> str:
    return request.remote_addr or "unknown"


def safe_next(target: str | None) -> str:
    """Only a path on this site may be a redirect target after signing in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("learn.home")


def start_session(user_row: accounts.User) -> None:
    """Sign in with a fresh session (keeping only the language choice)."""
    language = session.get(i18n.SESSION_KEY)
    session.clear()
    if language:
        session[i18n.SESSION_KEY] = language
    login_user(SignedIn(user_row))


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        result = accounts.authenticate(db.session(), form.username.data or "",
                                       form.password.data or "", client_ip())
        if result.user is not None:
            start_session(result.user)
            return redirect(safe_next(request.args.get("next")))
        flash(account_message(result.error), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    language = session.get(i18n.SESSION_KEY)
    session.clear()
    if language:
        session[i18n.SESSION_KEY] = language
    flash(_("You have signed out."), "info")
    return redirect(url_for("learn.home"))


def redeem(form: JoinForm | ResetForm, username: str, email: str | None) -> Response | None:
    """Use the code in ``form``; sign in and return the redirect, or flash why not."""
    database = db.session()
    key = f"code-ip:{client_ip()}"
    if accounts.throttled(database, key):
        flash(account_message("throttled"), "error")
        return None
    try:
        user = accounts.redeem_code(database, form.code.data or "", username,
                                    form.password.data or "", email)
    except AccountError as error:
        database.rollback()
        if error.code == "bad-code":
            accounts.record_failure(database, key)
            database.commit()
        flash(account_message(error.code), "error")
        return None
    database.commit()
    start_session(user)
    flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
    return redirect(url_for("learn.home"))


@bp.route("/join", methods=["GET", "POST"])
def join() -> str | Response:
    form = JoinForm(code=request.args.get("code", ""))
    if form.validate_on_submit():
        done = redeem(form, form.username.data or "", form.email.data or None)
        if done is not None:
            return done
    return render_template("auth/join.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
def reset() -> str | Response:
    form = ResetForm(code=request.args.get("code", ""))
    if form.validate_on_submit():
        done = redeem(form, "", None)
        if done is not None:
            return done
    return render_template("auth/reset.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = me()
        try:
            accounts.change_password(user, form.current.data or "", form.password.data or "")
        except AccountError as error:
            flash(account_message(error.code), "error")
        else:
            db.session().add(user)
            db.session().commit()
            start_session(user)  # the old session id is void now; keep this one signed in
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("learn.home"))
    return render_template("auth/password.html", form=form)
