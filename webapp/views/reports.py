"""The donor report (``/trainer/reports/donor``) and its XLSX, for coordinators and admins.

Trainers and learners get 403, as on the other coordinators' pages. Filters come
from the query string; input that is not a date or a known kind is ignored and
the page says so — it never fails on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from openpyxl import Workbook
from sqlmodel import col, select

from course.compiled import CompiledCourse
from webapp import db, spreadsheets
from webapp.auth import me, role_required
from webapp.charts import Row, bar_chart
from webapp.content import current_course, store
from webapp.localtime import SOFIA
from webapp.models import (
    CERTIFICATE_REPLACED,
    CERTIFICATE_REVOKED,
    CERTIFICATE_VALID,
    COORDINATORS,
    ORGANISATION_KINDS,
    TrainingSession,
    User,
)
from webapp.services import audit, donor_report, signin_sheets
from webapp.services import bulletins as issues_sent
from webapp.services.donor_report import Filters, FunnelRow, Indicator, Report
from webapp.services.survey_results import Satisfaction, satisfaction
from webapp.templating import day

bp = Blueprint("reports", __name__, url_prefix="/trainer/reports")
MAX_DATE = 10  # YYYY-MM-DD

KIND_LABELS = {"municipality": _l("Municipalities"), "regional": _l("Regional administrations"),
               "ngo": _l("NGOs"), "other": _l("Other organisations")}
SEX_LABELS = {"f": _l("Women"), "m": _l("Men"), "x": _l("Other"), "": _l("Not given")}
STAGE_LABELS = {"enrolled": _l("Enrolled"), "attended": _l("Attended a session"),
                "studied": _l("Studied the modules"), "passed": _l("Passed the final tests"),
                "certified": _l("Certified")}
INDICATOR_LABELS = {
    "employees": _l("Municipal employees trained"),
    "councillors": _l("Municipal councillors trained"),
    "municipalities": _l("Member municipalities reached"),
    "ngos": _l("NGOs reached"),
    "regional": _l("Regional administrations reached"),
    "handbook": _l("Handbook recipients"),
    "certificates": _l("Certificates issued (valid)"),
    "certificates_revoked": _l("Certificates revoked"),
    "sessions": _l("In-person sessions held"),
    "attendance": _l("Attendances at sessions"),
}
INDICATOR_DEFINITIONS = {
    "employees": _l("Learners of the “employees” audience who hold a valid programme "
                    "certificate: every required topic of their track complete (hours "
                    "attended, modules studied, final test passed). Reached: enrolled."),
    "councillors": _l("Learners of the “councillors” audience who hold a valid programme "
                      "certificate. Reached: enrolled."),
    "municipalities": _l("Organisations of the kind “municipality” with at least one enrolled "
                         "learner. Trained: with at least one certified learner."),
    "ngos": _l("Organisations of the kind “NGO” with at least one enrolled learner. "
               "Trained: with at least one certified learner."),
    "regional": _l("Organisations of the kind “regional administration” with at least one "
                   "enrolled learner. Trained: with at least one certified learner."),
    "handbook": _l("People and bodies on the distribution list of the Handbook and the "
                   "Bulletin, added in the period; the number of copies beside."),
    "certificates": _l("Topic and programme certificates issued in the period that are "
                       "still valid."),
    "certificates_revoked": _l("Certificates issued in the period and revoked since "
                               "(re-issued ones are not counted)."),
    "sessions": _l("In-person sessions that started in the period (not later than now)."),
    "attendance": _l("Marks “present” or “late” at sessions that started in the period; "
                     "beside them, how many different learners."),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def _date(name: str, notes: list[str]) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        if len(value) > MAX_DATE:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        notes.append(_("“%(value)s” is not a date (YYYY-MM-DD): it was ignored.",
                       value=value[:MAX_DATE * 2]))
        return None


def read_filters() -> tuple[Filters, list[str]]:
    """The filters of the query string, and a note for each part that was ignored."""
    notes: list[str] = []
    start, end = _date("from", notes), _date("to", notes)
    if start and end and start > end:
        notes.append(_("The period ends before it starts: it was ignored."))
        start = end = None
    kind = request.args.get("kind", "")
    if kind and kind not in ORGANISATION_KINDS:
        notes.append(_("Unknown kind of organisation: it was ignored."))
        kind = ""
    return Filters(start, end, kind), notes


def _query(filters: Filters) -> dict[str, str]:
    found = {"from": filters.start.isoformat() if filters.start else "",
             "to": filters.end.isoformat() if filters.end else "", "kind": filters.kind}
    return {k: v for k, v in found.items() if v}


def describe(filters: Filters) -> str:
    """The filters in words, as the page and the spreadsheet state them."""
    if filters.start and filters.end:
        period = _("from %(start)s to %(end)s", start=day(filters.start), end=day(filters.end))
    elif filters.start:
        period = _("from %(start)s", start=day(filters.start))
    elif filters.end:
        period = _("until %(end)s", end=day(filters.end))
    else:
        period = _("the whole programme")
    who = kind_label(filters.kind) if filters.kind else _("all organisations")
    return _("Period: %(period)s; organisations: %(who)s.", period=period, who=who)


def _label(row: FunnelRow, by: str) -> str:
    if by == "sex":
        return str(SEX_LABELS.get(row.key, row.key))
    if by == "audience":
        return row.label or _("No audience")
    return row.label or _("No organisation")


def _percent(part: int, whole: int) -> str:
    return f"{donor_report.share(part, whole)}%" if whole else "—"


def _charts(report: Report) -> dict[str, Markup]:
    targeted = [i for i in report.indicators if i.target]
    top = max([100.0] + [float(i.percent or 0) for i in targeted])
    indicators = bar_chart(
        "chart-indicators", _("Indicators against the targets"),
        [Row(str(INDICATOR_LABELS[i.key]), (float(i.percent or 0),),
             f"{i.achieved} / {i.target}", 100.0) for i in targeted],
        top, _("Each bar is the share of the target achieved; the mark is the target."),
        marker_name=_("Target"))
    funnel = report.funnel
    stages = bar_chart(
        "chart-funnel", _("From enrolment to certificate"),
        [Row(str(STAGE_LABELS[name]), (float(value),),
             f"{value} ({_percent(value, funnel.enrolled)})")
         for name, value in funnel.stages()],
        float(funnel.enrolled), _("Learners at each stage, out of those enrolled."))
    shown = [r for r in report.by_organisation if r.funnel.enrolled or r.kind == "municipality"]
    organisations = bar_chart(
        "chart-organisations", _("Enrolled and certified learners by organisation"),
        [Row(_label(r, "organisation"),
             (float(r.funnel.certified), float(r.funnel.enrolled - r.funnel.certified)),
             f"{r.funnel.certified} / {r.funnel.enrolled}") for r in shown],
        float(max([r.funnel.enrolled for r in shown], default=0)),
        _("For each organisation: certified learners, then the others enrolled."),
        legend=[_("Certified"), _("Enrolled, not yet certified")])
    return {"indicators": indicators, "funnel": stages, "organisations": organisations}


def _report() -> tuple[Report, list[str], CompiledCourse]:
    filters, notes = read_filters()
    course = current_course()
    report = donor_report.build(db.session(), course, store().build_dir, filters)
    return report, notes, course


@bp.get("/donor")
@role_required(*COORDINATORS)
def donor() -> str:
    report, notes, course = _report()
    return render_template(
        "reports/donor.html", report=report, notes=notes, course=course,
        filters=report.filters, query=_query(report.filters), description=describe(report.filters),
        charts=_charts(report), kinds=[(k, kind_label(k)) for k in ORGANISATION_KINDS],
        labels=INDICATOR_LABELS, definitions=INDICATOR_DEFINITIONS, stages=STAGE_LABELS,
        row_label=_label, percent=_percent,
        satisfaction=satisfaction(db.session(), course, report.filters.kind),
        unsigned=unsigned_sessions(report.filters),
        bulletin_issues=issues_sent.per_issue(db.session(), report.filters),
        bulletin_target=donor_report.TARGETS["handbook"].wanted)


def unsigned_sessions(filters: donor_report.Filters) -> list[tuple[TrainingSession, str]]:
    """The sessions of the period that were held and have no signed sheet, with their
    trainer's name: the evidence of attendance the donor will ask for."""
    database = db.session()
    found = signin_sheets.held_without_scan(database, *filters.bounds())
    names = dict(database.exec(select(User.id, User.name).where(
        col(User.id).in_({s.trainer_id for s in found}))).all()) if found else {}
    return [(s, names.get(s.trainer_id, "")) for s in found]


