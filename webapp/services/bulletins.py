"""The Bulletin from the programme's own data: a new issue's figures, and who got which issue.

``figures`` gathers, as at the end of a day, what an issue reports: sessions held per
municipality, people trained per audience (certified, as the donor report counts them:
``donor_report.build`` is called, not copied), certificates issued and the sessions to
come. ``scaffold`` turns them into an issue's Markdown and an SVG chart the editor
writes around; ``write_issue`` puts both into the course's ``bulletins/``.

The distribution list records which issue went to which line (``BulletinDelivery``);
``per_issue`` counts them for the donor report, against the same 180 target as the list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from course.bulletins import FOLDER, ISSUES, load_bulletins
from course.compiled import CompiledCourse
from webapp.charts import Row, bar_chart
from webapp.localtime import SOFIA
from webapp.models import BulletinDelivery, BulletinRecipient, Organisation, TrainingSession
from webapp.services import donor_report
from webapp.services.donor_report import TARGETS, Filters, share

UPCOMING = 10  # the sessions to come an issue lists
IMAGES = "img"
CHART_FONT = "DejaVu Sans, Noto Sans, Arial, sans-serif"
CHART_WIDTH = 480  # px: 4/3 of the chart's own 360, so its text is about the page's size
_NUMBER = re.compile(r"^number:\s*(\d+)\s*$", re.MULTILINE)


class IssueExists(Exception):
    """Issue N is already in ``bulletins/``: a new one would overwrite the editor's text."""


@dataclass(frozen=True)
class Trained:
    audience: str  # its title
    certified: int
    target: int | None


@dataclass(frozen=True)
class Upcoming:
    starts_at: datetime  # Europe/Sofia
    place: str
    topic: str


@dataclass(frozen=True)
class Figures:
    on: date
    sessions: list[tuple[str, int]]  # municipality, sessions held (not cancelled)
    trained: list[Trained]
    certificates: int
    upcoming: list[Upcoming]


def figures(db: Session, course: CompiledCourse, build_dir: Path, on: date) -> Figures:
    """The programme's figures as at the end of ``on`` (Europe/Sofia)."""
    filters = Filters(end=on)
    _low, high = filters.bounds()
    assert high is not None
    report = donor_report.build(db, course, build_dir, filters)
    wanted = {t.subject: t.wanted for t in TARGETS.values() if t.measure == "people"}
    trained = [Trained(row.label or "Без целева група", row.funnel.certified,
                       wanted.get(row.key))
               for row in report.by_audience if row.key or row.funnel.certified]
    certificates = next(i.achieved for i in report.indicators if i.key == "certificates")
    held = db.exec(select(TrainingSession.municipality, func.count()).where(
        col(TrainingSession.starts_at) < high, col(TrainingSession.cancelled_at).is_(None))
        .group_by(TrainingSession.municipality).order_by(TrainingSession.municipality)).all()
    coming = db.exec(select(TrainingSession).where(
        col(TrainingSession.starts_at) >= high, col(TrainingSession.cancelled_at).is_(None))
        .order_by(col(TrainingSession.starts_at), col(TrainingSession.id)).limit(UPCOMING)).all()
    upcoming = [Upcoming(_local(s.starts_at), ", ".join(p for p in (s.municipality, s.venue) if p),
                         _topic(course, s)) for s in coming]
    return Figures(on, [(m, int(n)) for m, n in held], trained, certificates, upcoming)


def _local(moment: datetime) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(SOFIA)


def _topic(course: CompiledCourse, session: TrainingSession) -> str:
    topic = course.topic(session.topic_id)
    return f"{topic.title}: {session.title}" if topic and topic.title != session.title \
        else session.title


def chart_svg(number: int, found: Figures) -> str:
    """The chart of people trained per audience against the targets, as an SVG file."""
    rows = [Row(t.audience, (float(t.certified),),
                f"{t.certified} от {t.target}" if t.target else str(t.certified),
                marker=float(t.target) if t.target else None) for t in found.trained]
    scale = max([float(t.target or 0) for t in found.trained]
                + [float(t.certified) for t in found.trained] + [1.0])
    svg = str(bar_chart(f"bulletin-{number:02d}-trained", "Обучени по целеви групи",
                        rows, scale, description=f"Участници със сертификат към "
                        f"{_day(found.on)} спрямо целите на програмата",
                        legend=("Със сертификат",), marker_name="Цел"))
    # A file shown as <img> inherits no font from the page: name a sans-serif one.
    svg = svg.replace('font-family="inherit"', f'font-family="{CHART_FONT}"', 1)
    # As an image it would fill a desktop's column (its text twice the page's): a fixed
    # width, which pages scale down to a phone's (img {max-width: 100%}).
    svg = svg.replace('width="100%"', f'width="{CHART_WIDTH}"', 1)
    return svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1) + "\n"


