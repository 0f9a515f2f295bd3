"""Taking quizzes in the browser: pages, saving, submitting, time limits, review, and safety.

The fixture quiz ``osnovi-vhoden`` has one question of every type (seven: two pages).
Variants (attempts allowed, a time limit, a review policy) are made by editing the
test's copy of the course and rebuilding it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import select
from werkzeug.test import TestResponse

from course.attempts import to_display
from course.build import build
from course.grading import correct_response
from tests.conftest import REPO
from tests.webapp.conftest import People, csrf_token, login, submit
from webapp import db
from webapp.models import Answer, Attempt, utcnow
from webapp.services import attempts
from webapp.services.attempts import Slot

QUIZ = "osnovi-vhoden"
QUIZ_FILE = Path("quizzes/osnovi/osnovi-vhoden.yaml")
SHOWN = re.compile(r'name="shown" value="([^"]+)"')
TIME_UP = "Времето изтече; опитът е оценен със запазените отговори"


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def start(client: FlaskClient, quiz_id: str = QUIZ) -> int:
    """Press "Start" on the quiz's overview; return the attempt's id."""
    response = submit(client, f"/quiz/{quiz_id}/start", {}, page=f"/quiz/{quiz_id}")
    assert response.status_code == 302, text(response)
    match = re.fullmatch(r"/attempt/(\d+)", response.location)
    assert match, response.location
    return int(match.group(1))


def load(app: Flask, attempt_id: int) -> Attempt:
    with app.app_context():
        found = db.session().get(Attempt, attempt_id)
        assert found is not None
        return found


def saved(app: Flask, attempt_id: int) -> dict[str, Any]:
    with app.app_context():
        rows = db.session().exec(select(Answer).where(Answer.attempt_id == attempt_id)).all()
        return {row.question_id: row.response for row in rows}


def fields(slot: Slot, display: Any) -> dict[str, Any]:
    """Form fields that give ``display`` (a response in display positions), as a browser sends."""
    question, name = slot.question, f"a.{slot.question.id}"
    if question.type == "multiple":
        return {name: [str(p) for p in sorted(display)]}
    if question.type == "true-false":
        return {name: "true" if display else "false"}
    if question.type == "match":
        return {f"{name}.{left}": str(pos) for left, pos in display.items()}
    if question.type == "order":
        return {f"{name}.{item}": str(place + 1) for place, item in enumerate(display)}
    return {name: str(display)}


def right_fields(slot: Slot) -> dict[str, Any]:
    question = slot.question
    display = to_display(question, slot.drawn, correct_response(question))
    if question.type == "number":
        display = "13"
    return fields(slot, display)


def page_fields(page: str, slots: list[Slot]) -> tuple[list[Slot], dict[str, Any]]:
    """The slots shown on an attempt page and the fields answering them all right."""
    shown = SHOWN.findall(page)
    on_page = [s for s in slots if s.question.id in shown]
    data: dict[str, Any] = {"shown": shown}
    for slot in on_page:
        data.update(right_fields(slot))
    return on_page, data


def answer_everything(client: FlaskClient, app: Flask, attempt_id: int) -> None:
    """Answer every question right, page by page, with the page forms (no JavaScript)."""
    slots = attempts.slots(load(app, attempt_id))
    url = f"/attempt/{attempt_id}"
    for number in (1, 2):
        page = text(client.get(f"{url}?page={number}"))
        _, data = page_fields(page, slots)
        go = "next" if number == 1 else "submit"
        response = submit(client, f"{url}?page={number}", {**data, "go": go},
                          page=f"{url}?page={number}")
        assert response.status_code == 302
    assert response.location == f"/attempt/{attempt_id}/submit"


def quiz_key(build_dir: Path, quiz_id: str = QUIZ) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((build_dir / "quizzes" / f"{quiz_id}.json")
                                      .read_text(encoding="utf-8"))
    return data


def rebuild(course_root: Path, quiz_file: Path = QUIZ_FILE, **settings: Any) -> None:
    """Change a quiz's settings (None drops one) or questions and rebuild the course."""
    path = course_root / quiz_file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(settings)
    for key in [k for k, v in settings.items() if v is None]:
        del data[key]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    build(course_root, course_root / "build", jobs=1)


