"""Taking quizzes: the overview, attempt pages, autosave, submission and the review.

Every rule (attempts allowed, time limits, one grade per attempt) lives in
``webapp.services.attempts``. These views turn forms into responses in *display
positions*, choose the page to show, and hand templates plain dicts: before an
attempt is submitted the browser sees ``public_question`` and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from course.attempts import public_question
from course.compiled import QuizInfo
from course.grading import band_feedback
from course.model import PER_QUESTION_ITEMS, Quiz
from webapp import db
from webapp.auth import me
from webapp.content import current_course, store
from webapp.models import ATTEMPT_EXPIRED, ATTEMPT_OPEN, Attempt, Certificate, utcnow
from webapp.notices import announce
from webapp.quiz_answers import (
    field,
    form_value,
    is_answered,
    order_clashes,
    parse_answers,
    posted_form,
    readable,
    right_answer,
)
from webapp.services import attempts, certificates
from webapp.services.attempts import QuizError, Slot

bp = Blueprint("quiz", __name__)

PAGE_SIZE = 5
ATTEMPT_ID = "<int:attempt_id>"  # a larger id would overflow the column


def message(code: str) -> str:
    """The learner-facing explanation of a ``QuizError`` code."""
    messages = {
        "no-attempts-left": _("You have used every attempt allowed for this quiz."),
        "time-up": _("Time is up; the attempt was graded with the saved answers."),
        "closed": _("This attempt has already been submitted."),
    }
    return messages.get(code, _("Something went wrong. Please try again."))


# --- Finding quizzes and attempts -------------------------------------------------------


def quiz_or_404(quiz_id: str) -> tuple[QuizInfo, Quiz]:
    """The quiz's public settings and, for the server only, the quiz with its key."""
    info = current_course().quizzes.get(quiz_id) or abort(404)
    quiz = find_quiz(quiz_id) or abort(404)
    return info, quiz


def find_quiz(quiz_id: str) -> Quiz | None:
    try:
        return attempts.load_quiz(store().build_dir, quiz_id)
    except QuizError:
        return None


def owned_attempt(attempt_id: int) -> Attempt:
    """The signed-in learner's attempt (others' are 404), closed first if its time is up."""
    database, user = db.session(), me()
    found = database.get(Attempt, attempt_id)
    if found is None or found.user_id != user.id:
        abort(404)
    if found.state == ATTEMPT_OPEN and found.deadline_at is not None:
        attempts.expire_overdue(database, user, found.quiz_id)
        database.refresh(found)
        if found.state != ATTEMPT_OPEN:
            flash(message("time-up"), "error")
            if found.kind == "final":
                announce(certificates.check_and_issue(database, user))
    return found


def to_review(found: Attempt) -> Response:
    return redirect(url_for(".review", attempt_id=found.id))


def save_form(found: Attempt, form: MultiDict[str, str]) -> QuizError | None:
    """Save the answers in ``form``; return the rule that refused them, if one did."""
    slots = attempts.slots(found)
    try:
        attempts.save(db.session(), found, parse_answers(form, slots))
    except QuizError as error:
        db.session().refresh(found)
        return error
    for number in order_clashes(form, slots):
        flash(_("Question %(number)s: two items were given the same place; please check the "
                "order.", number=number), "error")
    return None


# --- What the templates get ---------------------------------------------------------------


def pages_of(slots: list[Slot]) -> list[list[tuple[int, Slot]]]:
    numbered = list(enumerate(slots, 1))
    return [numbered[i:i + PAGE_SIZE] for i in range(0, len(numbered), PAGE_SIZE)] or [[]]


