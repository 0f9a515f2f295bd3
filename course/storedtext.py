"""How the build cache keeps rendered documents: HTML and text stay bytes until read.

Unpickling the ten megabytes of Cyrillic HTML and text of a 200-module course costs
more than all the rest of a one-module rebuild, which reads the text of only the
module that changed: the other outputs, word counts and search entries are reused by
key. So the cache stores each document's HTML and text as UTF-8 bytes (cheap to
load) and decodes them the first time they are read.
"""

from __future__ import annotations

import pickle
from dataclasses import fields
from typing import Any

from course.model import Rendered


class StoredRendered(Rendered):
    """A ``Rendered`` read from the build cache; ``html`` and ``text`` decode on first read.

    Made only by ``_restore``; everything else sees an ordinary (frozen) ``Rendered``.
    """

    @property
    def html(self) -> str:
        return _decoded(self, "html")

    @property
    def text(self) -> str:
        return _decoded(self, "text")

    def __eq__(self, other: object) -> bool:
        # Equal to the ``Rendered`` it was stored from (the dataclass's own __eq__ wants
        # the same class on both sides).
        if not isinstance(other, Rendered):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(Rendered))

    __hash__ = Rendered.__hash__


def _decoded(rendered: StoredRendered, name: str) -> str:
    state = rendered.__dict__
    value = state.get(name)
    if value is None:
        value = state[name] = state[f"_{name}"].decode()
    assert isinstance(value, str)
    return value


def _utf8(rendered: Rendered, name: str) -> bytes:
    """The field as UTF-8, without decoding it first if it was never read."""
    state = rendered.__dict__
    if isinstance(rendered, StoredRendered) and name not in state:
        raw = state[f"_{name}"]
        assert isinstance(raw, bytes)
        return raw
    value: str = getattr(rendered, name)
    return value.encode()


def _restore(html: bytes, headings: Any, links: Any, text: bytes,
             problems: Any) -> StoredRendered:
    rendered = object.__new__(StoredRendered)
    rendered.__dict__.update(_html=html, headings=headings, links=links, _text=text,
                             problems=problems)
    return rendered


class CachePickler(pickle.Pickler):
    """A pickler that writes every ``Rendered`` for ``_restore``."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, Rendered):
            return _restore, (_utf8(obj, "html"), obj.headings, obj.links, _utf8(obj, "text"),
                              obj.problems)
        return NotImplemented
