"""Erasure and retention pages (issue 16 items 8 and 9): a learner asks for their data to be
erased; coordinators record paper requests, approve or refuse, and review the retention
list."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from webapp import db
from webapp.auth import client_address, me, role_required
from webapp.forms.erasure import AskForm, EraseExpiredForm, RefuseForm
from webapp.models import COORDINATORS, ErasureRequest, User
from webapp.services import certificates, erasure, limits, retention
from webapp.services.erasure import ErasureError

bp = Blueprint("erasure", __name__)
SEARCH_LIMIT = 20


def refusal(error: ErasureError) -> str:
    messages = {
        "last-admin": _("This is the last administrator: make another administrator first."),
        "erased": _("This person's data has been erased already."),
        "no-reason": _("Give the reason."),
    }
    return messages.get(error.code, _("Something went wrong. Please try again."))


@bp.route("/account/erasure", methods=["GET", "POST"])
@login_required
def ask() -> str | BaseResponse:
    """The learner's own request: what erasure means, the password again, then the status."""
    database, user, form = db.session(), me(), AskForm()
    if form.validate_on_submit():
        if erasure.password_ok(user, form.password.data or ""):
            erasure.ask(database, user)
            database.commit()
            flash(_("Your request was recorded. A coordinator will decide on it."), "success")
            return redirect(url_for("erasure.ask"))
        limits.record_login_failure(database, user.username or "", client_address())
        database.commit()
        form.password.errors.append(_("This is not your password."))
    assert user.id is not None
    return render_template("erasure/ask.html", form=form,
                           requests=erasure.requests_of(database, user),
                           pending=erasure.pending_of(database, user.id))


@bp.get("/coordinator/erasure")
@role_required(*COORDINATORS)
def requests() -> str:
    """Pending requests (oldest first), the decided ones, and a search to record a paper one."""
    database = db.session()
    query = " ".join(request.args.get("q", "").split())[:100]
    return render_template(
        "erasure/requests.html", pending=erasure.listing(database, erasure.PENDING),
        decided=erasure.listing(database, erasure.APPROVED, 50)
        + erasure.listing(database, erasure.REFUSED, 50),
        query=query, found=erasure.find_people(database, query, SEARCH_LIMIT) if query else [],
        refuse_form=RefuseForm(), due=retention.marked_count(database))


def pending_request(request_id: int) -> ErasureRequest:
    found = db.session().get(ErasureRequest, request_id)
    if found is None or found.channel not in ("web", "paper"):
        abort(404)
    return found


@bp.post("/coordinator/erasure/record/<int:user_id>")
@role_required(*COORDINATORS)
def record(user_id: int) -> BaseResponse:
    """Record a request received on paper for this person."""
    database = db.session()
    person = database.get(User, user_id) or abort(404)
    try:
        erasure.ask(database, person, recorded_by=me())
    except ErasureError as error:
        flash(refusal(error), "error")
        return redirect(url_for("erasure.requests"))
    database.commit()
    flash(_("The request is recorded. Approve or refuse it below."), "success")
    return redirect(url_for("erasure.requests", _anchor="pending"))


@bp.get("/coordinator/erasure/<int:request_id>/approve")
@role_required(*COORDINATORS)
def confirm_approval(request_id: int) -> str | BaseResponse:
    """What approving will do to this person, and the button that does it."""
    database, found = db.session(), pending_request(request_id)
    if found.status != erasure.PENDING:
        flash(_("This request was decided already; nothing changed."), "info")
        return redirect(url_for("erasure.requests"))
    person = database.get(User, found.user_id) or abort(404)
    return render_template("erasure/approve.html", item=found, person=person,
                           pseudonym=erasure.pseudonym(found.user_id),
                           valid=len(certificates.valid_for(database, person)))


@bp.post("/coordinator/erasure/<int:request_id>/approve")
@role_required(*COORDINATORS)
def approve(request_id: int) -> BaseResponse:
    database, found = db.session(), pending_request(request_id)
    try:
        done = erasure.approve(database, found, me())
    except ErasureError as error:
        database.rollback()
        flash(refusal(error), "error")
        return redirect(url_for("erasure.requests"))
    if done:
        flash(_("Approved: the person's data is erased."), "success")
    else:
        flash(_("This request was decided already; nothing changed."), "info")
    return redirect(url_for("erasure.requests"))


@bp.post("/coordinator/erasure/<int:request_id>/refuse")
@role_required(*COORDINATORS)
def refuse(request_id: int) -> str | BaseResponse:
    database, found = db.session(), pending_request(request_id)
    form = RefuseForm()
    if form.validate_on_submit():
        if erasure.refuse(database, found, me(), form.reason.data or ""):
            flash(_("Refused; the reason is kept with the request."), "success")
        else:
            flash(_("This request was decided already; nothing changed."), "info")
        return redirect(url_for("erasure.requests"))
    return render_template(
        "erasure/requests.html", pending=erasure.listing(database, erasure.PENDING),
        decided=[], query="", found=[],
        refuse_form=form, refusing=found.id, due=retention.marked_count(database))


@bp.get("/coordinator/retention")
@role_required(*COORDINATORS)
def retention_page() -> str:
    """Who the retention period would erase now, by municipality and one by one."""
    database = db.session()
    policy = retention.policy(current_app.config)
    found = retention.expired(database, policy) if policy.on else []
    return render_template("erasure/retention.html", policy=policy, expired=found,
                           erasing=retention.erasing(database),
                           by_organisation=retention.by_organisation(found),
                           form=EraseExpiredForm(expected=str(len(found))))


@bp.post("/coordinator/retention")
@role_required(*COORDINATORS)
def retention_erase() -> BaseResponse:
    """Erase everyone whose period has run out, if the list is still the one shown."""
    database, form = db.session(), EraseExpiredForm()
    policy = retention.policy(current_app.config)
    if not form.validate_on_submit() or not policy.on:
        abort(400)
    found = retention.expired(database, policy)
    if form.expected.data != str(len(found)):
        flash(_("The list changed since you opened it. Check it again."), "error")
        return redirect(url_for("erasure.retention_page"))
    if found and retention.queue_erase(database, [row.user for row in found], me()):
        flash(ngettext("%(num)d participant is being erased in the background. Open this "
                       "page again in a minute.",
                       "%(num)d participants are being erased in the background. Open this "
                       "page again in a minute.", len(found)), "success")
    elif found:
        flash(_("An erasure is under way already. Open this page again in a minute."), "info")
    return redirect(url_for("erasure.retention_page"))
