"""Inline Markdown in questions, on every page that shows them: rendered, never raw HTML,
and the answer key still never on the attempt page.

The fixture pre-test ``osnovi-vhoden`` gets emphasis (and some hostile HTML) in its
question texts, choices, pairs, items, feedback, explanations and feedback band.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests.conftest import copy_course
from tests.webapp.conftest import MINI, People, login, submit
from tests.webapp.test_quiz import QUIZ, QUIZ_FILE, answer_everything, start, text

EDITS = [
    ("text: Кой приема бюджета на общината?",
     """text: 'Кой **приема** бюджета на <b onclick="steal()">общината</b>?'"""),
    ("{text: Общинският съвет, correct: true, feedback: Тайна-обратна-връзка-съвет.}",
     "{text: 'Общинският *съвет*', correct: true, feedback: 'Тайна-обратна-връзка-**съвет**.'}"),
    ("explanation: Тайно-обяснение-бюджет.",
     "explanation: 'Тайно-обяснение-**бюджет** <script>alert(1)</script>.'"),
    ("{left: Кмет, right: пряко от гражданите}",
     "{left: '**Кмет**', right: 'пряко от *гражданите*'}"),
    ("items: [Проект от кмета, Обществено обсъждане, Гласуване в съвета]",
     "items: ['Проект от **кмета**', Обществено обсъждане, Гласуване в съвета]"),
    ("{min: 80, text: Познавате основите добре.}",
     "{min: 80, text: 'Познавате основите **добре**.'}"),
    ("feedback_true: Тайна-обратна-връзка-вярно.",
     "feedback_true: 'Тайна-обратна-връзка-_вярно_.'"),
]


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    """The webapp-mini course with Markdown in the pre-test's questions."""
    root = copy_course(MINI, tmp_path)
    path = root / QUIZ_FILE
    source = path.read_text(encoding="utf-8")
    for old, new in EDITS:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    path.write_text(source, encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def close_the_pool(app: Flask) -> Iterator[None]:
    yield
    db_engine: Engine = app.extensions["dobro.engine"]
    db_engine.dispose()


def no_raw_markup(page: str) -> None:
    assert "**" not in page and "*съвет*" not in page and "_вярно_" not in page
    assert "<b onclick" not in page and "<script>alert" not in page


def test_the_attempt_page_renders_emphasis_and_keeps_the_key(ivan: FlaskClient) -> None:
    attempt_id = start(ivan)
    pages = "".join(text(ivan.get(f"/attempt/{attempt_id}?page={n}")) for n in (1, 2))
    assert "Кой <strong>приема</strong> бюджета на &lt;b onclick=&quot;steal()&quot;&gt;" \
           "общината&lt;/b&gt;?" in pages
    assert "Общинският <em>съвет</em></label>" in pages
    assert "><strong>Кмет</strong></label>" in pages  # a match question's left side
    assert "Проект от <strong>кмета</strong></label>" in pages  # an order item
    # An <option> holds no markup: its text without it.
    assert ">пряко от гражданите</option>" in pages and "<em>гражданите" not in pages
    no_raw_markup(pages)
    for secret in ("Тайна-обратна-връзка", "Тайно-обяснение", "Познавате основите"):
        assert secret not in pages


def test_the_review_renders_feedback_explanation_and_band(ivan: FlaskClient,
                                                          app: Flask) -> None:
    attempt_id = start(ivan)
    answer_everything(ivan, app, attempt_id)
    done = submit(ivan, f"/attempt/{attempt_id}/submit", {}, page=f"/attempt/{attempt_id}/submit")
    review = text(ivan.get(done.location))
    assert "Кой <strong>приема</strong> бюджета" in review
    assert "Познавате основите <strong>добре</strong>." in review  # the feedback band
    assert "Тайна-обратна-връзка-<strong>съвет</strong>." in review  # the choice's feedback
    assert "Тайна-обратна-връзка-<em>вярно</em>." in review  # feedback_true
    assert "Тайно-обяснение-<strong>бюджет</strong> &lt;script&gt;alert(1)&lt;/script&gt;." \
        in review
    assert ">Общинският <em>съвет</em></span>" in review  # the answer given
    assert "<strong>Кмет</strong> → пряко от <em>гражданите</em>" in review
    no_raw_markup(review)


def test_a_typed_answer_is_shown_as_typed(ivan: FlaskClient) -> None:
    attempt_id = start(ivan)
    url = f"/attempt/{attempt_id}"
    submit(ivan, url, {"shown": "v-text", "a.v-text": "**общински** съвет", "go": "stay"},
           page=url)
    done = submit(ivan, f"{url}/submit", {}, page=f"{url}/submit")
    review = text(ivan.get(done.location))
    assert "**общински** съвет" in review and "<strong>общински</strong>" not in review


def test_staff_pages_render_the_questions(app: Flask, people: People) -> None:
    learner = app.test_client()
    login(learner, "ivan")
    attempt_id = start(learner)
    answer_everything(learner, app, attempt_id)
    submit(learner, f"/attempt/{attempt_id}/submit", {}, page=f"/attempt/{attempt_id}/submit")

    trainer = app.test_client()
    login(trainer, "trainer")
    stats = text(trainer.get(f"/trainer/stats/quiz/{QUIZ}"))
    # The table's short label is plain text (it is a link); the answers chosen are rendered.
    assert "Кой приема бюджета на &lt;b onclick" in stats
    assert "Общинският <em>съвет</em>" in stats
    no_raw_markup(stats)

    rel = QUIZ_FILE.as_posix()
    listing = text(trainer.get(f"/trainer/authoring/questions/?file={rel}"))
    assert "<strong>Кой <strong>приема</strong> бюджета" in listing
    no_raw_markup(listing)
    delete = text(trainer.get(f"/trainer/authoring/questions/delete?file={rel}&id=v-single"))
    assert "Кой <strong>приема</strong> бюджета" in delete
    no_raw_markup(delete)
    editor = text(trainer.get(f"/trainer/authoring/edit?file={rel}"))
    preview = editor[editor.index('class="authoring-quiz"'):]
    assert "Тайно-обяснение-<strong>бюджет</strong>" in preview
    assert "Общинският <em>съвет</em>" in preview and "<strong>Кмет</strong> → " in preview
    assert "Проект от <strong>кмета</strong>" in preview
