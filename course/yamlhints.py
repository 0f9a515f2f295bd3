"""Bulgarian messages for YAML syntax errors, each with the fix that suits its cause.

PyYAML names the symptom where the parser gave up, not the author's mistake:
"mapping values are not allowed" is raised for a colon inside a text, for a key
indented deeper than its siblings and for a previous line without its colon.
Each needs a different fix, so the cause is told apart by looking at the lines
around the mark, and the message points at the line the author has to change.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

# A key as course files write it; a "key" with spaces is more likely a sentence.
_KEY = re.compile(r"^\s*(?:-\s+)?([A-Za-z_][\w-]*)\s*$")
_KEY_WITHOUT_COLON = re.compile(r"^[A-Za-z_][\w-]*\s+\S")  # "id q1", "after_submit [score]"
_KEY_THEN_VALUE = re.compile(r"^\s*(?:-\s+)?[^\s:#'\"][^:#]*?:\s")
# YAML's line breaks (str.splitlines also splits at \v, \f and others, which would shift marks).
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_QUOTE_START = re.compile(r"^\s*(?:-\s+)?(?:[^\s:#'\"][^:#]*?:\s+)?(['\"])")


@dataclass(frozen=True)
class Hint:
    """Where (0-based line and column in the parsed text) and what to tell the author."""

    line: int
    col: int
    message: str
    code: str


def explain(exc: yaml.MarkedYAMLError, text: str) -> Hint:
    """Turn a PyYAML error into a located Bulgarian message naming its cause and fix."""
    lines = _BREAK.split(text)
    mark = exc.problem_mark or exc.context_mark
    line = min(mark.line, len(lines) - 1) if mark else 0
    col = mark.column if mark else 0
    tab = _tab_in_indent(lines, line)
    if tab is not None:
        return Hint(tab, lines[tab].index("\t"), "табулация в отстъпа: YAML не позволява "
                    "табулации за отстъп — заменете я с интервали (по 2 на ниво)", "yaml-tab")
    problem = exc.problem or ""
    context_line = min(exc.context_mark.line, len(lines) - 1) if exc.context_mark else line
    for starts, explainer in _EXPLAINERS:
        if problem.startswith(starts):
            hint = explainer(lines, line, col, context_line, exc)
            if hint is not None:
                return hint
    return Hint(line, col, "невалиден YAML на този ред — проверете отстъпа (интервали, еднакви "
                "за ключовете от едно ниво), двоеточието след всеки ключ и затворените кавички",
                "yaml")


def _tab_in_indent(lines: list[str], upto: int) -> int | None:
    """The first line up to ``upto`` whose indentation holds a tab."""
    for index in range(min(upto, len(lines) - 1) + 1):
        text = lines[index]
        indent = text[:len(text) - len(text.lstrip(" \t-"))]
        # A tab on a blank line is often allowed; it is the fault only where the parser stopped.
        if "\t" in indent and (text.strip() or index == upto):
            return index
    return None


def _previous(lines: list[str], line: int) -> int | None:
    """The nearest line above ``line`` that is neither blank nor a comment."""
    for index in range(line - 1, -1, -1):
        stripped = lines[index].strip()
        if stripped and not stripped.startswith("#"):
            return index
    return None


def _content_col(text: str) -> int:
    """The column where a line's content starts, after its indentation and any "- "."""
    item = re.match(r"^\s*(?:-\s+)*", text)
    return item.end() if item else 0


def _char(lines: list[str], line: int, col: int) -> str:
    """The character at a mark, or "" when the mark lies outside the text."""
    return lines[line][col:col + 1] if 0 <= line < len(lines) else ""


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _colon_not_allowed(lines: list[str], line: int, col: int, _ctx: int,
                       _exc: yaml.MarkedYAMLError) -> Hint | None:
    before = lines[line][:col]
    key = _KEY.match(before)
    if _KEY_THEN_VALUE.match(before) or key is None:
        return Hint(line, col, "двоеточие и интервал („: “) в текст без кавички — YAML ги чете "
                    "като нов ключ; оградете целия текст в кавички: ключ: \"текст: още текст\"",
                    "yaml-colon-in-text")
    prev = _previous(lines, line)
    # The line above lacks its colon only if this key lines up with it as a sibling would;
    # a key under a plain list item ("- текст") is just indented wrongly.
    if prev is not None and ":" not in lines[prev] \
            and _content_col(lines[prev]) == _indent(lines[line]) \
            and _KEY_WITHOUT_COLON.match(lines[prev][_content_col(lines[prev]):]):
        return _no_colon(lines, prev)
    name = key.group(1)
    return Hint(line, _indent(lines[line]), f"ключът „{name}“ е с по-голям отстъп от ключовете "
                "над него — подравнете го с тях (ключовете от едно ниво започват в една и съща "
                "колона)", "yaml-indent")


def _missing_colon(lines: list[str], line: int, col: int, ctx: int,
                   _exc: yaml.MarkedYAMLError) -> Hint | None:
    return _no_colon(lines, ctx)


def _no_colon(lines: list[str], line: int) -> Hint:
    return Hint(line, _indent(lines[line]), f"на този ред липсва двоеточие: „{lines[line].strip()}“"
                " — пишете „ключ: стойност“ (двоеточие и интервал след ключа)", "yaml-colon")


