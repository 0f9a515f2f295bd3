"""The daily «Преговор»: due self-check questions, answered and rated one at a time.

A round is 5 or 20 questions; how many are left travels in the URL (``left``). Each answer
is graded on the server like a quiz's (``webapp.quiz_answers`` parses the form, the page
shows ``public_question`` only), recorded with a derived rating, and the result page lets
the learner choose their own rating instead. Rules live in ``webapp.services.review``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from fsrs import Rating
from werkzeug.wrappers import Response

from course.attempts import public_question, to_source
from webapp import db
from webapp.auth import me, role_required
from webapp.content import current_course, store
from webapp.models import STAFF, ReviewCard, ReviewLog, utcnow
from webapp.quiz_answers import field, parse_answers, readable, right_answer
from webapp.services import groups, review
from webapp.services.attempts import Slot, decode

bp = Blueprint("review", __name__)

CARD_ID = "<int:card_id>"
LOG_ID = "<int:log_id>"


def left_of(source: Any) -> int:
    """The questions left in this round (0…the largest round), from a query or a form."""
    value = source.get("left", 0, type=int) or 0
    return min(max(value, 0), max(review.BATCH_SIZES))


def shown_at(raw: str | None) -> datetime | None:
    """When the question was shown (epoch milliseconds in the form); None if unreadable."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 15:
        return None
    return datetime.fromtimestamp(int(raw) / 1000, UTC)


def owned_card(card_id: int) -> ReviewCard:
    found = db.session().get(ReviewCard, card_id)
    if found is None or found.user_id != me().id:
        abort(404)
    return found


def owned_log(log_id: int) -> ReviewLog:
    found = db.session().get(ReviewLog, log_id)
    if found is None or found.user_id != me().id:
        abort(404)
    return found


@bp.get("/review")
@login_required
def index() -> str:
    database = db.session()
    deck = review.sync_user(database, me(), current_course(), store().build_dir)
    database.commit()
    return render_template("review/index.html", deck=deck, sizes=review.BATCH_SIZES)


@bp.get("/review/next")
@login_required
def next_card() -> str | Response:
    left = left_of(request.args)
    user = me()
    assert user.id is not None
    card = review.next_due(db.session(), user.id) if left else None
    if card is None and left:  # none made yet (a link from elsewhere): make them, look again
        review.sync_user(db.session(), user, current_course(), store().build_dir)
        db.session().commit()
        card = review.next_due(db.session(), user.id)
    shown = review.question_of(store().build_dir, card) if card else None
    if card is not None and shown is None:  # its question changed since the count
        review.sync_user(db.session(), user, current_course(), store().build_dir)
        db.session().commit()
        return redirect(url_for(".next_card", left=left))
    if card is None or shown is None:
        flash(_("Round done. Well done!") if not left
              else _("No more questions are due today. Well done!"), "success")
        return redirect(url_for(".index"))
    question, drawn = shown
    return render_template(
        "review/card.html", card=card, left=left, now_ms=int(utcnow().timestamp() * 1000),
        question={"number": None, "name": field(question.id), "value": None,
                  "public": public_question(question, drawn)},
        source=current_course().title_of(card.module_id))


@bp.post(f"/review/card/{CARD_ID}")
@login_required
def answer(card_id: int) -> Response:
    card = owned_card(card_id)
    left = left_of(request.form)
    if request.form.get("reps", type=int) != card.reps:
        return to_latest(card, left)  # answered already: a resent form changes nothing
    shown = review.question_of(store().build_dir, card)
    if shown is None:
        return redirect(url_for(".next_card", left=left))
    question, drawn = shown
    display = parse_answers(request.form, [Slot(question, drawn)]).get(question.id)
    database = db.session()
    log = review.answer(database, card, question, to_source(question, drawn, display),
                        shown_at(request.form.get("shown_at")))
    if log is None:
        database.rollback()
        return to_latest(card, left)
    database.commit()
    return redirect(url_for(".result", log_id=log.id, left=max(left - 1, 0)))


def to_latest(card: ReviewCard, left: int) -> Response:
    latest = review.latest_log(db.session(), card)
    if latest is None:
        return redirect(url_for(".next_card", left=left))
    return redirect(url_for(".result", log_id=latest, left=max(left - 1, 0)))


@bp.get(f"/review/answer/{LOG_ID}")
@login_required
def result(log_id: int) -> str:
    log = owned_log(log_id)
    card = owned_card(log.card_id)
    shown = review.question_of(store().build_dir, card)
    question = shown[0] if shown else None
    graded = review.graded_of(question, log) if question else None
    latest = review.latest_log(db.session(), card)
    ref = question.ref.target if question and question.ref else ""
    return render_template(
        "review/result.html", log=log, card=card, left=left_of(request.args),
        question=question, feedback=graded.feedback if graded else (),
        yours=readable(question, decode(log.response)) if question else [],
        answer=right_answer(question) if question else [], ratings=review.RATINGS,
        may_rate=log.rated_by == "derived" and latest == log.id,
        ref=ref, ref_title=current_course().title_of(ref) if ref else "")


@bp.post(f"/review/answer/{LOG_ID}/rate")
@login_required
def rate(log_id: int) -> Response:
    log = owned_log(log_id)
    left = left_of(request.form)
    chosen = request.form.get("rating", type=int)
    if chosen not in [int(r) for r in review.RATINGS]:
        flash(_("Choose one of the ratings."), "error")
        return redirect(url_for(".result", log_id=log.id, left=left))
    database = db.session()
    if review.rate(database, log, Rating(chosen)):
        database.commit()
    else:
        database.rollback()
    return redirect(url_for(".next_card", left=left))


@bp.get("/review/groups")
@role_required(*STAFF)
def activity() -> str:
    database = db.session()
    found = groups.groups_for(database, me())
    return render_template("review/groups.html", groups=found,
                           activity=review.group_activity(
                               database, [g.group.id for g in found if g.group.id]))
