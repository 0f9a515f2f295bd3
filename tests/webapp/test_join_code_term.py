"""One name for one thing (issue 14): the code a learner joins with is "код за
присъединяване" everywhere — the Bulgarian catalogue, the templates and the guides —
never "код за достъп", "код за покана" or "код за регистрация"."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import REPO

STRAY = re.compile(r"код(?:ове)? за (?:достъп|покана|регистрация)", re.I)


def test_the_join_code_has_one_name() -> None:
    with (REPO / "webapp/translations/bg/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    strays = [m.id for m in catalogue if m.id and not m.fuzzy
              and any(STRAY.search(s) for s in (m.string if isinstance(m.string, tuple)
                                                else (m.string,)) if s)]
    assert strays == []
    # And one in English: a "join code", never an "invitation code".
    assert [m.id for m in catalogue if "invitation code" in str(m.id).lower()] == []
    places: list[Path] = [REPO / "docs/obuchiteli.md", REPO / "AUTHORING.md", REPO / "README.md",
                          *sorted((REPO / "webapp/templates").rglob("*.html"))]
    found = [str(p.relative_to(REPO)) for p in places if STRAY.search(p.read_text("utf-8"))]
    assert found == []
