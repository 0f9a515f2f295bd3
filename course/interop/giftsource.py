"""GIFT source text cut into questions, with escapes resolved and every character's position.

Moodle's reader (``question/format/gift/format.php``) works on the text of one
question at a time: lines up to a blank line, ``//`` comment lines taken out, the
escapes ``\\~ \\= \\# \\{ \\} \\:`` replaced by placeholders before any splitting and
turned back after. ``Span`` does the same on a slice of that text and remembers
where each character stood, so a problem can be reported at its line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from course.yamlsrc import Pos

ESCAPABLE = ":#={}~"
# Private-use code points stand for escaped characters while the text is split.
_PLACEHOLDER = {ch: chr(0xE000 + ord(ch)) for ch in ESCAPABLE}
_RESTORE = str.maketrans({v: k for k, v in _PLACEHOLDER.items()})


def unescape(text: str) -> str:
    """Turn placeholders back into the characters they stand for."""
    return text.translate(_RESTORE)


@dataclass
class Source:
    """The text of one question block and where each of its characters stood."""

    text: str
    where: list[Pos]
    comments: list[tuple[str, Pos]] = field(default_factory=list)
    end: Pos = (1, 1)

    def at(self, index: int) -> Pos:
        return self.where[index] if index < len(self.where) else self.end

    def span(self) -> Span:
        return Span(self, 0, len(self.text))


@dataclass(frozen=True)
class Span:
    """A slice ``[a, b)`` of a ``Source``, with the string operations the parser needs."""

    src: Source
    a: int
    b: int

    @property
    def text(self) -> str:
        return self.src.text[self.a:self.b]

    @property
    def plain(self) -> str:
        """The text with escapes turned back into their characters."""
        return unescape(self.text)

    @property
    def pos(self) -> Pos:
        return self.src.at(self.a)

    def __bool__(self) -> bool:
        return self.b > self.a

    def __len__(self) -> int:
        return self.b - self.a

    def cut(self, start: int, stop: int | None = None) -> Span:
        """The sub-span ``[start, stop)`` relative to this span."""
        stop = len(self) if stop is None else min(stop, len(self))
        return Span(self.src, self.a + start, self.a + max(start, stop))

    def strip(self) -> Span:
        text = self.text
        left = len(text) - len(text.lstrip())
        right = len(text.rstrip())
        return self.cut(left, max(left, right))

    def find(self, needle: str, start: int = 0) -> int:
        return self.text.find(needle, start)

    def split(self, seps: str) -> list[tuple[str, Span]]:
        """Split at each of the characters ``seps``; each piece comes with the separator
        before it (``""`` for the first piece)."""
        pieces: list[tuple[str, Span]] = []
        marker, start = "", 0
        for index, ch in enumerate(self.text):
            if ch in seps:
                pieces.append((marker, self.cut(start, index)))
                marker, start = ch, index + 1
        pieces.append((marker, self.cut(start)))
        return pieces

    def partition(self, sep: str) -> tuple[Span, Span | None]:
        """The text before the first ``sep`` and after it (None when there is none)."""
        index = self.find(sep)
        if index < 0:
            return self, None
        return self.cut(0, index), self.cut(index + len(sep))


def blocks(text: str) -> Iterator[Source]:
    """Cut a GIFT file into question blocks: lines up to a blank line.

    Comment lines (``//`` after optional spaces) are kept aside for ``[id:…]`` and
    ``[tag:…]``; a block of comments only holds no question and is not yielded.
    """
    current = Source("", [])
    chars: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if chars:
                yield _finish(current, chars)
            current, chars = Source("", []), []
            continue
        if line.lstrip().startswith("//"):
            col = len(line) - len(line.lstrip()) + 1
            current.comments.append((line.strip(), (number, col)))
            continue
        if chars:
            chars.append("\n")
            current.where.append(current.end)  # the break stands at the previous line's end
        _escape_line(line, number, chars, current.where)
        current.end = (number, len(line) + 1)
    if chars:
        yield _finish(current, chars)


def _finish(source: Source, chars: list[str]) -> Source:
    source.text = "".join(chars)
    return source


def _escape_line(line: str, number: int, chars: list[str], where: list[Pos]) -> None:
    index = 0
    while index < len(line):
        ch, nxt = line[index], line[index + 1:index + 2]
        where.append((number, index + 1))
        if ch == "\\" and nxt in _PLACEHOLDER:
            chars.append(_PLACEHOLDER[nxt])
            index += 2
        elif ch == "\\" and nxt == "n":
            chars.append("\n")
            index += 2
        elif ch == "\\" and nxt == "\\":
            chars.append("\\")
            index += 2
        else:
            chars.append(ch)
            index += 1
