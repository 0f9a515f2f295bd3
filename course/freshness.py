"""Whether the course's facts are still fresh: review dates on files and register rows.

Every module, page and quiz says when an author last checked its facts
(``reviewed:``) and, for a fact known to expire, by when it must be checked again
(``review_by:``); ``modules/course.yaml`` says how long a review stays fresh
(``fresh_months``, 12 by default). The register of legal references dates each row
in the same way. This module turns those dates into warnings for ``dobro check``
(errors under ``--strict``). It is the only place that depends on today's date, and
takes it as an argument: the build never does, so a server never refuses a course
because time passed.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from course.errors import Problem
from course.model import Course, Document, Quiz
from course.wording import count, long_date

DEFAULT_FRESH_MONTHS = 12


@dataclass(frozen=True)
class Dated:
    """Something with review dates: a module, a page, a quiz or a register row."""

    path: str
    line: int
    col: int
    what: str  # "модулът", "тестът", "редът"
    reviewed: date | None
    review_by: date | None = None
    reviewed_at: tuple[int, int] | None = None  # where ``reviewed`` was written
    review_by_at: tuple[int, int] | None = None
    register: bool = False  # a row of the register of legal references, not a file


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months on (31 January + 1 month → 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def fresh_until(reviewed: date, months: int) -> date:
    """The last day a review of ``reviewed`` counts as fresh."""
    return add_months(reviewed, months)


def problems(items: Iterable[Dated], today: date, months: int) -> list[Problem]:
    """The warnings for missing, stale, future and expired review dates."""
    found = []
    for item in items:
        at = item.reviewed_at or (item.line, item.col)
        if item.reviewed is None and item.register:
            found.append(Problem(item.path, item.line, item.col, "warning",
                                 "редът няма дата в колоната „Проверено на“ (ГГГГ-ММ-ДД): "
                                 "впишете кога сте сверили правилото с източника",
                                 "legal-no-date"))
        elif item.reviewed is None:
            found.append(Problem(item.path, item.line, item.col, "warning",
                                 f"{item.what} няма дата на преглед („reviewed: ГГГГ-ММ-ДД“): "
                                 "впишете кога за последно сте проверили фактите в него",
                                 "no-reviewed"))
        elif item.reviewed > today:
            found.append(Problem(item.path, *at, "warning",
                                 f"датата на преглед {long_date(item.reviewed)} е в бъдещето – "
                                 "впишете деня, в който сте проверили фактите", "reviewed-future"))
        elif fresh_until(item.reviewed, months) < today:
            field, code = ("„Проверено на“", "legal-stale") if item.register else (
                "„reviewed“", "stale")
            found.append(Problem(
                item.path, *at, "warning",
                f"прегледът от {long_date(item.reviewed)} е по-стар от "
                f"{count(months, 'месец', 'месеца')}: проверете фактите спрямо действащите "
                f"текстове и обновете {field}", code))
        if item.review_by is not None and item.review_by <= today:
            where = item.review_by_at or (item.line, item.col)
            found.append(Problem(
                item.path, *where, "warning",
                f"срокът за преглед („review_by“) {long_date(item.review_by)} дойде: фактите, "
                "които остаряват, трябва да се проверят; след това обновете „reviewed“ и "
                "„review_by“", "review-due"))
    return found


def course_dates(course: Course) -> list[Dated]:
    """The dates of every module, page and quiz file of ``course``."""
    return [_document(d, "модулът") for d in course.modules] + [
        _document(d, "страницата") for d in course.pages] + [_quiz(q) for q in course.quizzes]


def check_course(course: Course, today: date, extra: Sequence[Dated] = ()) -> list[Problem]:
    """Every freshness warning of ``course`` (and ``extra``: the register's rows)."""
    months = course.manifest.fresh_months if course.manifest else DEFAULT_FRESH_MONTHS
    return problems([*course_dates(course), *extra], today, months)


def _document(doc: Document, what: str) -> Dated:
    return Dated(doc.path, *doc.pos, what, doc.reviewed, doc.review_by,
                 doc.positions.get("reviewed"), doc.positions.get("review_by"))


def _quiz(quiz: Quiz) -> Dated:
    return Dated(quiz.path, *quiz.pos, "тестът", quiz.reviewed, quiz.review_by,
                 quiz.positions.get("reviewed"), quiz.positions.get("review_by"))