def question_views(page: list[tuple[int, Slot]], saved: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the attempt page shows of each question: public texts and the saved answer."""
    return [{"number": number, "name": field(slot.question.id),
             "public": public_question(slot.question, slot.drawn),
             "value": form_value(slot, saved.get(slot.question.id))}
            for number, slot in page]


def progress(pages: list[list[tuple[int, Slot]]], saved: Mapping[str, Any]
             ) -> list[list[tuple[int, bool]]]:
    """Per page, each question's number and whether it has an answer."""
    return [[(number, is_answered(slot, saved.get(slot.question.id))) for number, slot in page]
            for page in pages]


def per_question(items: tuple[str, ...]) -> bool:
    """Whether ``items`` show anything of single questions (and so of the key)."""
    return bool(set(items) & set(PER_QUESTION_ITEMS))


def review_rows(found: Attempt, items: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each question of a closed attempt with only what the review policy allows."""
    if not per_question(items):
        return []
    saved = attempts.saved_responses(db.session(), found)
    results = found.results or []
    course = current_course()
    rows = []
    for number, slot in enumerate(attempts.slots(found), 1):
        question = slot.question
        result = results[number - 1] if number <= len(results) else {}
        ref = question.ref.target if question.ref else ""
        rows.append({
            "number": number, "text": question.text, "type": question.type,
            "yours": readable(question, saved.get(question.id)),
            "ref": ref, "ref_title": course.title_of(ref) if ref else "",
            "state": result.get("state") if "correctness" in items else None,
            "score": result.get("score") if "correctness" in items else None,
            "points": question.points,
            "feedback": result.get("feedback", []) if "feedback" in items else [],
            "explanation": question.explanation if "explanation" in items else "",
            "answer": right_answer(question) if "answers" in items else [],
        })
    return rows


# --- Views ----------------------------------------------------------------------------------


@bp.get("/quiz/<quiz_id>")
@login_required
def overview(quiz_id: str) -> str:
    info, quiz = quiz_or_404(quiz_id)
    database, user = db.session(), me()
    attempts.expire_overdue(database, user, quiz_id)
    done = attempts.history(database, user, quiz_id)
    value, passed = attempts.quiz_result(quiz, done)
    module = next((m for m in current_course().modules.values() if m.quiz == quiz_id), None)
    return render_template("quiz/overview.html", info=info, grading=quiz.grading, history=done,
                           left=attempts.attempts_left(quiz, done), grade=value, passed=passed,
                           current=next((a for a in done if a.state == ATTEMPT_OPEN), None),
                           module=module)


@bp.post("/quiz/<quiz_id>/start")
@login_required
def start(quiz_id: str) -> Response:
    _info, quiz = quiz_or_404(quiz_id)
    try:
        found = attempts.start(db.session(), me(), quiz)
    except QuizError as error:
        flash(message(error.code), "error")
        return redirect(url_for(".overview", quiz_id=quiz_id))
    return redirect(url_for(".attempt", attempt_id=found.id))


@bp.route(f"/attempt/{ATTEMPT_ID}", methods=["GET", "POST"])
@login_required
def attempt(attempt_id: int) -> str | Response:
    found = owned_attempt(attempt_id)
    if found.state != ATTEMPT_OPEN:
        return to_review(found)
    pages = pages_of(attempts.slots(found))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), len(pages))
    if request.method == "POST":
        refused = save_form(found, request.form)
        if refused is not None:
            flash(message(refused.code), "error")
            return to_review(found)
        return redirect(destination(found, page, len(pages), request.form.get("go", "")))
    saved = attempts.saved_responses(db.session(), found)
    return render_template("quiz/attempt.html", attempt=found, page=page, pages=len(pages),
                           questions=question_views(pages[page - 1], saved),
                           progress=progress(pages, saved), info=current_course().quizzes.get(
                               found.quiz_id), now=utcnow())


def destination(found: Attempt, page: int, count: int, go: str) -> str:
    """Where a page's buttons lead: back, forward, a page of the list, or the submission."""
    if go == "submit":
        return url_for(".submit", attempt_id=found.id)
    if go.startswith("page-") and go[5:].isascii() and go[5:].isdigit() and len(go) < 12:
        page = int(go[5:])
    else:
        page += {"next": 1, "prev": -1}.get(go, 0)
    return url_for(".attempt", attempt_id=found.id, page=min(max(page, 1), count))


@bp.post(f"/attempt/{ATTEMPT_ID}/save")
@login_required
def autosave(attempt_id: int) -> tuple[Response, int]:
    found = owned_attempt(attempt_id)
    if found.state != ATTEMPT_OPEN:
        return closed_json(found, "time-up" if found.state == ATTEMPT_EXPIRED else "closed")
    form = posted_form()
    if form is None:
        return jsonify(error=_("The answers could not be read. Use the buttons below the "
                               "questions to save them.")), 400
    now = utcnow()
    slots = attempts.slots(found)
    try:
        count = attempts.save(db.session(), found, parse_answers(form, slots), now)
    except QuizError as error:
        db.session().refresh(found)
        return closed_json(found, error.code)
    return jsonify(saved=count, saved_at=now.isoformat(),
                   clashes=order_clashes(form, slots)), 200


def closed_json(found: Attempt, code: str) -> tuple[Response, int]:
    return jsonify(error=message(code), review=url_for(".review", attempt_id=found.id)), 409


@bp.route(f"/attempt/{ATTEMPT_ID}/submit", methods=["GET", "POST"])
@login_required
def submit(attempt_id: int) -> str | Response:
    found = owned_attempt(attempt_id)
    if found.state != ATTEMPT_OPEN:
        return to_review(found)
    slots = attempts.slots(found)
    if request.method == "POST":
        done = attempts.submit(db.session(), found, parse_answers(request.form, slots))
        if done.state == ATTEMPT_EXPIRED:
            flash(message("time-up"), "error")
        if done.kind == "final":  # only a final test can complete a topic
            announce(certificates.check_and_issue(db.session(), me()))
        return to_review(done)
    saved = attempts.saved_responses(db.session(), found)
    pages = pages_of(slots)
    return render_template("quiz/submit.html", attempt=found, progress=progress(pages, saved),
                           info=current_course().quizzes.get(found.quiz_id), now=utcnow())


@bp.get(f"/attempt/{ATTEMPT_ID}/review")
@login_required
def review(attempt_id: int) -> str | Response:
    found = owned_attempt(attempt_id)
    if found.state == ATTEMPT_OPEN:
        return redirect(url_for(".attempt", attempt_id=found.id))
    quiz = find_quiz(found.quiz_id)
    history = attempts.history(db.session(), me(), found.quiz_id)
    # A quiz removed from the course since: show the grade, nothing of the key.
    items = attempts.review_items(quiz, history) if quiz else ("score",)
    # The band says no more than the score does: it comes with the score.
    band = band_feedback(quiz.feedback, found.percent or 0) if quiz and "score" in items else ""
    left = attempts.attempts_left(quiz, history) if quiz else 0
    # Say when the questions come, where they come only with the last attempt.
    later = bool(quiz and quiz.attempts and not per_question(items)
                 and per_question(quiz.review.after_close))
    verdict = (_("Passed.") if found.passed else _("Not passed.")) if found.kind == "final" else ""
    return render_template("quiz/review.html", attempt=found, items=items, verdict=verdict,
                           band=unrepeated(band, verdict), rows=review_rows(found, items),
                           left=left, allowed=quiz.attempts if quiz else 0, later=later,
                           certificate=topic_certificate(found),
                           info=current_course().quizzes.get(found.quiz_id))


def unrepeated(band: str, verdict: str) -> str:
    """The band without an opening sentence that says the page's verdict again, word for word.

    A final's bands often open with "not passed": the page says it once, at the top.
    """
    if verdict and band.startswith(verdict):
        return band.removeprefix(verdict).lstrip()
    return band


def topic_certificate(found: Attempt) -> Certificate | None:
    """The learner's valid certificate of a passed final's topic, if they hold it."""
    if found.kind != "final" or not found.passed:
        return None
    held = certificates.valid_for(db.session(), me())
    return held.get(("topic", found.topic_id))


@bp.errorhandler(CSRFError)
def csrf_error(_error: CSRFError) -> tuple[str | Response, int]:
    """A form sent without its security token (or with an old one): nothing saved is lost."""
    text = _("This form has expired, so it was not saved. Your answers saved before are kept: "
             "reload the page and try again.")
    if request.endpoint == "quiz.autosave":
        return jsonify(error=text), 400
    back = request.full_path.rstrip("?").removesuffix("/start")
    return render_template("quiz/expired_form.html", text=text, back=back), 400

