"""The Information Bulletin's sources: issues written as Markdown in ``bulletins/``.

Each issue is ``bulletins/NN-<slug>.md`` with front matter ``number`` (1 to
``ISSUES``), ``date`` (YYYY-MM-DD), ``title`` and ``published`` (true/false, default
false), and a body rendered by the course's one Markdown renderer. Its images live
under ``bulletins/`` (``bulletins/img/``); its links to modules, pages, anchors and
glossary terms are checked as a module's are (``check_bulletins``, run by ``dobro
check``). Problems come back located at file, line and column, like ``dobro check``'s.
The layout (HTML and PDF) is ``course.publish.bulletin``'s; this module loads no
template engine, so ``dobro check`` starts as fast as before.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from course.errors import Problem
from course.model import Course, Link, Rendered
from course.render import render_markdown, resolve_placeholders
from course.sources import IMAGE_SUFFIXES
from course.urls import UrlScheme
from course.yamlsrc import parse_yaml

FOLDER = "bulletins"
ISSUES = 5  # the programme publishes five issues
_ID = re.compile(r"^id:\s*([\w-]+)\s*$", re.MULTILINE)
_NAME = re.compile(r"^(\d{2})-[a-z0-9][a-z0-9-]*\.md$")


@dataclass(frozen=True)
class Bulletin:
    number: int
    date: dt.date
    title: str
    published: bool
    path: str  # relative to the course root
    html: str  # the body, rendered; its images' addresses are relative to ``bulletins/``
    folder: str = ""  # the absolute path of ``bulletins/`` (WeasyPrint's base for images)

    @property
    def slug(self) -> str:
        return f"bulletin-{self.number:02d}"


def load_bulletins(root: Path) -> tuple[list[Bulletin], list[Problem]]:
    """Read every issue in ``bulletins/``, sorted by number; return them and every problem."""
    bulletins, problems, _ = _load_all(root)
    return bulletins, problems


def check_bulletins(root: Path, course: Course) -> list[Problem]:
    """Every problem of ``bulletins/``: front matter, file names, links and images."""
    from course.validate import Checker

    _, problems, rendered = _load_all(root)
    checker = Checker(course)
    images = bulletin_images(root)
    for rel, body in rendered.items():
        checker.check_rendered_links(rel, body, images)
        problems += [Problem(rel, link.line, link.col, "error",
                             f"изображенията на бюлетина са в {FOLDER}/ (напр. {FOLDER}/img/): "
                             f"„{link.target}“ не е там", "bulletin-image-folder")
                     for link in body.links
                     if link.kind == "image" and not link.target.startswith(FOLDER + "/")]
    return sorted(problems + checker.problems)


def bulletin_images(root: Path) -> set[str]:
    """The image files under ``bulletins/``, as paths relative to the course root."""
    folder = root / FOLDER
    if not folder.is_dir():
        return set()
    return {p.relative_to(root).as_posix() for p in folder.rglob("*")
            if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()}


def _load_all(root: Path) -> tuple[list[Bulletin], list[Problem], dict[str, Rendered]]:
    folder = root / FOLDER
    bulletins: list[Bulletin] = []
    problems: list[Problem] = []
    rendered: dict[str, Rendered] = {}
    if not folder.is_dir():
        return bulletins, problems, rendered
    seen: dict[int, str] = {}
    for file in sorted(folder.glob("*.md")):
        rel = f"{FOLDER}/{file.name}"
        issue, found, body = _load_one(root, file, rel)
        problems += found
        if body is not None:
            rendered[rel] = body
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
    return sorted(bulletins, key=lambda b: b.number), sorted(problems), rendered


def _load_one(root: Path, file: Path, rel: str
              ) -> tuple[Bulletin | None, list[Problem], Rendered | None]:
    text = file.read_text(encoding="utf-8")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in [x.strip() for x in lines[1:]]:
        return None, [Problem(rel, 1, 1, "error", "липсва заглавна част между редове „---“",
                              "bulletin-front-matter")], None
    end = 1 + [x.strip() for x in lines[1:]].index("---")
    # The course's YAML reader: located Bulgarian messages, no anchors or aliases.
    front, found = parse_yaml("\n".join(lines[1:end]), rel, line_offset=1)
    if any(p.is_error for p in found):
        return None, found, None
    front = front or {}
    if not isinstance(front, dict):
        return None, [Problem(rel, 2, 1, "error", "заглавната част трябва да е речник",
                              "bulletin-front-matter")], None

    def at(key: str) -> int:
        return next((i + 1 for i in range(1, end) if lines[i].startswith(f"{key}:")), 1)

    problems = []

    def fail(key: str, message: str) -> None:
        problems.append(Problem(rel, at(key), 1, "error", message, "bulletin-" + key))

    number = front.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= ISSUES:
        fail("number", f"„number“ трябва да е цяло число от 1 до {ISSUES} "
                       f"(програмата издава {ISSUES} броя)")
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
    if any(p.is_error for p in problems):
        return None, problems, rendered
    html = resolve_placeholders(rendered.html, [_url(root, link) for link in rendered.links])
    assert isinstance(number, int) and isinstance(date, dt.date) and isinstance(title, str)
    return (Bulletin(number, date, title.strip(), bool(published), rel, html,
                     str(root / FOLDER)), problems, rendered)


def _url(root: Path, link: Link) -> str:
    """Where a link of an issue points: images relative to ``bulletins/``, the rest to the
    course's web pages."""
    scheme = UrlScheme()
    anchor = f"#{link.anchor}" if link.anchor else ""
    if link.kind == "image":
        return link.target.removeprefix(FOLDER + "/")
    if link.kind == "anchor":
        return anchor or "#"
    if link.kind == "glossary":
        return scheme.glossary.format(term=link.target)
    if link.kind == "module":
        file = root / link.target
        found = _ID.search(file.read_text(encoding="utf-8")) if file.is_file() else None
        if found:
            page = link.target.startswith("modules/pages/")
            return (scheme.page if page else scheme.module).format(id=found.group(1)) + anchor
    return "#"
