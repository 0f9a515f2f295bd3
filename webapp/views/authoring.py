"""Web authoring: staff edit the course's Markdown and YAML sources in the browser.

Every path comes from the course's own list of sources (``authoring.resolve``);
anything else is a 404. Saving goes through ``authoring.save`` — the same checks
as ``dobro check``, then an atomic write and a rebuild — and so does restoring.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from course.encoding import encoding_name, guess_encoding, is_utf8
from course.render import CALLOUTS
from webapp import db, livebuild, websync
from webapp.auth import me, role_required
from webapp.bodies import json_body
from webapp.forms.authoring import (
    ConvertForm,
    DiscardForm,
    ImageForm,
    RestoreForm,
    SourceForm,
    image_refusal,
)
from webapp.forms.authoring_course import RecreateForm
from webapp.models import STAFF, SourceVersion
from webapp.routing import parse_id
from webapp.services import (
    authoring,
    course_changes,
    course_plans,
    images,
    link_targets,
    quiz_changes,
    source_versions,
    textdiff,
    web_versions,
)
from webapp.services.authoring import (
    RESTORED,
    SAVED,
    CheckResult,
    Conflict,
    NotUtf8,
    Outcome,
    Paths,
    TooLarge,
    UnknownSource,
)

bp = Blueprint("authoring", __name__, url_prefix="/trainer/authoring")
# A 1 MB source sent url-encoded: a Cyrillic letter is two UTF-8 bytes, each "%XX".
# The editor's form with an image is multipart: the text as it is (1 MB) and the image (5 MB).
FORM_LIMIT = 7 * authoring.MAX_BYTES
# The same source as JSON: raw UTF-8, with quotes, backslashes and line breaks escaped.
PREVIEW_LIMIT = 2 * authoring.MAX_BYTES + 1024


@bp.url_value_preprocessor
def allow_large_sources(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before CSRF protection reads the form, which Werkzeug would otherwise cap at 500 KB.
    request.max_form_memory_size = FORM_LIMIT
    request.max_content_length = FORM_LIMIT


def too_long() -> str:
    if request.mimetype == "multipart/form-data":
        return _("Too much to send at once: an image may have at most %(image)s MB and a "
                 "source file at most %(limit)s MB.", image=images.MAX_UPLOAD // 1_000_000,
                 limit=authoring.MAX_BYTES // 1_000_000)
    return _("The text is too long: a source file may have at most %(limit)s MB.",
             limit=authoring.MAX_BYTES // 1_000_000)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> tuple[Any, int]:
    message = too_long()
    if request.endpoint == "authoring.preview":
        return jsonify(error=message), 413
    return render_template("authoring/message.html", message=message), 413


def _paths() -> Paths:
    return websync.authoring_paths()


def _known(paths: Paths, rel: str | None = None) -> str:
    """``rel`` (by default the ``file`` query argument) if it is one of the course's sources.

    The path travels as a query argument, never as a URL path, and is only ever
    looked up in the list of sources: anything else is a 404.
    """
    rel = request.args.get("file", "") if rel is None else rel
    try:
        authoring.resolve(paths.root, rel)
    except UnknownSource:
        abort(404)
    return rel


@bp.get("/")
@role_required(*STAFF)
def index() -> str:
    sources, topics = authoring.catalogue(_paths())
    groups = [(group, list(items)) for group, items in
              itertools.groupby(sources, key=lambda s: s.group)]
    return render_template("authoring/index.html", groups=groups, topics=topics,
                           saved=source_versions.latest_written(db.session()))


@bp.route("/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit() -> Any:
    paths = _paths()
    rel = _known(paths)
    form = SourceForm()
    if request.method == "GET":
        return _open(paths, rel, form)
    if not form.validate_on_submit():
        return _editor(form, rel, None), 400
    if form.save.data or request.form.get("new_ids"):
        return _save(paths, rel, form)
    if request.form.get("insert"):
        return _insert_image(paths, rel, form)
    return _editor(form, rel, _check(paths, rel, form.text.data))


def _save(paths: Paths, rel: str, form: SourceForm) -> Any:
    """Save, after the trainer confirmed a change to questions learners are answering now
    or have answered (or chose new ids for the questions whose key changed)."""
    change = quiz_changes.review(db.session(), paths, rel, form.text.data or "")
    if change is not None and request.form.get("new_ids"):
        form.text.data = quiz_changes.with_new_ids(form.text.data or "", change.quiz,
                                                   change.answered_keys)
    elif change is not None and not request.form.get("confirm_change"):
        return render_template("authoring/quiz_change.html", form=form, rel=rel, change=change,
                               asked="confirming" in request.form)
    return _store(paths, rel, form, form.comment.data or "", SAVED)


def _open(paths: Paths, rel: str, form: SourceForm) -> Any:
    """The editor on the file, or on the version asked for with ``?version=``.

    A file that is not UTF-8 opens read-only, with its conversion shown; a refused
    draft of this trainer's, newer than the file's last save, is offered.
    """
    chosen = _draft(rel)
    try:
        text, sha = authoring.read(paths.root, rel)
    except NotUtf8 as undecodable:
        if chosen is None:
            return _undecodable(paths, rel, undecodable)
        text, sha = "", undecodable.sha
    form.text.data, form.base.data = chosen or text, sha
    draft = None if chosen else source_versions.pending_draft(db.session(), rel, me(), sha)
    return _editor(form, rel, _check(paths, rel, form.text.data), draft=draft)


def _draft(rel: str) -> str | None:
    """The text of a version asked for with ``?version=`` (to go on editing a draft)."""
    version_id = parse_id(request.args.get("version"))
    found = source_versions.version(db.session(), version_id) if version_id is not None else None
    return found[0].content if found and found[0].path == rel else None


def _undecodable(paths: Paths, rel: str, undecodable: NotUtf8) -> str:
    """The read-only page of a file that is not UTF-8: its converted text, checked, and a
    button to save that text as UTF-8."""
    converted = undecodable.converted
    result = _check(paths, rel, converted) if converted is not None else None
    context = _preview_context(rel, result) if result else {"rel": rel, "result": None}
    return render_template(
        "authoring/undecodable.html", converted=converted,
        encoding=encoding_name(undecodable.codec), form=ConvertForm(base=undecodable.sha),
        draft=source_versions.pending_draft(db.session(), rel, me(), undecodable.sha),
        discard=DiscardForm(), **context)


@bp.post("/convert")
@role_required(*STAFF)
def convert() -> Any:
    paths = _paths()
    rel = _known(paths)
    form = ConvertForm()
    data = authoring.resolve(paths.root, rel).read_bytes()
    if not form.validate_on_submit() or authoring.digest(data) != form.base.data:
        flash(_("The file changed since its conversion was shown, or the form was incomplete: "
                "look at the converted text again."), "error")
        return redirect(url_for(".edit", file=rel))
    if is_utf8(data):
        return redirect(url_for(".edit", file=rel))  # already UTF-8: nothing to convert
    undecodable = NotUtf8(data)
    converted = undecodable.converted
    if converted is None:
        abort(404)
    editor = SourceForm(formdata=None, text=converted, base=form.base.data)
    comment = _("Converted from %(encoding)s to UTF-8",
                encoding=encoding_name(undecodable.codec))
    return _store(paths, rel, editor, comment, SAVED)


@bp.post("/draft/<int:version_id>/discard")
@role_required(*STAFF)
def discard(version_id: int) -> Any:
    found = source_versions.version(db.session(), version_id) or abort(404)
    user = me()
    # Only its author may set a draft aside; to anyone else it does not exist.
    if user is None or found[0].author_id != user.id or not DiscardForm().validate_on_submit():
        abort(404)
    source_versions.discard_drafts(db.session(), found[0], user)
    flash(_("The draft was set aside; it stays in the history."), "info")
    return redirect(url_for(".edit", file=found[0].path))


@bp.post("/preview")
@role_required(*STAFF)
def preview() -> tuple[Response, int]:
    paths = _paths()
    rel = _known(paths)
    data = json_body(PREVIEW_LIMIT)
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str):
        return jsonify(error=_("Send the text to check as JSON: {\"text\": \"…\"}.")), 400
    try:
        result = authoring.check_text(paths, rel, text)
    except TooLarge:
        return too_large(RequestEntityTooLarge())
    source_versions.keep_unsaved(db.session(), paths, rel, text, me())
    return jsonify(_preview_json(rel, result)), 200


def _preview_json(rel: str, result: CheckResult) -> dict[str, Any]:
    return {
        "errors": result.errors,
        "preview": render_template("authoring/_preview.html", **_preview_context(rel, result)),
        "problems": render_template("authoring/_problems.html", rel=rel, result=result),
        "items": [{"path": p.path, "line": p.line, "col": p.col, "severity": p.severity,
                   "message": p.message, "code": p.code}
                  for p in result.own + result.caused + result.others],
        "editor": _editor_state(rel, result),
    }


@bp.get("/history")
@role_required(*STAFF)
def history() -> str:
    """A file's versions; a file removed from the course keeps its history, read-only."""
    paths = _paths()
    rel = request.args.get("file", "")
    try:
        sha = authoring.file_sha(paths.root, rel)
    except UnknownSource:
        sha = ""  # only looked up in the versions, never on the disk
        if not source_versions.STORED_PATH.fullmatch(rel):
            abort(404)
    entries = source_versions.numbered(db.session(), rel, sha)
    if not sha and not entries:
        abort(404)
    return render_template("authoring/history.html", rel=rel, entries=entries, removed=not sha)