@pytest.fixture(autouse=True)
def close_the_pool(app: Flask) -> Iterator[None]:
    """Close the app's pooled connections (PostgreSQL warns about ones left to the GC)."""
    yield
    db_engine: Engine = app.extensions["dobro.engine"]
    db_engine.dispose()


# --- Overview and starting ----------------------------------------------------------------


def test_overview_shows_the_settings_and_a_start_button(ivan: FlaskClient) -> None:
    page = text(ivan.get(f"/quiz/{QUIZ}"))
    assert "<h1>Входен тест – Основи</h1>" in page and "Входен тест" in page
    assert "<dd>7</dd>" in page  # questions
    assert "без ограничение" in page and "Брои се най-добрият ви опит." in page
    assert "Започни опит" in page and f'action="/quiz/{QUIZ}/start"' in page

    final = text(ivan.get("/quiz/osnovi-final"))
    assert "Праг за успех" in final and "50 %" in final and "<dd>2</dd>" in final


def test_quiz_pages_need_a_signed_in_learner_and_a_real_quiz(client: FlaskClient,
                                                             people: People) -> None:
    assert client.get(f"/quiz/{QUIZ}").status_code == 302  # to the sign-in page
    login(client, "ivan")
    assert client.get("/quiz/no-such-quiz").status_code == 404
    assert client.get("/quiz/osnovi-banka").status_code == 404  # a pool is not a quiz
    no_quiz = submit(client, "/quiz/osnovi-banka/start", {}, page=f"/quiz/{QUIZ}")
    assert no_quiz.status_code == 404


def test_two_tabs_starting_get_one_attempt(ivan: FlaskClient, app: Flask) -> None:
    first, second = start(ivan), start(ivan)
    assert first == second
    page = text(ivan.get(f"/quiz/{QUIZ}"))
    assert "Продължи опита" in page
    with app.app_context():
        assert len(db.session().exec(select(Attempt)).all()) == 1


# --- Answering and submitting -------------------------------------------------------------


def test_all_right_across_pages_gives_full_marks(ivan: FlaskClient, app: Flask) -> None:
    attempt_id = start(ivan)
    first = text(ivan.get(f"/attempt/{attempt_id}"))
    assert len(SHOWN.findall(first)) == 5 and "Страница 1 от 2" in first
    answer_everything(ivan, app, attempt_id)
    confirm = text(ivan.get(f"/attempt/{attempt_id}/submit"))
    assert "Отговорили сте на 7 от 7 въпроса." in confirm
    response = submit(ivan, f"/attempt/{attempt_id}/submit", {},
                      page=f"/attempt/{attempt_id}/submit")
    assert response.location == f"/attempt/{attempt_id}/review"
    review = text(ivan.get(response.location))
    assert "<strong>100 %</strong>" in review and "7 от 7 точки" in review
    assert "Познавате основите добре." in review  # the quiz's feedback band
    assert "Тайно-обяснение-бюджет." in review and "вярно" in review
    assert "Тайна-обратна-връзка-съвет." in review  # the chosen choice's feedback
    assert "Тайна-обратна-връзка-кмет." not in review  # ... and only that one
    assert 'href="/learn/savetat#kvorum"' in review  # the section a question tests
    found = load(app, attempt_id)
    assert (found.state, found.percent) == ("submitted", 100)
    overview = text(ivan.get(f"/quiz/{QUIZ}"))
    assert "Вашата оценка: 100 %" in overview and "Започни нов опит" in overview


def test_saved_answers_fill_the_form_again(ivan: FlaskClient, app: Flask) -> None:
    attempt_id = start(ivan)
    answer_everything(ivan, app, attempt_id)
    slots = attempts.slots(load(app, attempt_id))
    for number in (1, 2):
        page = text(ivan.get(f"/attempt/{attempt_id}?page={number}"))
        on_page, data = page_fields(page, slots)
        for slot in on_page:
            for name, value in right_fields(slot).items():
                for one in value if isinstance(value, list) else [value]:
                    if slot.question.type in ("match", "order"):
                        select_html = page[page.index(f'name="{name}"'):]
                        select_html = select_html[:select_html.index("</select>")]
                        assert f'<option value="{one}" selected' in select_html, name
                    elif slot.question.type in ("text", "number"):
                        assert f'name="{name}" value="{one}"' in page
                    else:
                        assert re.search(rf'name="{re.escape(name)}" value="{one}"\s*checked',
                                         page), name
    assert "<span data-answered>7</span> от 7 отговорени" in page


