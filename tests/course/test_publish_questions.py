"""Questions in the publications: the offline copy renders their inline Markdown (texts on
the page, feedback in the key), and the Handbook prints each module's self-check and an
appendix of answers — never a final test, a pre-test or a pool."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from course.model import Choice, NumberAnswer, Question, TextAnswer
from course.publish.handbook import (
    HandbookOptions,
    content_key,
    handbook_html,
    load,
    printed_question,
)
from course.publish.offline import offline_files

EDITS = [
    ("text: Кой приема бюджета на общината?",
     """text: 'Кой **приема** бюджета на <b onclick="steal()">общината</b>?'"""),
    ("{text: Общинският съвет, correct: true}", "{text: 'Общинският *съвет*', correct: true}"),
    ("{text: Кметът, feedback: Кметът внася проекта.}",
     "{text: Кметът, feedback: 'Кметът **внася** проекта.'}"),
    ("explanation: Бюджетът се приема от общинския съвет.",
     "explanation: 'Бюджетът се приема от **общинския съвет** <script>alert(1)</script>.'"),
    ("{left: Съвет, right: решава}", "{left: '**Съвет**', right: '*решава*'}"),
    ("{min: 80, text: Отлично.}", "{min: 80, text: '**Отлично**.'}"),
]


@pytest.fixture
def marked(minimal: Path) -> Path:
    """The minimal course with Markdown in its first self-check, and a final whose
    question would be noticed if it were printed."""
    path = minimal / "quizzes/t1/first-check.yaml"
    source = path.read_text(encoding="utf-8")
    for old, new in EDITS:  # each in the first question that has it
        assert old in source, old
        source = source.replace(old, new, 1)
    path.write_text(source, encoding="utf-8")
    return minimal


def final_texts(root: Path) -> list[str]:
    course, _, _ = load(root)
    secret = [q for q in course.quizzes if q.kind in ("final", "pre-test", "pool")]
    texts = [question.text for quiz in secret for question in quiz.questions]
    assert texts
    return texts


# --- The offline copy -----------------------------------------------------------------------


def test_the_offline_page_renders_questions_and_feedback(marked: Path) -> None:
    course, _, _ = load(marked)
    page = offline_files(course, marked)["first.html"].decode()
    assert "Кой <strong>приема</strong> бюджета на &lt;b onclick=&quot;steal()&quot;&gt;" in page
    assert "> Общинският <em>съвет</em></label>" in page
    assert "<strong>Съвет</strong> → <select" in page
    assert '<option value="0">решава</option>' in page  # an option holds plain text
    assert "**" not in page and "<b onclick" not in page and "<script>alert" not in page
    key = json.loads(re.search(r'<script type="application/json" id="key-first-check">'
                               r"(.*?)</script>", page, re.S).group(1))  # type: ignore[union-attr]
    first = key["questions"][0]
    assert first["choices"][1]["feedback"] == "Кметът <strong>внася</strong> проекта."
    assert first["explanation"] == ("Бюджетът се приема от <strong>общинския съвет</strong> "
                                    "&lt;script&gt;alert(1)&lt;/script&gt;.")
    assert key["bands"][0]["text"] == "<strong>Отлично</strong>."


def test_the_self_check_script_inserts_only_the_keys_markup() -> None:
    script = (Path(__file__).parents[2] / "course/publish/templates/offline/selfcheck.js") \
        .read_text(encoding="utf-8")
    assert "escapeHtml(typed)" in script  # what the reader typed is never markup
    assert "result.innerHTML = [label, outcome ? outcome[1]" in script


# --- The Handbook --------------------------------------------------------------------------


def test_the_handbook_prints_the_self_checks_and_their_answers(marked: Path) -> None:
    course, laws, _ = load(marked)
    html = handbook_html(course, marked, laws)
    module = html[html.index('id="m-first"'):html.index('id="m-second"')]
    questions = module[module.index("Въпроси за самопроверка"):]
    assert "Кой <strong>приема</strong> бюджета на &lt;b onclick" in questions
    assert '<span class="mark">а)</span> Общинският <em>съвет</em>' in questions
    assert "Вярно или невярно?" in questions
    assert 'class="answer-line"' in questions  # text and number: a line to write on
    assert '<span class="mark">1.</span> <strong>Съвет</strong>' in questions
    assert "**" not in html and "<b onclick" not in html and "<script>alert" not in html
    # Not the explanation: that is in the appendix.
    assert "общинския съвет</strong>" not in questions

    answers = html[html.index('<section class="answers"'):html.index('id="glossary"')]
    assert "Отговори на въпросите за самопроверка" in answers
    assert html.index('id="answers"') < html.index('id="glossary"')
    assert '<a href="#answers">Отговори на въпросите за самопроверка</a>' in html  # contents
    keys = re.findall(r'<span class="key">([^<]*)</span>', answers)
    # single, multiple, true-false, text, number, match, order of first-check; second-check
    assert keys == ["а", "а, б", "Вярно", "общински съвет", "4", "1 – б; 2 – а", "в, а, б",
                    "Невярно"]
    assert "Бюджетът се приема от <strong>общинския съвет</strong> &lt;script&gt;" in answers
    for text in final_texts(marked):
        assert text not in html, text


def test_a_changed_question_changes_the_handbooks_key(marked: Path) -> None:
    course, _, _ = load(marked)
    before = content_key(marked, course, HandbookOptions(edition="2026"))
    path = marked / "quizzes/t1/second-check.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("от кмета", "от кмета сам"),
                    encoding="utf-8")
    course, _, _ = load(marked)
    assert content_key(marked, course, HandbookOptions(edition="2026")) != before


@pytest.mark.parametrize(("question", "key", "lettered"), [
    (Question("q", "single", "?", 1, choices=(Choice("б-текст", 0), Choice("а-текст", 100))),
     "б", ("б-текст", "а-текст")),
    (Question("q", "number", "?", 1, number_answers=(NumberAnswer(2.5, 2.5, 100),)), "2,5", ()),
    (Question("q", "number", "?", 1, number_answers=(NumberAnswer(3, 5, 100),)),
     "4 (приема се от 3 до 5)", ()),
    (Question("q", "text", "?", 1, text_answers=(TextAnswer("съвет", 50),
                                                 TextAnswer("общински съвет", 100))),
     "общински съвет", ()),
    # Items already in alphabetical order would print in the right order: reversed instead.
    (Question("q", "order", "?", 1, items=("А", "Б", "В")), "в, б, а", ("В", "Б", "А")),
    (Question("q", "order", "?", 1, items=("**Първо**", "Второ")), "б, а",
     ("Второ", "**Първо**")),
])
def test_printed_keys(question: Question, key: str, lettered: tuple[str, ...]) -> None:
    printed = printed_question(1, question)
    assert printed.key == key
    assert tuple(text for _, text in printed.lettered) == lettered