@bp.get("/topic/<topic>/history")
@role_required(*STAFF)
def topic_history(topic: str) -> str:
    paths = _paths()
    _sources, topics = authoring.catalogue(paths)
    if topic not in topics:
        abort(404)
    rels = authoring.topic_sources(paths.root, topic) + source_versions.removed(
        db.session(), paths, (f"modules/{topic}", f"quizzes/{topic}"))
    return render_template("authoring/topic_history.html", topic=topic, title=topics[topic],
                           entries=source_versions.topic_history(db.session(), paths, rels))


@bp.get("/version/<int:version_id>")
@role_required(*STAFF)
def version(version_id: int) -> str:
    found = source_versions.version(db.session(), version_id) or abort(404)
    paths = _paths()
    try:
        data = authoring.resolve(paths.root, found[0].path).read_bytes()
        current, sha = authoring.shown(data), authoring.digest(data)
    except UnknownSource:
        current, sha = "", ""
    lines = request.args.get("diff") == "lines"
    number = source_versions.number(db.session(), found[0])
    diff = _version_diff(current, found[0].content, number, lines) if sha else []
    form = RestoreForm(formdata=None, base=sha)
    raw = found[0].raw
    not_utf8 = encoding_name(guess_encoding(raw)) if raw is not None and not is_utf8(raw) else ""
    return render_template("authoring/version.html", version=found[0], author=found[1],
                           number=number, current_sha=sha, diff=diff, lines=lines, form=form,
                           not_utf8=not_utf8, recreate=RecreateForm(formdata=None),
                           can_recreate=bool(course_changes.NEW_FILE.match(found[0].path)))


