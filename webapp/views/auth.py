"""Signing in and out, joining with a join code, passwords."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from webapp import db, i18n
from webapp.auth import SignedIn, client_address, me, session_limits
from webapp.forms.auth import ChangePasswordForm, JoinForm, LoginForm, ResetForm
from webapp.forms.privacy import AcknowledgeForm
from webapp.models import STAFF, User, utcnow
from webapp.services import accounts, login_sessions, mail_messages, privacy
from webapp.services.accounts import AccountError
from webapp.templating import language, moment

bp = Blueprint("auth", __name__)


def account_message(code: str, wait: int = 0) -> str:
    """The learner-facing explanation of an ``AccountError`` code (``wait`` in seconds)."""
    messages = {
        "bad-code": _("This code is not valid: check it, or ask your trainer for a new one."),
        "username-invalid": _("Use 3–32 Latin letters, digits, dots, hyphens or underscores, "
                              "starting with a letter or digit."),
        "username-taken": _("This user name is taken. Please choose another."),
        "password-short": _("The password is too short."),
        "password-long": _("The password is too long."),
        "password-name": _("The password must not contain your name or user name."),
        "password-wrong": _("The current password is not right."),
        "password-common": _("This password is among the most commonly used ones, so it is "
                             "among the first to be guessed. Please choose another: a few "
                             "words that do not belong together are easy to remember."),
        "throttled": _("Too many failed attempts. Please wait 15 minutes and try again."),
        "login-wait": _("Too many failed attempts. Please try again in %(wait)s.",
                        wait=wait_text(wait)),
        "invalid": _("Wrong user name or password."),
    }
    return messages.get(code, _("Something went wrong. Please try again."))


def wait_text(seconds: int) -> str:
    """"45 seconds", "3 minutes": how long to wait, rounded up."""
    if seconds < 60:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    return ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))


def safe_next(target: str | None, home: str | None = None) -> str:
    """Only a path on this site may be a redirect target after signing in; else ``home``
    (the learner's home page unless given)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return home or url_for("learn.home")


def start_session(user_row: User, with_password: bool = True) -> None:
    """Sign in with a fresh session (keeping only the language choice).

    Who signs in with the password is the owner: they are told of codes others made for
    them. Who signs in with a code may not be, so the notices wait for the owner.
    """
    database = db.session()
    session_id = login_sessions.begin(database, user_row, session_limits())
    notices = accounts.reset_notices(database, user_row) if with_password else []
    database.commit()
    fresh_cookie()
    login_user(SignedIn(user_row, session_id))
    for notice in notices:
        flash(reset_notice(notice), "warning")


def reset_notice(notice: accounts.ResetNotice) -> str:
    """Tell the person of a password code someone else made for them."""
    when = moment(notice.made_at)
    if notice.used:
        return _("On %(when)s, %(who)s made a code to set a new password for your account, "
                 "and it was used. If it was not you who used it, tell your coordinator at once.",
                 when=when, who=notice.made_by or _("an administrator"))
    return _("On %(when)s, %(who)s made a code to set a new password for your account. "
             "If you did not ask for one, tell your coordinator.",
             when=when, who=notice.made_by or _("an administrator"))


def fresh_cookie() -> None:
    """Empty the cookie's session, keeping only the language choice."""
    language = session.get(i18n.SESSION_KEY)
    session.clear()
    if language:
        session[i18n.SESSION_KEY] = language


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm()
    if form.validate_on_submit():
        result = accounts.authenticate(db.session(), form.username.data or "",
                                       form.password.data or "", client_address())
        if result.user is not None:
            start_session(result.user)
            # Staff start where their work is: today's sessions, who is stuck, what waits.
            home = url_for("trainer.home") if result.user.role in STAFF else None
            return after_sign_in(result.user, safe_next(request.args.get("next"), home))
        flash(account_message(result.error, result.wait), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        login_sessions.end(db.session(), current_user.get_id())
        db.session().commit()
    logout_user()
    fresh_cookie()
    flash(_("You have signed out."), "info")
    return redirect(url_for("learn.home"))


@bp.post("/account/sessions/end")
@login_required
def sign_out_everywhere() -> Response:
    """End every session of the signed-in user, on every device, this one too."""
    login_sessions.end_all(db.session(), me().id or 0)
    db.session().commit()
    logout_user()
    fresh_cookie()
    flash(_("You have signed out on every device."), "info")
    return redirect(url_for("auth.login"))


def redeem(form: JoinForm | ResetForm, username: str, email: str | None) -> Response | None:
    """Use the code in ``form``; sign in and return the redirect, or flash why not."""
    database = db.session()
    key = f"code-ip:{client_address()}"
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
    login_sessions.end_all(database, user.id or 0)  # a new password ends the old sessions
    if isinstance(form, JoinForm):  # the join page showed the notice; its box was ticked
        privacy.record(database, user, notice_version(), "join")
    else:
        mail_messages.password_changed(database, user)
    database.commit()
    start_session(user, with_password=False)
    flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
    return after_sign_in(user, url_for("learn.home"))


def notice_version() -> str:
    """The version of the privacy notice as the settings and its template make it now."""
    return privacy.current_version(current_app.jinja_env, current_app.config)


def after_sign_in(user: User, target: str) -> Response:
    """Go on to ``target``, through the privacy notice when its version is new to ``user``."""
    if privacy.notice_due(db.session(), user, notice_version()):
        return redirect(url_for("auth.privacy_notice", next=target))
    return redirect(target)


@bp.route("/privacy/changed", methods=["GET", "POST"])
@login_required
def privacy_notice() -> str | Response | tuple[str, int]:
    """Show the privacy notice someone has not seen in this version; go on once read."""
    user, version = me(), notice_version()
    target = safe_next(request.args.get("next"))
    form = AcknowledgeForm()
    if form.validate_on_submit() and form.version.data == version:
        database = db.session()
        if privacy.notice_due(database, user, version):
            privacy.record(database, user, version, "sign_in")
            database.commit()
        return redirect(target)
    # Someone who saw an earlier version is told it changed; someone who saw none is not.
    changed = privacy.latest_consent(db.session(), user.id or 0) is not None
    heading = (_("The information on personal data protection has changed") if changed
               else _("Information on personal data protection"))
    body = privacy.current_text(current_app.jinja_env, current_app.config, language())
    page = render_template("privacy/changed.html", form=form, heading=heading,
                           body=Markup(body), version=version,
                           sections=[(anchor, Markup(text))
                                     for anchor, text in privacy.sections(body)])
    # A post that did not count (no token, or a notice changed since the page was shown)
    # shows the notice again, as a 400: nothing was recorded.
    return (page, 400) if request.method == "POST" else page


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
            database = db.session()
            database.add(user)
            login_sessions.end_all(database, user.id or 0)
            mail_messages.password_changed(database, user)
            database.commit()
            start_session(user)  # every other session has ended; this one goes on anew
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("learn.home"))
    sessions = login_sessions.active(db.session(), me().id or 0, session_limits(), utcnow())
    return render_template("auth/password.html", form=form, sessions=sessions)
