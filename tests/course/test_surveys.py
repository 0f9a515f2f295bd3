"""Evaluation surveys (``kind: survey``): checked like quizzes, compiled, tallied."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.build import build, check
from course.compiled import read_compiled
from course.surveymodel import (
    LIKERT_LABELS,
    MIN_RESPONSES,
    SurveyQuestion,
    shown,
    survey_from_dict,
    survey_to_dict,
    tally,
)
from tests.conftest import REPO

SURVEY = "quizzes/t1/t1-ocenka.yaml"
GOOD = """\
schema: 1
id: t1-ocenka
kind: survey
title: Оценка на сесията
intro: Анкетата е анонимна.
questions:
  - id: sadarzhanie
    type: likert
    text: Съдържанието беше полезно.
  - id: skala
    type: likert
    text: Темпото беше
    scale: 3
    labels: [Бавно, Точно, Бързо]
  - id: prodalzhitelnost
    type: single
    text: Продължителността беше
    choices: [Кратка, Подходяща, Дълга]
  - id: chasti
    type: multiple
    text: Кое беше полезно?
    required: false
    choices:
      - Сесията
      - {text: Модулите}
  - id: podobrenie
    type: open
    text: Какво да подобрим?
    max_length: 300
"""
ATTACH = ("    final: t1-final\n",
          "    final: t1-final\n    surveys: {session: t1-ocenka, topic: t1-ocenka}\n")


def _write(root: Path, text: str, attach: tuple[str, str] = ATTACH) -> None:
    (root / SURVEY).write_text(text, encoding="utf-8")
    manifest = root / "modules/course.yaml"
    source = manifest.read_text(encoding="utf-8")
    assert attach[0] in source
    manifest.write_text(source.replace(attach[0], attach[1], 1), encoding="utf-8")


def test_a_good_survey_is_clean_and_read(minimal: Path) -> None:
    _write(minimal, GOOD)
    course, problems = check(minimal)
    assert problems == []
    (survey,) = course.surveys
    assert survey.id == "t1-ocenka" and survey.topic == "t1"
    assert [q.type for q in survey.questions] == ["likert", "likert", "single", "multiple",
                                                 "open"]
    likert, scale, single, multiple, open_ = survey.questions
    assert likert.labels == LIKERT_LABELS and likert.required
    assert scale.labels == ("Бавно", "Точно", "Бързо")
    assert single.choices == ("Кратка", "Подходяща", "Дълга")
    assert multiple.choices == ("Сесията", "Модулите") and not multiple.required
    assert open_.max_length == 300 and not open_.required
    assert course.manifest is not None
    topic = course.manifest.topics[0]
    assert topic.session_survey and topic.session_survey.target == "t1-ocenka"
    assert not any(q.id == "t1-ocenka" for q in course.quizzes)


# (what to replace in GOOD, with what; the expected line, column and code)
FAULTS = [
    pytest.param(("type: open", "type: essay"), 27, 11, "bad-value", id="unknown-type"),
    pytest.param(("    text: Съдържанието беше полезно.\n", ""), 7, 5, "likert-statement",
                 id="likert-without-statement"),
    pytest.param(("    choices: [Кратка, Подходяща, Дълга]\n", ""), 15, 5, "missing-key",
                 id="choices-missing"),
    pytest.param(("[Кратка, Подходяща, Дълга]", "[Кратка]"), 18, 14, "few-choices",
                 id="one-choice"),
    pytest.param(("{text: Модулите}", "{text: Модулите, correct: true}"), 25, 26,
                 "survey-answer-key", id="correct-answer"),
    pytest.param(("  - id: podobrenie", "  - id: sadarzhanie"), 26, 5, "duplicate-question",
                 id="duplicate-question-id"),
    pytest.param(("labels: [Бавно, Точно, Бързо]", "labels: [Бавно, Бързо]"), 14, 13,
                 "likert-labels", id="labels-against-scale"),
    pytest.param(("kind: survey\n", "kind: survey\npass_mark: 70\n"), 4, 1, "survey-quiz-key",
                 id="quiz-setting"),
    pytest.param(("max_length: 300", "max_length: 0"), 29, 17, "out-of-range",
                 id="open-max-length"),
]


@pytest.mark.parametrize(("change", "line", "col", "code"), FAULTS)
def test_each_fault_is_reported_at_its_place(minimal: Path, change: tuple[str, str],
                                             line: int, col: int, code: str) -> None:
    assert change[0] in GOOD
    _write(minimal, GOOD.replace(*change))
    _, problems = check(minimal)
    found = [(p.path, p.line, p.col, p.code) for p in problems if p.is_error]
    assert (SURVEY, line, col, code) in found, problems
    messages = [p.message for p in problems if p.code == code]
    assert all(any("а" <= ch <= "я" for ch in m) for m in messages)  # said in Bulgarian


def test_an_unknown_survey_in_course_yaml_is_reported(minimal: Path) -> None:
    _write(minimal, GOOD, ("    final: t1-final\n",
                           "    final: t1-final\n    surveys: {session: t1-otsenka}\n"))
    _, problems = check(minimal)
    (problem,) = [p for p in problems if p.code == "unknown-survey"]
    assert (problem.path, problem.line) == ("modules/course.yaml", 23)
    assert "t1-ocenka" in problem.message  # did you mean


def test_a_quiz_named_as_a_survey_is_reported(minimal: Path) -> None:
    _write(minimal, GOOD, ("    final: t1-final\n",
                           "    final: t1-final\n    surveys: {topic: first-check}\n"))
    _, problems = check(minimal)
    (problem,) = [p for p in problems if p.code == "unknown-survey"]
    assert "е тест, а не анкета" in problem.message


def test_a_survey_id_taken_by_a_quiz_is_a_duplicate(minimal: Path) -> None:
    _write(minimal, GOOD.replace("id: t1-ocenka", "id: first-check"),
           ("    final: t1-final\n", "    final: t1-final\n"))
    _, problems = check(minimal)
    assert any(p.code == "duplicate-id" for p in problems), problems


def test_an_unknown_key_in_surveys_is_reported(minimal: Path) -> None:
    _write(minimal, GOOD, ("    final: t1-final\n",
                           "    final: t1-final\n    surveys: {sesion: t1-ocenka}\n"))
    _, problems = check(minimal)
    assert any(p.code == "unknown-key" and "session" in p.message for p in problems)


def test_surveys_are_compiled_and_read_back(minimal: Path, tmp_path: Path) -> None:
    _write(minimal, GOOD)
    course, _ = check(minimal)
    build(minimal, tmp_path / "out", jobs=1)
    compiled = read_compiled(tmp_path / "out")
    assert compiled.surveys["t1-ocenka"] == survey_from_dict(survey_to_dict(course.surveys[0]))
    assert compiled.surveys["t1-ocenka"].questions == tuple(
        SurveyQuestion(q.id, q.type, q.text, q.required, q.choices, q.labels, q.max_length)
        for q in course.surveys[0].questions)
    topic = compiled.topics[0]
    assert (topic.session_survey, topic.topic_survey) == ("t1-ocenka", "t1-ocenka")
    assert "t1-ocenka" not in compiled.quizzes


def test_the_programmes_surveys_are_clean() -> None:
    course, problems = check(REPO)
    assert not [p for p in problems if p.path.endswith("-ocenka-sesiya.yaml")
                or p.path.endswith("-ocenka-tema.yaml")]
    assert course.manifest is not None
    for topic in course.manifest.topics:
        assert topic.session_survey and topic.topic_survey, topic.id
    assert all(6 <= len(s.questions) <= 10 for s in course.surveys)


def test_tally_counts_and_means() -> None:
    likert = SurveyQuestion("a", "likert", "Добре беше.", True, labels=LIKERT_LABELS)
    result = tally(likert, [4, 4, 3, None, 9, "x", True])
    assert result.counts == (0, 0, 0, 1, 2) and result.answered == 3
    assert result.mean == pytest.approx((4 + 5 + 5) / 3)
    multiple = SurveyQuestion("b", "multiple", "Кое?", False, choices=("А", "Б"))
    assert tally(multiple, [[0, 1], [1], []]).counts == (1, 2)
    open_ = SurveyQuestion("c", "open", "Защо?", False)
    assert tally(open_, ["Добре", "", None]).texts == ("Добре",)


def test_results_need_five_responses() -> None:
    assert MIN_RESPONSES == 5
    assert not shown(4) and shown(5)
