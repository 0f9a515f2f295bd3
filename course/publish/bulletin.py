"""The Information Bulletin: issues written as Markdown in ``bulletins/``.

Each issue is ``bulletins/NN-<slug>.md`` with front matter ``number``, ``date``
(YYYY-MM-DD), ``title`` and ``published`` (true/false, default false), and a body
rendered by the course's one Markdown renderer. Problems come back located at
file and line, like ``dobro check``'s.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course.errors import Problem
from course.publish.common import TEMPLATES, environment
from course.render import render_markdown, resolve_placeholders
from course.yamlsrc import parse_yaml

FOLDER = "bulletins"
_NAME = re.compile(r"^(\d{2})-[a-z0-9][a-z0-9-]*\.md$")


@dataclass(frozen=True)
class Bulletin:
    number: int
    date: dt.date
    title: str
    published: bool
    path: str  # relative to the course root
    html: str  # the body, rendered

    @property
    def slug(self) -> str:
        return f"bulletin-{self.number:02d}"


def load_bulletins(root: Path) -> tuple[list[Bulletin], list[Problem]]:
    """Read every issue in ``bulletins/``, sorted by number; return them and every problem."""
    folder = root / FOLDER
    bulletins: list[Bulletin] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return bulletins, problems
    seen: dict[int, str] = {}
    for file in sorted(folder.glob("*.md")):
        rel = f"{FOLDER}/{file.name}"
        issue, found = _load_one(file, rel)
        problems += found
        if issue is None:
            continue
        if issue.number in seen:
            problems.append(Problem(rel, 1, 1, "error", f"брой {issue.number} вече е в "
                                    f"{seen[issue.number]}", "bulletin-duplicate"))
            continue
        seen[issue.number] = rel
        match = _NAME.match(file.name)
        if not match or int(match.group(1)) != issue.number:
            problems.append(Problem(rel, 1, 1, "warning", f"името на файла трябва да е "
                                    f"{issue.number:02d}-<описание>.md", "bulletin-file-name"))
        bulletins.append(issue)
    return sorted(bulletins, key=lambda b: b.number), sorted(problems)


def _load_one(file: Path, rel: str) -> tuple[Bulletin | None, list[Problem]]:
    text = file.read_text(encoding="utf-8")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in [x.strip() for x in lines[1:]]:
        return None, [Problem(rel, 1, 1, "error", "липсва заглавна част между редове „---“",
                              "bulletin-front-matter")]
    end = 1 + [x.strip() for x in lines[1:]].index("---")
    # The course's YAML reader: located Bulgarian messages, no anchors or aliases.
    front, found = parse_yaml("\n".join(lines[1:end]), rel, line_offset=1)
    if any(p.is_error for p in found):
        return None, found
    front = front or {}
    if not isinstance(front, dict):
        return None, [Problem(rel, 2, 1, "error", "заглавната част трябва да е речник",
                              "bulletin-front-matter")]

    def at(key: str) -> int:
        return next((i + 1 for i in range(1, end) if lines[i].startswith(f"{key}:")), 1)

    problems = []

    def fail(key: str, message: str) -> None:
        problems.append(Problem(rel, at(key), 1, "error", message, "bulletin-" + key))

    number = front.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        fail("number", "„number“ трябва да е цяло число от 1 нагоре")
    date = front.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            date = None
    if not isinstance(date, dt.date):
        fail("date", "„date“ трябва да е дата във вида ГГГГ-ММ-ДД")
    title = front.get("title")
    if not isinstance(title, str) or not title.strip():
        fail("title", "„title“ (заглавие на броя) липсва")
    published = front.get("published", False)
    if not isinstance(published, bool):
        fail("published", "„published“ трябва да е true или false")
    rendered = render_markdown("\n".join(lines[end + 1:]), FOLDER, line_offset=end + 1)
    problems += [Problem(rel, line, col, sev, msg, code)  # type: ignore[arg-type]
                 for line, col, sev, msg, code in rendered.problems]
    for link in rendered.links:
        problems.append(Problem(rel, link.line, link.col, "warning",
                                "бюлетинът е отделен документ: използвайте пълни адреси "
                                "(https://…)", "bulletin-internal-link"))
    if any(p.is_error for p in problems):
        return None, problems
    html = resolve_placeholders(rendered.html, ["#"] * len(rendered.links))
    assert isinstance(number, int) and isinstance(date, dt.date) and isinstance(title, str)
    return Bulletin(number, date, title.strip(), bool(published), rel, html), problems


def bulletin_html(issue: Bulletin, **extra: Any) -> str:
    """One issue as a complete HTML page (also what WeasyPrint lays out)."""
    css = (TEMPLATES / "bulletin.css").read_text(encoding="utf-8")
    return environment().get_template("bulletin.html.j2").render(issue=issue, css=css,
                                                                  **extra)


def bulletin_pdf(issue: Bulletin) -> bytes:
    """One issue as an A4 PDF."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    pdf: bytes = HTML(string=bulletin_html(issue)).write_pdf()
    return pdf
