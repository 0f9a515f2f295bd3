"""The progress dashboard for trainers (``/trainer/progress``), with CSV and XLSX exports.

A trainer sees only the learners of the groups they look after; coordinators and
admins see everyone (``statistics.visible_learner_ids``). Learners get 403. The
page shows a summary per organisation and the learners 50 at a time (``?page=``);
the exports take the same filters and hold every matching learner, unpaged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from course.compiled import CompiledCourse
from webapp import db, spreadsheets
from webapp.auth import me, role_required
from webapp.content import current_course, store
from webapp.localtime import local
from webapp.models import CERTIFICATE_REVOKED, CERTIFICATE_VALID, STAFF
from webapp.routing import parse_id
from webapp.services import audit, bulk, dashboard, groups, paging, standings, statistics
from webapp.services.dashboard import LearnerRow, TopicRow
from webapp.services.standings import Learner, Standing

bp = Blueprint("dashboard", __name__, url_prefix="/trainer")


@dataclass(frozen=True)
class Filters:
    group: int | None
    organisation: int | None
    audience: str
    status: str

    def args(self) -> dict[str, Any]:
        found = {"group": self.group, "organisation": self.organisation,
                 "audience": self.audience, "status": self.status}
        return {k: v for k, v in found.items() if v}


def status_label(status: str) -> str:
    return str({"not_started": _("Not started"), "in_progress": _("In progress"),
                "stuck": _("Stuck"), "complete": _("Complete")}.get(status, status))


def certificate_label(status: str) -> str:
    labels = {CERTIFICATE_VALID: _("Valid"), CERTIFICATE_REVOKED: _("Revoked")}
    return str(labels.get(status, _("None")))


@dataclass(frozen=True)
class Report:
    filters: Filters
    learners: list[Learner]  # every learner matching the filters, by name
    standings: dict[int, Standing]
    choices: dict[str, Any]


def _report(course: CompiledCourse) -> Report:
    session = db.session()
    viewer = me()
    args = request.args
    filters = Filters(parse_id(args.get("group")), parse_id(args.get("organisation")),
                      args.get("audience", ""), args.get("status", ""))
    mine = groups.groups_for(session, viewer)
    if filters.group is not None and filters.group not in {s.group.id for s in mine}:
        abort(404)
    visible = statistics.visible_learner_ids(viewer)
    found = standings.learners(session, visible, filters.group, filters.organisation,
                               filters.audience)
    standing = standings.standings(session, course, store().build_dir, found)
    # The organisation filter offers every visible learner's organisation.
    organisation_ids = {f.organisation_id for f in found} if filters == Filters(
        None, None, "", filters.status) else standings.organisation_ids(session, visible)
    if filters.status:
        found = [f for f in found if standing[f.id].status == filters.status]
    choices = {
        "groups": [s.group for s in mine],
        "organisations": [o for o in groups.organisations(session) if o.id in organisation_ids],
        "audiences": course.audiences,
        "statuses": [(s, status_label(s)) for s in standings.STATUSES],
    }
    return Report(filters, found, standing, choices)


@bp.get("/progress")
@role_required(*STAFF)
def index() -> str:
    course = current_course()
    with bulk.paused_gc():
        report = _report(course)
        shown, pager = paging.paginate(report.learners, paging.page_number(
            request.args.get("page")), dashboard.PAGE_SIZE)
        found = dashboard.rows(db.session(), course, store().build_dir,
                               dashboard.users(db.session(), shown))
        found_counts = Counter(report.standings[f.id].status for f in report.learners)
        counts = {s: found_counts[s] for s in standings.STATUSES}
        organisations = standings.summary(db.session(), report.learners, report.standings)
        return render_template(
            "dashboard/index.html", rows=found, filters=report.filters,
            choices=report.choices, counts=counts, pager=pager, organisations=organisations,
            status_label=status_label, certificate_label=certificate_label, course=course)


def _all_rows(course: CompiledCourse) -> list[LearnerRow]:
    """Every learner matching the filters, in full: the exports are never paged."""
    with bulk.paused_gc():
        report = _report(course)
        return dashboard.rows(db.session(), course, store().build_dir,
                              dashboard.users(db.session(), report.learners))


def _percent(value: float | None) -> float | str:
    return "" if value is None else round(value, 1)


def _table(course: CompiledCourse, found: list[LearnerRow]) -> list[list[Any]]:
    header = [_("Learner"), _("User name"), _("Organisation"), _("Groups"), _("Audience"),
              _("Status"), _("Last activity"), _("Topic"), _("Required"),
              _("Modules studied"), _("Modules in total"), _("Pre-test done"),
              _("Best final test") + " (%)", _("Final test passed"), _("Hours attended"),
              _("Certificate")]
    table: list[list[Any]] = [header]
    yes, no = _("yes"), _("no")
    for row in found:
        learner = [row.user.name, row.user.username or "",
                   row.organisation.name if row.organisation else "", "; ".join(row.groups),
                   course.audiences.get(row.user.audience or "", row.user.audience or ""),
                   status_label(row.status),
                   local(row.last_activity).strftime("%Y-%m-%d %H:%M") if row.last_activity else ""]
        topics: list[TopicRow | None] = list(row.topics) or [None]
        for topic in topics:
            if topic is None:
                table.append(learner + [""] * 9)
                continue
            table.append(learner + [
                topic.title, yes if topic.required else no, topic.studied, topic.total,
                yes if topic.pretest_done else no, _percent(topic.final_percent),
                yes if topic.final_passed else no, topic.hours,
                certificate_label(topic.certificate)])
    return table


@bp.get("/progress.csv")
@role_required(*STAFF)
def export_csv() -> Response:
    course = current_course()
    rows = _all_rows(course)
    audit.record_now(db.session(), me(), "export_report", target="report:progress",
                     count=len(rows))
    return Response(spreadsheets.csv_bytes(_table(course, rows)),
                    mimetype=spreadsheets.CSV_MIME,
                    headers={"Content-Disposition": "attachment; filename=progress.csv"})


@bp.get("/progress.xlsx")
@role_required(*STAFF)
def export_xlsx() -> Response:
    course = current_course()
    book, rows = spreadsheets.new_workbook(), _all_rows(course)
    audit.record_now(db.session(), me(), "export_report", target="report:progress",
                     count=len(rows))
    spreadsheets.add_sheet(book, _("Progress"), _table(course, rows))
    return Response(spreadsheets.xlsx_bytes(book), mimetype=spreadsheets.XLSX_MIME,
                    headers={"Content-Disposition": "attachment; filename=progress.xlsx"})
