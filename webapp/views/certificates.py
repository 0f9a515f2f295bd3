"""Certificates: a learner's own, and what trainers do with their learners' — the checklist,
issuing by hand, revoking, re-issuing, a group's ZIP and the certificates that today's
rules would not give."""

from __future__ import annotations

import io
import zipfile

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from course.rules import PROGRAMME
from webapp import db
from webapp.auth import me, role_required
from webapp.content import current_course, store
from webapp.forms.sessions import IssueForm, ReasonForm, ReissueForm
from webapp.models import CERTIFICATE_VALID, STAFF, Certificate, Group, User
from webapp.services import audit, certificates, completion, groups
from webapp.services.certificate_pdf import filename, stored_pdf, stored_pdfs
from webapp.services.certificates import CertificateError

bp = Blueprint("certificates", __name__, url_prefix="/certificates")


def refusal(error: CertificateError) -> str:
    messages = {
        "exists": _("A valid certificate for this already exists."),
        "no-reason": _("Give the reason: it is kept with the certificate."),
        "not-valid": _("Only a valid certificate can be revoked or re-issued."),
        "no-topic": _("Choose a topic from the list."),
        "no-name": _("Enter the name."),
    }
    return messages.get(error.code, _("Something went wrong. Please try again."))


@bp.get("/")
@login_required
def mine() -> str:
    database, user, course = db.session(), me(), current_course()
    return render_template("certificates/mine.html", course=course,
                           certificates=certificates.of_user(database, user),
                           checklist=completion.statuses(database, user, course,
                                                         store().build_dir))


@bp.get("/<code>/credential")
@login_required
def credential(code: str) -> str:
    """What the signed digital credential is, and how to share it, keep it or download it."""
    cert = visible_certificate(code)
    iss = certificates.current_issuer()
    return render_template("certificates/credential.html", cert=cert, issuer=iss,
                           verify_url=f"{iss.base_url}/verify/{cert.code}",  # as on the PDF
                           holder=cert.user_id == me().id)


@bp.get("/<code>.pdf")
@login_required
def pdf(code: str) -> Response:
    cert = visible_certificate(code)
    if cert.user_id != me().id:  # staff downloading a learner's certificate
        audit.record_now(db.session(), me(), "certificate_downloaded", cert.user_id,
                         f"certificate:{cert.id}")
    # Stored when it was issued (a revoked one too: it states what was issued, and the
    # verify page tells its status); rendered here only if its job has not run yet.
    response = Response(stored_pdf(db.session(), cert, certificates.current_issuer()),
                        mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(cert)}"'
    return response


@bp.get("/learners/<int:user_id>")
@role_required(*STAFF)
def learner(user_id: int) -> str:
    user = my_learner(user_id)
    audit.record_view(db.session(), me(), "view_progress", user, f"user:{user_id}")
    return render_learner(user, issue_form(), ReasonForm(), ReissueForm())


@bp.post("/learners/<int:user_id>/issue")
@role_required(*STAFF)
def issue(user_id: int) -> str | BaseResponse:
    user = my_learner(user_id)
    form = issue_form()
    if not form.validate_on_submit():
        return render_learner(user, form, ReasonForm(), ReissueForm())
    try:
        cert = certificates.issue_by_hand(
            db.session(), user, form.topic.data or "", me(), form.reason.data or "",
            current_course(), store().build_dir, certificates.current_issuer())
    except CertificateError as error:
        flash(refusal(error), "error")
    else:
        flash(_("Certificate %(number)s is issued.", number=cert.number), "success")
    return redirect(url_for(".learner", user_id=user.id))


@bp.post("/<code>/revoke")
@role_required(*STAFF)
def revoke(code: str) -> str | BaseResponse:
    cert = visible_certificate(code)
    form = ReasonForm()
    user = my_learner(cert.user_id)
    if not form.validate_on_submit():
        return render_learner(user, issue_form(), form, ReissueForm(), cert.id)
    database = db.session()
    try:
        certificates.revoke(database, cert, me(), form.reason.data or "")
    except CertificateError as error:
        flash(refusal(error), "error")
    else:
        audit.record(database, me(), "certificate_revoked", user, f"certificate:{cert.id}")
        database.commit()
        flash(_("Certificate %(number)s is revoked.", number=cert.number), "success")
    return redirect(url_for(".learner", user_id=cert.user_id))


