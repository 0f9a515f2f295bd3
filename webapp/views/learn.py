"""Reading the course: home, modules, pages, glossary, search and the course's images."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf as csrf_token
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from course.compiled import CompiledCourse, Module
from webapp import db, pagecache
from webapp import search as course_search
from webapp.auth import me
from webapp.bodies import json_body
from webapp.content import current_course, store
from webapp.forms.specialism import SpecialismForm
from webapp.models import ATTEMPT_OPEN, User, utcnow
from webapp.notices import announce
from webapp.security import ASSET_SECURITY_POLICY
from webapp.services import (
    attempts,
    certificates,
    next_step,
    progress,
    review,
    sessions,
    specialisms,
)
from webapp.services.surveys import invitations as survey_invitations
from webapp.templating import day

bp = Blueprint("learn", __name__)

ASSET_NAME = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9]{1,8}")
ONE_YEAR = 365 * 24 * 3600
HEARTBEAT_LIMIT = 4096  # bytes: {"position": "<a heading's anchor>"}


@bp.get("/")
def home() -> str:
    course = current_course()
    if not current_user.is_authenticated:
        return render_template("learn/home.html", course=course)
    user = me()
    database = db.session()
    attempts.expire_overdue(database, user)
    done = progress.records(database, user)
    history = progress.user_attempts(database, user)
    facts = next_step.gather(database, user, course, store().build_dir)
    recommended = specialisms.recommendation(course, user, done)
    upcoming = sessions.upcoming_for(database, user)
    invites = survey_invitations(database, course, user, [
        s.requirement.topic_id for s in facts.outcome.statuses if s.complete])
    assert user.id is not None
    deck = review.sync(database, user.id, course, store().build_dir, {
        m: r.studied_at for m, r in done.items() if r.studied_at is not None})
    database.commit()  # the cards of modules studied since the last visit
    return render_template(
        "learn/dashboard.html", course=course, user=user, recommended=recommended, deck=deck,
        specialism_form=specialism_form(course, user), survey_invites=invites,
        topics=progress.topic_progress(list(facts.tracks), done, facts.outcome),
        step=next_step.home_step(course, facts, done, [
            s.module for s in recommended.steps] if recommended else ()),
        studied=facts.studied,
        results=[a for a in reversed(history) if a.state != ATTEMPT_OPEN][:10],
        open_attempts=[a for a in history if a.state == ATTEMPT_OPEN],
        checklist={s.requirement.topic_id: s for s in facts.outcome.statuses},
        held={c.topic_id: c for c in certificates.valid_for(database, user).values()
              if c.kind == "topic"},
        sessions=upcoming, checkin_open=bool(upcoming) and sessions.window(
            upcoming[0])[0] <= utcnow(),
        feed_token=sessions.feed_token(database, user) if user.role == "learner" else "")


def specialism_form(course: CompiledCourse, user: User) -> SpecialismForm | None:
    """The form for choosing a specialism, if the learner's audience has any to choose."""
    offered = course.specialisms_of(user.audience)
    if not offered:
        return None
    form = SpecialismForm(specialism=user.specialism or "")
    form.specialism.choices = [("", _("None"))] + [(s.id, s.title) for s in offered]
    return form


@bp.post("/specialism")
@login_required
def choose_specialism() -> BaseResponse:
    """The learner chooses their specialism (or none) among their audience's."""
    course, user = current_course(), me()
    form = SpecialismForm()
    if form.validate_on_submit():  # the CSRF token (a missing one never gets this far)
        try:
            chosen = specialisms.choose(course, user, form.specialism.data or "")
        except specialisms.SpecialismError as error:
            flash(specialism_refused(error), "error")
        else:
            database = db.session()
            database.add(user)
            database.commit()
            flash(_("Your specialism is saved: %(title)s.", title=chosen.title) if chosen
                  else _("You have no specialism chosen now."), "success")
    return redirect(url_for("learn.home", _anchor="my-specialism"))


def specialism_refused(error: specialisms.SpecialismError) -> str:
    """Why a specialism was not saved (the one stored before stays)."""
    if error.code == "none-offered":
        return _("Your group has no specialisms to choose from, so nothing was changed.")
    return _("“%(value)s” is not one of the specialisms of your group, so nothing was changed. "
             "Choose one from the list.", value=error.value[:80])


