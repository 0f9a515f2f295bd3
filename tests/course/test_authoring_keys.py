"""AUTHORING.md's tables of keys name exactly the keys the loader reads, context by context.

The loader's readers are instrumented (``Fields.done`` records which keys each
mapping was asked for) while a course that uses every kind of mapping is loaded;
a key added to a reader, or a table row for a key the loader no longer reads,
fails here instead of misleading a trainer.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from course.build import check
from course.fields import Fields
from tests.conftest import REPO
from tests.course.test_specialisms import GOOD as SPECIALISMS
from tests.course.test_specialisms import with_audiences

# A quiz with the branches the minimal course does not take (weights, both number forms).
EXTRA_QUIZ = """\
schema: 1
id: all-keys
title: Всички полета
kind: self-check
questions:
  - id: w
    type: multiple
    text: Кои?
    choices:
      - {text: А, weight: 50}
      - {text: Б, weight: 50}
      - {text: В, weight: -50}
    explanation: А и Б.
  - id: n
    type: number
    text: Колко?
    answers:
      - {value: 4, tolerance: 0}
      - {min: 3, max: 5, weight: 50}
    explanation: Четири.
"""

# Fields.what (and, for answers, the reader that asked) → the table in AUTHORING.md.
_BY_WHAT = {"course.yaml": "course", "handbook": "handbook", "аудиторията": "audience",
            "темата": "topic", "hours": "hours", "completion": "completion",
            "специалността": "specialism", "четивото": "reading",
            "модулът": "module", "страницата": "page", "терминът": "term", "review": "review",
            "обратната връзка": "feedback", "двойката": "pair"}
_ANSWERS = {"_choices": "choice", "_text": "text-answer", "_number": "number-answer"}


def loader_keys(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, set[str]]:
    """Load the course at ``root`` and return, per table name, the keys the loader read."""
    seen: dict[str, set[str]] = defaultdict(set)
    original = Fields.done

    def recording_done(self: Fields) -> None:
        caller = sys._getframe(1).f_code.co_name
        if self.what == "тестът":
            name = "pool" if self.data.get("kind") == "pool" else "quiz"
        elif self.what == "въпросът":
            name = f"question:{self.data.get('type')}"
        elif self.what == "отговорът":
            name = _ANSWERS[caller]
        elif self.what.startswith("by_audience."):
            name = "by_audience"
        else:
            name = _BY_WHAT[self.what]
        seen[name].update(self.seen)
        original(self)

    monkeypatch.setattr(Fields, "done", recording_done)
    check(root)
    return split_questions(seen)


def split_questions(seen: dict[str, set[str]]) -> dict[str, set[str]]:
    """Put the keys every question type reads in "question", the rest under each type."""
    types = {k.removeprefix("question:"): v for k, v in seen.items() if k.startswith("question:")}
    common = set.intersection(*types.values())
    result = {k: v for k, v in seen.items() if not k.startswith("question:")}
    result["question"] = common
    for qtype, keys in types.items():
        result[qtype] = keys - common
    return result


def documented_keys(text: str) -> dict[str, set[str]]:
    """The keys in each ``<!-- keys: name … -->`` table of AUTHORING.md."""
    tables: dict[str, set[str]] = {}
    for names, body in re.findall(r"<!-- keys: ([^>]+?) -->\n((?:\|.*\n)+)", text):
        rows = "".join(body.splitlines(keepends=True)[2:])  # after the header and the rule
        keys = set(re.findall(r"^\| `([a-z_]+)` \|", rows, re.MULTILINE))
        for name in names.split():
            tables[name] = keys
    return tables


def test_authoring_tables_name_exactly_the_keys_the_loader_reads(
        minimal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (minimal / "quizzes" / "t1" / "all-keys.yaml").write_text(EXTRA_QUIZ, encoding="utf-8")
    with_audiences(minimal, SPECIALISMS)
    loaded = loader_keys(minimal, monkeypatch)
    assert set(loaded) >= {"question", "single", "multiple", "true-false", "text", "number",
                           "match", "order", "choice", "text-answer", "number-answer", "pair",
                           "pool", "by_audience", "specialism", "reading"}, sorted(loaded)
    documented = documented_keys((REPO / "AUTHORING.md").read_text(encoding="utf-8"))
    assert sorted(documented) == sorted(loaded)
    for name, keys in loaded.items():
        assert documented[name] == keys, (name, sorted(documented[name] ^ keys))


def test_a_table_row_for_an_unknown_key_is_caught() -> None:
    text = "<!-- keys: page -->\n| `page` | x |\n|---|---|\n| `id` | да |\n| `titel` | да |\n"
    assert documented_keys(text) == {"page": {"id", "titel"}}