@bp.post("/<code>/reissue")
@role_required(*STAFF)
def reissue(code: str) -> str | BaseResponse:
    cert = visible_certificate(code)
    form = ReissueForm()
    user = my_learner(cert.user_id)
    if not form.validate_on_submit():
        return render_learner(user, issue_form(), ReasonForm(), form, cert.id)
    try:
        new = certificates.reissue(db.session(), cert, me(), form.reason.data or "",
                                   form.name.data or "")
    except CertificateError as error:
        db.session().rollback()
        flash(refusal(error), "error")
        return redirect(url_for(".learner", user_id=cert.user_id))
    flash(_("Certificate %(old)s is replaced by %(new)s.", old=cert.number, new=new.number),
          "success")
    return redirect(url_for(".learner", user_id=cert.user_id))


@bp.get("/groups/<int:group_id>")
@role_required(*STAFF)
def group(group_id: int) -> str:
    found = my_group(group_id)
    database = db.session()
    members = groups.members(database, found)
    held = {m.user.id: certificates.of_user(database, m.user) for m in members}
    return render_template("certificates/group.html", group=found, members=members, held=held)


@bp.get("/groups/<int:group_id>.zip")
@role_required(*STAFF)
def group_zip(group_id: int) -> Response:
    found = my_group(group_id)
    database, iss = db.session(), certificates.current_issuer()
    valid = [cert for member in groups.members(database, found)
             for cert in certificates.of_user(database, member.user)
             if cert.status == CERTIFICATE_VALID]
    buffer = io.BytesIO()
    # ZIP_STORED: a PDF is compressed already, deflating it again only costs time.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for cert, content in zip(valid, stored_pdfs(database, valid, iss), strict=True):
            archive.writestr(filename(cert), content)
    audit.record_now(database, me(), "export_certificates", target=f"group:{found.id}",
                     count=len({cert.user_id for cert in valid}))
    response = Response(buffer.getvalue(), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="certificates-{found.id}.zip"'
    return response


@bp.get("/affected")
@role_required(*STAFF)
def affected() -> str:
    course = current_course()
    found = certificates.affected(db.session(), me(), course, store().build_dir)
    return render_template("certificates/affected.html", affected=found, course=course)


def visible_certificate(code: str) -> Certificate:
    """The certificate if it is the signed-in user's own, or one of their learners'."""
    database, user = db.session(), me()
    # PostgreSQL refuses a NUL in a text parameter: such a code is simply not found.
    cert = certificates.by_code(database, code) if "\x00" not in code else None
    if cert is None:
        abort(404)
    if cert.user_id != user.id and (user.role not in STAFF
                                    or certificates.learner_for(database, user, cert.user_id)
                                    is None):
        abort(404)
    return cert


def my_learner(user_id: int) -> User:
    user = certificates.learner_for(db.session(), me(), user_id)
    if user is None:
        abort(404)
    return user


def my_group(group_id: int) -> Group:
    try:
        return groups.group_for(db.session(), me(), group_id)
    except groups.GroupNotFound:
        abort(404)


def issue_form() -> IssueForm:
    form = IssueForm()
    form.topic.choices = [("", _("— choose —"))] + [
        (t.id, t.title) for t in current_course().topics] + [
        (PROGRAMME, _("The whole programme"))]
    return form


def render_learner(user: User, form: IssueForm, revoke_form: ReasonForm,
                   reissue_form: ReissueForm, failed: int | None = None) -> str:
    database, course = db.session(), current_course()
    reissue_form.name.data = reissue_form.name.data or user.name
    return render_template(
        "certificates/learner.html", learner=user, course=course, form=form,
        revoke_form=revoke_form, reissue_form=reissue_form, failed=failed,
        checklist=completion.statuses(database, user, course, store().build_dir),
        certificates=(issued := certificates.of_user(database, user)),
        histories=certificates.histories(database, issued),
        base_url=current_app.config["BASE_URL"].rstrip("/"))
