"""Placing and adding modules, tests and pages in the browser, without YAML.

Every change is planned by ``course_plans`` (the new texts of every file it
touches), checked over the whole course and written by ``course_changes`` under
the authoring lock, and recorded as versions, as a web save is. Topics and
modules are looked up by id in the course; no path from a request reaches the disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from course.model import Course, Document, Topic
from webapp import db, livebuild, websync
from webapp.auth import me, role_required
from webapp.forms.authoring_course import (
    ModuleSettingsForm,
    MoveForm,
    NewModuleForm,
    NewPageForm,
    NewQuizForm,
    RecreateForm,
    RemoveForm,
    RenameForm,
    TracksForm,
)
from webapp.models import STAFF
from webapp.services import course_changes, course_plans, source_versions, web_versions
from webapp.services.authoring import Paths, TooLarge
from webapp.services.course_edit import EditError, Incoming
from webapp.services.course_plans import Plan

bp = Blueprint("authoring_course", __name__, url_prefix="/trainer/authoring/course")


def _paths() -> Paths:
    return websync.authoring_paths()


def _topic(course: Course, topic_id: str | None = None) -> Topic:
    topic_id = request.args.get("topic", "") if topic_id is None else topic_id
    topics = course.manifest.topics if course.manifest else ()
    return next((t for t in topics if t.id == topic_id), None) or _not_found(
        _("There is no such topic in the course."))


def _module(course: Course) -> Document:
    module_id = request.args.get("module", "")
    return next((d for d in course.modules if d.id == module_id), None) or _not_found(
        _("There is no such module in the course."))


def _not_found(message: str) -> Any:
    abort(Response(render_template("authoring/message.html", message=message), 404))


def _titles(course: Course) -> dict[str, str]:
    return {d.id: d.title for d in course.modules}


@bp.get("/")
@role_required(*STAFF)
def index() -> str:
    course = course_plans.current(_paths())
    topics = course.manifest.topics if course.manifest else ()
    return render_template("authoring/course_index.html", topics=topics, titles=_titles(course),
                           form=MoveForm())


@bp.post("/move")
@role_required(*STAFF)
def move() -> Any:
    form = MoveForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete; nothing was moved."), "error")
        return redirect(url_for(".index"))
    plan = _plan(lambda: course_plans.shift(_paths(), form.topic.data or "", form.module.data or "",
                                            -1 if form.up.data else 1))
    return _commit(plan, _("Module order changed"), url_for(".index") + f"#topic-{form.topic.data}")


@bp.route("/new-module", methods=["GET", "POST"])
@role_required(*STAFF)
def new_module() -> Any:
    course = course_plans.current(_paths())
    topic = _topic(course)
    form = NewModuleForm()
    form.audiences.choices = _audiences(course, topic)
    titles = _titles(course)
    form.position.choices = [(0, _("First"))] + [
        (i + 1, _("After “%(title)s”", title=titles.get(ref.target, ref.target)))
        for i, ref in enumerate(topic.modules)]
    if request.method == "GET":
        form.position.data = len(topic.modules)
    if not form.validate_on_submit():
        return _form("authoring/course_new_module.html", form, topic=topic)
    plan = _plan(lambda: course_plans.new_module(
        _paths(), topic.id, form.title.data or "", form.minutes.data or 0,
        list(form.audiences.data or []), form.position.data or 0), form.title)
    return _commit(plan, _("New module"), None, form, "authoring/course_new_module.html",
                   topic=topic)


def _audiences(course: Course, topic: Topic) -> list[tuple[str, str]]:
    offered = set(topic.audiences) | set(topic.optional_for)
    audiences = course.manifest.audiences if course.manifest else ()
    return [(a.id, a.title) for a in audiences if a.id in offered]


@bp.route("/new-quiz", methods=["GET", "POST"])
@role_required(*STAFF)
def new_quiz() -> Any:
    course = course_plans.current(_paths())
    topic = _topic(course)
    form = NewQuizForm()
    form.module.choices = [("", "—")] + [(d.id, d.title) for d in course.modules
                                         if d.topic == topic.id and d.quiz is None]
    form.pool.choices = [("", "—")] + [(q.id, q.title) for q in course.quizzes
                                       if q.kind == "pool"]
    if not form.validate_on_submit():
        return _form("authoring/course_new_quiz.html", form, topic=topic)
    plan = _plan(lambda: course_plans.new_quiz(
        _paths(), topic.id, form.kind.data or "", form.title.data or "", form.module.data or "",
        form.pool.data or ""), form.title)
    return _commit(plan, _("New test"), None, form, "authoring/course_new_quiz.html", topic=topic)


@bp.route("/new-page", methods=["GET", "POST"])
@role_required(*STAFF)
def new_page() -> Any:
    form = NewPageForm()
    if not form.validate_on_submit():
        return _form("authoring/course_new_page.html", form)
    plan = _plan(lambda: course_plans.new_page(_paths(), form.title.data or ""), form.title)
    return _commit(plan, _("New page"), None, form, "authoring/course_new_page.html")


@bp.route("/tracks", methods=["GET", "POST"])
@role_required(*STAFF)
def tracks() -> Any:
    course = course_plans.current(_paths())
    topic = _topic(course)
    form = TracksForm()
    everyone = [(a.id, a.title) for a in (course.manifest.audiences if course.manifest else ())]
    form.required.choices = form.optional.choices = everyone
    if request.method == "GET":
        form.required.data, form.optional.data = list(topic.audiences), list(topic.optional_for)
    if not form.validate_on_submit():
        return _form("authoring/course_tracks.html", form, topic=topic)
    required, optional = list(form.required.data or []), list(form.optional.data or [])
    if set(required) & set(optional):
        form.optional.errors = [_("A group cannot be both required and optional.")]
        return _form("authoring/course_tracks.html", form, topic=topic)
    plan = _plan(lambda: course_plans.set_tracks(_paths(), topic.id, required, optional),
                 form.required)
    return _commit(plan, _("Who the topic is for"), url_for(".index") + f"#topic-{topic.id}",
                   form, "authoring/course_tracks.html", topic=topic)


@bp.route("/module", methods=["GET", "POST"])
@role_required(*STAFF)
def module() -> Any:
    course = course_plans.current(_paths())
    doc = _module(course)
    topic = _topic(course, doc.topic)
    form = ModuleSettingsForm()
    form.audiences.choices = _audiences(course, topic)
    form.requires.choices = [(d.id, d.title) for d in course.modules if d.id != doc.id]
    form.place.choices = _places(course, doc)
    if request.method == "GET":
        form.audiences.data, form.requires.data = list(doc.audiences), [
            r.target for r in doc.requires]
        form.place.data = _place_of(course, doc)
    context = {"doc": doc, "topic": topic}
    if not form.validate_on_submit():
        return _form("authoring/course_module.html", form, **context)
    target, _sep, index = (form.place.data or "").partition(":")
    plan = _plan(lambda: course_plans.settings(
        _paths(), doc.id, list(form.audiences.data or []), list(form.requires.data or []),
        target, int(index or 0)), form.place)
    return _commit(plan, _("Module settings"), url_for(".index") + f"#topic-{target}", form,
                   "authoring/course_module.html", **context)


def _places(course: Course, doc: Document) -> list[SelectChoice]:
    """Every place the module can stand: per topic, first or after one of its other modules."""
    titles = _titles(course)
    places: list[SelectChoice] = []
    for topic in course.manifest.topics if course.manifest else ():
        others = [r.target for r in topic.modules if r.target != doc.id]
        places.append(SelectChoice(f"{topic.id}:0", _("First"), optgroup=topic.title))
        places += [SelectChoice(f"{topic.id}:{i + 1}",
                                _("After “%(title)s”", title=titles.get(m, m)),
                                optgroup=topic.title) for i, m in enumerate(others)]
    return places


def _place_of(course: Course, doc: Document) -> str:
    for topic in course.manifest.topics if course.manifest else ():
        ids = [r.target for r in topic.modules]
        if doc.id in ids:
            return f"{topic.id}:{ids.index(doc.id)}"
    return f"{doc.topic}:0"


@bp.route("/rename", methods=["GET", "POST"])
@role_required(*STAFF)
def rename() -> Any:
    course = course_plans.current(_paths())
    doc = _module(course)
    form = RenameForm()
    if request.method == "GET":
        form.title.data = doc.title
    if not form.validate_on_submit():
        return _form("authoring/course_rename.html", form, doc=doc)
    plan = _plan(lambda: course_plans.rename(_paths(), doc.id, form.title.data or "",
                                             bool(form.new_id.data)), form.title)
    return _commit(plan, _("Module renamed"), None, form, "authoring/course_rename.html", doc=doc)


@bp.route("/remove", methods=["GET", "POST"])
@role_required(*STAFF)
def remove() -> Any:
    course = course_plans.current(_paths())
    doc = _module(course)
    form = RemoveForm()
    blocking = course_plans.blockers(course, doc)
    if not form.validate_on_submit() or blocking:
        return render_template("authoring/course_remove.html", form=form, doc=doc,
                               blocking=blocking), 409 if blocking and form.is_submitted() else 200
    plan = _plan(lambda: course_plans.remove(_paths(), doc.id), None)
    return _commit(plan, _("Module removed"), url_for(".index"), form,
                   "authoring/course_remove.html", doc=doc, blocking=[])


@bp.post("/recreate/<int:version_id>")
@role_required(*STAFF)
def recreate(version_id: int) -> Any:
    """Bring a removed file back with the text of one of its versions, through the checks."""
    session = db.session()
    found = source_versions.version(session, version_id) or _not_found(
        _("There is no such version."))
    version = found[0]
    if not RecreateForm().validate_on_submit():
        flash(_("The form was incomplete; nothing was changed."), "error")
        return redirect(url_for("authoring.version", version_id=version_id))

    def last_text(rel: str) -> str | None:
        last = source_versions.last_written(session, rel)
        return last.content if last is not None else None

    plan = _plan(lambda: course_plans.recreate(_paths(), version.path, version.content,
                                               last_text))
    return _commit(plan, _("Brought back from version %(number)s",
                           number=source_versions.number(session, version)), None)


Planned = Plan | tuple[Plan, list[Incoming]]


def _plan(make: Callable[[], Planned], field: Any = None,
          ) -> tuple[Callable[[], Planned], Any]:
    """A planner to run under the authoring lock, and the field its refusal belongs to."""
    return make, field


def refusal_message(refusal: EditError) -> str:
    """The trainer's words for a refusal of the course editing service."""
    value = refusal.value
    messages = {
        "empty-title": _("Write a title."),
        "long-title": _("The title is too long: at most %(max)s characters.", max=value),
        "no-letters": _("The title must contain at least one letter or digit."),
        "unknown-topic": _("There is no topic “%(id)s”.", id=value),
        "unknown-module": _("There is no module “%(id)s”.", id=value),
        "already-listed": _("The module “%(id)s” is already in this topic.", id=value),
        "not-listed": _("The module “%(id)s” is not in this topic.", id=value),
        "no-required": _("A topic must be required for at least one group."),
        "no-front-matter": _("The module's file has no front matter between two “---” lines: "
                             "fix it in the editor first."),
        "duplicate-id": _("The course already has something with the id “%(id)s”: choose "
                          "another title.", id=value),
        "bad-minutes": _("The minutes must be between 1 and %(max)s.", max=value),
        "has-self-check": _("This module already has a self-check: “%(id)s”.", id=value),
        "unknown-pool": _("Choose the question pool the test draws from."),
        "unknown-kind": _("Choose the kind of test."),
        "self-prerequisite": _("A module cannot be its own prerequisite."),
        "exists": _("The file %(path)s is in the course again: restore the version from its "
                    "history instead.", path=value),
        "not-utf8": _("The file %(path)s is not saved as UTF-8: open it in the editor and convert "
                      "it first.", path=value),
    }
    return str(messages.get(refusal.code, _("The change could not be made.")))


