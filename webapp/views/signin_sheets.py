"""Sign-in sheets: the sheet a session's learners sign, printed from the roster; its
signed scan kept with the session; the walk-ins written on it added to the roster."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from webapp import db
from webapp.auth import me, role_required
from webapp.content import current_course
from webapp.forms.sessions import SignedSheetForm
from webapp.group_pages import specialism_fits
from webapp.models import STAFF, TrainingSession, User, utcnow
from webapp.services import audit, groups, sessions, signin_sheets
from webapp.services.certificate_pdf import fonts
from webapp.services.groups import GroupNotFound
from webapp.services.signin_sheets import ScanRefused
from webapp.session_pages import enrol_form, my_session, render_detail, walk_in_form
from webapp.templating import language, moment, span

bp = Blueprint("signin_sheets", __name__, url_prefix="/sessions")
SCAN_LIMIT = signin_sheets.MAX_SCAN + 256 * 1024  # the scan and the form around it


@bp.url_value_preprocessor
def allow_scans(endpoint: str | None, _values: dict[str, object] | None) -> None:
    # Before CSRF protection reads the form: the app-wide limit is smaller than a scan.
    if endpoint == "signin_sheets.upload_scan":
        request.max_content_length = SCAN_LIMIT


def session_held_here(session_id: int) -> TrainingSession:
    """A session of mine that is not cancelled (a cancelled one has nobody to sign)."""
    found = my_session(session_id)
    if found.cancelled_at is not None:
        abort(404)
    return found


@bp.get("/<int:session_id>/sign-in-sheet.pdf")
@role_required(*STAFF)
def sheet(session_id: int) -> Response:
    """The sheet to print: everyone enrolled, blank rows for walk-ins, page N of M."""
    found = session_held_here(session_id)
    database, course = db.session(), current_course()
    roster = sessions.roster(database, found)
    html = render_template(
        "sessions/signin_pdf.html", session=found, roster=roster,
        blank=signin_sheets.blank_rows(len(roster)), topic=course.topic(found.topic_id),
        trainer=database.get(User, found.trainer_id), programme=course.title,
        funders=course.funders, fonts=fonts(), lang=language(),
        when=span(found.starts_at, found.ends_at, weekday=True), printed=moment(utcnow()))
    audit.record_now(database, me(), "export_signin_sheet", target=f"session:{found.id}",
                     count=len(roster))
    response = Response(signin_sheets.render_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="sign-in-sheet-{found.id}.pdf"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:session_id>/sign-in-sheet")
@role_required(*STAFF)
def upload_scan(session_id: int) -> tuple[str, int] | BaseResponse:
    """Keep the signed sheet with the session (a new one replaces the one kept)."""
    found = session_held_here(session_id)
    form = SignedSheetForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.scan.data
    data = upload.read(signin_sheets.MAX_SCAN + 1) if upload else b""
    database = db.session()
    try:
        kept = signin_sheets.keep_scan(database, found, data)
    except ScanRefused as refused:
        form.scan.errors = [scan_refusal(refused)]
        return render_detail(found, enrol_form(), sheet_form=form), 400
    audit.record_now(database, me(), "signin_scan_uploaded", target=f"session:{found.id}")
    flash(_("The signed sheet is kept with the session (%(size)s).",
            size=file_size(kept.size)), "success")
    return redirect(url_for("sessions.detail", session_id=found.id, _anchor="sheet-title"))


def scan_refusal(refused: ScanRefused) -> str:
    if refused.code == "empty":
        return _("Choose the file of the signed sheet.")
    if refused.code == "too-large":
        return _("The file is too large: at most %(limit)s MB. Scan at a lower resolution, "
                 "or in black and white.", limit=signin_sheets.MAX_SCAN // (1024 * 1024))
    return _("This is not a PDF, JPEG or PNG file. Scan the sheet to PDF, or photograph it.")


def file_size(size: int) -> str:
    if size < 1024 * 1024:
        return _("%(size)s KB", size=max(1, round(size / 1024)))
    megabytes = format_decimal(round(size / (1024 * 1024), 1))
    return _("%(size)s MB", size=megabytes)


@bp.get("/<int:session_id>/sign-in-sheet/scan")
@role_required(*STAFF)
def scan(session_id: int) -> Response:
    found = my_session(session_id)
    database = db.session()
    stored = signin_sheets.scan_bytes(database, found)
    if stored is None:
        abort(404)
    media_type, content = stored
    audit.record_now(database, me(), "signin_scan_downloaded", target=f"session:{found.id}")
    extension = signin_sheets.SCAN_TYPES[media_type][1]
    response = Response(content, mimetype=media_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="signed-sheet-{found.id}.{extension}"')
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.post("/<int:session_id>/walk-ins")
@role_required(*STAFF)
def add_walk_in(session_id: int) -> tuple[str, int] | BaseResponse:
    """Someone who signed the sheet without being enrolled: into one of the session's
    groups, marked present (from the sheet). They join later with a code, like anyone."""
    found = session_held_here(session_id)
    form = walk_in_form(found)
    if not form.validate_on_submit() or not specialism_fits(form):
        return render_detail(found, enrol_form(), walk_in=form), 400
    database = db.session()
    enrolled = {g.id for g in sessions.enrolled_groups(database, found)}
    try:
        if form.group.data not in enrolled:
            raise GroupNotFound(form.group.data or 0)
        group = groups.group_for(database, me(), form.group.data or 0)
        user = groups.add_learner(database, group, form.name.data or "", form.organisation.data,
                                  form.audience.data or "", form.position.data or "",
                                  form.specialism.data or None)
    except GroupNotFound:
        form.group.errors = [_("You cannot add learners to this group: choose one of yours.")]
        database.rollback()
        return render_detail(found, enrol_form(), walk_in=form), 400
    assert user.id is not None
    sessions.mark(database, found, user.id, "present", me(), via="sheet")
    audit.record(database, me(), "person_added", user, f"group:{group.id}")
    audit.record(database, me(), "attendance_marked", user, f"session:{found.id}")
    database.commit()
    flash(_("%(name)s is added to %(group)s and marked present. Give them a join code.",
            name=user.name, group=group.name), "success")
    return redirect(url_for("sessions.detail", session_id=found.id, _anchor=f"learner-{user.id}"))


# --- Learners -------------------------------------------------------------------------------
