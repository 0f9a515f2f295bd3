"""Reading the course: home, modules, pages, glossary, search and the course's images."""

from __future__ import annotations

import re

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
from werkzeug.wrappers import Response as BaseResponse

from course.compiled import CompiledCourse, Module
from webapp import db, pagecache
from webapp import search as course_search
from webapp.auth import me
from webapp.bodies import json_body
from webapp.content import current_course, store
from webapp.forms.specialism import SpecialismForm
from webapp.models import ATTEMPT_OPEN, User
from webapp.notices import announce
from webapp.security import ASSET_SECURITY_POLICY
from webapp.services import attempts, certificates, completion, progress, sessions, specialisms
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
    tracks = progress.track(course, user.audience)
    done = progress.records(database, user)
    history = progress.user_attempts(database, user)
    outcome = completion.outcome(database, user, course, store().build_dir)
    return render_template(
        "learn/dashboard.html", course=course, user=user,
        recommended=specialisms.recommendation(course, user, done),
        specialism_form=specialism_form(course, user),
        topics=progress.topic_progress(tracks, done, outcome),
        resume=progress.continue_target(course, done, tracks),
        results=[a for a in reversed(history) if a.state != ATTEMPT_OPEN][:10],
        open_attempts=[a for a in history if a.state == ATTEMPT_OPEN],
        checklist=outcome.statuses,
        held={c.topic_id: c for c in certificates.valid_for(database, user).values()
              if c.kind == "topic"},
        sessions=sessions.upcoming_for(database, user),
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
    if not pagecache.cacheable():
        return _module_page(course, found, csrf=csrf_token(), studied_on=studied_on)
    key = ("module", found.id, str(get_locale()), user.role, bool(studied_on))
    page = course.page_cache.get_or_render(key, lambda: _module_page(
        course, found, csrf=CSRF_HOLE, studied_on=STUDIED_HOLE if studied_on else ""))
    return pagecache.fill(page, {CSRF_HOLE: csrf_token(), STUDIED_HOLE: studied_on})


# The personal parts of a cached module page (webapp.pagecache).
CSRF_HOLE, STUDIED_HOLE = pagecache.marker("csrf"), pagecache.marker("studied")


def _module_page(course: CompiledCourse, found: Module, *, csrf: str, studied_on: str = "",
                 missing: list[Module] | None = None) -> str:
    previous, following = course.neighbours(found)
    return render_template("learn/module.html", course=course, module=found,
                           topic=course.topic(found.topic), previous=previous,
                           following=following, studied_on=studied_on,
                           missing=missing or [], csrf_token=lambda: csrf)


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
    if found.quiz and found.quiz in course.quizzes:
        return redirect(url_for("quiz.overview", quiz_id=found.quiz))
    following = course.neighbours(found)[1]
    return redirect(url_for("learn.module", module_id=following.id) if following
                    else url_for("learn.home"))


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
