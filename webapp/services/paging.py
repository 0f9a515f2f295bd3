"""Pages of a long list: which items one page shows, and which page numbers to link."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pager:
    number: int  # from 1
    pages: int
    size: int
    total: int

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first item; 0 when there is none."""
        return min(self.total, (self.number - 1) * self.size + 1)

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.size)

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and a few around this one; None is a gap."""
        shown = sorted({1, self.pages, *range(self.number - around, self.number + around + 1)}
                       & set(range(1, self.pages + 1)))
        found: list[int | None] = []
        for number in shown:
            if found and number - (found[-1] or 0) > 1:
                found.append(None)
            found.append(number)
        return found


def page_number(value: str | None) -> int:
    """The page asked for in a query string; anything that is not a positive number is 1."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 \
        and int(text) > 0 else 1


def paginate(items: Sequence[Any], number: int, size: int) -> tuple[list[Any], Pager]:
    """One page of ``items``; a number past the end gives the last page."""
    pages = max(1, math.ceil(len(items) / size))
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    return list(items[start:start + size]), Pager(number, pages, size, len(items))
