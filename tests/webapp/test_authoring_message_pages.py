"""The refusals of the course and question forms are HTML pages, not their source as text."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from tests.webapp.conftest import People, login

QUIZ = "quizzes/osnovi/obshtinata-proverka.yaml"


@pytest.mark.parametrize(("url", "status", "cp1251"), [
    ("/trainer/authoring/course/new-module?topic=nyama", 404, False),
    ("/trainer/authoring/course/rename?module=nyama", 404, False),
    ("/trainer/authoring/questions/?file=modules/course.yaml", 404, False),
    (f"/trainer/authoring/questions/edit?file={QUIZ}&id=q999", 404, False),
    (f"/trainer/authoring/questions/edit?file={QUIZ}&type=nonsense", 404, False),
    (f"/trainer/authoring/questions/?file={QUIZ}", 409, True),  # the forms cannot read it
])
def test_a_refusal_is_an_html_page(client: FlaskClient, people: People, course_root: Path,
                                   url: str, status: int, cp1251: bool) -> None:
    if cp1251:
        quiz = course_root / QUIZ
        quiz.write_bytes(quiz.read_text(encoding="utf-8").encode("cp1251"))
    login(client, "trainer")
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert '<p class="flash flash-error" role="alert">' in response.get_data(as_text=True)