def _version_diff(current: str, text: str, number: int, lines: bool) -> list[tuple[str, str]]:
    """The changes from the file on disk to a version: by words, or as a line diff."""
    if lines:
        return textdiff.diff_lines(current, text, _("current file"),
                                    _("version %(number)s", number=number))
    runs = textdiff.diff_words(current, text)
    return runs if any(kind in ("ins", "del") for kind, _text in runs) else []


@bp.post("/version/<int:version_id>/restore")
@role_required(*STAFF)
def restore(version_id: int) -> Any:
    found = source_versions.version(db.session(), version_id) or abort(404)
    paths = _paths()
    if found[0].path not in authoring.known_sources(paths.root):
        flash(_("This file was removed from the course: to restore it, bring it back with "
                "this text."), "error")
        return redirect(url_for(".version", version_id=version_id))
    rel = _known(paths, found[0].path)
    form = RestoreForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete; nothing was restored."), "error")
        return redirect(url_for(".version", version_id=version_id))
    editor = SourceForm(formdata=None, text=found[0].content, base=form.base.data)
    comment = _("Restored version %(number)s",
                number=source_versions.number(db.session(), found[0]))
    return _store(paths, rel, editor, comment, RESTORED, lambda: authoring.restore(
        db.session(), paths, found[0], form.base.data or "", me(), comment))