def _funnel_sheet(book: Workbook, title: str, first: str, rows: list[tuple[str, Any]]) -> None:
    spreadsheets.add_sheet(book, title, [
        [first] + [str(STAGE_LABELS[s]) for s in donor_report.STAGES],
        *([label] + [value for _name, value in funnel.stages()] for label, funnel in rows)])


def _indicator_line(item: Indicator) -> list[Any]:
    return [str(INDICATOR_LABELS[item.key]), item.target, item.reached, item.trained,
            item.achieved, item.percent, item.extra, str(INDICATOR_DEFINITIONS[item.key])]


def _sofia(moment: datetime) -> datetime:
    """A stored UTC time as Sofia's wall clock, naive: spreadsheets know no time zones."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(SOFIA).replace(tzinfo=None)


def workbook(report: Report, lines: list[donor_report.CertificateLine],
             satisfied: list[Satisfaction] | None = None,
             course: CompiledCourse | None = None,
             unsigned: list[tuple[TrainingSession, str]] | None = None,
             bulletin_issues: list[issues_sent.IssueCount] | None = None) -> bytes:
    """The report as an XLSX: indicators, the funnel three ways, the certificates."""
    book = spreadsheets.new_workbook()
    sheet = spreadsheets.add_sheet(book, _("Indicators"), [
        [_("Indicator"), _("Target"), _("Reached"), _("Trained"), _("Achieved"),
         _("Percent"), _("Copies or learners"), _("Definition")],
        *(_indicator_line(item) for item in report.indicators), [],
        [describe(report.filters)],
        [_("Generated"), _sofia(report.generated_at).replace(microsecond=0)]])
    sheet.cell(sheet.max_row, 2).number_format = "yyyy-mm-dd hh:mm"
    _funnel_sheet(book, _("By organisation"), _("Organisation"),
                  [(_label(r, "organisation"), r.funnel) for r in report.by_organisation])
    _funnel_sheet(book, _("By audience"), _("Audience"),
                  [(_label(r, "audience"), r.funnel) for r in report.by_audience])
    _funnel_sheet(book, _("By sex"), _("Sex"),
                  [(_label(r, "sex"), r.funnel) for r in report.by_sex])
    statuses = {CERTIFICATE_VALID: _("Valid"), CERTIFICATE_REVOKED: _("Revoked"),
                CERTIFICATE_REPLACED: _("Replaced")}
    certificates = spreadsheets.add_sheet(book, _("Certificates"), [
        [_("Number"), _("Holder"), _("Organisation"), _("Topic or programme"), _("Issued"),
         _("Status")],
        *([line.number, line.holder, line.organisation, line.title,
           _sofia(line.issued_at).date(), statuses.get(line.status, line.status)]
          for line in lines)])
    for (cell,) in certificates.iter_rows(min_row=2, min_col=5, max_col=5):
        cell.number_format = "yyyy-mm-dd"
    if satisfied is not None and course is not None:
        _satisfaction_sheet(book, satisfied, course)
    if unsigned is not None:
        sessions = spreadsheets.add_sheet(book, _("Without a signed sheet"), [
            [_("Session"), _("Starts"), _("Municipality"), _("Trainer")],
            *([found.title, _sofia(found.starts_at).replace(microsecond=0),
               found.municipality, trainer] for found, trainer in unsigned)])
        for (cell,) in sessions.iter_rows(min_row=2, min_col=2, max_col=2):
            cell.number_format = "yyyy-mm-dd hh:mm"
    if bulletin_issues is not None:
        target = donor_report.TARGETS["handbook"].wanted
        spreadsheets.add_sheet(book, _("Bulletin by issue"), [
            [_("Issue"), _("Recipients"), _("Copies"), _("Target"), _("Percent")],
            *([row.issue, row.recipients, row.copies, target, row.percent]
              for row in bulletin_issues)])
    return spreadsheets.xlsx_bytes(book)


def _satisfaction_sheet(book: Workbook, satisfied: list[Satisfaction],
                        course: CompiledCourse) -> None:
    """Kirkpatrick level 1 by topic; a topic under 5 answer sheets shows its count only."""
    topics = {t.id: t.title for t in course.topics}
    spreadsheets.add_sheet(book, _("Satisfaction"), [
        [_("Topic"), _("Answer sheets"), _("Mean (1–5)"), _("Agreed")],
        *([topics.get(row.topic_id, row.topic_id), row.responses,
           round(row.mean, 2) if row.mean is not None else _("fewer than 5"),
           f"{row.agreed}%" if row.mean is not None else ""] for row in satisfied)])


@bp.get("/donor.xlsx")
@role_required(*COORDINATORS)
def donor_xlsx() -> Response:
    report, _notes, _course = _report()
    lines = donor_report.certificate_lines(db.session(), report.filters)
    audit.record_now(db.session(), me(), "export_report", target="report:donor",
                     count=len(lines))
    satisfied = satisfaction(db.session(), _course, report.filters.kind)
    return Response(workbook(report, lines, satisfied, _course,
                             unsigned_sessions(report.filters),
                             issues_sent.per_issue(db.session(), report.filters)),
                    mimetype=spreadsheets.XLSX_MIME,
                    headers={"Content-Disposition": "attachment; filename=donor-report.xlsx"})
