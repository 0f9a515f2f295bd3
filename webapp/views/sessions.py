"""In-person sessions: trainers schedule them, enrol groups and mark the roster;
learners check in with the code the trainer shows and add sessions to their calendar."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

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
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse

from webapp import db, localtime
from webapp.auth import me, role_required
from webapp.content import current_course
from webapp.forms.sessions import (
    CancelSessionForm,
    CheckInForm,
    EditSessionForm,
    SessionForm,
)
from webapp.localtime import SOFIA
from webapp.models import (
    COORDINATORS,
    STAFF,
    TrainingSession,
    User,
    utcnow,
)
from webapp.notices import announce
from webapp.services import (
    audit,
    certificates,
    groups,
    ical,
    mail_messages,
    sessions,
)
from webapp.services.certificate_pdf import qr_svg
from webapp.services.sessions import CheckInError, SessionCancelled
from webapp.session_pages import ISSUED_KEY, checkin_url, enrol_form, my_session, render_detail
from webapp.templating import moment

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


def checkin_message(error: CheckInError) -> str:
    """The learner-facing explanation of a refused check-in."""
    found = error.session
    if error.code == "outside-window" and found is not None:
        opens, closes = sessions.window(found)
        return _("Check-in for “%(title)s” is open only from %(opens)s to %(closes)s.",
                 title=found.title, opens=moment(opens), closes=moment(closes))
    messages = {
        "wrong-code": _("No session has this code. Check it and try again."),
        "not-enrolled": _("You are not enrolled in this session: none of your groups is on its "
                          "list. Ask your trainer."),
        "throttled": _("Too many wrong codes. Wait a quarter of an hour and try again."),
        "bad-status": _("Choose one of the attendance marks."),
    }
    return messages.get(error.code, _("Something went wrong. Please try again."))


def status_name(status: str) -> str:
    names = {"present": _("Present"), "late": _("Late"), "excused": _("Excused"),
             "absent": _("Absent"), "": _("Not marked")}
    return names.get(status, status)


@bp.app_context_processor
def session_helpers() -> dict[str, object]:
    return {"attendance_status": status_name, "session_hours": sessions.hours}


# --- Trainers -------------------------------------------------------------------------------


@bp.get("/manage")
@role_required(*STAFF)
def manage() -> str:
    return render_manage(session_form())


@bp.post("/manage")
@role_required(*STAFF)
def create() -> str | BaseResponse:
    form = session_form()
    if not form.validate_on_submit():
        return render_manage(form)
    starts = local_time(form.day.data, form.starts.data)
    ends = local_time(form.day.data, form.ends.data)
    database = db.session()
    found = sessions.create(database, me(), topic_id=form.topic.data, title=form.title.data,
                            municipality=form.municipality.data, venue=form.venue.data or "",
                            starts_at=starts, ends_at=ends, trainer_id=form.trainer.data,
                            capacity=form.capacity.data)
    database.commit()
    flash(_("The session is scheduled. Now enrol the groups that take part."), "success")
    return redirect(url_for(".detail", session_id=found.id))


@bp.get("/<int:session_id>")
@role_required(*STAFF)
def detail(session_id: int) -> str:
    return render_detail(my_session(session_id), enrol_form())


@bp.post("/<int:session_id>/groups")
@role_required(*STAFF)
def enrol(session_id: int) -> str | BaseResponse:
    found = my_session(session_id)
    form = enrol_form()
    if not form.validate_on_submit():
        return render_detail(found, form)
    database = db.session()
    try:
        group = groups.group_for(database, me(), form.group.data)
    except groups.GroupNotFound:
        abort(404)
    try:
        added = sessions.enrol(database, found, group)
    except SessionCancelled:
        abort(404)
    except sessions.OverCapacity as full:
        form.group.errors = [_(
            "With this group the session would have %(learners)s learners, but it has "
            "%(capacity)s places. Enrol a smaller group, or schedule another session.",
            learners=full.learners, capacity=full.capacity)]
        return render_detail(found, form)
    if added:
        mail_messages.enrolled(database, found, group.id or 0, me())
        database.commit()
        flash(_("%(group)s is enrolled.", group=group.name), "success")
    else:
        flash(_("%(group)s was enrolled already.", group=group.name), "info")
    return redirect(url_for(".detail", session_id=found.id))


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def edit(session_id: int) -> str | BaseResponse:
    """Change a session's time, place, trainer or places; everyone enrolled is told."""
    found = session_i_lead(session_id)
    form = edit_form(found)
    if not form.validate_on_submit():
        return render_template("sessions/edit.html", session=found, form=form)
    database = db.session()
    taken = sessions.learners_with(database, found, sessions.enrolled_ids(database, found))
    if (form.capacity.data or 0) < taken:
        form.capacity.errors = [_("%(taken)s learners are enrolled already: at least that "
                                  "many places, please.", taken=taken)]
        return render_template("sessions/edit.html", session=found, form=form)
    told = sessions.update(database, found, title=form.title.data,
                           municipality=form.municipality.data, venue=form.venue.data or "",
                           starts_at=local_time(form.day.data, form.starts.data),
                           ends_at=local_time(form.day.data, form.ends.data),
                           trainer_id=form.trainer.data, capacity=form.capacity.data)
    if told:
        mail_messages.changed(database, found, me())
    database.commit()
    flash(_("The session is changed. Everyone enrolled is told.") if told
          else _("The session is changed."), "success")
    return redirect(url_for(".detail", session_id=found.id))