def scaffold(number: int, found: Figures) -> str:
    """Issue ``number``'s Markdown: front matter, the figures and placeholders to write in."""
    lines = ["---", f"number: {number}", f"date: {found.on.isoformat()}",
             f"title: Напишете тук заглавието на брой {number}", "published: false", "---", "",
             "Напишете тук встъплението към броя.", "",
             f"## Програмата в числа към {_day(found.on)}", "",
             "Напишете тук какво показват числата.", "",
             "### Проведени занятия по общини", ""]
    lines += _table(("Община", "Проведени занятия"),
                    [(m, str(n)) for m, n in found.sessions], "Още няма проведени занятия.")
    lines += ["", "### Обучени участници по целеви групи", ""]
    lines += _table(("Целева група", "Със сертификат", "Цел"),
                    [(t.audience, str(t.certified), str(t.target or "—"))
                     for t in found.trained], "Още няма обучени участници.")
    lines += ["", f"![Обучени участници по целеви групи към {_day(found.on)} спрямо целите]"
                  f"({IMAGES}/{chart_name(number)})", "",
              f"Издадени сертификати: {found.certificates}.", "",
              "## Предстоящи занятия", ""]
    lines += _table(("Дата", "Място", "Тема"),
                    [(u.starts_at.strftime("%d.%m.%Y %H:%M"), u.place, u.topic)
                     for u in found.upcoming], "Няма насрочени занятия.")
    lines += ["", "## Новини", "", "Напишете тук новините от програмата.", ""]
    return "\n".join(lines)


def chart_name(number: int) -> str:
    return f"{number:02d}-obucheni.svg"


def issue_path(root: Path, number: int) -> Path | None:
    """The file of issue ``number`` in ``bulletins/``, if there is one (by its front matter
    or by its file name)."""
    folder = root / FOLDER
    for file in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        found = _NUMBER.search(file.read_text(encoding="utf-8"))
        if file.name.startswith(f"{number:02d}-") or (found and int(found.group(1)) == number):
            return file
    return None


def write_issue(root: Path, number: int, found: Figures) -> Path:
    """Write issue ``number``'s scaffold and chart; refuse to overwrite an existing issue."""
    if not 1 <= number <= ISSUES:
        raise ValueError(f"номерът на броя е от 1 до {ISSUES}")
    existing = issue_path(root, number)
    if existing is not None:
        raise IssueExists(f"брой {number} вече съществува: {existing.relative_to(root)}")
    target = root / FOLDER / f"{number:02d}-broi.md"
    (root / FOLDER / IMAGES).mkdir(parents=True, exist_ok=True)
    (root / FOLDER / IMAGES / chart_name(number)).write_text(chart_svg(number, found), "utf-8")
    target.write_text(scaffold(number, found), "utf-8")
    return target


def _table(head: tuple[str, ...], rows: list[tuple[str, ...]], empty: str) -> list[str]:
    if not rows:
        return [empty]
    cells = [head, tuple("---" for _ in head), *rows]
    return ["| " + " | ".join(c.replace("|", "/") for c in row) + " |" for row in cells]


def _day(value: date) -> str:
    return value.strftime("%d.%m.%Y")


# Who got which issue ------------------------------------------------------------------------

@dataclass(frozen=True)
class IssueCount:
    issue: int
    recipients: int
    copies: int

    @property
    def percent(self) -> int:
        """Recipients as a share of the distribution list's target (180)."""
        return share(self.recipients, TARGETS["handbook"].wanted)


def issue_choices(root: Path) -> list[tuple[int, str]]:
    """Issues 1 to ``ISSUES``, each with its title when it is written."""
    written, _ = load_bulletins(root)
    titles = {b.number: b.title for b in written}
    return [(n, f"{n} — {titles[n]}" if n in titles else str(n)) for n in range(1, ISSUES + 1)]


def sent_issues(db: Session) -> dict[int, list[int]]:
    """Each recipient's issues received, in order."""
    found: dict[int, list[int]] = {}
    for recipient_id, issue in db.exec(select(BulletinDelivery.recipient_id,
                                              BulletinDelivery.issue).order_by(
            col(BulletinDelivery.issue))):
        found.setdefault(recipient_id, []).append(issue)
    return found


def mark_sent(db: Session, issue: int, recipient_ids: Iterable[int], sent_on: date) -> int:
    """Record ``issue`` as sent on ``sent_on`` to these recipients (again: the new day);
    return how many."""
    done = 0
    for recipient in db.exec(select(BulletinRecipient).where(
            col(BulletinRecipient.id).in_(set(recipient_ids)))):
        assert recipient.id is not None
        row = db.get(BulletinDelivery, (recipient.id, issue)) or BulletinDelivery(
            recipient_id=recipient.id, issue=issue, sent_on=sent_on)
        row.sent_on, row.copies = sent_on, recipient.copies
        db.add(row)
        done += 1
    db.commit()
    return done


def unmark_sent(db: Session, issue: int, recipient_ids: Iterable[int]) -> int:
    """Forget that ``issue`` went to these recipients; return how many marks were removed."""
    rows = db.exec(select(BulletinDelivery).where(
        BulletinDelivery.issue == issue,
        col(BulletinDelivery.recipient_id).in_(set(recipient_ids)))).all()
    for row in rows:
        db.delete(row)
    db.commit()
    return len(rows)


def per_issue(db: Session, filters: Filters) -> list[IssueCount]:
    """Recipients and copies of each issue sent in the period (of one organisation kind)."""
    query = select(BulletinDelivery.issue, func.count(), func.sum(BulletinDelivery.copies))
    if filters.start:
        query = query.where(BulletinDelivery.sent_on >= filters.start)
    if filters.end:
        query = query.where(BulletinDelivery.sent_on <= filters.end)
    if filters.kind:
        query = query.join(BulletinRecipient,
                           col(BulletinRecipient.id) == BulletinDelivery.recipient_id).join(
            Organisation, col(Organisation.id) == BulletinRecipient.organisation_id).where(
            Organisation.kind == filters.kind)
    issue = col(BulletinDelivery.issue)
    rows = db.exec(query.group_by(issue).order_by(issue))
    return [IssueCount(number, int(n), int(copies or 0)) for number, n, copies in rows]
