"""Publications: the Handbook to download, the Bulletin's issues, the distribution list."""

from __future__ import annotations

import mimetypes
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from markupsafe import Markup
from werkzeug.security import safe_join
from werkzeug.wrappers import Response as BaseResponse

from course.publish.bulletin import FOLDER, Bulletin
from course.sources import IMAGE_SUFFIXES
from webapp import db
from webapp.auth import me, role_required
from webapp.forms.publications import DeliveryForm, RecipientForm
from webapp.localtime import SOFIA
from webapp.models import COORDINATORS, utcnow
from webapp.security import ASSET_SECURITY_POLICY
from webapp.services import audit, publications
from webapp.services import bulletins as issues_sent
from webapp.services.publications import HANDBOOK_KINDS, PublicationUnavailable

bp = Blueprint("publications", __name__)
PREPARING_RETRY = 60  # seconds: a Handbook takes about 16 s of CPU per kind


def _roots() -> tuple[Path, Path]:
    return Path(current_app.config["CONTENT_ROOT"]), Path(current_app.config["COURSE_BUILD"])


@bp.get("/handbook")
def handbook() -> str:
    try:
        ready = publications.handbooks_ready(db.session(), _roots()[1])
    except PublicationUnavailable:
        ready = False
    return render_template("publications/handbook.html", ready=ready)


@bp.get("/handbook/<kind>")
def handbook_download(kind: str) -> BaseResponse:
    """The stored Handbook; never built here (a job does it), so until then a short page."""
    if kind not in HANDBOOK_KINDS:
        abort(404)
    database, build_dir = db.session(), _roots()[1]
    try:
        found = publications.stored_handbook(database, build_dir, kind)
        if found is None:
            publications.queue_handbook(database, build_dir, kind)
            database.commit()
    except PublicationUnavailable:
        abort(503)
    if found is None:
        return preparing()
    suffix, mimetype = HANDBOOK_KINDS[kind]
    name = f"narachnik-{kind}.{suffix}" if suffix == "pdf" else "narachnik.html"
    response = _download(found.content, mimetype, name)
    response.set_etag(found.sha256)  # the same bytes on every server: a reload gets a 304
    return response.make_conditional(request)


def preparing() -> Response:
    """The Handbook is being built: come back in a minute (503 with Retry-After)."""
    page = render_template("publications/preparing.html", seconds=PREPARING_RETRY)
    response = Response(page, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(PREPARING_RETRY)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/bulletins")
@login_required
def bulletins() -> str:
    issues = publications.published_bulletins(_roots()[0])
    return render_template("publications/bulletins.html", issues=issues)


@bp.get("/bulletins/<int:number>")
@login_required
def bulletin(number: int) -> str:
    issue = _issue(number)
    return render_template("publications/bulletin.html", issue=issue, body=Markup(issue.html))


@bp.get("/bulletins/<int:number>.pdf")
@login_required
def bulletin_pdf(number: int) -> Response:
    issue = _issue(number)
    path = publications.bulletin_file(*_roots(), issue)
    return _download(path.read_bytes(), "application/pdf", f"biuletin-{issue.number:02d}.pdf")


@bp.get("/bulletins/img/<name>")
@login_required
def bulletin_image(name: str) -> Response:
    """An image of an issue (``bulletins/img/``), e.g. the chart ``dobro bulletin-new`` drew.

    A plain name, no slashes (test_no_route_takes_a_path): the images are in that one folder."""
    found = safe_join(str(_roots()[0] / FOLDER / "img"), name)
    if found is None or Path(found).suffix.lower() not in IMAGE_SUFFIXES \
            or not Path(found).is_file():
        abort(404)
    # Read whole (a chart is a few KB), as ``_download`` does: no file handle left open.
    response = Response(Path(found).read_bytes(),
                        mimetype=mimetypes.guess_type(found)[0] or "application/octet-stream")
    response.headers["Content-Security-Policy"] = ASSET_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-cache"
    return response


def _issue(number: int) -> Bulletin:
    found = next((b for b in publications.published_bulletins(_roots()[0])
                  if b.number == number), None)
    if found is None:
        abort(404)
    return found


@bp.route("/distribution", methods=["GET", "POST"])
@role_required(*COORDINATORS)
def distribution() -> str | BaseResponse:
    database = db.session()
    form = RecipientForm()
    form.organisation.choices = publications.organisation_choices(database)
    if form.validate_on_submit():
        publications.add_recipient(database, form.organisation.data or 0,
                                   form.name.data or "", form.copies.data or 1)
        flash(_("Recipient added."), "success")
        return redirect(url_for("publications.distribution"))
    return _distribution_page(form, _delivery_form())


@bp.post("/distribution/sent")
@role_required(*COORDINATORS)
def mark_sent() -> str | BaseResponse:
    """Record which issue went to which lines of the list (or take the mark back)."""
    database, form = db.session(), _delivery_form()
    if not form.validate_on_submit():
        return _distribution_page(RecipientForm(formdata=None), form)
    issue, ticked = form.issue.data or 0, form.recipients.data or []
    if form.everyone.data:
        ticked = [value for value, _label in form.recipients.choices or []]
    if not ticked:
        form.recipients.errors = [_("Tick at least one recipient.")]
        return _distribution_page(RecipientForm(formdata=None), form)
    if form.unsent.data:
        done = issues_sent.unmark_sent(database, issue, ticked)
        flash(ngettext("Issue %(issue)s: the mark was removed from %(num)s recipient.",
                       "Issue %(issue)s: the mark was removed from %(num)s recipients.",
                       done, issue=issue), "success")
    else:
        done = issues_sent.mark_sent(database, issue, ticked, form.sent_on.data or date.today())
        flash(ngettext("Issue %(issue)s: marked as sent to %(num)s recipient.",
                       "Issue %(issue)s: marked as sent to %(num)s recipients.",
                       done, issue=issue), "success")
    return redirect(url_for("publications.distribution"))


def _delivery_form() -> DeliveryForm:
    form = DeliveryForm(prefix="sent")
    form.issue.choices = issues_sent.issue_choices(_roots()[0])
    form.recipients.choices = [(r.id, f"{r.organisation}: {r.name}")
                               for r in publications.recipients(db.session())]
    if form.sent_on.data is None and not form.is_submitted():
        form.sent_on.data = utcnow().astimezone(SOFIA).date()
    return form


def _distribution_page(form: RecipientForm, delivery: DeliveryForm) -> str:
    database = db.session()
    rows = publications.recipients(database)
    return render_template("publications/distribution.html", form=form, rows=rows,
                           total=sum(r.copies for r in rows), delivery=delivery,
                           sent=issues_sent.sent_issues(database))


@bp.post("/distribution/<int:recipient_id>/delete")
@role_required(*COORDINATORS)
def remove_recipient(recipient_id: int) -> BaseResponse:
    if not publications.remove_recipient(db.session(), recipient_id):
        abort(404)
    flash(_("Recipient removed."), "success")
    return redirect(url_for("publications.distribution"))


@bp.get("/distribution.<fmt>")
@role_required(*COORDINATORS)
def distribution_export(fmt: str) -> Response:
    rows = publications.recipients(db.session())
    if fmt == "csv":
        data, mimetype = publications.export_csv(rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        data = publications.export_xlsx(rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    audit.record_now(db.session(), me(), "export_distribution", target=f"distribution:{fmt}",
                     count=len(rows))
    return _download(data, mimetype, f"razpredelenie.{fmt}")


def _download(data: bytes, mimetype: str, name: str) -> Response:
    """A file to save (the files are small; read whole, no file handle left open)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    response.headers["Cache-Control"] = "no-cache"
    return response
