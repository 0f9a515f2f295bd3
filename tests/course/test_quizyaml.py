"""course.interop.quizyaml: a quiz written back as YAML reads back as the same quiz."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from course.errors import Problem
from course.interop.common import html_to_markdown, make_id, plain_to_markdown
from course.interop.quizyaml import quiz_yaml
from course.model import Question, Quiz, Ref
from course.quizload import parse_quiz

ROOT = Path(__file__).resolve().parents[2]
# Anonymous evaluation surveys (``kind: survey``) live in quizzes/ too, but are no quizzes.
QUIZ_FILES = sorted(p for p in ROOT.glob("quizzes/*/*.yaml")
                    if "\nkind: survey" not in p.read_text(encoding="utf-8"))


def load(rel: str, text: str) -> Quiz:
    problems: list[Problem] = []
    quiz = parse_quiz(rel, "0" * 64, text, problems)
    assert not problems, [p.format() for p in problems]
    assert quiz is not None
    return quiz


def plain(question: Question) -> Question:
    """The question without where it was written."""
    ref = question.ref and Ref(question.ref.target, "", (0, 0))
    return dataclasses.replace(question, pos=(0, 0), ref=ref)


def settings(quiz: Quiz) -> dict[str, object]:
    skip = {"questions", "pos", "positions", "pool", "review", "version"}
    data = {f.name: getattr(quiz, f.name) for f in dataclasses.fields(quiz) if f.name not in skip}
    data["pool"] = quiz.pool and quiz.pool.target
    data["review"] = (quiz.review.after_submit, quiz.review.after_close)
    return data


def test_quiz_files_exist() -> None:
    assert len(QUIZ_FILES) >= 30


@pytest.mark.parametrize("path", QUIZ_FILES, ids=lambda p: p.name)
def test_every_quiz_round_trips(path: Path) -> None:
    rel = path.relative_to(ROOT).as_posix()
    original = load(rel, path.read_text(encoding="utf-8"))
    written = quiz_yaml(original)
    again = load(rel, written)
    assert [plain(q) for q in again.questions] == [plain(q) for q in original.questions]
    assert settings(again) == settings(original)


def test_written_like_a_trainer_writes() -> None:
    path = ROOT / "quizzes/evropa/evropa-banka.yaml"
    written = quiz_yaml(load("quizzes/evropa/evropa-banka.yaml", path.read_text("utf-8")))
    lines = written.splitlines()
    assert lines[:3] == ["schema: 1", "id: evropa-banka",
                         "title: Банка от въпроси – Европейски политики, програми и проекти"]
    assert "\\u" not in written  # Cyrillic as is
    assert "- id: b01" in lines and "  type: single" in lines
    assert "    correct: true" in lines and "    weight: 100" not in lines[:25]
    assert "{" not in written.split("questions:")[1][:200]  # block style


def test_kind_can_be_changed_and_weights_kept() -> None:
    text = """schema: 1
id: t
title: Т
kind: pool
questions:
- id: a
  type: multiple
  text: Кои?
  choices:
  - {text: 'Едно', weight: 50}
  - {text: 'Две', weight: 50, feedback: 'Да'}
  - {text: 'Три', weight: -30}
- id: b
  type: number
  text: Колко?
  answers:
  - {min: 0.1, max: 0.7}
  - {value: 5, tolerance: 0.5, weight: 50}
"""
    quiz = load("quizzes/t/t.yaml", text)
    written = quiz_yaml(quiz, "self-check")
    again = load("quizzes/t/t.yaml", written)
    assert again.kind == "self-check"
    assert [plain(q) for q in again.questions] == [plain(q) for q in quiz.questions]
    assert "weight: -30" in written and "min: 0.1" in written and "tolerance: 0.5" in written


def test_multiline_text_is_a_literal_block() -> None:
    quiz = load("quizzes/t/t.yaml", "schema: 1\nid: t\ntitle: T\nkind: pool\nquestions:\n"
                "- id: a\n  type: true-false\n  text: |\n    Ред 1\n    Ред 2\n  answer: true\n")
    written = quiz_yaml(quiz)
    assert "text: |-\n    Ред 1\n    Ред 2" in written or "text: |\n" in written
    assert load("quizzes/t/t.yaml", written).questions[0].text == "Ред 1\nРед 2"


@pytest.mark.parametrize(("name", "taken", "expected"), [
    ("Столица на България", set(), "stolitsa-na-balgariya"),
    ("Щастие и ЮГ", set(), "shtastie-i-yug"),
    ("Q 1", {"q-1"}, "q-1-2"),
    ("Q 1", {"q-1", "q-1-2"}, "q-1-3"),
    ("???", set(), "fallback"),
    ("x" * 80, set(), "x" * 48),
])
def test_make_id(name: str, taken: set[str], expected: str) -> None:
    assert make_id(name, taken, "fallback") == expected
    assert expected in taken


@pytest.mark.parametrize(("html", "markdown"), [
    ("<p>Кой е <b>кметът</b>?</p>", "Кой е **кметът**?"),
    ("<i>наклонен</i> и <em>още</em>", "*наклонен* и *още*"),
    ('Виж <a href="https://lex.bg">закона</a>', "Виж [закона](https://lex.bg)"),
    ('<a href="javascript:alert(1)">тук</a>', "тук"),
    ("ред<br>ред &amp; 5 &lt; 6", "ред ред & 5 < 6"),
    ("<script>x()</script>текст", "текст"),
    ("a*b_c", "a\\*b\\_c"),
    ('<img src="x.png" alt="схема">', "схема"),
])
def test_html_to_markdown(html: str, markdown: str) -> None:
    assert html_to_markdown(html) == markdown


def test_plain_to_markdown_escapes_markup() -> None:
    assert plain_to_markdown("**не** [a]") == "\\*\\*не\\*\\* \\[a\\]"