def _insert_image(paths: Paths, rel: str, form: SourceForm) -> Any:
    """Write the uploaded image beside the module, then save the text with the image at the
    cursor through the same checks as any save (the text typed so far comes with it)."""
    image = ImageForm()
    if not image.validate():
        return _editor(form, rel, None, image=image), 400
    upload = image.image.data
    cursor = int(image.cursor.data) if image.cursor.data else None
    try:
        added = images.add(paths.root, rel, upload.read(images.MAX_UPLOAD + 1) if upload else b"",
                           getattr(upload, "filename", None) or "", image.alt.data or "",
                           form.text.data or "", cursor)
    except images.ImageRefused as refused:
        if refused.code == "not-a-module":  # a quiz's editor has no image field to mark
            flash(image_refusal(refused), "error")
        field = image.alt if refused.code.endswith("-alt") else image.image
        field.errors = [image_refusal(refused)]
        return _editor(form, rel, None, image=image), 400
    # Kept in the database with the save that shows it, for the other app servers.
    web_versions.keep_files(db.session(), paths.root, added.files)
    typed, form.text.data = form.text.data or "", added.text
    comment = form.comment.data or _("Added the image %(name)s", name=added.target)
    return _store(paths, rel, form, comment, SAVED,
                  lambda: _save_with_image(paths, rel, form, comment, added, typed))


def _save_with_image(paths: Paths, rel: str, form: SourceForm, comment: str,
                     added: images.Added, typed: str) -> Outcome:
    """Save the text with the new image; when it is not written, the image's files go and
    the trainer's text comes back as it was typed, checked again, to fix and save.

    The refused text (with the image) stays in the history as a draft, as any refused save.
    """
    try:
        outcome = _save_text(paths, rel, form, comment, SAVED)
    except (Conflict, TooLarge):
        _take_back(paths, form, added, typed)
        raise
    if outcome.written or not _take_back(paths, form, added, typed):
        return outcome
    return replace(outcome, result=authoring.check_text(paths, rel, typed))


def _take_back(paths: Paths, form: SourceForm, added: images.Added, typed: str) -> bool:
    """Remove an unsaved upload's files unless a source on disk shows the image; say so."""
    if not images.take_back(paths.root, added, images.referenced(course_plans.current(paths))):
        return False
    web_versions.forget_files(db.session(), added.files)
    db.session().commit()
    form.text.data = typed
    flash(_("The image %(name)s was not kept, because the text could not be saved; it was "
            "taken out of the text. Correct the text and save it, then add the image again.",
            name=added.target), "error")
    return True


def _store(paths: Paths, rel: str, form: SourceForm, comment: str, status: str,
           action: Callable[[], Outcome] | None = None) -> Any:
    """Save (or restore) through the checks; on success rebuild and redirect to the editor."""
    try:
        with web_versions.saving(db.session(), paths):
            outcome = (action or (lambda: _save_text(paths, rel, form, comment, status)))()
            rebuilt = livebuild.rebuild_now(paths.root, paths.build) if outcome.written else True
    except Conflict as conflict:
        return _editor(form, rel, _check(paths, rel, form.text.data), conflict=conflict), 409
    except UnknownSource:
        abort(404)
    except TooLarge:
        form.text.errors = [too_long()]
        return _editor(form, rel, None), 400
    if outcome.unchanged:
        flash(_("Nothing to save: the file already has this text."), "info")
    elif not outcome.written:
        return _editor(form, rel, outcome.result, rejected=True), 422
    elif rebuilt:
        flash(_("Saved. The course was rebuilt: learners see the new text now."), "success")
    elif outcome.result.errors:
        flash(_("Saved. Learners still see the previous course: it is rebuilt once these files "
                "have no errors: %(files)s. Open them from the list of problems.",
                files=", ".join(_blocked(outcome.result, rel))), "error")
    else:
        flash(_("Saved, but the course could not be rebuilt; learners still see the previous "
                "text. Tell the administrator."), "error")
    return redirect(url_for(".edit", file=rel))


