"""The web editor shows dobro check's messages: the YAML error's own cause, no follow-ons."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from tests.webapp.conftest import People, csrf_token, login

QUIZ = "quizzes/osnovi/obshtinata-proverka.yaml"
EDIT = f"/trainer/authoring/edit?file={QUIZ}"
PREVIEW = f"/trainer/authoring/preview?file={QUIZ}"


def test_a_misindented_key_is_an_indentation_error_and_nothing_more(
        client: FlaskClient, people: People, course_root: Path) -> None:
    login(client, "trainer")
    quiz = (
        "schema: 1\nid: obshtinata-proverka\ntitle: Самопроверка – Общината\nkind: self-check\n"
        "questions:\n  - id: q1\n    type: true-false\n    text: Общината е юридическо лице.\n"
        "      answer: true\n    explanation: Така гласи Конституцията.\n"
    )
    response = client.post(PREVIEW, json={"text": quiz},
                           headers={"X-CSRFToken": csrf_token(client, EDIT)})
    assert response.status_code == 200
    items = response.get_json()["items"]
    errors = [(p["path"], p["line"], p["col"], p["code"])
              for p in items if p["severity"] == "error"]
    assert errors == [(QUIZ, 9, 7, "yaml-indent")], items
    (own,) = [p for p in items if p["code"] == "yaml-indent"]
    assert "„answer“" in own["message"] and "кавички" not in own["message"]
