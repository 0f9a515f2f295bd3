"""What the trainer's group pages, the participants' pages and the session pages share.

The group the signed-in staff member looks after (else a 404), making join codes for
its learners, the code cards printed from them, and the learner form (a trainer adds a
learner on the group page, or a walk-in from a session's signed sheet). Kept out of the
view modules so that no view imports another.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from webapp import db
from webapp.auth import me
from webapp.content import current_course
from webapp.forms.codes import RenewCodesForm
from webapp.forms.trainer import LearnerForm
from webapp.models import Group, User
from webapp.services import groups, specialisms
from webapp.services.groups import GroupNotFound, IssuedCode

# Cards go to the learners, who read Bulgarian, whatever language the trainer's screen uses.
CARD_LANGUAGE = "bg"


def my_group(group_id: int) -> Group:
    """The group, if the signed-in user looks after it; else 404."""
    try:
        return groups.group_for(db.session(), me(), group_id)
    except GroupNotFound:
        abort(404)


def new_join_codes(group_id: int) -> tuple[Group, list[Any]] | BaseResponse | str:
    """Make join codes for the group's learners who have not joined (for cards or a PDF).

    By default only for those who hold no code that works: the cards already handed out
    keep working. With ``renew=all`` every one of them gets a new code and the codes
    already handed out stop working; that needs the box of the confirmation page ticked,
    else the page comes back with its error and nothing changes. A redirect back to the
    group when there is no code to make.
    """
    found = my_group(group_id)
    database = db.session()
    if request.form.get("renew") == "all":
        form = RenewCodesForm()
        if not form.validate_on_submit():
            return render_renew(found, form)
        issued = groups.join_codes(database, found, me(), send_by_email())
        if not issued:
            flash(_("Everyone in this group has joined already: there are no codes to print."),
                  "info")
            return redirect(url_for("trainer.group", group_id=group_id))
    else:
        issued = groups.missing_codes(database, found, me(), send_by_email())
        if not issued:
            if groups.waiting(groups.members(database, found)):
                flash(_("Everyone who has not joined holds a join code that still works. "
                        "For a lost card, use “New code” on the learner's row."), "info")
            else:
                flash(_("Everyone in this group has joined already: there are no codes to "
                        "print."), "info")
            return redirect(url_for("trainer.group", group_id=group_id, _anchor="codes-title"))
    database.commit()
    return found, issued


def send_by_email() -> bool:
    """Whether the code form's "send by e-mail" box (mail/_send_box.html) was ticked."""
    return request.form.get("send_email") == "y"


def render_renew(found: Group, form: RenewCodesForm) -> str:
    """The confirmation before new codes for everyone who has not joined: who gets one and
    how many codes already handed out stop working."""
    database = db.session()
    pending = groups.waiting(groups.members(database, found))
    return render_template("trainer/renew_codes.html", group=found, form=form, pending=pending,
                           held=groups.codes_held(database, pending))


def card_context(found: Group, issued: list[IssuedCode]) -> dict[str, Any]:
    """What the code pages and the cards are rendered with."""
    return {"group": found, "issued": issued,
            "base_url": current_app.config["BASE_URL"].rstrip("/")}


def render_cards(context: dict[str, Any]) -> Markup:
    """The code cards, in Bulgarian (the web page and the PDF list both use them)."""
    with force_locale(CARD_LANGUAGE):
        return Markup(render_template("trainer/_cards.html", **context))


def learner_form(user: User | None = None) -> LearnerForm:
    """The learner form (filled in with ``user``'s details to edit them), offering the
    organisations, the course's audiences and their specialisms."""
    form = LearnerForm() if user is None else LearnerForm(
        obj=user, organisation=user.organisation_id, specialism=user.specialism or "")
    return with_learner_choices(form)


def with_learner_choices(form: LearnerForm) -> LearnerForm:
    """``form`` offering the organisations, the course's audiences and their specialisms."""
    choose = ("", _("— choose —"))
    form.organisation.choices = [choose] + [
        (o.id, o.name) for o in groups.organisations(db.session())]
    course = current_course()
    form.audience.choices = [choose] + list(course.audiences.items())
    form.specialism.choices = [("", _("None"))] + [
        (s.id, f"{course.audiences.get(audience, audience)}: {s.title}")
        for audience, offered in course.specialisms.items() for s in offered]
    return form


def specialism_fits(form: LearnerForm) -> bool:
    """Whether the specialism chosen is one of the chosen audience's (else the field says so)."""
    course = current_course()
    try:
        specialisms.find(course.specialisms_of(form.audience.data), form.specialism.data or "")
    except specialisms.SpecialismError as error:
        audience = course.audiences.get(form.audience.data or "", form.audience.data or "")
        form.specialism.errors = [
            _("The audience %(audience)s has no specialisms: choose None.", audience=audience)
            if error.code == "none-offered" else
            _("This is not a specialism of the audience %(audience)s: choose one of its own, "
              "or None.", audience=audience)]
        return False
    return True
