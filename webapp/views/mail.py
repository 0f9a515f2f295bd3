"""E-mail pages: a person's preferences, unsubscribing from a link, and the sent log.

``/unsubscribe/<token>`` needs no sign-in: the signed token (``outbox.unsubscribe_token``)
names the person and the kind. GET only asks (mail scanners follow links); POST stops.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from webapp import db
from webapp.auth import csrf, me, role_required
from webapp.forms.mail import preferences_form
from webapp.models import COORDINATORS, MailMessage, User
from webapp.services import outbox
from webapp.services.paging import page_number

bp = Blueprint("mail", __name__)
PAGE_SIZE = 50


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
def preferences() -> str | Response:
    user = me()
    database = db.session()
    labels = {kind: outbox.KINDS[kind].label for kind in outbox.optional_kinds()}
    form = preferences_form(labels, outbox.preferences(database, user), user.language)
    if form.validate_on_submit():
        for kind, field in form.kind_fields():
            outbox.set_preference(database, user.id or 0, kind, bool(field.data))
        user.language = str(form.language.data)
        database.add(user)
        database.commit()
        flash(_("Your e-mail settings are saved."), "success")
        return redirect(url_for("mail.preferences"))
    return render_template("mail_pages/preferences.html", form=form, user=user,
                           enabled=outbox.mail_enabled(current_app.config),
                           essential=[outbox.KINDS[kind].label for kind, item in
                                      outbox.KINDS.items() if item.essential])


# The one view without a CSRF token, on purpose: mail clients send RFC 8058's one-click
# POST with no session and no token. The signed token in the URL is the authority, and
# all it can do is turn one kind of message off for the one person it names.
@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt
def unsubscribe(token: str) -> tuple[str, int] | str:
    found = outbox.read_unsubscribe_token(current_app._get_current_object(),  # type: ignore[attr-defined]
                                          token)
    database = db.session()
    user = database.get(User, found[0]) if found is not None else None
    if found is None or user is None:
        return render_template("mail_pages/unsubscribe_bad.html"), 400
    kind = found[1]
    label = outbox.KINDS[kind].label
    if request.method == "POST":
        outbox.set_preference(database, found[0], kind, False, via="unsubscribe")
        database.commit()
        return render_template("mail_pages/unsubscribed.html", label=label)
    return render_template("mail_pages/unsubscribe.html", label=label, token=token)


@bp.route("/trainer/mail")
@role_required(*COORDINATORS)
def sent_log() -> str:
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    status = status if status in outbox.STATUS_LABELS else ""
    kind = kind if kind in outbox.KINDS else ""
    rows, pager = outbox.sent_log(db.session(), status=status, kind=kind,
                                  number=page_number(request.args.get("page")), size=PAGE_SIZE)
    return render_template("mail_pages/sent_log.html", rows=rows, pager=pager, status=status,
                           kind=kind, kinds=outbox.KINDS, statuses=outbox.STATUS_LABELS,
                           enabled=outbox.mail_enabled(current_app.config))


@bp.route("/trainer/mail/<int:message_id>/send-again", methods=["POST"])
@role_required(*COORDINATORS)
def send_again(message_id: int) -> Response:
    database = db.session()
    message = database.get(MailMessage, message_id)
    if message is None:
        abort(404)
    if outbox.send_again(database, message):
        database.commit()
        flash(_("The message is queued to be sent again."), "success")
    else:
        flash(_("Only a message that failed can be sent again, and only with e-mail on."),
              "error")
    return redirect(url_for("mail.sent_log"))
