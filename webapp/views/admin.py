"""Administration: organisations, groups and their trainers, staff accounts.

Admins keep organisations and staff accounts; coordinators and admins keep
groups. Codes for staff are shown once, in the response to the POST that made
them, never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse
from wtforms import Field

from webapp import db
from webapp.auth import me, role_required
from webapp.forms.admin import GroupForm, OrganisationForm, StaffForm
from webapp.models import COORDINATORS, ORGANISATION_KINDS, STAFF, Group, Organisation
from webapp.services import directory, groups
from webapp.services.directory import DirectoryError, StaffCode
from webapp.templating import KIND_NAMES, ROLE_NAMES, role_name

bp = Blueprint("admin", __name__, url_prefix="/admin")
T = TypeVar("T")

ADMINS = ("admin",)



def refusal(code: str) -> str:
    """Why the directory refused a change, in the user's language."""
    messages = {
        "organisation-exists": _("An organisation with this name exists already."),
        "group-exists": _("A group with this name exists already."),
        "not-a-trainer": _("Choose trainers from the list; someone there may have been "
                           "removed meanwhile."),
        "bad-role": _("Choose a role from the list."),
        "no-organisation": _("Choose an organisation from the list."),
        "inactive": _("This account is closed: reopen it first."),
        "self": _("You cannot close your own account."),
        "erased": _("This person's data has been erased: the account stays closed."),
    }
    return messages.get(code, _("This change could not be made."))


def applied(change: Callable[[], T], field_for: Callable[[str], Field]) -> T | None:
    """Make a directory change and commit it; if refused, roll back, put the reason on
    the field it concerns and return None."""
    database = db.session()
    try:
        done = change()
    except DirectoryError as error:
        database.rollback()
        field_for(error.code).errors = [refusal(error.code)]
        return None
    database.commit()
    return done


@bp.get("/")
@role_required(*COORDINATORS)
def index() -> str:
    return render_template("admin/index.html")


# --- Organisations ---------------------------------------------------------------------------

def organisation_form(obj: Organisation | None = None) -> OrganisationForm:
    form = OrganisationForm(obj=obj)
    form.kind.choices = [(k, str(KIND_NAMES[k])) for k in ORGANISATION_KINDS]
    return form


@bp.route("/organisations", methods=["GET", "POST"])
@role_required(*ADMINS)
def organisations() -> str | BaseResponse:
    form = organisation_form()
    database = db.session()
    added = form.validate_on_submit() and applied(lambda: directory.add_organisation(
        database, form.name.data or "", form.kind.data or "", form.oblast.data or ""),
        form.field_for)
    if added:
        flash(_("%(name)s is added.", name=added.name), "success")
        return redirect(url_for(".organisations", _anchor=f"organisation-{added.id}"))
    return render_template("admin/organisations.html", form=form,
                           rows=directory.organisation_rows(database))


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@role_required(*ADMINS)
def organisation(organisation_id: int) -> str | BaseResponse:
    database = db.session()
    found = database.get(Organisation, organisation_id) or abort(404)
    form = organisation_form(found)
    if form.validate_on_submit() and applied(lambda: directory.update_organisation(
            database, found, form.name.data or "", form.kind.data or "",
            form.oblast.data or ""), form.field_for):
        flash(_("The changes are saved."), "success")
        return redirect(url_for(".organisations", _anchor=f"organisation-{found.id}"))
    return render_template("admin/organisation.html", form=form, organisation=found)


# --- Groups ----------------------------------------------------------------------------------

def group_form(obj: Group | None = None) -> GroupForm:
    form = GroupForm(obj=obj)
    form.trainers.choices = [
        (u.id, f"{u.name} ({role_name(u.role)})")
        for u in directory.staff(db.session()) if u.active and u.id is not None]
    if obj is not None and not form.is_submitted():
        form.trainers.data = directory.group_trainer_ids(db.session(), obj)
    return form


@bp.route("/groups", methods=["GET", "POST"])
@role_required(*COORDINATORS)
def group_list() -> str | BaseResponse:
    form = group_form()
    database = db.session()
    added = form.validate_on_submit() and applied(lambda: directory.add_group(
        database, form.name.data or "", form.description.data or "", form.trainer_ids()),
        form.field_for)
    if added:
        flash(_("The group %(name)s is made. Add its learners, or import them from a "
                "file.", name=added.name), "success")
        return redirect(url_for("trainer.group", group_id=added.id))
    return render_template("admin/groups.html", form=form, rows=directory.group_rows(database))


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@role_required(*COORDINATORS)
def group(group_id: int) -> str | BaseResponse:
    database = db.session()
    found = database.get(Group, group_id) or abort(404)
    form = group_form(found)
    if form.validate_on_submit() and applied(lambda: directory.update_group(
            database, found, form.name.data or "", form.description.data or "",
            form.trainer_ids()), form.field_for):
        flash(_("The changes are saved."), "success")
        return redirect(url_for(".group_list", _anchor=f"group-{found.id}"))
    return render_template("admin/group.html", form=form, group=found)


# --- Staff accounts --------------------------------------------------------------------------

def staff_form() -> StaffForm:
    form = StaffForm()
    form.role.choices = [("", _("— choose —"))] + [
        (r, str(ROLE_NAMES[r])) for r in STAFF]
    form.organisation.choices = [("", _("— none —"))] + [
        (o.id, o.name) for o in groups.organisations(db.session())]
    return form


def code_response(issued: StaffCode) -> Response:
    response = make_response(render_template("admin/staff_code.html", issued=issued))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/staff", methods=["GET", "POST"])
@role_required(*ADMINS)
def staff() -> str | Response:
    form = staff_form()
    database = db.session()
    issued = form.validate_on_submit() and applied(lambda: directory.add_staff(
        database, form.name.data or "", form.role.data or "", form.email.data or "",
        form.organisation.data, me()), form.field_for)
    if issued:
        return code_response(issued)
    return render_template("admin/staff.html", form=form, people=directory.staff(database))


@bp.post("/staff/<int:user_id>/code")
@role_required(*ADMINS)
def staff_code(user_id: int) -> Response | BaseResponse:
    database = db.session()
    try:
        issued = directory.staff_code(database, directory.staff_member(database, user_id), me())
    except DirectoryError as error:
        if error.code == "not-found":
            abort(404)
        flash(refusal(error.code), "error")
        return redirect(url_for(".staff"))
    database.commit()
    return code_response(issued)


@bp.post("/staff/<int:user_id>/active")
@role_required(*ADMINS)
def staff_active(user_id: int) -> BaseResponse:
    database = db.session()
    wanted = request.form.get("active") == "1"
    try:
        person = directory.staff_member(database, user_id)
        directory.set_active(database, person, wanted, me())
    except DirectoryError as error:
        if error.code == "not-found":
            abort(404)
        flash(refusal(error.code), "error")
        return redirect(url_for(".staff"))
    database.commit()
    flash(_("The account of %(name)s is reopened.", name=person.name) if wanted else
          _("The account of %(name)s is closed: its sessions have ended.", name=person.name),
          "success")
    return redirect(url_for(".staff", _anchor=f"staff-{person.id}"))
