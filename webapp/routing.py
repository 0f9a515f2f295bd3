"""URL converters of the app."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

# The largest value of an INTEGER column in PostgreSQL (and of our ids anywhere).
MAX_ID = 2**31 - 1


def _at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 0…``limit`` (leading zeros allowed)."""
    digits = str(limit)
    shorter = f"\\d{{1,{len(digits) - 1}}}" if len(digits) > 1 else ""
    same_length = []
    for place, digit in enumerate(digits):
        rest = len(digits) - place - 1
        tail = f"\\d{{{rest}}}" if rest else ""
        if digit != "0":
            low = "0" if place else "1"
            if int(digit) - 1 >= int(low):
                same_length.append(f"{digits[:place]}[{low}-{int(digit) - 1}]{tail}")
    same_length.append(digits)
    return "0*(?:" + "|".join(filter(None, [shorter, *same_length])) + ")"


ID_PATTERN = _at_most(MAX_ID)


def parse_id(value: Any) -> int | None:
    """An id typed or sent as text, or None if it is not one a database column can hold."""
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID))):
        return None
    return int(text) if int(text) <= MAX_ID else None


class DatabaseId(IntegerConverter):
    """``<int:…>`` that only matches ids a database column can hold.

    A larger number in a URL is then "not found", like any unknown id, instead
    of an out-of-range error from PostgreSQL.
    """

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits, min, max, signed)
        if not (fixed_digits or signed) and max == MAX_ID:
            # The range in the pattern itself: Werkzeug chooses between rules (and answers
            # 405 for a path that another method's rule matches) before it calls
            # ``to_python``, where ``max`` alone is checked.
            self.regex = ID_PATTERN
