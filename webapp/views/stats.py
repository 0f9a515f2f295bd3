"""Quiz statistics and knowledge gain for trainers (``/trainer/stats``).

A trainer's numbers cover only the learners of the groups they look after;
coordinators and admins see everyone (``webapp.services.statistics``). Learners
get 403.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _

from webapp import db
from webapp.auth import me, role_required
from webapp.content import current_course, store
from webapp.models import STAFF
from webapp.services import attempts, bulk, statistics
from webapp.services.attempts import QuizError

bp = Blueprint("stats", __name__, url_prefix="/trainer/stats")


@bp.get("/")
@role_required(*STAFF)
def index() -> str:
    course = current_course()
    counts = statistics.attempt_counts(db.session(), me())
    quizzes = [q for q in course.quizzes.values() if q.kind != "pool"]
    topics = {t.id: t.title for t in course.topics}
    return render_template("stats/index.html", quizzes=quizzes, counts=counts, topics=topics)


@bp.get("/quiz/<quiz_id>")
@role_required(*STAFF)
def quiz(quiz_id: str) -> str:
    info = current_course().quizzes.get(quiz_id)
    if info is None or info.kind == "pool":
        abort(404)
    try:
        found = attempts.load_quiz(store().build_dir, quiz_id)
    except QuizError:
        abort(404)
    first_only = request.args.get("attempts") != "all"
    with bulk.paused_gc():
        report = statistics.quiz_report(db.session(), me(), found, first_only,
                                        true_false=(_("True"), _("False")))
    return render_template("stats/quiz.html", info=info, report=report)


@bp.get("/gain")
@role_required(*STAFF)
def gain() -> str:
    with bulk.paused_gc():
        report = statistics.gain_report(db.session(), me(), current_course(),
                                        Path(current_app.config["COURSE_BUILD"]))
        return render_template("stats/gain.html", report=report)
