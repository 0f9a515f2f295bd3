"""Typed reading of YAML mappings that collects problems instead of raising.

Each loader reads its mapping through ``Fields``: asking for a key both
returns a value of the right type (or a default) and records a located,
Bulgarian message for a missing key, a wrong type or a value out of range.
``done()`` then reports every key nobody asked for, with a suggestion.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, TypeVar

from course.errors import Problem, Severity
from course.model import Ref
from course.yamlsrc import Map, Pos, Seq

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_TEXT = 20_000  # characters; a longer value is almost surely a paste accident

T = TypeVar("T", bound=str)

_TYPE_NAMES = {
    str: "текст",
    int: "цяло число",
    float: "число",
    bool: "true или false",
    list: "списък",
    dict: "речник (ключ: стойност)",
}


def type_name(value: Any) -> str:
    """Name the YAML type of ``value`` in Bulgarian."""
    if value is None:
        return "празна стойност"
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, bool) and kind is not bool:
            continue
        if isinstance(value, kind):
            return name
    return type(value).__name__


class Fields:
    """Read the keys of one YAML mapping, recording every problem met."""

    def __init__(self, data: Map, path: str, problems: list[Problem], what: str) -> None:
        self.data = data
        self.path = path
        self.problems = problems
        self.what = what
        self.seen: set[str] = set()

    def report(
        self, pos: Pos, message: str, code: str, severity: Severity = "error"
    ) -> None:
        """Record a problem at ``pos`` in this file."""
        self.problems.append(Problem(self.path, pos[0], pos[1], severity, message, code))

    def _get(self, key: str, required: bool) -> Any:
        self.seen.add(key)
        if key not in self.data or self.data[key] is None:
            if required:
                self.report(self.data.pos, f"{self.what}: липсва задължителното поле „{key}“",
                            "missing-key")
            return None
        return self.data[key]

    def _wrong(self, key: str, expected: str) -> None:
        got = type_name(self.data.get(key))
        self.report(self.data.at(key), f"„{key}“ трябва да е {expected}, а е {got}", "wrong-type")

    def text(self, key: str, required: bool = False, default: str = "") -> str:
        """A string value (numbers are accepted and turned into text)."""
        value = self._get(key, required)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self._wrong(key, "текст")
            return default
        text = str(value).strip()
        if required and not text:
            self.report(self.data.at(key), f"„{key}“ не може да е празно", "empty")
        if len(text) > MAX_TEXT:
            self.report(self.data.at(key), f"„{key}“ е твърде дълго ({len(text)} знака)",
                        "too-long")
        return text

    def ident(self, key: str, required: bool = True) -> str:
        """An identifier: lower-case ASCII letters, digits and hyphens."""
        value = self.text(key, required)
        if value and not ID_RE.match(value):
            self.report(self.data.at(key),
                        f"идентификаторът „{value}“ може да съдържа само малки латински букви, "
                        "цифри и тирета", "bad-id")
        return value

    def number(self, key: str, default: float, low: float | None = None,
               high: float | None = None, integer: bool = False) -> float:
        """A number within [low, high]."""
        value = self._get(key, False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float) or (
            integer and not isinstance(value, int)
        ):
            self._wrong(key, "цяло число" if integer else "число")
            return default
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"от {_fmt(low)} до {_fmt(high)}" if high is not None else f"поне {_fmt(low)}"
            self.report(self.data.at(key), f"„{key}“ трябва да е {bounds}, а е {_fmt(value)}",
                        "out-of-range")
            return default
        return float(value)

    def integer(self, key: str, default: int, low: int = 0, high: int | None = None) -> int:
        """A whole number within [low, high]."""
        return int(self.number(key, default, low, high, integer=True))

    def boolean(self, key: str, default: bool) -> bool:
        """``true`` or ``false``."""
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._wrong(key, "true или false")
            return default
        return value

    def choice(self, key: str, options: tuple[T, ...], default: T) -> T:
        """One of ``options``."""
        value = self._get(key, False)
        if value is None:
            return default
        for option in options:
            if value == option:
                return option
        got = _quoted(value)
        self.report(self.data.at(key),
                    f"„{key}“ трябва да е едно от: {', '.join(options)}; а е {got}",
                    "bad-value")
        return default

    def calendar_date(self, key: str) -> date | None:
        """A calendar date written as YYYY-MM-DD (YAML hands it over as text)."""
        value = self._get(key, False)
        if value is None:
            return None
        text = str(value).strip() if isinstance(value, str | int) else ""
        if not DATE_RE.match(text):
            self.report(self.data.at(key),
                        f"„{key}“ трябва да е дата във вида ГГГГ-ММ-ДД (напр. 2026-12-02), "
                        f"а е {_quoted(value)}", "bad-date")
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            self.report(self.data.at(key), f"„{key}“: няма такава дата ({text})", "bad-date")
            return None

    def seq(self, key: str, required: bool = False) -> Seq:
        """A list (an empty one when absent or wrong)."""
        value = self._get(key, required)
        if value is None:
            empty = Seq()
            empty.pos, empty.item_pos = self.data.at(key), []
            return empty
        if not isinstance(value, Seq):
            self._wrong(key, "списък")
            empty = Seq()
            empty.pos, empty.item_pos = self.data.at(key), []
            return empty
        return value

    def map(self, key: str, required: bool = False) -> Map | None:
        """A nested mapping, or None."""
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, Map):
            self._wrong(key, "речник (ключ: стойност)")
            return None
        return value

    def texts(self, key: str, required: bool = False) -> tuple[str, ...]:
        """A list of non-empty strings."""
        items = self.seq(key, required)
        result = []
        for index, item in enumerate(items):
            if isinstance(item, str | int | float) and not isinstance(item, bool) and str(item):
                result.append(str(item).strip())
            else:
                self.report(items.at(index),
                            f"елементите на „{key}“ трябва да са текст, а този е {type_name(item)}",
                            "wrong-type")
        return tuple(result)

    def refs(self, key: str) -> tuple[Ref, ...]:
        """A list of references to other course objects (ids)."""
        items = self.seq(key)
        result = []
        for index, item in enumerate(items):
            if isinstance(item, str) and item.strip():
                result.append(Ref(item.strip(), self.path, items.at(index)))
            else:
                self.report(items.at(index), f"елементите на „{key}“ трябва да са идентификатори",
                            "wrong-type")
        return tuple(result)

    def ref(self, key: str, required: bool = False) -> Ref | None:
        """One reference to another course object."""
        value = self.text(key, required)
        return Ref(value, self.path, self.data.at(key)) if value else None

    def done(self) -> None:
        """Report every key that no reader asked for."""
        known = sorted(self.seen)
        for key in self.data:
            if key in self.seen:
                continue
            import difflib  # only for an unknown key: not worth its import on every build

            close = difflib.get_close_matches(key, known, n=1)
            hint = f" — може би „{close[0]}“?" if close else f" (позволени: {', '.join(known)})"
            self.report(self.data.key_pos.get(key, self.data.pos),
                        f"{self.what}: непознато поле „{key}“{hint}", "unknown-key")


def as_map(value: Any, path: str, pos: Pos, problems: list[Problem], what: str) -> Map | None:
    """Return ``value`` if it is a mapping, else record why not."""
    if isinstance(value, Map):
        return value
    problems.append(Problem(path, pos[0], pos[1], "error",
                            f"{what} трябва да е речник (ключ: стойност), а е {type_name(value)}",
                            "wrong-type"))
    return None


def _quoted(value: Any) -> str:
    """A scalar in quotes; a list or mapping is named, never printed."""
    return f"„{value}“" if isinstance(value, str | int | float) else type_name(value)


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)
