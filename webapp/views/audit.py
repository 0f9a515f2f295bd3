"""The access log ("Журнал на достъпа"): who among the staff saw or changed whose data.

Admins only, as issue 16 asks ("visible to admins"): a coordinator's own exports are
in the log, and the log is not theirs to read. Bad filter values are said on the page
(200), never a 500; the CSV export of the log is itself logged.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from webapp import db, spreadsheets
from webapp.auth import me, role_required
from webapp.localtime import local
from webapp.services import audit, paging
from webapp.services.audit import Filters, Line

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
# Read when the app is made: a bad DOBRO_AUDIT_KEEP_MONTHS stops the start, as other settings do.
bp.record_once(lambda state: state.app.config.setdefault(
    "AUDIT_KEEP_MONTHS", audit.keep_months(state.app.config)))

ADMINS = ("admin",)
MAX_PERSON = 100


def _day(args: MultiDict[str, str], name: str, notes: list[str]) -> date | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        notes.append(_("“%(value)s” is not a date: write it as 2027-03-12.", value=raw[:20]))
        return None


def read_filters(args: MultiDict[str, str]) -> tuple[Filters, list[str]]:
    """The filters of the query string, and a note for each value that was left out."""
    notes: list[str] = []
    raw_actor = args.get("actor", "").strip()
    actor = int(raw_actor) if raw_actor.isascii() and raw_actor.isdigit() \
        and len(raw_actor) <= 9 else None
    if raw_actor and actor is None:
        notes.append(_("Choose the member of staff from the list."))
    action = args.get("action", "").strip()
    if action and action not in audit.ACTIONS:
        notes.append(_("Choose the action from the list."))
        action = ""
    since, until = _day(args, "since", notes), _day(args, "until", notes)
    if since and until and since > until:
        notes.append(_("The first day is after the last: the dates are swapped."))
        since, until = until, since
    person = " ".join(args.get("person", "").split())[:MAX_PERSON]
    return Filters(actor, action, person, since, until), notes


def subject_text(line: Line) -> str:
    """Whose data: the name, or "Заличен участник #id" once the person is erased."""
    if line.entry.subject_user_id is None:
        return ""
    if line.subject_erased:
        return _("Erased participant #%(id)s", id=line.entry.subject_user_id)
    return line.subject_name


def target_text(line: Line) -> str:
    """The target in words: "Група #3", "Сертификат #12", "Справка: напредък"."""
    kind, _sep, value = line.entry.target.partition(":")
    reports = {"progress": _("Learners’ progress"), "donor": _("Report to the donors")}
    if kind == "report":
        return _("Report: %(name)s", name=reports.get(value, value))
    kinds = {"group": _("Group"), "session": _("Session"), "certificate": _("Certificate"),
             "user": _("Account"), "erasure": _("Erasure request")}
    if kind in kinds and value.isdigit():
        return f"{kinds[kind]} #{value}"
    if kind == "distribution":
        return _("Distribution list (%(format)s)", format=value.upper())
    if kind == "audit":
        return _("Access log (%(format)s)", format=value.upper())
    return line.entry.target


def target_link(line: Line) -> str | None:
    """Where the target can be seen in the app, if anywhere."""
    kind, _sep, value = line.entry.target.partition(":")
    if not value.isdigit():
        return None
    if kind == "group":
        return url_for("trainer.group", group_id=int(value))
    if kind == "session":
        return url_for("sessions.detail", session_id=int(value))
    if kind == "erasure":
        return url_for("erasure.requests")
    # A certificate's page is its holder's (a "user:" target may be a staff account: none).
    if kind == "certificate" and line.entry.subject_user_id and not line.subject_erased:
        return url_for("certificates.learner", user_id=line.entry.subject_user_id)
    return None


@bp.get("/")
@role_required(*ADMINS)
def index() -> str:
    filters, notes = read_filters(request.args)
    database = db.session()
    lines, pager = audit.search(database, filters,
                                paging.page_number(request.args.get("page")))
    return render_template("audit/index.html", lines=lines, pager=pager, filters=filters,
                           notes=notes, actions=audit.ACTIONS, actors=audit.actors(database),
                           subject_text=subject_text, target_link=target_link,
                           target_text=target_text,
                           keep_months=audit.keep_months(current_app.config))


def csv_rows(lines: list[Line]) -> list[list[Any]]:
    rows: list[list[Any]] = [[_("When (Sofia time)"), _("Staff ID"), _("Staff"), _("Action"),
                              _("Action code"), _("Person ID"), _("Person"), _("Target (id)"),
                              _("Number of people")]]
    for line in lines:
        entry = line.entry
        rows.append([local(entry.at).strftime("%Y-%m-%d %H:%M:%S"), entry.actor_id or "",
                     line.actor_name, line.label, entry.action, entry.subject_user_id or "",
                     subject_text(line), entry.target, entry.count or ""])
    return rows


@bp.get("/audit.csv")
@role_required(*ADMINS)
def export_csv() -> Response:
    filters, _notes = read_filters(request.args)
    database = db.session()
    lines = audit.every_line(database, filters)
    people = {line.entry.subject_user_id for line in lines if line.entry.subject_user_id}
    audit.record_now(database, me(), "export_audit", target="audit:csv", count=len(people))
    return Response(spreadsheets.csv_bytes(csv_rows(lines)), mimetype=spreadsheets.CSV_MIME,
                    headers={"Content-Disposition": "attachment; filename=access-log.csv",
                             "Cache-Control": "no-store"})
