"""The review between sessions (issue 18 item 3): cards from the self-checks of the modules
studied, the due count on the home page, rounds of 5 and 20, grading on the server, a resent
answer, other learners' cards, changed questions, the trainers' figures and erasure."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from fsrs import Rating
from sqlmodel import select
from werkzeug.test import TestResponse

from course.build import build
from tests.webapp.conftest import People, csrf_token, login
from webapp import db
from webapp.models import ModuleProgress, ReviewCard, ReviewLog, User, utcnow
from webapp.services import erasure, review

QUIZ = "obshtinata-proverka"
QUIZ_FILE = Path("quizzes/osnovi/obshtinata-proverka.yaml")
# Six questions of three types, the first one the fixture's own.
QUESTIONS = [
    {"id": "q1", "type": "true-false", "text": "Общината е юридическо лице.", "answer": True,
     "explanation": "Така гласи Конституцията.", "ref": "obshtinata#kakvo-e"},
    {"id": "q2", "type": "single", "text": "Кой избира кмета?",
     "choices": [{"text": "Гражданите", "correct": True, "feedback": "Да, пряко."},
                 {"text": "Съветът", "feedback": "Не: съветът не избира кмета."}]},
    *({"id": f"q{n}", "type": "text", "text": f"Въпрос {n}: как се казва органът?",
       "answers": [{"text": "съвет", "weight": 100}]} for n in range(3, 7)),
]


def write_quiz(course_root: Path, questions: list[dict[str, object]]) -> None:
    path = course_root / QUIZ_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["questions"] = questions
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def build_dir(course_root: Path) -> Path:
    write_quiz(course_root, QUESTIONS)
    out = course_root / "build"
    build(course_root, out, jobs=1)
    return out


def studied(app: Flask, user: User, module_id: str, days_ago: float = 2) -> None:
    when = utcnow() - timedelta(days=days_ago)
    with app.app_context():
        database = db.session()
        database.add(ModuleProgress(user_id=user.id, module_id=module_id, topic_id="osnovi",
                                    first_opened_at=when, last_opened_at=when, studied_at=when))
        database.commit()


def opened(app: Flask, user: User, module_id: str) -> None:
    with app.app_context():
        database = db.session()
        database.add(ModuleProgress(user_id=user.id, module_id=module_id, topic_id="osnovi"))
        database.commit()


def cards(app: Flask, user: User) -> list[ReviewCard]:
    with app.app_context():
        return list(db.session().exec(select(ReviewCard).where(
            ReviewCard.user_id == user.id).order_by(ReviewCard.id)).all())


def logs(app: Flask, user: User) -> list[ReviewLog]:
    with app.app_context():
        return list(db.session().exec(select(ReviewLog).where(
            ReviewLog.user_id == user.id).order_by(ReviewLog.id)).all())


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)


def card_id_of(page: str) -> int:
    found = re.search(r'action="/review/card/(\d+)"', page)
    assert found, page
    return int(found.group(1))


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found
    return found.group(1)


def answer_shown(client: FlaskClient, page: str, right: bool = True) -> TestResponse:
    """Answer the question on ``page`` (right or wrong) and post it as the form would."""
    card = card_id_of(page)
    form = {"csrf_token": hidden(page, "csrf_token"), "reps": hidden(page, "reps"),
            "left": hidden(page, "left"), "shown_at": hidden(page, "shown_at")}
    qid = hidden(page, "shown")
    form["shown"] = qid
    if 'value="true"' in page:
        form[f"a.{qid}"] = "true" if right else "false"
    elif 'type="radio"' in page:
        labels = re.findall(r'<label for="ans-[^"]+-(\d)"[^>]*>([^<]+)</label>', page)
        wanted = "Гражданите" if right else "Съветът"
        form[f"a.{qid}"] = next(i for i, label in labels if label.strip() == wanted)
    else:
        form[f"a.{qid}"] = "съвет" if right else "кмет"
    return client.post(f"/review/card/{card}", data=form)


def test_cards_come_from_the_self_checks_of_studied_modules_only(
        app: Flask, ivan: FlaskClient, people: People) -> None:
    opened(app, people.learner, "savetat")  # opened, not studied: no cards
    ivan.get("/")
    assert cards(app, people.learner) == []
    studied(app, people.learner, "obshtinata")
    ivan.get("/")
    made = cards(app, people.learner)
    assert sorted(c.question_id for c in made) == [f"q{n}" for n in range(1, 7)]
    assert {c.quiz_id for c in made} == {QUIZ}
    assert all(c.retired_at is None and c.reps == 0 for c in made)
    ivan.get("/review")
    assert len(cards(app, people.learner)) == 6  # made once


def test_a_new_card_is_due_the_day_after_the_module_was_studied(
        app: Flask, ivan: FlaskClient, people: People) -> None:
    studied(app, people.learner, "obshtinata", days_ago=0.5)
    page = text(ivan.get("/"))
    # No panel for nothing to do: one line under the topics says so and leads there.
    assert "home-review" not in page and "Нищо за преговор днес" in page
    assert 'href="/review"' in page
    assert "/review/next" not in text(ivan.get("/review"))


def test_the_home_page_shows_how_many_are_due_and_links_to_the_review(
        app: Flask, ivan: FlaskClient, people: People) -> None:
    page = text(ivan.get("/"))
    assert "home-review" not in page  # nothing studied: no review yet
    studied(app, people.learner, "obshtinata")
    page = text(ivan.get("/"))
    assert "6 въпроса за преговор днес" in page
    assert 'href="/review"' in page


@pytest.mark.parametrize("size", [5, 20])
def test_a_round_is_5_or_20_questions(app: Flask, ivan: FlaskClient, people: People,
                                      size: int) -> None:
    studied(app, people.learner, "obshtinata")
    page = text(ivan.get("/review"))
    assert f'href="/review/next?left={size}"' in page
    response = ivan.get(f"/review/next?left={size}")
    answered = 0
    while response.status_code == 200 and "/review/card/" in text(response):
        result = answer_shown(ivan, text(response))
        assert result.status_code == 302
        answered += 1
        response = ivan.get(result.headers["Location"])
        onward = re.search(r'class="button" href="([^"]+)"', text(response))
        assert onward
        response = ivan.get(onward.group(1).replace("&amp;", "&"))
    assert answered == min(size, 6)
    assert len(logs(app, people.learner)) == answered
    assert response.status_code == 302 and response.headers["Location"] == "/review"
    page = text(ivan.get("/review"))
    assert ("Кръгът приключи" if size == 5 else "Днес няма повече въпроси") in page


def test_the_answer_is_graded_on_the_server_and_the_key_is_not_in_the_page(
        app: Flask, ivan: FlaskClient, people: People) -> None:
    studied(app, people.learner, "obshtinata")
    page = text(ivan.get("/review/next?left=5"))
    assert "Конституцията" not in page  # the explanation comes with the result
    assert "съвет</" not in page and "Да, пряко" not in page and "weight" not in page
    result = answer_shown(ivan, page, right=False)
    shown = text(ivan.get(result.headers["Location"]))
    assert "Грешно" in shown and "Верен отговор" in shown and "Конституцията" in shown
    log = logs(app, people.learner)[0]
    assert log.result == "wrong" and log.rating == int(Rating.Again)
    assert log.rated_by == "derived" and log.score == 0
    card = next(c for c in cards(app, people.learner) if c.id == log.card_id)
    assert card.reps == 1 and card.last_review is not None
    assert card.due - card.last_review == review.SCHEDULER.learning_steps[0]


def test_a_right_answer_then_the_learners_own_rating(
        app: Flask, ivan: FlaskClient, people: People) -> None:
    studied(app, people.learner, "obshtinata")
    page = text(ivan.get("/review/next?left=5"))
    result_url = answer_shown(ivan, page, right=True).headers["Location"]
    shown = text(ivan.get(result_url))
    assert "Вярно" in shown
    for label in ("Не си спомних", "Трудно", "Добре", "Лесно"):
        assert label in shown
    log = logs(app, people.learner)[0]
    assert log.result == "correct" and log.rating == int(Rating.Easy)  # quick: easy
    token = csrf_token(ivan, result_url)
    rate_url = f"/review/answer/{log.id}/rate"
    assert ivan.post(rate_url, data={"csrf_token": token, "rating": "2",
                                     "left": "4"}).status_code == 302
    rated = logs(app, people.learner)[0]
    assert rated.rating == int(Rating.Hard) and rated.rated_by == "learner"
    card = next(c for c in cards(app, people.learner) if c.id == log.card_id)
    with app.app_context():
        expected, _log = review.SCHEDULER.review_card(
            review.fsrs_card(ReviewCard(id=card.id, user_id=card.user_id, module_id="",
                                        quiz_id="", question_id="", question_key="",
                                        state=log.before_state, step=log.before_step,
                                        due=log.before_due)), Rating.Hard, log.reviewed_at)
    assert card.due == expected.due and card.state == int(expected.state)
    # Rating again changes nothing.
    ivan.post(rate_url, data={"csrf_token": token, "rating": "4", "left": "4"})
    assert logs(app, people.learner)[0].rating == int(Rating.Hard)
    assert next(c for c in cards(app, people.learner) if c.id == card.id).due == card.due


def test_a_rating_must_be_one_of_the_four(app: Flask, ivan: FlaskClient, people: People) -> None:
    studied(app, people.learner, "obshtinata")
    result_url = answer_shown(ivan, text(ivan.get("/review/next?left=5"))).headers["Location"]
    log = logs(app, people.learner)[0]
    token = csrf_token(ivan, result_url)
    for bad in ("0", "5", "x", ""):
        response = ivan.post(f"/review/answer/{log.id}/rate",
                             data={"csrf_token": token, "rating": bad})
        assert response.status_code == 302
    assert logs(app, people.learner)[0].rated_by == "derived"


def test_csrf_is_required(app: Flask, ivan: FlaskClient, people: People) -> None:
    studied(app, people.learner, "obshtinata")
    page = text(ivan.get("/review/next?left=5"))
    response = ivan.post(f"/review/card/{card_id_of(page)}", data={"reps": "0"})
    assert response.status_code == 400
    assert logs(app, people.learner) == []


def test_a_second_submit_of_the_same_answer_changes_nothing(
        app: Flask, ivan: FlaskClient, people: People) -> None:
    studied(app, people.learner, "obshtinata")
    page = text(ivan.get("/review/next?left=5"))
    first = answer_shown(ivan, page, right=False)
    before = {c.id: (c.due, c.reps) for c in cards(app, people.learner)}
    second = answer_shown(ivan, page, right=True)
    assert second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert len(logs(app, people.learner)) == 1
    assert {c.id: (c.due, c.reps) for c in cards(app, people.learner)} == before


def test_another_learners_card_and_answer_are_not_found(
        app: Flask, client: FlaskClient, people: People) -> None:
    studied(app, people.learner, "obshtinata")
    login(client, "ivan")
    page = text(client.get("/review/next?left=5"))
    card = card_id_of(page)
    result_url = answer_shown(client, page).headers["Location"]
    log = logs(app, people.learner)[0]
    other = app.test_client()
    login(other, "georgi")
    token = csrf_token(other, "/review")
    assert other.post(f"/review/card/{card}", data={"csrf_token": token, "reps": "1"}
                      ).status_code == 404
    assert other.get(result_url).status_code == 404
    assert other.post(f"/review/answer/{log.id}/rate",
                      data={"csrf_token": token, "rating": "3"}).status_code == 404
    assert other.post("/review/card/99999999999", data={"csrf_token": token}
                      ).status_code == 404


def test_a_changed_question_retires_its_card_and_keeps_the_others(
        app: Flask, ivan: FlaskClient, people: People, course_root: Path,
        build_dir: Path) -> None:
    studied(app, people.learner, "obshtinata")
    ivan.get("/")
    answer_shown(ivan, text(ivan.get("/review/next?left=5")))
    old = {c.question_id: c for c in cards(app, people.learner)}
    changed = [dict(q) for q in QUESTIONS]
    changed[1] = {**changed[1], "choices": [{"text": "Гражданите"},
                                            {"text": "Съветът", "correct": True}]}
    changed[2] = {**changed[2], "text": "Въпрос 3: как се нарича органът?"}  # wording only
    write_quiz(course_root, changed[:-1])  # and q6 is removed
    build(course_root, build_dir, jobs=1)
    ivan.get("/review")
    now = {(c.question_id, c.question_key): c for c in cards(app, people.learner)}
    live = {qid: c for (qid, _key), c in now.items() if c.retired_at is None}
    assert sorted(live) == ["q1", "q2", "q3", "q4", "q5"]
    assert live["q2"].id != old["q2"].id and live["q2"].reps == 0  # a new card
    for qid in ("q1", "q3", "q4", "q5"):
        assert live[qid].id == old[qid].id  # kept, with their history
        assert (live[qid].reps, live[qid].due) == (old[qid].reps, old[qid].due)
    retired = {c.question_id for c in now.values() if c.retired_at is not None}
    assert retired == {"q2", "q6"}


def test_trainers_see_the_review_activity_of_their_groups(
        app: Flask, client: FlaskClient, people: People) -> None:
    studied(app, people.learner, "obshtinata")
    login(client, "ivan")
    for _ in range(2):
        page = text(client.get("/review/next?left=5"))
        answer_shown(client, page)
    staff = app.test_client()
    login(staff, "trainer")
    page = text(staff.get("/review/groups"))
    row = re.search(r"Съветници – Смолян, пролет 2027</a></th>(.*?)</tr>", page, re.S)
    assert row
    figures = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert figures == ["2", "2", "1 от 2", "4"]
    group_page = text(staff.get("/trainer/groups/1"))
    assert ("Преговор между срещите: 2 отговора за 7 дни, 2 за 30; 1 обучаеми преговаряха "
            "тази седмица; 4 въпроса чакат преговор.") in group_page
    assert 'href="/review/groups"' in group_page
    with app.app_context():
        found = review.group_activity(db.session(), [1], utcnow() + timedelta(days=8))
    assert found[1].reviews_7 == 0 and found[1].reviews_30 == 2
    assert app.test_client().get("/review/groups").status_code == 302  # signed out
    login(client, "ivan")
    assert client.get("/review/groups").status_code == 403


def test_erasure_deletes_the_learners_cards_and_review_log(
        app: Flask, ivan: FlaskClient, people: People) -> None:
    studied(app, people.learner, "obshtinata")
    studied(app, people.councillor, "obshtinata")
    answer_shown(ivan, text(ivan.get("/review/next?left=5")))
    maria = app.test_client()
    login(maria, "maria")
    maria.get("/review")
    with app.app_context():
        database = db.session()
        learner = database.get(User, people.learner.id)
        admin = database.get(User, people.admin.id)
        assert learner is not None and admin is not None
        erasure.pseudonymise(database, learner, admin, "web", Path(app.instance_path))
        database.commit()
    assert cards(app, people.learner) == [] and logs(app, people.learner) == []
    assert len(cards(app, people.councillor)) == 6  # only the erased learner's
