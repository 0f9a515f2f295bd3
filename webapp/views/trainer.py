"""The trainer area: my groups, their learners, adding learners and handing out codes.

Who may see which group is decided in ``webapp.services.groups``; a group or
learner outside it is a 404. Code pages are rendered straight from the POST
and never cached: a code exists in clear only in that one response.
"""

from __future__ import annotations

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

from webapp import db
from webapp.auth import me, role_required
from webapp.content import current_course, store
from webapp.forms.codes import RenewCodesForm
from webapp.forms.trainer import LearnerForm
from webapp.group_pages import (
    card_context,
    learner_form,
    my_group,
    new_join_codes,
    render_cards,
    render_renew,
    specialism_fits,
)
from webapp.models import COORDINATORS, STAFF, Group
from webapp.services import (
    audit,
    bulk,
    erasure,
    groups,
    retention,
    review,
    trainer_home,
)
from webapp.services.groups import GroupNotFound, IssuedCode

bp = Blueprint("trainer", __name__, url_prefix="/trainer")


@bp.get("/")
@role_required(*STAFF)
def home() -> str:
    """Today's and the next sessions, who is stuck, the week's certificates, what waits
    for the trainer, then their groups."""
    course = current_course()
    # Every visible learner's standing, read in bulk: as on the dashboard (``bulk``).
    with bulk.paused_gc():
        facts = trainer_home.home(db.session(), me(), course, store().build_dir)
    database = db.session()
    coordinating = me().role in COORDINATORS  # erasure requests and retention wait for them
    return render_template("trainer/home.html", home=facts, summaries=facts.groups,
                           topics={t.id: t.title for t in course.topics},
                           stuck_days=trainer_home.STUCK_DAYS,
                           erasure_pending=erasure.pending_count(database) if coordinating else 0,
                           retention_due=retention.marked_count(database) if coordinating else 0)


@bp.get("/groups/<int:group_id>")
@role_required(*STAFF)
def group(group_id: int) -> str:
    found = my_group(group_id)
    return render_group(found, learner_form())


@bp.post("/groups/<int:group_id>/learners")
@role_required(*STAFF)
def add_learner(group_id: int) -> str | BaseResponse:
    found = my_group(group_id)
    form = learner_form()
    if not form.validate_on_submit() or not specialism_fits(form):
        return render_group(found, form)
    database = db.session()
    try:
        user = groups.add_learner(database, found, form.name.data or "", form.organisation.data,
                                  form.audience.data or "", form.position.data or "",
                                  form.specialism.data or None)
    except GroupNotFound:  # the organisation was deleted since the form was shown
        abort(404)
    audit.record(database, me(), "person_added", user, f"group:{group_id}")
    database.commit()
    flash(_("%(name)s is in the group. Give them a join code.", name=user.name), "success")
    return redirect(url_for("trainer.group", group_id=group_id, _anchor=f"learner-{user.id}"))


@bp.route("/groups/<int:group_id>/learners/<int:user_id>", methods=["GET", "POST"])
@role_required(*STAFF)
def edit_learner(group_id: int, user_id: int) -> str | BaseResponse:
    """A learner's details as their trainer keeps them: name, organisation, audience,
    position and specialism."""
    found = my_group(group_id)
    database = db.session()
    try:
        member = groups.learner_in(database, found, user_id)
    except GroupNotFound:
        abort(404)
    user = member.user
    form = learner_form(None if request.method == "POST" else user)
    if request.method == "POST" and form.validate_on_submit() and specialism_fits(form):
        try:
            groups.update_learner(database, member, form.name.data or "", form.organisation.data,
                                  form.audience.data or "", form.position.data or "",
                                  form.specialism.data or None)
        except GroupNotFound:  # the organisation was deleted since the form was shown
            abort(404)
        audit.record(database, me(), "person_changed", user, f"group:{group_id}")
        database.commit()
        flash(_("%(name)s: the changes are saved.", name=user.name), "success")
        return redirect(url_for("trainer.group", group_id=group_id, _anchor=f"learner-{user.id}"))
    if request.method == "GET":
        audit.record_view(database, me(), "view_learner", user, f"group:{group_id}")
    return render_template("trainer/learner.html", group=found, learner=user, form=form)


@bp.post("/groups/<int:group_id>/learners/<int:user_id>/code")
@role_required(*STAFF)
def learner_code(group_id: int, user_id: int) -> Response:
    found = my_group(group_id)
    database = db.session()
    try:
        issued = groups.new_code(database, groups.learner_in(database, found, user_id), me())
    except GroupNotFound:
        abort(404)
    database.commit()
    return code_page("trainer/code.html", found, [issued])


@bp.post("/groups/<int:group_id>/codes")
@role_required(*STAFF)
def join_codes(group_id: int) -> Response | BaseResponse | str:
    """Cards with join codes: for those who hold none, or (confirmed) new ones for all."""
    made = new_join_codes(group_id)
    if not isinstance(made, tuple):
        return made
    return code_page("trainer/codes.html", *made)


@bp.get("/groups/<int:group_id>/codes/renew")
@role_required(*STAFF)
def renew_codes(group_id: int) -> str:
    """What new codes for everyone who has not joined would void, and the box to confirm it."""
    return render_renew(my_group(group_id), RenewCodesForm())


def render_group(found: Group, form: LearnerForm) -> str:
    course, database = current_course(), db.session()
    members = groups.members(database, found)
    assert found.id is not None
    return render_template("trainer/group.html", group=found, form=form, members=members,
                           held=groups.codes_held(database, members),
                           audiences=course.audiences, course=course,
                           reviewing=review.group_activity(database, [found.id])[found.id])


def code_page(template: str, found: Group, issued: list[IssuedCode]) -> Response:
    """Render freshly made codes: the cards in Bulgarian, never stored by any cache."""
    context = card_context(found, issued)
    response = make_response(render_template(template, cards=render_cards(context), **context))
    response.headers["Cache-Control"] = "no-store"
    return response
