"""A quiz's questions as forms: add, edit, delete and reorder them without typing YAML.

The quiz file stays the source (and stays editable in the editor): each change
is a new text of the file made by ``question_forms`` and saved by
``authoring.save`` — the same checks, lock, versions and rebuild as a web save.
The file comes from the course's own list of sources, never from the request.
"""

from __future__ import annotations

from typing import Any, NoReturn

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
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from course.model import Course
from webapp import db, livebuild, websync
from webapp.auth import me, role_required
from webapp.forms.questions import FORMS, KEY_FIELDS, TYPES, DeleteForm, MoveForm, QuestionForm
from webapp.models import STAFF, SourceVersion
from webapp.services import authoring, course_plans, quiz_changes, web_versions
from webapp.services import question_forms as service
from webapp.services.authoring import Conflict, NotUtf8, Paths, TooLarge, UnknownSource
from webapp.services.course_edit import EditError

bp = Blueprint("authoring_questions", __name__, url_prefix="/trainer/authoring/questions")


def _paths() -> Paths:
    return websync.authoring_paths()


def _message(message: str, status: int = 404) -> NoReturn:
    abort(Response(render_template("authoring/message.html", message=message), status))


def _quiz_file() -> tuple[str, str, str]:
    """The quiz file asked for, its text and the SHA-256 of its bytes."""
    rel = request.args.get("file", "")
    try:
        if not rel.startswith("quizzes/"):
            raise UnknownSource(rel)
        text, sha = authoring.read(_paths().root, rel)
        service.questions(text)
    except UnknownSource:
        return _message(_("There is no such test in the course."))
    except NotUtf8:
        return _message(_("The file is not saved as UTF-8: open it in the editor and convert it "
                          "first."), 409)
    except EditError:
        return _message(_("The test file has no list of questions the forms can read: open it in "
                          "the editor and fix it first."), 409)
    return rel, text, sha


@bp.get("/")
@role_required(*STAFF)
def index() -> str:
    rel, text, _sha = _quiz_file()
    return render_template("authoring/question_list.html", rel=rel, types=TYPES,
                           questions=service.questions(text), move=MoveForm())


