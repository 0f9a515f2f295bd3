"""What every importer shares: ids from foreign names, Markdown from foreign text, results.

An importer (GIFT, Moodle XML) turns a file into Dobro ``Question`` objects and a
list of ``Problem`` (``FILE:line:col: error|warning: message``, as ``dobro check``
prints them); ``ImportResult`` carries both, and ``as_quiz`` makes the quiz to write.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

from course.errors import Problem, Severity
from course.model import Question, Quiz, QuizKind
from course.quizload import default_review

MAX_ID = 48  # characters of a question id made from a name
MAX_BYTES = 4 * 1024 * 1024  # a question bank larger than this is refused, not parsed

# Bulgarian Cyrillic to Latin: the official transliteration (Закон за транслитерацията).
_TRANSLIT = dict(zip(
    "абвгдежзийклмнопрстуфхцчшщъьюяѝ",
    ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "h", "ts", "ch", "sh", "sht", "a", "y", "yu", "ya", "i"], strict=True))


@dataclass
class ImportResult:
    """The questions an importer made, and every problem it met on the way."""

    questions: list[Question] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)  # as met, for the report
    images: dict[str, bytes] = field(default_factory=dict)  # course path → bytes, to write

    def report(self, path: str, line: int, col: int, severity: Severity, message: str,
               code: str) -> None:
        """Record one problem at ``path:line:col``."""
        self.problems.append(Problem(path, line, col, severity, message, code))

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    def by_type(self) -> Counter[str]:
        """How many questions of each Dobro type were imported."""
        return Counter(q.type for q in self.questions)


def as_quiz(questions: list[Question], quiz_id: str, title: str, kind: QuizKind,
            topic: str) -> Quiz:
    """Make the quiz an import writes: a pool, or a self-check with the default settings."""
    path = f"quizzes/{topic}/{quiz_id}.yaml"
    return Quiz(id=quiz_id, title=title, kind=kind, path=path, topic=topic, version="",
                questions=tuple(questions), review=default_review(kind))


def make_id(name: str, taken: set[str], fallback: str) -> str:
    """A valid question id (``[a-z0-9-]``) made from ``name``, not yet in ``taken``.

    Cyrillic is transliterated; an empty result gives ``fallback``. The id is added
    to ``taken``; a clash gets ``-2``, ``-3`` … appended.
    """
    latin = "".join(_TRANSLIT.get(ch, ch) for ch in name.lower())
    base = re.sub(r"[^a-z0-9]+", "-", latin).strip("-")[:MAX_ID].strip("-") or fallback
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def plain_to_markdown(text: str) -> str:
    """Escape what inline Markdown would read as markup in a plain text."""
    return re.sub(r"([\\`*_\[\]~])", r"\\\1", text)


def html_to_markdown(text: str) -> str:
    """Turn the HTML of a question (``[html]``, Moodle XML) into inline Markdown.

    Bold, italic, code, strike-through and ``http(s)``/``mailto`` links keep their
    meaning; block elements become spaces (a Dobro question text is one line);
    anything else is dropped with its tags, keeping its text.
    """
    parser = _Converter()
    parser.feed(text)
    parser.close()
    return re.sub(r"[ \t\r\n]+", " ", "".join(parser.out)).strip()


_MARKS = {"b": "**", "strong": "**", "i": "*", "em": "*", "code": "`", "s": "~~",
          "del": "~~", "strike": "~~"}
_BREAKS = {"br", "p", "div", "li", "ul", "ol", "tr", "td", "th", "h1", "h2", "h3", "h4",
           "h5", "h6", "blockquote", "pre", "table"}


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.href: list[str | None] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in _MARKS:
            self.out.append(_MARKS[tag])
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            keep = href.startswith(("http://", "https://", "mailto:"))
            self.href.append(href if keep else None)
            if keep:
                self.out.append("[")
        elif tag == "img":
            self.out.append(dict(attrs).get("alt") or "")
        elif tag in _BREAKS:
            self.out.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in _MARKS:
            self.out.append(_MARKS[tag])
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href is not None:
                self.out.append(f"]({href})")
        elif tag in _BREAKS:
            self.out.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(plain_to_markdown(data))


def moodle_to_markdown(text: str) -> str:
    """Moodle's own text format: plain text in which HTML is allowed."""
    return html_to_markdown(text) if "<" in text else plain_to_markdown(html.unescape(text))
