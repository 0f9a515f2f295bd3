"""Request bodies read within limits: the JSON endpoints' one way to read their JSON.

The app-wide ``MAX_CONTENT_LENGTH`` bounds every body; a JSON endpoint needs far
less, and a JSON parser holds the whole document and more in memory. So the
declared length is checked against the endpoint's own limit before a byte is read,
and a body that declares none (chunked) is not read at all.
"""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.exceptions import LengthRequired, RequestEntityTooLarge


def json_body(limit: int) -> Any:
    """The request's JSON value, or None if it sends none or it is malformed.

    Raise 413 when the body declares more than ``limit`` bytes and 411 when it
    declares no length, both before anything is read or parsed.
    """
    if not request.is_json:
        return None
    length = request.content_length
    if length is None:
        raise LengthRequired()
    if length > limit:
        raise RequestEntityTooLarge()
    return request.get_json(silent=True)