@bp.route("/<int:session_id>/cancel", methods=["GET", "POST"])
@role_required(*STAFF)
def cancel(session_id: int) -> str | BaseResponse:
    """Call a session off, after a confirmation; everyone enrolled is told."""
    found = session_i_lead(session_id)
    form = CancelSessionForm()
    if not form.validate_on_submit():
        return render_template("sessions/cancel.html", session=found, form=form,
                               learners=len(sessions.roster(db.session(), found)))
    database = db.session()
    sessions.cancel(database, found)
    mail_messages.cancelled(database, found, me())
    database.commit()
    flash(_("The session is cancelled. Everyone enrolled is told."), "success")
    return redirect(url_for(".detail", session_id=found.id))


def session_i_lead(session_id: int) -> TrainingSession:
    """A session the signed-in user may change: its trainer's, or any for coordinators;
    a cancelled one no longer changes."""
    found = my_session(session_id)
    user = me()
    if user.role not in COORDINATORS and found.trainer_id != user.id:
        abort(404)
    if found.cancelled_at is not None:
        abort(404)
    return found


def edit_form(found: TrainingSession) -> EditSessionForm:
    form = EditSessionForm(obj=found if request.method == "GET" else None)
    form.trainer.choices = [("", _("— choose —"))] + [
        (u.id, u.name) for u in sessions.trainers(db.session())]
    if request.method == "GET":
        starts, ends = localtime.local(found.starts_at), localtime.local(found.ends_at)
        form.day.data, form.starts.data, form.ends.data = starts.date(), starts.time(), ends.time()
        form.trainer.data = found.trainer_id
    return form


@bp.post("/<int:session_id>/attendance/<int:user_id>")
@role_required(*STAFF)
def mark(session_id: int, user_id: int) -> BaseResponse:
    found = my_session(session_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    database, status = db.session(), request.form.get("status", "")
    try:
        sessions.mark(database, found, user_id, status, me())
    except SessionCancelled:
        abort(404)
    except CheckInError as error:
        flash(checkin_message(error) if error.code == "bad-status"
              else _("This learner is not enrolled in the session."), "error")
        return redirect(url_for(".detail", session_id=found.id, _anchor="roster"))
    audit.record(database, me(), "attendance_marked", user_id, f"session:{found.id}")
    database.commit()
    learner = database.get(User, user_id)
    issued = certificates.check_and_issue(database, learner) if learner is not None else []
    if issued:  # said on the roster, beside the learner, where the page opens
        cookie[ISSUED_KEY] = [c.id for c in issued]
    return redirect(url_for(".detail", session_id=found.id, _anchor=f"learner-{user_id}"))


@bp.get("/<int:session_id>/screen")
@role_required(*STAFF)
def screen(session_id: int) -> str:
    """The check-in code alone, large enough to read from the back of the room."""
    found = my_session(session_id)
    url = checkin_url(found)
    return render_template("sessions/screen.html", session=found, checkin_url=url,
                           typed_url=url.split("?", 1)[0], qr=qr_svg(url, fluid=True),
                           window=sessions.window(found))


def local_time(day: object, moment: object) -> datetime:
    """A date and time typed in Sofia, as an aware UTC time."""
    combined = datetime.combine(day, moment)  # type: ignore[arg-type]
    return combined.replace(tzinfo=SOFIA).astimezone(ZoneInfo("UTC"))


def session_form() -> SessionForm:
    form = SessionForm()
    choose = ("", _("— choose —"))
    form.topic.choices = [choose] + [(t.id, t.title) for t in current_course().topics]
    form.trainer.choices = [choose] + [(u.id, u.name) for u in sessions.trainers(db.session())]
    if request.method == "GET":
        form.trainer.data = me().id
    return form


def render_manage(form: SessionForm) -> str:
    course = current_course()
    return render_template("sessions/manage.html", form=form,
                           sessions=sessions.sessions_for(db.session(), me()),
                           topics={t.id: t.title for t in course.topics}, now=utcnow())


@bp.route("/checkin", methods=["GET", "POST"])
@login_required
def checkin() -> str | BaseResponse:
    form = CheckInForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args.get("code", "")[:20]
    if form.validate_on_submit():
        database = db.session()
        try:
            found = sessions.check_in(database, me(), form.code.data or "")
        except CheckInError as error:
            form.code.errors = [checkin_message(error)]
        else:
            database.commit()
            flash(_("You are checked in to “%(title)s”. Welcome!", title=found.title),
                  "success")
            announce(certificates.check_and_issue(database, me()))
            return redirect(url_for("learn.home", _anchor="sessions-title"))
    return render_template("sessions/checkin.html", form=form)


@bp.get("/<int:session_id>.ics")
@login_required
def ics(session_id: int) -> Response:
    database, user = db.session(), me()
    if user.role in STAFF:  # the sessions they look after, as on their pages
        found = my_session(session_id)
    else:
        enrolled = database.get(TrainingSession, session_id)
        if enrolled is None or not sessions.is_enrolled(database, enrolled, user.id or 0):
            abort(404)
        found = enrolled
    return calendar_response([found], found.title, f"session-{found.id}.ics")


@bp.get("/calendar/<token>.ics")
def feed(token: str) -> Response:
    database = db.session()
    user = sessions.user_of_feed(database, token[:64])
    if user is None or not user.active:
        abort(404)
    return calendar_response(sessions.sessions_of_learner(database, user),
                             current_course().title, "dobro.ics")


@bp.post("/calendar/renew")
@login_required
def renew_feed() -> BaseResponse:
    sessions.renew_feed(db.session(), me())
    flash(_("Your calendar feed has a new link; the old one no longer works. Subscribe to "
            "the new one in your calendar app."), "success")
    return redirect(url_for("learn.home", _anchor="sessions-title"))


def calendar_response(found: list[TrainingSession], name: str, filename: str) -> Response:
    events = [sessions.calendar_event(s) for s in found]
    response = Response(ical.calendar(events, name, utcnow()), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
