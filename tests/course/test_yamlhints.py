"""Every kind of YAML syntax error gets its own Bulgarian message, at the line to fix."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.yamlsrc import parse_yaml

# (name, source, line, column, code, words the message must contain)
CASES = [
    ("key-deeper", "id: a\ntitle: b\n  kind: final\n", 3, 3, "yaml-indent", "„kind“"),
    ("key-deeper-in-item", "q:\n- id: a\n  type: single\n    text: x\n", 4, 5, "yaml-indent",
     "„text“"),
    ("key-shallower", "r:\n    a: [score]\n  b: [score]\n", 3, 3, "yaml-indent", "„b“"),
    ("key-shallower-in-item", "q:\n  - id: q\n    type: single\n   text: x\n", 4, 4,
     "yaml-indent", "„text“"),
    ("key-under-plain-item", "objectives:\n  - Описва.\n    quiz: x\n", 3, 5, "yaml-indent",
     "„quiz“"),
    ("key-between-levels", "objectives:\n  - Описва.\n   quiz: x\n", 3, 4, "yaml-indent",
     "„quiz“"),
    ("tab", "id: a\n\ttitle: b\n", 2, 1, "yaml-tab", "табулация"),
    ("tab-after-spaces", "r:\n  a: 1\n  \tb: 2\n", 3, 3, "yaml-tab", "интервали"),
    ("tab-first", "\tid: a\n", 1, 1, "yaml-tab", "табулация"),
    ("double-quote-open", 'id: a\ntitle: "abc\nkind: final\n', 2, 8, "yaml-quote", '„"“'),
    ("single-quote-open", "id: a\ntitle: 'abc\nkind: final\n", 2, 8, "yaml-quote", "„'“"),
    ("no-colon", "id: a\ntitle b\nkind: final\n", 2, 1, "yaml-colon", "„title b“"),
    ("no-colon-in-item", "q:\n  - id q1\n    type: single\n", 2, 3, "yaml-colon", "„- id q1“"),
    ("no-colon-nested", "r:\n  a [score]\n  b: [score]\n", 2, 3, "yaml-colon", "„a [score]“"),
    ("colon-in-text", "id: a\ntext: Вярно ли е: да\n", 2, 17, "yaml-colon-in-text", "кавички"),
    ("dash-left", "c:\n  - text: a\n - text: b\n", 3, 2, "yaml-list", "тиретата"),
    ("dash-inside-item", "c:\n  - text: a\n    correct: true\n    - text: b\n", 4, 5,
     "yaml-list", "списък"),
    ("dash-after-mapping", "id: a\ntitle: b\n- x\n", 3, 1, "yaml-list", "списък"),
    ("text-after-quote", "text: 'It's'\n", 1, 11, "yaml-after-quote", "''"),
    ("bracket-open", "a: [x, y\nb: 1\n", 1, 4, "yaml-bracket", "„]“"),
    ("brace-open", "a: {x: 1\nb: 1\n", 1, 4, "yaml-bracket", "„}“"),
    ("bracket-extra", "a: [x, y]]\n", 1, 10, "yaml-bracket", "излишна"),
    ("at-sign", "title: @home\n", 1, 8, "yaml-special-char", "„@“"),
    ("backtick", "title: `x`\n", 1, 8, "yaml-special-char", "„`“"),
    ("tag", "title: !x y\n", 1, 8, "yaml-special-char", "„!“"),
    ("star", "title: *bold*\n", 1, 8, "yaml-special-char", "звездичка"),
    ("escape", 'title: "a\\qb"\n', 1, 10, "yaml-escape", "единични кавички"),
    ("second-document", "id: a\n---\nid: b\n", 2, 1, "yaml-document", "„---“"),
    ("block-scalar", "text: |x\n  y\n", 1, 8, "yaml-special-char", "„|“"),
]


@pytest.mark.parametrize(("source", "line", "col", "code", "words"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_yaml_error_has_its_own_message(source: str, line: int, col: int, code: str,
                                              words: str) -> None:
    _, problems = parse_yaml(source, "f.yaml")
    (problem,) = problems
    assert (problem.line, problem.col, problem.code) == (line, col, code), problem.message
    assert words in problem.message


@pytest.mark.parametrize("source", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_yaml_messages_are_bulgarian(source: str) -> None:
    (problem,) = parse_yaml(source, "f.yaml")[1]
    own_words = re.sub(r"„[^“]*“", "", problem.message)  # quotes of the author's text
    english = [w for w in re.findall(r"[A-Za-z]{4,}", own_words) if w != "YAML"]
    assert not english, problem.message


@pytest.mark.parametrize("source", ["id: a\ntitle: b\n  kind: final\n",
                                    "q:\n- id: a\n  type: single\n    text: x\n"])
def test_a_misindented_key_is_not_told_to_use_quotes(source: str) -> None:
    (problem,) = parse_yaml(source, "f.yaml")[1]
    assert "кавички" not in problem.message and "отстъп" in problem.message


def test_front_matter_positions_count_the_opening_line() -> None:
    (problem,) = parse_yaml("id: a\n minutes: 20\n", "m.md", line_offset=1)[1]
    assert (problem.line, problem.col, problem.code) == (3, 2, "yaml-indent")


YAMLISH = st.text(alphabet=st.sampled_from(list("ab: -\t\n'\"[]{}#&*!|>@`%\\,?\r\x85\u2028\x0bж")),
                  max_size=60)


@settings(max_examples=400, deadline=None)
@given(YAMLISH)
def test_any_text_gives_a_located_message_never_a_traceback(source: str) -> None:
    value, problems = parse_yaml(source, "f.yaml", line_offset=1)
    for problem in problems:
        assert problem.line >= 2 and problem.col >= 1
        assert problem.code == "duplicate-key" or problem.code.startswith("yaml")
