"""URL converters of the app."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

# The largest value of an INTEGER column in PostgreSQL (and of our ids anywhere).
MAX_ID = 2**31 - 1


class DatabaseId(IntegerConverter):
    """``<int:…>`` that only matches ids a database column can hold.

    A larger number in a URL is then "not found", like any unknown id, instead
    of an out-of-range error from PostgreSQL.
    """

    def __init__(self, url_map: Any, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_ID, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits, min, max, signed)
