"""Importing a group's participants from a file, and its join codes as a PDF list.

The upload is previewed (every change and every error, by row and column) before
anything is saved; the confirmation applies the very file that was previewed, kept
server-side under a random token (``services.pending_imports``). Who may import into
which group is the trainer area's rule (``services.groups``): elsewhere it is a 404.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response as BaseResponse

from webapp import db
from webapp.auth import me, role_required
from webapp.content import current_course
from webapp.forms.participants import ImportForm
from webapp.group_pages import card_context, my_group, new_join_codes, render_cards, send_by_email
from webapp.models import STAFF, Group
from webapp.services import audit, groups, mail_messages, participants, pending_imports
from webapp.services.certificate_pdf import SHIPPED, fonts
from webapp.services.groups import learners_in_care
from webapp.services.participant_files import MAX_BYTES, ParticipantFileError, read_table

bp = Blueprint("participants", __name__, url_prefix="/trainer/groups")


@bp.get("/<int:group_id>/import")
@role_required(*STAFF)
def import_form(group_id: int) -> str:
    return render_template("participants/import.html", group=my_group(group_id),
                           form=ImportForm(), labels=participants.LABELS)


@bp.post("/<int:group_id>/import")
@role_required(*STAFF)
def import_preview(group_id: int) -> str:
    found = my_group(group_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("participants/import.html", group=found, form=form,
                               labels=participants.LABELS)
    filename = form.file.data.filename or ""
    data = form.file.data.stream.read(MAX_BYTES + 1)
    try:
        plan = preview_of(found, filename, data)
    except ParticipantFileError as exc:
        form.file.errors = [f"{filename}: {exc}"]
        return render_template("participants/import.html", group=found, form=form,
                               labels=participants.LABELS)
    token = pending_imports.save(current_app.instance_path, filename, data, my_id(),
                                 group_id) if plan.ok else ""
    course = current_course()
    return render_template("participants/preview.html", group=found, plan=plan, token=token,
                           filename=filename, audiences=course.audiences,
                           specialisms={s.id: s.title for offered in course.specialisms.values()
                                        for s in offered},
                           sexes=participants.SEXES)


@bp.post("/<int:group_id>/import/<token>")
@role_required(*STAFF)
def import_confirm(group_id: int, token: str) -> BaseResponse:
    found = my_group(group_id)
    instance = current_app.instance_path
    try:
        pending = pending_imports.load(instance, token, my_id(), group_id)
        table = read_table(pending.filename, pending.data)
        database, course = db.session(), current_course()
        _plan, summary = participants.apply(database, table, course.audiences,
                                            found.name, fixed_group=True,
                                            scope=learners_in_care(database, me()),
                                            specialisms=course.specialisms)
        audit.record(database, me(), "participants_imported", target=f"group:{group_id}",
                     count=summary.created + summary.updated)
        for learner in summary.joined:  # the group's sessions to come, with their .ics
            mail_messages.joined_group(database, learner, me())
    except pending_imports.PendingNotFound:
        flash(_("That preview has expired. Upload the file again."), "error")
        return redirect(url_for("participants.import_form", group_id=group_id))
    except (ParticipantFileError, participants.ImportRefused):
        flash(_("The data changed since the preview. Upload the file again."), "error")
        return redirect(url_for("participants.import_form", group_id=group_id))
    sent = groups.email_invitations(database, found, me()) if send_by_email() else []
    database.commit()
    pending_imports.discard(instance, token)
    flash(_("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.",
            created=summary.created, updated=summary.updated, unchanged=summary.unchanged),
          "success")
    if sent:
        flash(ngettext("A join code was sent by e-mail to %(num)s learner.",
                       "Join codes were sent by e-mail to %(num)s learners.", len(sent)),
              "success")
    return redirect(url_for("trainer.group", group_id=group_id))


@bp.post("/<int:group_id>/codes.pdf")
@role_required(*STAFF)
def codes_pdf(group_id: int) -> Response | BaseResponse | str:
    made = new_join_codes(group_id)
    if not isinstance(made, tuple):
        return made
    context = card_context(*made)
    audit.record_now(db.session(), me(), "export_codes", target=f"group:{group_id}",
                     count=len(made[1]))
    html = render_template("participants/codes_pdf.html", cards=render_cards(context),
                           fonts=fonts(), **context)
    response = Response(pdf_of(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="codes-{group_id}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


def preview_of(found: Group, filename: str, data: bytes) -> participants.Preview:
    table = read_table(filename, data)
    database, course = db.session(), current_course()
    return participants.preview(database, table, course.audiences, found.name,
                                fixed_group=True, scope=learners_in_care(database, me()),
                                specialisms=course.specialisms)


def my_id() -> int:
    user_id = me().id
    if user_id is None:  # pragma: no cover - a signed-in user always has an id
        abort(403)
    return user_id


def pdf_of(html: str) -> bytes:
    from weasyprint import HTML  # type: ignore[import-untyped]  # late: slow, only needed here

    pdf: bytes = HTML(string=html, base_url=str(SHIPPED)).write_pdf()
    return pdf