def _save_text(paths: Paths, rel: str, form: SourceForm, comment: str, status: str) -> Outcome:
    return authoring.save(db.session(), paths, rel, form.text.data or "", form.base.data or "",
                          me(), comment, status)


def _blocked(result: CheckResult, rel: str) -> list[str]:
    """The files whose errors keep the course from being rebuilt."""
    own = [rel] if any(p.is_error for p in result.own) else []
    return own + result.blocked_files


def _check(paths: Paths, rel: str, text: str | None) -> CheckResult | None:
    try:
        return authoring.check_text(paths, rel, text or "")
    except TooLarge:
        return None


def _editor(form: SourceForm, rel: str, result: CheckResult | None, rejected: bool = False,
            conflict: Conflict | None = None, draft: SourceVersion | None = None,
            image: ImageForm | None = None) -> str:
    diff = textdiff.diff_lines(conflict.current, form.text.data or "", _("current file"),
                                _("your text")) if conflict else []
    context = _preview_context(rel, result) if result else {"rel": rel, "result": None}
    paths = _paths()
    stale = draft is not None and source_versions.changed_after(paths, rel, draft.created_at)
    saved = source_versions.latest_written(db.session(), rel).get(rel)
    # The file is up to date with the database (``_paths``): a text other than the last web
    # save's came from outside, a git pull of a newer text, which wins (web_versions).
    outside = saved is not None and saved[0].sha256 != authoring.file_sha(paths.root, rel)
    return render_template("authoring/edit.html", form=form, rejected=rejected,
                           conflict=conflict, diff=diff, draft=draft, stale_draft=stale,
                           discard=DiscardForm(), image=image or ImageForm(formdata=None),
                           saved=saved, changed_outside=outside,
                           editor=_editor_data(rel, result), **context)


def _editor_data(rel: str, result: CheckResult | None) -> dict[str, Any]:
    """What the source editor needs besides the text: its language, the problems and
    headings to show beside the lines, and for Markdown the link picker's targets."""
    markdown = rel.endswith(".md")
    course = result.course if result else (course_plans.current(_paths()) if markdown else None)
    return {
        "language": "markdown" if markdown else "yaml",
        "state": _editor_state(rel, result) if result else {"items": [], "headings": []},
        "targets": link_targets.link_targets(course, rel) if markdown and course else [],
        "terms": link_targets.glossary_terms(course) if markdown and course else [],
        "callouts": [(kind, title) for kind, (_css, title) in CALLOUTS.items()],
        "phrases": _editor_phrases(),
    }


def _editor_phrases() -> dict[str, str]:
    """The editor's own words (its search panel, its list of problems) in the user's language;
    the keys are CodeMirror's English phrases."""
    return {
        "Find": _("Find in the text"), "Replace": _("Replace with"), "next": _("Next match"),
        "previous": _("Previous match"), "all": _("Select all matches"),
        "match case": _("Match case"), "regexp": _("Regular expression"),
        "by word": _("Whole words"), "replace": _("Replace"), "replace all": _("Replace all"),
        "close": _("Close"), "current match": _("current match"), "on line": _("on line"),
        "Go to line": _("Go to line"), "go": _("Go"), "Diagnostics": _("Problems"),
        "No diagnostics": _("No problems"), "replaced $ matches": _("replaced $ matches"),
        "replaced match on line $": _("replaced the match on line $"),
        "Control character": _("Control character"), "Selection deleted": _("Selection deleted"),
    }


def _editor_state(rel: str, result: CheckResult) -> dict[str, Any]:
    """The problems of the edited file (line, column, message) and its headings' lines."""
    doc = authoring.document(result, rel)
    return {
        "items": [{"line": p.line, "col": p.col, "severity": p.severity, "message": p.message,
                   "code": p.code} for p in result.own],
        "headings": [[h.line, h.anchor] for h in doc.rendered.headings] if doc else [],
    }


def _preview_context(rel: str, result: CheckResult) -> dict[str, Any]:
    doc = authoring.document(result, rel)
    return {"rel": rel, "result": result, "doc": doc,
            "doc_html": authoring.document_html(result, doc) if doc else "",
            "quiz": authoring.quiz(result, rel)}