@bp.get("/learn/<module_id>")
@login_required
def module(module_id: str) -> str:
    course = current_course()
    found = course.modules.get(module_id) or abort(404)
    user, database = me(), db.session()
    done = progress.seen(database, user, (found.id, *found.requires))
    missing = progress.missing_prerequisites(found, done)
    if missing:  # a rare page, personal: rendered every time
        return _module_page(course, found, csrf=csrf_token(),
                            missing=[course.modules[m] for m in missing if m in course.modules])
    record = done.get(found.id)
    progress.opened(database, user, found, record)
    studied_on = day(record.studied_at) if record and record.studied_at else ""
    # Once studied, the page ends with the learner's own way on (the module is the same).
    way_on = way_on_from(course, found) if studied_on else ""
    if not pagecache.cacheable():
        return _module_page(course, found, csrf=csrf_token(), studied_on=studied_on,
                            way_on=way_on)
    key = ("module", found.id, str(get_locale()), user.role, bool(studied_on))
    page = course.page_cache.get_or_render(key, lambda: _module_page(
        course, found, csrf=CSRF_HOLE, studied_on=STUDIED_HOLE if studied_on else "",
        way_on=WAY_ON_HOLE if studied_on else ""))
    return pagecache.fill(page, {CSRF_HOLE: csrf_token(), STUDIED_HOLE: studied_on,
                                 WAY_ON_HOLE: way_on})


# The personal parts of a cached module page (webapp.pagecache).
CSRF_HOLE, STUDIED_HOLE = pagecache.marker("csrf"), pagecache.marker("studied")
WAY_ON_HOLE = pagecache.marker("way-on")


def _module_page(course: CompiledCourse, found: Module, *, csrf: str, studied_on: str = "",
                 way_on: str = "", missing: list[Module] | None = None) -> str:
    previous, following = course.neighbours(found)
    return render_template("learn/module.html", course=course, module=found,
                           topic=course.topic(found.topic), previous=previous,
                           following=following, studied_on=studied_on, way_on=Markup(way_on),
                           missing=missing or [], csrf_token=lambda: csrf)


def after(course: CompiledCourse, found: Module) -> next_step.AfterModule:
    """The signed-in learner's way on from ``found``."""
    facts = next_step.gather(db.session(), me(), course, store().build_dir)
    return next_step.after_module(course, facts, found)


def way_on_from(course: CompiledCourse, found: Module) -> str:
    """The block that offers the learner's next module (``learn/_next_step.html``)."""
    return render_template("learn/_next_step.html", way_on_step=after(course, found))


@bp.app_context_processor
def next_step_helper() -> dict[str, Any]:
    """Lets the quiz review offer the way on after a module's self-check."""
    return {"learner_next_step": learner_next_step}


def learner_next_step(quiz_id: str) -> next_step.AfterModule | None:
    """The way on from the module whose self-check ``quiz_id`` is (None: no such module)."""
    course = current_course()
    found = next((m for m in course.modules.values() if m.quiz == quiz_id), None)
    if found is None or not current_user.is_authenticated:
        return None
    return after(course, found)


@bp.post("/learn/<module_id>/studied")
@login_required
def studied(module_id: str) -> BaseResponse:
    course = current_course()
    found = course.modules.get(module_id) or abort(404)
    user, database = me(), db.session()
    try:
        progress.mark_studied(database, user, found, progress.records(database, user))
    except progress.ProgressError:
        flash(_("Study the modules this one builds on first."), "error")
        return redirect(url_for("learn.module", module_id=found.id))
    flash(_("Marked as studied."), "success")
    announce(certificates.check_and_issue(database, user))
    # The end of the module: the self-check (if it has one), the next module, the topic.
    return redirect(url_for("learn.module", module_id=found.id, _anchor="module-end"))


@bp.post("/learn/<module_id>/progress")
@login_required
def reading(module_id: str) -> Response:
    """The reader's script reports, now and then, that the page is read and where."""
    found = current_course().modules.get(module_id) or abort(404)
    data = json_body(HEARTBEAT_LIMIT) or {}
    position = data.get("position") if isinstance(data, dict) else ""
    anchors = {h.anchor for h in found.headings}
    progress.heartbeat(db.session(), me(), found,
                       position if isinstance(position, str) and position in anchors else "")
    return Response(status=204)


@bp.get("/page/<page_id>")
def page(page_id: str) -> str:
    course = current_course()
    found = course.pages.get(page_id) or abort(404)
    return render_template("learn/page.html", course=course, page=found)


@bp.get("/glossary")
def glossary() -> str:
    return render_template("learn/glossary.html", course=current_course())


@bp.get("/search")
def search() -> str:
    course = current_course()
    query = request.args.get("q", "").strip()[: course_search.MAX_QUERY_CHARS]
    return render_template("learn/search.html", course=course, query=query,
                           hits=course_search.search(course.search_entries, query),
                           terms=course_search.search_glossary(course.glossary, query))


@bp.get("/course/assets/<name>")
def asset(name: str) -> Response:
    if not ASSET_NAME.fullmatch(name):
        abort(404)
    # Names carry the content hash, so a cached copy never goes stale.
    response = send_from_directory(store().assets_dir, name, max_age=ONE_YEAR)
    response.cache_control.immutable = True
    response.headers["Content-Security-Policy"] = ASSET_SECURITY_POLICY
    return response