@bp.route("/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit() -> Any:
    rel, text, sha = _quiz_file()
    qid = request.args.get("id") or None
    try:
        question = service.find(text, qid) if qid else {"type": request.args.get("type", "")}
    except EditError:
        return _message(_("There is no such question in the test."))
    qtype = str(question.get("type", "single"))
    if qtype not in FORMS:
        return _message(_("Choose a type of question."))
    form = FORMS[qtype]()
    form.ref.choices = _sections(course_plans.current(_paths()), rel, str(question.get("ref", "")))
    if request.method == "GET" and qid:
        form.fill(question)
    if form.add_row.data and (rows := form.rows()) is not None and len(rows) < rows.max_entries:
        rows.append_entry()
        return _page(form, rel, qid, qtype)
    if not form.validate_on_submit():
        return _page(form, rel, qid, qtype)
    values = form.values(qid or service.next_id(text, _earlier(rel)))
    return _store(rel, sha, service.save_question(text, qid, values), str(values["id"]), form,
                  qtype, qid)


def _page(form: QuestionForm, rel: str, qid: str | None, qtype: str,
          top: list[str] | None = None,
          change: quiz_changes.QuizChange | None = None) -> tuple[str, int]:
    return render_template("authoring/question_edit.html", form=form, rel=rel, qid=qid,
                           qtype=qtype, top=top or [], change=change
                           ), 422 if request.method == "POST" else 200


def _earlier(rel: str) -> list[str]:
    """The texts the file had in the browser's history: their ids are never given again."""
    found = db.session().exec(select(SourceVersion.content).where(SourceVersion.path == rel))
    return list(found)


def _sections(course: Course, rel: str, current: str) -> list[SelectChoice]:
    """The module headings a question of this quiz can point at: its module's, or its topic's."""
    quiz = next((q for q in course.quizzes if q.path == rel), None)
    own = [d for d in course.modules if quiz and d.quiz and d.quiz.target == quiz.id]
    docs = own or [d for d in course.modules if quiz and d.topic == quiz.topic]
    choices = [SelectChoice("", _("— none —"))]
    for doc in docs:
        choices.append(SelectChoice(doc.id, _("%(module)s (the whole module)", module=doc.title)))
        choices += [SelectChoice(f"{doc.id}#{h.anchor}", f"{doc.title} → {h.text}")
                    for h in doc.rendered.headings if h.level >= 2]
    if current and current not in {c.value for c in choices}:
        choices.append(SelectChoice(current, current))
    return choices


def _store(rel: str, sha: str, new_text: str, qid: str, form: QuestionForm | None = None,
           qtype: str = "", old_id: str | None = None) -> Any:
    """Save a new text of the quiz as a web save does; show what the checks refused."""
    paths = _paths()
    change = quiz_changes.review(db.session(), paths, rel, new_text)
    if change is not None and form is not None and not request.form.get("confirm_change"):
        # The same confirmation as in the editor: learners are answering or have answered.
        return _page(form, rel, old_id, qtype, change=change)
    try:
        with web_versions.saving(db.session(), paths):
            outcome = authoring.save(db.session(), paths, rel, new_text, sha, me(),
                                     _("Questions edited as forms"))
            rebuilt = livebuild.rebuild_now(paths.root, paths.build) if outcome.written else True
    except Conflict:
        flash(_("The test changed since you opened it; nothing was saved. Make your change "
                "again."), "error")
        return redirect(url_for(".index", file=rel))
    except TooLarge:
        flash(_("The change could not be made."), "error")
        return redirect(url_for(".index", file=rel))
    problems = outcome.result.blocking
    if problems and form is not None:
        return _refused(form, rel, new_text, qid, qtype, old_id, list(problems))
    if problems:
        flash(_("Not saved: the checks found errors. Open the test in the editor to see them."),
              "error")
    elif not rebuilt:
        flash(_("Saved, but the course could not be rebuilt; learners still see the previous "
                "text. Tell the administrator."), "error")
    else:
        flash(_("Saved. The course was rebuilt: learners see the change now."), "success")
    return redirect(url_for(".index", file=rel) + (f"#question-{qid}" if qid else ""))


def _refused(form: QuestionForm, rel: str, new_text: str, qid: str, qtype: str,
             old_id: str | None, problems: list[Any]) -> tuple[str, int]:
    """The form again, each problem at the field of the key it stands at, the rest on top."""
    own = [p for p in problems if p.path == rel]
    by_key, rest = service.problem_keys(new_text, qid, own)
    top = [p.message for p in rest]
    for key, messages in by_key.items():
        field = getattr(form, KEY_FIELDS.get(key, ""), None)
        if field is None:
            top += messages
        else:
            field.errors = [*field.errors, *messages]
    top += [f"{p.path}:{p.line}: {p.message}" for p in problems if p.path != rel]
    return _page(form, rel, old_id, qtype, top)


@bp.post("/move")
@role_required(*STAFF)
def move() -> Any:
    rel, text, sha = _quiz_file()
    form = MoveForm()
    qid = request.args.get("id", "")
    if not form.validate_on_submit():
        flash(_("The form was incomplete; nothing was moved."), "error")
        return redirect(url_for(".index", file=rel))
    try:
        new_text = service.move_question(text, qid, -1 if form.up.data else 1)
    except EditError:
        return _message(_("There is no such question in the test."))
    if new_text == text:
        return redirect(url_for(".index", file=rel) + f"#question-{qid}")
    return _store(rel, sha, new_text, qid)


@bp.route("/delete", methods=["GET", "POST"])
@role_required(*STAFF)
def delete() -> Any:
    rel, text, sha = _quiz_file()
    qid = request.args.get("id", "")
    try:
        question = service.find(text, qid)
    except EditError:
        return _message(_("There is no such question in the test."))
    form = DeleteForm()
    if not form.validate_on_submit():
        return render_template("authoring/question_delete.html", form=form, rel=rel,
                               question=question)
    return _store(rel, sha, service.delete_question(text, qid), "")
