"""What a survey's results page and its XLSX export show beside the numbers: the scope in
words, an SVG bar chart per closed question, and the workbook (same threshold)."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup
from sqlmodel import Session

from course.compiled import CompiledCourse
from course.surveymodel import Tally
from webapp import charts, spreadsheets
from webapp.models import TrainingSession, User
from webapp.services.survey_results import Results, Scope
from webapp.templating import day, organisation_kind


def context(db: Session, course: CompiledCourse, scope: Scope) -> list[tuple[str, str]]:
    """The scope in words: (what, which) pairs — topic, session, trainer, organisation kind."""
    survey = course.surveys.get(scope.survey_id)
    topic = course.topic(survey.topic) if survey else None
    found = [(_("Topic"), topic.title)] if topic else []
    if scope.session_id is not None:
        session = db.get(TrainingSession, scope.session_id)
        if session is not None:
            found.append((_("In-person session"), f"{session.title}, {session.municipality}, "
                                        f"{day(session.starts_at)}"))
    if scope.trainer_id is not None:
        trainer = db.get(User, scope.trainer_id)
        if trainer is not None:
            found.append((_("Trainer"), trainer.name))
    if scope.organisation_kind:
        found.append((_("Organisation kind"), organisation_kind(scope.organisation_kind)))
    return found


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` in whole percent (0 of nothing)."""
    return round(100 * part / whole) if whole else 0


def charts_of(found: Results) -> dict[str, Markup]:
    """A bar chart per Likert or choice question: each option's count and share."""
    drawn: dict[str, Markup] = {}
    for item in found.tallies:
        question = item.question
        if question.type == "open":
            continue
        rows = [charts.Row(label, (float(n),), f"{n} ({percent(n, item.answered)}%)")
                for label, n in zip(question.options, item.counts, strict=True)]
        description = _("%(num)s answers", num=item.answered)
        if item.mean is not None:
            description += "; " + _("mean %(mean)s of %(top)s", mean=f"{item.mean:.2f}",
                                    top=len(question.options))
        # A full bar is everyone who answered the question: each bar reads as its share.
        drawn[question.id] = charts.bar_chart(f"chart-{question.id}", question.text, rows,
                                              float(item.answered or 1), description)
    return drawn


def _rows(item: Tally) -> list[list[object]]:
    question = item.question
    if question.type == "open":
        return [[question.text, _("Open answer"), text] for text in item.texts]
    rows: list[list[object]] = []
    for label, n in zip(question.options, item.counts, strict=True):
        rows.append([question.text, label, n, percent(n, item.answered)])
    if item.mean is not None:
        rows.append([question.text, _("Mean"), round(item.mean, 2), ""])
    return rows


def workbook(found: Results, scope_words: list[tuple[str, str]]) -> bytes:
    """The results as an XLSX workbook: the scope, each closed question's counts, and the
    open answers (only ever called for results that may be shown)."""
    assert found.shown
    book = spreadsheets.new_workbook()
    spreadsheets.add_sheet(book, _("Survey"), [
        [_("Survey"), found.survey.title], *[[what, which] for what, which in scope_words],
        [_("Responses"), found.count]])
    closed = [item for item in found.tallies if item.question.type != "open"]
    spreadsheets.add_sheet(book, _("Results"), [
        [_("Question"), _("Answer"), _("Count"), _("Percent")],
        *[row for item in closed for row in _rows(item)]])
    spreadsheets.add_sheet(book, _("Open answers"), [
        [_("Question"), "", _("Answer")],
        *[row for item in found.tallies if item.question.type == "open"
          for row in _rows(item)]])
    return spreadsheets.xlsx_bytes(book)
