"""Bulgarian wording shared by every message: counts with the right plural, dates, suggestions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

MONTHS = ("януари", "февруари", "март", "април", "май", "юни", "юли", "август", "септември",
          "октомври", "ноември", "декември")


def long_date(value: datetime.date) -> str:
    """A date as Bulgarian readers write it: 15 януари 2027 г."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year} г."


def count(number: int, one: str, many: str) -> str:
    """Say ``number`` with its noun: ``count(1, "грешка", "грешки")`` → "1 грешка".

    Bulgarian has one form for exactly one and another for every other number
    (0, 2, 11, 21 …); ``many`` is the counted form ("2 проблема", "5 модула").
    """
    return f"{number} {one if number == 1 else many}"


def problem_summary(errors: int, warnings: int) -> str:
    """The summary line of a check: "1 грешка, 2 предупреждения"."""
    return (f"{count(errors, 'грешка', 'грешки')}, "
            f"{count(warnings, 'предупреждение', 'предупреждения')}")


def did_you_mean(word: str, known: Iterable[str], quote: str = "„{}“") -> str:
    """A " — може би „x“?" suffix naming the closest known word, or "" when none is close."""
    import difflib  # only a faulty course needs it: not worth its import on every build

    close = difflib.get_close_matches(word, sorted(set(known)), n=1, cutoff=0.6)
    return f" — може би {quote.format(close[0])}?" if close else ""