def test_an_open_attempt_never_shows_the_answer_key(ivan: FlaskClient, app: Flask,
                                                    build_dir: Path) -> None:
    key = quiz_key(build_dir)
    secrets = ["weight", "correct", "explanation", "feedback"]
    for question in key["questions"]:
        secrets.append(question["explanation"])
        secrets += [c["feedback"] for c in question.get("choices", []) if c.get("feedback")]
        secrets += [a["text"] for a in question.get("text_answers", [])]
        secrets += [a["feedback"] for a in question.get("text_answers", []) if a.get("feedback")]
        secrets += [question[k] for k in ("feedback_true", "feedback_false", "feedback_other")
                    if question.get(k)]
    attempt_id = start(ivan)
    assert "7 въпроса са без отговор:" in text(ivan.get(f"/attempt/{attempt_id}/submit"))
    urls = [f"/attempt/{attempt_id}?page=1", f"/attempt/{attempt_id}?page=2",
            f"/attempt/{attempt_id}/submit", f"/quiz/{QUIZ}"]
    for url in urls:
        page = text(ivan.get(url)).lower()
        for secret in secrets:
            assert secret.lower() not in page, (url, secret)
    # ... even once it is answered (the learner's own typed answer is shown back, of course)
    answer_everything(ivan, app, attempt_id)
    typed = {"общински съвет"}
    for url in urls:
        page = text(ivan.get(url)).lower()
        assert not [s for s in secrets if s.lower() in page and s not in typed], url