def _commit(planner: tuple[Callable[[], Planned], Any], comment: str, done: str | None,
            form: Any = None, template: str = "", **context: Any) -> Any:
    """Plan, check and write a change under the lock (so two trainers' changes to course.yaml
    never overwrite each other); show what stops it, or go on to ``done``."""
    make, field = planner
    paths = _paths()
    try:
        with web_versions.saving(db.session(), paths):
            planned = make()
            plan, blocking = planned if isinstance(planned, tuple) else (planned, [])
            if blocking:
                return render_template("authoring/course_links.html", blocking=blocking), 409
            result = course_changes.apply(db.session(), paths, plan.changes, me(), comment)
            rebuilt = livebuild.rebuild_now(paths.root, paths.build) if result.written else True
    except EditError as refusal:
        message = refusal_message(refusal)
        if template and field is not None:
            field.errors = [*field.errors, message]
            return _form(template, form, **context)
        flash(message, "error")
        return redirect(url_for(".index"))
    except (course_changes.BadPath, TooLarge):
        flash(_("The change could not be made."), "error")
        return redirect(url_for(".index"))
    if not result.written:
        return render_template("authoring/course_refused.html", problems=result.problems), 422
    if rebuilt:
        flash(_("Saved. The course was rebuilt: learners see the change now."), "success")
    else:
        flash(_("Saved, but the course could not be rebuilt; learners still see the previous "
                "text. Tell the administrator."), "error")
    known = plan.opens in plan.changes and plan.changes[plan.opens] is not None
    return redirect(done or (url_for("authoring.edit", file=plan.opens) if known
                             else url_for(".index")))


def _form(template: str, form: Any, **context: Any) -> tuple[str, int]:
    """A form page; sent back with its errors, it is a 422."""
    return render_template(template, form=form, **context), (
        422 if request.method == "POST" else 200)


