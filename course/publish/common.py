"""What every publication shares: links inside one document, ids, footnotes, Jinja."""

from __future__ import annotations

import base64
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from course.inline import inline_text, render_inline
from course.model import Course, Document, term_key
from course.render import resolve_placeholders
from course.wording import long_date

TEMPLATES = Path(__file__).parent / "templates"
_ID = re.compile(r'\bid="([^"]+)"')
_LOCAL_HREF = re.compile(r'href="#([^"]+)"')
_HEADING = re.compile(r"<(/?)h([2-5])\b")
_FOOTNOTES = re.compile(r'<hr class="footnotes-sep">\s*<section class="footnotes">.*?</section>\s*',
                        re.S)
_FOOTNOTE_ITEM = re.compile(r'<li id="(fn\d+)" class="footnote-item">(.*?)</li>', re.S)
_FOOTNOTE_REF = re.compile(r'<sup class="footnote-ref"><a href="#(fn\d+)" id="fnref[\d:]+">'
                           r"\[\d+\]</a></sup>")
_BACKREF = re.compile(r'\s*<a href="#fnref[\d:]+" class="footnote-backref">[^<]*</a>')


@dataclass(frozen=True)
class Linker:
    """Where a publication's links point, as functions of their target."""

    module: Callable[[str, str], str]  # (document id, anchor) → URL
    glossary: Callable[[str], str]  # term key → URL
    image: Callable[[str], str]  # image path relative to the course root → URL


@cache
def environment() -> jinja2.Environment:
    """The Jinja environment of the publication templates (autoescaped)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["long_date"] = long_date
    env.filters["inline"] = inline_html
    env.filters["inline_text"] = inline_text
    return env


def inline_html(text: str) -> Markup:
    """A question's text or feedback with its inline Markdown, as safe markup for a template."""
    return Markup(render_inline(text))


def glossary_keys(course: Course) -> dict[str, str]:
    """Map every term and alias key to the key of its entry."""
    keys: dict[str, str] = {}
    for entry in course.glossary:
        keys[entry.key] = entry.key
        for alias in entry.aliases:
            keys.setdefault(term_key(alias), entry.key)
    return keys


def document_html(doc: Document, course: Course, linker: Linker, *, prefix: str = "",
                  shift: int = 0, print_footnotes: bool = False) -> str:
    """The body of ``doc`` with its links resolved for one publication.

    ``prefix`` makes every id unique when many documents share one HTML file;
    ``shift`` lowers heading levels (a module's ``##`` under a chapter and a section);
    ``print_footnotes`` turns the footnote list into footnotes placed on the page.
    """
    html = doc.rendered.html
    if print_footnotes:
        html = inline_footnotes(html)
    if prefix:
        html = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', html)
        html = _LOCAL_HREF.sub(lambda m: f'href="#{prefix}{m.group(1)}"', html)
    if shift:
        html = _HEADING.sub(lambda m: f"<{m.group(1)}h{int(m.group(2)) + shift}", html)
    return resolve_placeholders(html, link_targets(doc, course, linker))


def link_targets(doc: Document, course: Course, linker: Linker) -> list[str]:
    """The URL of each placeholder link of ``doc`` under ``linker``."""
    by_path = {d.path: d for d in course.modules + course.pages}
    keys = glossary_keys(course)
    urls = []
    for link in doc.rendered.links:
        if link.kind == "anchor":
            urls.append(linker.module(doc.id, link.anchor))
        elif link.kind == "glossary":
            key = term_key(link.target)
            urls.append(linker.glossary(keys.get(key, key)))
        elif link.kind == "image":
            urls.append(linker.image(link.target))
        else:
            target = by_path.get(link.target)
            urls.append(linker.module(target.id, link.anchor) if target else "#")
    return urls


def inline_footnotes(html: str) -> str:
    """Move each footnote's text to where it is called (CSS ``float: footnote``)."""
    notes = {}
    for match in _FOOTNOTE_ITEM.finditer(html):
        body = _BACKREF.sub("", match.group(2)).strip()
        body = re.sub(r"</p>\s*<p>", " ", body)
        notes[match.group(1)] = re.sub(r"^<p>|</p>$", "", body.strip())
    html = _FOOTNOTES.sub("", html)
    return _FOOTNOTE_REF.sub(lambda m: f'<span class="footnote">{notes.get(m.group(1), "")}'
                             "</span>", html)


def data_uri(path: Path) -> str:
    """The file as a ``data:`` URI, so one HTML file carries its images."""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def short_title(title: str) -> str:
    """The first sentence of a long title, for running headers."""
    first = title.split(". ")[0].strip()
    return first if len(first) < len(title) else title