def _unexpected(lines: list[str], line: int, col: int, ctx: int,
                _exc: yaml.MarkedYAMLError) -> Hint | None:
    here = lines[line][col:col + 1]
    before = lines[line][:col].rstrip()
    if here == "-":
        return Hint(line, col, "елемент на списък на грешно ниво — тиретата на един списък "
                    "трябва да са точно едно под друго, а елементът на вложен списък — с "
                    "по-голям отстъп от ключа, към който принадлежи", "yaml-list")
    if before.endswith(("'", '"')) and _QUOTE_START.match(lines[line]):
        return Hint(line, col, "текст след затварящите кавички — целият текст трябва да е "
                    "вътре в кавичките; апостроф в текст с единични кавички се пише два пъти "
                    "('') или текстът се огражда с двойни кавички", "yaml-after-quote")
    if here in "]}":
        return Hint(line, col, f"излишна затваряща скоба „{here}“", "yaml-bracket")
    if lines[line][:col].strip() == "":
        key = _KEY.match(lines[line].split(":", 1)[0])
        what = f"ключът „{key.group(1)}“ е" if key and ":" in lines[line] else "този ред е"
        return Hint(line, col, f"{what} с отстъп, който не съвпада с никое ниво над него — "
                    "подравнете го с ключовете от неговото ниво (те започват в една и съща "
                    "колона)", "yaml-indent")
    return None


def _unclosed_quote(lines: list[str], line: int, col: int, ctx: int,
                    exc: yaml.MarkedYAMLError) -> Hint | None:
    if exc.context and "quoted scalar" in exc.context and exc.context_mark:
        mark = exc.context_mark
        quote = _char(lines, mark.line, mark.column) or "\""
        return Hint(mark.line, mark.column, f"кавичките „{quote}“, отворени тук, не са "
                    f"затворени — добавете {quote} в края на текста", "yaml-quote")
    return None


def _unclosed_bracket(lines: list[str], line: int, col: int, ctx: int,
                      exc: yaml.MarkedYAMLError) -> Hint | None:
    mark = exc.context_mark or exc.problem_mark
    assert mark is not None
    opening = _char(lines, mark.line, mark.column) or "["
    closing = {"[": "]", "{": "}"}.get(opening, "]")
    return Hint(mark.line, mark.column, f"скобата „{opening}“, отворена тук, не е затворена "
                f"с „{closing}“ (или между елементите липсва запетая)", "yaml-bracket")


def _cannot_start(lines: list[str], line: int, col: int, ctx: int,
                  _exc: yaml.MarkedYAMLError) -> Hint | None:
    char = lines[line][col:col + 1]
    return Hint(line, col, f"стойност не може да започва със знака „{char}“ — оградете целия "
                "текст в кавички", "yaml-special-char")


def _tag(lines: list[str], line: int, col: int, ctx: int,
         _exc: yaml.MarkedYAMLError) -> Hint | None:
    return Hint(line, col, "стойност не може да започва с „!“ — оградете целия текст в кавички",
                "yaml-special-char")


def _alias(lines: list[str], line: int, col: int, ctx: int,
           exc: yaml.MarkedYAMLError) -> Hint | None:
    mark = exc.context_mark or exc.problem_mark
    assert mark is not None
    return Hint(mark.line, mark.column, "текст, който започва със звездичка (*) или „&“, "
                "трябва да е в кавички: ключ: \"*важно*\"", "yaml-special-char")


def _escape(lines: list[str], line: int, col: int, ctx: int,
            _exc: yaml.MarkedYAMLError) -> Hint | None:
    return Hint(line, col, "непозната последователност с „\\“ в текст с двойни кавички — "
                "оградете текста с единични кавички или пишете „\\\\“", "yaml-escape")


def _block_scalar(lines: list[str], line: int, col: int, ctx: int,
                  _exc: yaml.MarkedYAMLError) -> Hint | None:
    return Hint(line, col, "след „|“ или „>“ текстът започва на следващия ред с отстъп; ако "
                "стойността започва с този знак, оградете я в кавички", "yaml-special-char")


def _second_document(lines: list[str], line: int, col: int, ctx: int,
                     _exc: yaml.MarkedYAMLError) -> Hint | None:
    return Hint(line, col, "ред „---“ в средата на файла започва втори документ, а файлът "
                "трябва да е един; изтрийте реда „---“", "yaml-document")


_Explainer = Callable[[list[str], int, int, int, yaml.MarkedYAMLError], Hint | None]
# PyYAML's problem text (C and pure-Python loaders alike) → who tells the cause apart.
_EXPLAINERS: tuple[tuple[str, _Explainer], ...] = (
    ("mapping values are not allowed", _colon_not_allowed),
    ("could not find expected ':'", _missing_colon),
    ("did not find expected key", _unexpected),
    ("did not find expected '-' indicator", _unexpected),
    ("found unexpected end of stream", _unclosed_quote),
    ("did not find expected ',' or ']'", _unclosed_bracket),
    ("did not find expected ',' or '}'", _unclosed_bracket),
    ("found character", _cannot_start),
    ("could not determine a constructor", _tag),
    ("did not find expected alphabetic or numeric character", _alias),
    ("found undefined alias", _alias),
    ("found unknown escape character", _escape),
    ("did not find expected comment or line break", _block_scalar),
    ("but found another document", _second_document),
)
