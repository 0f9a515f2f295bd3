"""What the session pages share: the session the signed-in staff member may see (else a
404), the enrol form, and the session's page itself — shown by the session views and,
after a refused upload or walk-in, by the sign-in sheet views. Kept out of the view modules
so that neither view imports the other.
"""

from __future__ import annotations

from flask import abort, current_app, render_template, url_for
from flask import session as cookie
from flask_babel import gettext as _

from course.rules import PROGRAMME
from webapp import db
from webapp.auth import me
from webapp.content import current_course, store
from webapp.forms.sessions import EnrolForm, SignedSheetForm, WalkInForm
from webapp.group_pages import with_learner_choices
from webapp.models import ATTENDANCE_STATUSES, COORDINATORS, Certificate, TrainingSession, User
from webapp.services import groups, sessions, signin_sheets
from webapp.services.certificate_pdf import qr_svg
from webapp.services.sessions import SessionNotFound

# The certificates the trainer's last attendance mark issued, shown once on the roster.
ISSUED_KEY = "roster_issued"


def my_session(session_id: int) -> TrainingSession:
    try:
        return sessions.session_for(db.session(), me(), session_id)
    except SessionNotFound:
        abort(404)


def may_change(found: TrainingSession) -> bool:
    user = me()
    return found.cancelled_at is None and (user.role in COORDINATORS
                                           or found.trainer_id == user.id)


def enrol_form() -> EnrolForm:
    form = EnrolForm()
    form.group.choices = [("", _("— choose —"))] + [
        (s.group.id, s.group.name) for s in groups.groups_for(db.session(), me())]
    return form


def checkin_url(found: TrainingSession) -> str:
    """The check-in page with the session's code, at the public address (not this
    request's: the phones scanning it may be elsewhere)."""
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    return base + url_for("sessions.checkin", code=found.checkin_code)


def issued_notice(cert: Certificate) -> str:
    """What the trainer is told of a certificate their attendance mark issued."""
    if cert.kind == PROGRAMME:
        return _("The certificate of %(name)s for the whole programme “%(title)s” is issued.",
                 name=cert.holder_name, title=cert.title)
    return _("The certificate of %(name)s for the topic “%(title)s” is issued.",
             name=cert.holder_name, title=cert.title)


def issued_now(roster: list[sessions.RosterLine]) -> dict[int, list[str]]:
    """The notices of the certificates the last mark issued, by learner (once: popped)."""
    ids = [i for i in cookie.pop(ISSUED_KEY, None) or [] if isinstance(i, int)]
    on_roster = [line.user.id or 0 for line in roster]
    notices: dict[int, list[str]] = {}
    for cert in sessions.certificates_among(db.session(), ids, on_roster):
        notices.setdefault(cert.user_id, []).append(issued_notice(cert))
    return notices


def render_detail(found: TrainingSession, form: EnrolForm,
                  sheet_form: SignedSheetForm | None = None,
                  walk_in: WalkInForm | None = None) -> str:
    database, course = db.session(), current_course()
    url = checkin_url(found)
    roster = sessions.roster(database, found)
    return render_template("sessions/detail.html", session=found, form=form,
                           topic=course.topic(found.topic_id),
                           groups=sessions.enrolled_groups(database, found),
                           taken=sessions.learners_with(database, found,
                                                        sessions.enrolled_ids(database, found)),
                           roster=roster,
                           standing=sessions.topic_standing(database, found, roster, course,
                                                            store().build_dir),
                           issued=issued_now(roster),
                           history=sessions.history(database, found),
                           trainer=database.get(User, found.trainer_id),
                           statuses=ATTENDANCE_STATUSES, window=sessions.window(found),
                           may_change=may_change(found),
                           checkin_url=url, qr=qr_svg(url, fluid=True),
                           scan=signin_sheets.scan_of(database, found),
                           sheet_form=sheet_form or SignedSheetForm(),
                           walk_in=walk_in or walk_in_form(found))


# --- Sign-in sheets ------------------------------------------------------------------------


def walk_in_form(found: TrainingSession) -> WalkInForm:
    form = with_learner_choices(WalkInForm())
    assert isinstance(form, WalkInForm)
    form.group.choices = [("", _("— choose —"))] + [
        (g.id, g.name) for g in sessions.enrolled_groups(db.session(), found)]
    return form