def test_answers_are_saved_without_and_with_javascript(ivan: FlaskClient, app: Flask) -> None:
    attempt_id = start(ivan)
    slots = {s.question.id: s for s in attempts.slots(load(app, attempt_id))}
    url = f"/attempt/{attempt_id}"
    # no JavaScript: the page's own form
    response = submit(ivan, url, {"shown": "v-text", "a.v-text": "Общински съвет", "go": "stay"},
                      page=url)
    assert response.status_code == 302 and response.location == f"{url}?page=1"
    assert saved(app, attempt_id)["v-text"] == "Общински съвет"
    # JavaScript: JSON with the header token
    token = csrf_token(ivan, url)
    body = {"answers": {"shown": ["v-number", "v-multiple"], "a.v-number": "12,5",
                        "a.v-multiple": fields(slots["v-multiple"], {0, 1})["a.v-multiple"]}}
    response = ivan.post(f"{url}/save", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200, text(response)
    assert response.json is not None and response.json["saved"] == 2
    assert response.json["saved_at"]
    # ... or form-encoded
    response = ivan.post(f"{url}/save", data={"a.v-true-false": "false"},
                         headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json == {**response.json, "saved": 1}
    answers = saved(app, attempt_id)
    assert answers["v-number"] == "12,5" and answers["v-true-false"] is False
    assert sorted(answers["v-multiple"]) == sorted(slots["v-multiple"].drawn.order[p]
                                                   for p in (0, 1))
    assert answers["v-text"] == "Общински съвет"  # untouched by the later saves


def test_unticking_every_checkbox_clears_the_answer(ivan: FlaskClient, app: Flask) -> None:
    attempt_id = start(ivan)
    url = f"/attempt/{attempt_id}"
    submit(ivan, url, {"shown": "v-multiple", "a.v-multiple": ["0", "1"]}, page=url)
    assert len(saved(app, attempt_id)["v-multiple"]) == 2
    submit(ivan, url, {"shown": "v-multiple"}, page=url)
    assert saved(app, attempt_id)["v-multiple"] == []


def test_a_repeated_submit_keeps_one_grade(ivan: FlaskClient, app: Flask) -> None:
    attempt_id = start(ivan)
    answer_everything(ivan, app, attempt_id)
    url = f"/attempt/{attempt_id}/submit"
    token = csrf_token(ivan, url)
    first = ivan.post(url, data={"csrf_token": token})
    graded = load(app, attempt_id)
    # the back button and a second press: the old page's token, answers that would score 0
    again = ivan.post(url, data={"csrf_token": token, "shown": "v-text", "a.v-text": "не"})
    assert first.location == again.location == f"/attempt/{attempt_id}/review"
    later = load(app, attempt_id)
    assert (later.percent, later.submitted_at) == (graded.percent, graded.submitted_at) == (
        100, graded.submitted_at)
    assert saved(app, attempt_id)["v-text"] != "не"
    # the attempt pages of a closed attempt lead to its review
    assert ivan.get(f"/attempt/{attempt_id}").location == f"/attempt/{attempt_id}/review"
    assert ivan.get(url).location == f"/attempt/{attempt_id}/review"
    save = ivan.post(f"/attempt/{attempt_id}/save", json={"answers": {"a.v-text": "x"}},
                     headers={"X-CSRFToken": token})
    assert save.status_code == 409 and "вече е предаден" in save.json["error"]


def test_an_open_attempt_has_no_review_yet(ivan: FlaskClient) -> None:
    attempt_id = start(ivan)
    response = ivan.get(f"/attempt/{attempt_id}/review")
    assert response.location == f"/attempt/{attempt_id}"


# --- Rules: attempts allowed, time limits ---------------------------------------------------


def test_no_start_when_every_attempt_is_used(ivan: FlaskClient, app: Flask,
                                             course_root: Path) -> None:
    rebuild(course_root, attempts=1)
    attempt_id = start(ivan)
    submit(ivan, f"/attempt/{attempt_id}/submit", {}, page=f"/attempt/{attempt_id}/submit")
    overview = text(ivan.get(f"/quiz/{QUIZ}"))
    assert "позволени: 1, използвани: 1, остават: 0" in overview
    assert f'action="/quiz/{QUIZ}/start"' not in overview
    response = submit(ivan, f"/quiz/{QUIZ}/start", {}, page=f"/attempt/{attempt_id}/review")
    assert response.location == f"/quiz/{QUIZ}"
    assert "Използвахте всички позволени опити за този тест." in text(ivan.get(f"/quiz/{QUIZ}"))
    with app.app_context():
        assert len(db.session().exec(select(Attempt)).all()) == 1
    # with no attempts left, the review shows the right answers (after_close)
    review = text(ivan.get(f"/attempt/{attempt_id}/review"))
    assert "Верен отговор" in review and "Общинският съвет" in review


def test_time_up_closes_the_attempt_with_the_saved_answers(ivan: FlaskClient, app: Flask,
                                                           course_root: Path) -> None:
    rebuild(course_root, time_limit=10)
    attempt_id = start(ivan)
    url = f"/attempt/{attempt_id}"
    page = text(ivan.get(url))
    assert "Ограничение във времето: опитът се затваря в" in page
    assert 'data-seconds-left="' in page
    slots = {s.question.id: s for s in attempts.slots(load(app, attempt_id))}
    submit(ivan, url, {"shown": "v-true-false", **right_fields(slots["v-true-false"])}, page=url)
    token = csrf_token(ivan, url)
    with app.app_context():  # the clock moves on: the deadline is past (and its grace too)
        database = db.session()
        found = database.get(Attempt, attempt_id)
        assert found is not None and found.deadline_at is not None
        found.deadline_at = utcnow() - attempts.GRACE - timedelta(minutes=1)
        database.add(found)
        database.commit()
    late = ivan.post(f"{url}/save", json={"answers": {"a.v-text": "общински съвет"}},
                     headers={"X-CSRFToken": token})
    assert late.status_code == 409 and late.json is not None
    assert late.json["error"] == TIME_UP + "."
    review = text(ivan.get(f"{url}/review"))
    assert TIME_UP in review
    found = load(app, attempt_id)
    assert found.state == "expired" and found.score == 1  # the true-false answer only
    assert "v-text" not in saved(app, attempt_id)


def test_a_page_load_after_the_deadline_closes_the_attempt(ivan: FlaskClient, app: Flask,
                                                           course_root: Path) -> None:
    rebuild(course_root, time_limit=10)
    attempt_id = start(ivan)
    with app.app_context():
        database = db.session()
        found = database.get(Attempt, attempt_id)
        assert found is not None
        found.deadline_at = utcnow() - timedelta(hours=1)
        database.add(found)
        database.commit()
    response = ivan.get(f"/attempt/{attempt_id}?page=2")
    assert response.location == f"/attempt/{attempt_id}/review"
    assert TIME_UP in text(ivan.get(response.location))
    assert load(app, attempt_id).state == "expired"


# --- Privacy and bad input ------------------------------------------------------------------


def test_another_learners_attempt_is_not_found(client: FlaskClient, app: Flask,
                                               people: People) -> None:
    login(client, "ivan")
    attempt_id = start(client)
    open_page = f"/attempt/{attempt_id}"
    token = csrf_token(client, open_page)
    client.post("/logout", data={"csrf_token": token})
    login(client, "georgi")
    token = csrf_token(client, f"/quiz/{QUIZ}")
    for path in (open_page, f"{open_page}/submit", f"{open_page}/review"):
        assert client.get(path).status_code == 404, path
    for path in (open_page, f"{open_page}/submit", f"{open_page}/save"):
        response = client.post(path, data={"csrf_token": token, "a.v-text": "чужд"})
        assert response.status_code == 404, path
    for path in ("/attempt/999999", "/attempt/99999999999999999999/review", "/attempt/x"):
        assert client.get(path).status_code == 404, path
    assert load(app, attempt_id).state == "open" and saved(app, attempt_id) == {}
    assert "Страницата не е намерена" in text(client.get(f"{open_page}/review"))


def test_malformed_answers_are_skipped_and_nothing_saved_is_lost(ivan: FlaskClient,
                                                                 app: Flask) -> None:
    attempt_id = start(ivan)
    url = f"/attempt/{attempt_id}"
    slots = {s.question.id: s for s in attempts.slots(load(app, attempt_id))}
    good: dict[str, Any] = {"shown": list(slots)}
    for slot in slots.values():
        good.update(right_fields(slot))
    submit(ivan, url, good, page=url)
    before = saved(app, attempt_id)
    assert len(before) == 7
    bad = {
        "shown": list(slots) + ["no-such-question"],
        "a.v-single": "първия", "a.v-true-false": "може би", "a.v-multiple": ["-1", "99", "x"],
        "a.v-match.0": "7", "a.v-match.1": "один", "a.v-match.9": "0",
        "a.v-order.0": "0", "a.v-order.1": "4", "a.v-order.2": "²",
        "a.no-such-question": "1", "a.v-single.0": "1", "go": "page-99999",
    }
    response = submit(ivan, url, bad, page=url)
    assert response.status_code == 302 and response.location == f"{url}?page=2"
    assert saved(app, attempt_id) == before
    for go in ("page-x", "prev", "", "page-", "page-" + "9" * 5000, "page-²"):
        response = submit(ivan, f"{url}?page=-3", {"go": go}, page=url)
        assert response.location == f"{url}?page=1", go
    # a 10,000-character answer is cut to the field's length
    submit(ivan, url, {"a.v-text": "дълъг " * 2000, "a.v-number": "1" * 10_000}, page=url)
    after = saved(app, attempt_id)
    assert len(after["v-text"]) == 500 and len(after["v-number"]) == 50
    # JSON that is not the expected shape
    token = csrf_token(ivan, url)
    for body in ('{"answers": [1, 2]}', "[]", "не е json", '{"answers": {"a.v-text": {"x": 1}}}'):
        response = ivan.post(f"{url}/save", data=body, content_type="application/json",
                             headers={"X-CSRFToken": token})
        assert response.status_code in (200, 400), body
        assert response.is_json and ("error" in response.json or response.json["saved"] == 0)
    huge = ivan.post(f"{url}/save", json={"answers": {"a.v-text": "я" * 300_000}},
                     headers={"X-CSRFToken": token})
    assert huge.status_code == 400 and "не можаха да бъдат прочетени" in huge.json["error"]
    assert saved(app, attempt_id) == after
    for page in (f"{url}?page=abc", f"{url}?page=-1", f"{url}?page=99", f"{url}/submit"):
        assert ivan.get(page).status_code == 200, page


def test_two_items_in_one_place_keep_the_first_and_say_so(ivan: FlaskClient,
                                                          app: Flask) -> None:
    attempt_id = start(ivan)
    url = f"/attempt/{attempt_id}"
    response = submit(ivan, url, {"shown": "v-order", "a.v-order.0": "1", "a.v-order.1": "1",
                                  "a.v-order.2": "3"}, page=url)
    number = [s.question.id for s in attempts.slots(load(app, attempt_id))].index("v-order") + 1
    assert f"Въпрос {number}: две точки са на едно и също място" in text(
        ivan.get(response.location))
    order = load(app, attempt_id).questions
    drawn = next(item["order"] for item in order if item["question"]["id"] == "v-order")
    assert saved(app, attempt_id)["v-order"] == [drawn[0], None, drawn[2]]


def test_a_missing_security_token_is_a_clear_400_and_loses_nothing(ivan: FlaskClient,
                                                                   app: Flask) -> None:
    attempt_id = start(ivan)
    url = f"/attempt/{attempt_id}"
    submit(ivan, url, {"a.v-text": "общински съвет"}, page=url)
    for path in (url, f"{url}/submit"):
        response = ivan.post(path, data={"a.v-text": "нищо"})
        assert response.status_code == 400
        page = text(response)
        assert "Формата е изтекла" in page and "Traceback" not in page
    response = ivan.post(f"{url}/save", json={"answers": {"a.v-text": "нищо"}})
    assert response.status_code == 400 and "изтекла" in response.json["error"]
    assert ivan.post(f"/quiz/{QUIZ}/start").status_code == 400
    assert saved(app, attempt_id) == {"v-text": "общински съвет"}
    assert load(app, attempt_id).state == "open"


# --- Review ---------------------------------------------------------------------------------


KEY_MARKS = ("Тайно-обяснение", "Тайна-обратна-връзка", "Обяснение", "Верен отговор",
             "review-state", "review-key", "Въпрос 1", "Вашият отговор")


def test_the_review_shows_only_what_the_policy_allows(ivan: FlaskClient, app: Flask,
                                                      course_root: Path) -> None:
    rebuild(course_root, review={"after_submit": ["score"], "after_close": ["score"]})
    attempt_id = start(ivan)
    answer_everything(ivan, app, attempt_id)
    submit(ivan, f"/attempt/{attempt_id}/submit", {}, page=f"/attempt/{attempt_id}/submit")
    review = text(ivan.get(f"/attempt/{attempt_id}/review"))
    assert "<strong>100 %</strong>" in review
    assert "Познавате основите добре." in review  # the band says no more than the score
    for hidden in KEY_MARKS:
        assert hidden not in review, hidden
    # ... and a review of nothing shows neither the score nor its band
    rebuild(course_root, review={"after_submit": [], "after_close": []})
    review = text(ivan.get(f"/attempt/{attempt_id}/review"))
    assert "100 %" not in review and "Познавате основите добре." not in review
    assert "Отговорите ви са записани." in review


def real_review(name: str) -> dict[str, Any]:
    """The review block of a quiz of the repository's own course."""
    data = yaml.safe_load((REPO / "quizzes/samoupravlenie" / f"{name}.yaml")
                          .read_text(encoding="utf-8"))
    review: dict[str, Any] = data["review"]
    return review


@pytest.mark.parametrize("review", ["course", "default"])
def test_the_pre_test_review_shows_only_the_score(ivan: FlaskClient, app: Flask,
                                                  course_root: Path, review: str) -> None:
    # The course's pre-tests draw from their final's pool: right and wrong would teach its key.
    rebuild(course_root, attempts=1, review=real_review("samoupravlenie-vhoden-test")
            if review == "course" else None)
    attempt_id = start(ivan)
    answer_everything(ivan, app, attempt_id)
    submit(ivan, f"/attempt/{attempt_id}/submit", {}, page=f"/attempt/{attempt_id}/submit")
    page = text(ivan.get(f"/attempt/{attempt_id}/review"))
    for hidden in KEY_MARKS + ("Кой приема бюджета на общината?", "result-later"):
        assert hidden not in page, hidden
    assert "<strong>100 %</strong>" in page and "Познавате основите добре." in page


FINAL = "osnovi-final"
FINAL_FILE = Path("quizzes/osnovi/osnovi-final.yaml")
FINAL_KEY = ("Бюджетът се приема от общинския съвет.", "Чл. 38 ЗМСМА.", "Кметът внася проекта.",
             "Кой приема бюджета на общината?", "Кметът е орган на изпълнителната власт")
BANDS = [{"min": 50, "text": "Лента-успех."}, {"min": 0, "text": "Лента-неуспех."}]
LATER = "Кои отговори са верни, ще видите, когато използвате всичките си опити."


def take_final(client: FlaskClient, app: Flask, right: bool) -> tuple[int, str]:
    """One attempt at the final, every answer right or none given; its id and review."""
    attempt_id = start(client, FINAL)
    url = f"/attempt/{attempt_id}"
    data: dict[str, Any] = {"go": "submit"}
    if right:
        _, data = page_fields(text(client.get(url)), attempts.slots(load(app, attempt_id)))
    submit(client, url, data, page=url)
    response = submit(client, f"{url}/submit", {}, page=f"{url}/submit")
    assert response.location == f"{url}/review"
    return attempt_id, text(client.get(response.location))


def hides_the_key(page: str) -> None:
    for hidden in FINAL_KEY + ("review-state", "review-key", "Верен отговор", "Обяснение"):
        assert hidden not in page, hidden


@pytest.mark.parametrize("review", ["course", "default"])
def test_a_final_shows_its_key_only_when_no_attempt_is_left(ivan: FlaskClient, app: Flask,
                                                            course_root: Path,
                                                            review: str) -> None:
    rebuild(course_root, FINAL_FILE, attempts=2, feedback=BANDS,
            review=real_review("samoupravlenie-final") if review == "course" else None)
    first_id, first = take_final(ivan, app, right=False)
    hides_the_key(first)
    assert "<strong>0 %</strong>" in first and "Тестът не е положен." in first
    assert "Лента-неуспех." in first and LATER in first
    assert "Започни нов опит" in first

    last_id, last = take_final(ivan, app, right=False)
    assert "<strong>0 %</strong>" in last and "Лента-неуспех." in last and LATER not in last
    for shown in ("Кой приема бюджета на общината?", "Кметът е орган на изпълнителната власт",
                  "Бюджетът се приема от общинския съвет.", "Чл. 38 ЗМСМА.", "review-state",
                  "Верен отговор"):
        assert shown in last, shown
    # ... and the first attempt's review shows them now too
    assert "Чл. 38 ЗМСМА." in text(ivan.get(f"/attempt/{first_id}/review"))
    assert last_id != first_id


def test_a_passed_final_keeps_its_key_while_attempts_remain(ivan: FlaskClient, app: Flask,
                                                            course_root: Path) -> None:
    # A pass does not end the attempts (the best one counts): with the key in hand the
    # learner could raise the grade on record and the course's knowledge-gain figures.
    rebuild(course_root, FINAL_FILE, attempts=3, feedback=BANDS,
            review=real_review("samoupravlenie-final"))
    attempt_id, page = take_final(ivan, app, right=True)
    hides_the_key(page)
    assert "<strong>100 %</strong>" in page and "Тестът е положен." in page
    assert "Лента-успех." in page and LATER in page
    overview = text(ivan.get(f"/quiz/{FINAL}"))
    hides_the_key(overview)
    assert load(app, attempt_id).passed


def test_a_rebuilt_quiz_never_changes_a_past_attempt(ivan: FlaskClient, app: Flask,
                                                     course_root: Path) -> None:
    attempt_id = start(ivan)
    answer_everything(ivan, app, attempt_id)
    submit(ivan, f"/attempt/{attempt_id}/submit", {}, page=f"/attempt/{attempt_id}/submit")
    before = load(app, attempt_id)
    path = course_root / QUIZ_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    first = data["questions"][0]
    first["text"] = "Съвсем нов въпрос?"
    first["choices"] = [{"text": "Кметът", "correct": True}, {"text": "Общинският съвет"}]
    data["questions"] = data["questions"][:3]
    rebuild(course_root, questions=data["questions"])
    assert quiz_key(course_root / "build")["version"] != before.quiz_version
    review = text(ivan.get(f"/attempt/{attempt_id}/review"))
    assert "<strong>100 %</strong>" in review and "7 от 7 точки" in review
    assert "Кой приема бюджета на общината?" in review and "Съвсем нов въпрос?" not in review
    after = load(app, attempt_id)
    assert (after.percent, after.questions, after.results) == (
        before.percent, before.questions, before.results)
    # a new attempt draws from the new version
    new_id = start(ivan)
    assert load(app, new_id).quiz_version != before.quiz_version
    assert "Съвсем нов въпрос?" in text(ivan.get(f"/attempt/{new_id}"))


def test_the_quiz_pages_speak_english_too(ivan: FlaskClient) -> None:
    ivan.get("/language?lang=en")
    attempt_id = start(ivan)
    page = text(ivan.get(f"/attempt/{attempt_id}"))
    assert "Question 1" in page and ">Next</button>" in page
    assert '<span class="question-text" lang="bg">' in page
