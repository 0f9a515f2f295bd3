"""Evaluation surveys: a learner answers (anonymously); staff read the results.

Answering: ``/surveys/<id>/session/<n>`` after a session the learner attended,
``/surveys/<id>`` for a topic the learner completed. Results (``/surveys/results``):
a trainer sees their own sessions' and topics' answers, coordinators everyone's;
fewer than five answer sheets are never shown.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from webapp import db
from webapp.auth import me, role_required
from webapp.content import current_course, store
from webapp.forms.surveys import SurveyForm
from webapp.models import COORDINATORS, ORGANISATION_KINDS, STAFF
from webapp.services import next_step, survey_export, survey_results, surveys
from webapp.services.survey_results import Scope
from webapp.services.surveys import Invite

bp = Blueprint("surveys", __name__, url_prefix="/surveys")


@bp.route("/<survey_id>/session/<int:session_id>", methods=["GET", "POST"])
@login_required
def answer(survey_id: str, session_id: int) -> str | BaseResponse:
    invite = surveys.for_session(db.session(), current_course(), me(), survey_id, session_id)
    return _answer(invite or abort(404))


@bp.route("/<survey_id>", methods=["GET", "POST"])
@login_required
def answer_topic(survey_id: str) -> str | BaseResponse:
    course, user = current_course(), me()
    facts = next_step.gather(db.session(), user, course, store().build_dir)
    complete = [s.requirement.topic_id for s in facts.outcome.statuses if s.complete]
    return _answer(surveys.for_topic(course, survey_id, complete) or abort(404))


def _answer(invite: Invite) -> str | BaseResponse:
    database, user, form = db.session(), me(), SurveyForm()
    if surveys.has_answered(database, user, invite):
        return render_template("surveys/answered.html", invite=invite)
    filled = None
    if form.validate_on_submit():
        filled = surveys.read_answers(invite.survey, request.form)
        if not filled.errors:
            if surveys.submit(database, user, invite, filled.answers):
                flash(_("Thank you! Your answers were saved, without your name."), "success")
            return redirect(url_for("learn.home"))
    return render_template("surveys/answer.html", invite=invite, form=form, filled=filled,
                           values=request.form)


@bp.get("/results")
@role_required(*STAFF)
def results_index() -> str:
    user = me()
    groups = survey_results.index(db.session(), user, user.role in COORDINATORS)
    return render_template("surveys/index.html", groups=groups, course=current_course(),
                           sees_all=user.role in COORDINATORS)


def _scope(survey_id: str) -> tuple[survey_results.Results, Scope]:
    course, user, database = current_course(), me(), db.session()
    survey = course.surveys.get(survey_id) or abort(404)
    kind = request.args.get("kind", "")
    if kind and kind not in ORGANISATION_KINDS:
        abort(404)
    asked = Scope(survey_id, request.args.get("session", type=int),
                  request.args.get("trainer", type=int), kind)
    scope = survey_results.visible_scope(database, user, asked, user.role in COORDINATORS)
    if scope is None:
        abort(404)
    return survey_results.results(database, survey, scope), asked


@bp.get("/results/<survey_id>")
@role_required(*STAFF)
def results(survey_id: str) -> str:
    found, asked = _scope(survey_id)
    return render_template("surveys/results.html", results=found, asked=asked,
                           context=survey_export.context(db.session(), current_course(), asked),
                           charts=survey_export.charts_of(found))


@bp.get("/results/<survey_id>.xlsx")
@role_required(*STAFF)
def export(survey_id: str) -> Response:
    found, asked = _scope(survey_id)
    if not found.shown:
        abort(404)
    data = survey_export.workbook(found, survey_export.context(db.session(), current_course(),
                                                               asked))
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument."
                    "spreadsheetml.sheet", headers={
                        "Content-Disposition": f"attachment; filename=survey-{survey_id}.xlsx"})
