"""The learner's way through the course on the web (issue 14): the home page's one next step
and the facts one tap away, the way on at a module's end and after its self-check, and a
locked module that says first what opens it.

The webapp-mini course, with ``savetat`` made to require ``obshtinata``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event as sa_event
from sqlmodel import col, select
from werkzeug.test import TestResponse

from tests.conftest import copy_course
from tests.webapp.blended import make_session
from webapp import db
from webapp.models import Attempt, Attendance, ModuleProgress, utcnow

from .conftest import MINI, People, login, submit


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    root = copy_course(MINI, tmp_path)
    module = root / "modules" / "osnovi" / "02-savetat.md"
    module.write_text(module.read_text(encoding="utf-8").replace(
        "quiz: savetat-proverka\n", "quiz: savetat-proverka\nrequires: [obshtinata]\n"),
        encoding="utf-8")
    return root


def text(response: TestResponse) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def step(page: str) -> str:
    """The home page's next-step panel."""
    found = re.search(r'<section class="panel[^"]*home-step.*?</section>', page, re.S)
    assert found, "no next step on the home page"
    return found.group(0)


def way_on(page: str) -> str:
    """The block that offers the next module ("" if there is none)."""
    found = re.search(r'<section class="panel next-step".*?</section>', page, re.S)
    return found.group(0) if found else ""


def studied(client: FlaskClient, module_id: str) -> TestResponse:
    return submit(client, f"/learn/{module_id}/studied", {}, page=f"/learn/{module_id}")


def test_a_new_learner_starts_here(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    found = step(text(client.get("/")))
    assert "Започнете оттук" in found and 'href="/learn/obshtinata"' in found
    assert "Продължете откъдето спряхте" not in found
    # The topic's pre-test first, if they like: it measures what they knew before.
    assert "Преди да започнете, входящият тест" in found
    assert 'href="/quiz/osnovi-vhoden"' in found


def test_then_continues_where_they_left_off(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    client.get("/learn/obshtinata")
    found = step(text(client.get("/")))
    assert "Продължете откъдето спряхте" in found and 'href="/learn/obshtinata"' in found
    studied(client, "obshtinata")
    found = step(text(client.get("/")))
    assert "Продължете откъдето спряхте" in found and 'href="/learn/savetat"' in found
    assert "Следващият модул след последния, който изучихте." in found
    client.get("/learn/savetat")
    studied(client, "savetat")
    found = step(text(client.get("/")))
    assert "Време е за заключителния тест" in found and 'href="/quiz/osnovi-final"' in found


def test_a_test_in_progress_comes_first(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    response = submit(client, "/quiz/osnovi-final/start", {}, page="/quiz/osnovi-final")
    attempt = response.location
    found = step(text(client.get("/")))
    assert "Незавършен тест" in found and f'href="{attempt}"' in found
    assert "Продължи опита" in found and "Заключителен тест" in found


def test_every_fact_of_the_old_home_page_is_still_there(client: FlaskClient,
                                                          people: People, app: Flask) -> None:
    make_session(app, people.trainer, starts_in=timedelta(days=2), title="Първо занятие")
    make_session(app, people.trainer, starts_in=timedelta(days=9), title="Второ занятие")
    with app.app_context():
        database = db.session()
        database.add(Attempt(user_id=people.learner.id, quiz_id="osnovi-vhoden",
                             quiz_version="v", topic_id="osnovi", kind="pre-test", seed="s",
                             questions=[], state="submitted", submitted_at=utcnow(),
                             percent=40))
        database.commit()
    login(client, "ivan")
    page = text(client.get("/"))
    # The next session, first; the later one and the calendar feed one tap away.
    first = page.index("Следващо присъствено занятие")
    assert first < page.index("Първо занятие") < page.index("Моите теми")
    more = page.split('<details class="home-more" id="sessions">')[1].split("</details>")[0]
    assert "Второ занятие" in more and "/calendar/" in more and "/calendar/renew" in more
    assert 'href="/sessions/checkin"' in page
    # The topic: required, hours, pre-test, next module, final test, checklist, modules.
    topic = page.split('id="topic-osnovi"')[1].split("</li>\n    \n  </ol>")[0]
    assert "0 от 2 модула" in topic and '<progress max="2" value="0"' in topic
    assert "Заключителен тест: предстои" in topic
    details = topic.split('<details class="topic-details">')[1]
    for fact in ("Задължителна", "Присъствено: 4 ч.", "Онлайн: 3 ч.", "Входящ тест: направен",
                 'href="/learn/obshtinata"', 'href="/learn/savetat"', 'href="/quiz/osnovi-final"',
                 "Какво остава до сертификата", "Присъствени занятия: 0 от 3 часа посетени",
                 "Модули: 0 от 2 изучени", "Към заключителния тест"):
        assert fact in details, fact
    # The results and the certificates.
    assert "Покажи резултатите (1)" in page and 'href="/attempt/' in page
    assert 'href="/certificates/mine"' in page or 'href="/certificates/"' in page


def test_a_complete_topic_says_so_with_its_certificate(client: FlaskClient, people: People,
                                                       app: Flask) -> None:
    found = make_session(app, people.trainer, starts_in=timedelta(days=-2), hours=4)
    with app.app_context():
        database = db.session()
        for module_id in ("obshtinata", "savetat"):
            database.add(ModuleProgress(user_id=people.learner.id, module_id=module_id,
                                        topic_id="osnovi", studied_at=utcnow()))
        database.add(Attempt(user_id=people.learner.id, quiz_id="osnovi-final",
                             quiz_version="v", topic_id="osnovi", kind="final", seed="s",
                             pass_mark=50, questions=[], state="submitted",
                             submitted_at=utcnow(), percent=90, passed=True))
        database.add(Attendance(session_id=found.id, user_id=people.learner.id,
                                status="present"))
        database.commit()
    login(client, "ivan")
    client.get("/certificates/mine")  # issues what is due
    page = text(client.get("/"))
    topic = page.split('id="topic-osnovi"')[1].split("</details>")[0]
    assert 'class="topic-progress topic-complete"' in page
    assert "Завършена" in topic and "Заключителен тест: издържан (90%)" in topic


def test_studying_lands_on_the_way_on(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    client.get("/learn/obshtinata")
    response = studied(client, "obshtinata")
    assert response.status_code == 302
    assert response.location == "/learn/obshtinata#module-end"
    page = text(client.get(response.location))
    end = page.split('id="module-end"')[1]
    assert "Отбелязано като изучено." in page
    assert 'href="/quiz/obshtinata-proverka"' in end  # the self-check, optional
    found = way_on(end)
    assert "Следващ модул" in found and 'href="/learn/savetat"' in found
    assert 'href="/#topic-osnovi"' in found and "Обратно към темата" in found
    # The page again, now from the page cache: the same way on.
    again = text(client.get("/learn/obshtinata"))
    assert way_on(again) == found and "\x1b" not in again


def test_the_cached_page_carries_each_learners_own_way_on(app: Flask, people: People) -> None:
    ivan, maria = app.test_client(), app.test_client()
    login(ivan, "ivan")
    login(maria, "maria")
    for module_id in ("obshtinata", "savetat"):
        ivan.get(f"/learn/{module_id}")
        studied(ivan, module_id)
    maria.get("/learn/obshtinata")
    studied(maria, "obshtinata")
    mine, theirs = text(ivan.get("/learn/obshtinata")), text(maria.get("/learn/obshtinata"))
    assert "Изучихте модулите от тази тема" in way_on(mine)
    assert 'href="/quiz/osnovi-final"' in way_on(mine)
    assert "Следващ модул" in way_on(theirs) and 'href="/learn/savetat"' in way_on(theirs)
    assert "osnovi-final" not in way_on(theirs)
    # A module not studied yet offers no way on: only the button.
    assert way_on(text(maria.get("/learn/savetat"))) == ""


def test_a_self_check_result_offers_the_next_module(client: FlaskClient,
                                                    people: People) -> None:
    login(client, "ivan")
    client.get("/learn/obshtinata")
    studied(client, "obshtinata")
    response = submit(client, "/quiz/obshtinata-proverka/start", {},
                      page="/quiz/obshtinata-proverka")
    attempt = response.location
    submit(client, f"{attempt}/submit", {}, page=f"{attempt}/submit")
    page = text(client.get(f"{attempt}/review"))
    found = way_on(page)
    assert "Следващ модул" in found and 'href="/learn/savetat"' in found
    assert page.index("result-panel") < page.index('class="panel next-step"')
    # Not after a final test: its result page says what comes next itself.
    response = submit(client, "/quiz/osnovi-final/start", {}, page="/quiz/osnovi-final")
    final = response.location
    submit(client, f"{final}/submit", {}, page=f"{final}/submit")
    assert way_on(text(client.get(f"{final}/review"))) == ""


def test_a_locked_module_says_first_what_opens_it(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    page = text(client.get("/learn/savetat"))
    notice = page.index("Първо изучете тези модули")
    assert notice < page.index("Учебни цели")
    assert re.search(r'<ul class="locked-modules">\s*<li><a href="/learn/obshtinata"[^>]*>'
                     r"Общината</a></li>", page)
    assert "Изучих този модул" not in page and "reading-grid" not in page
    # Marking it studied anyway is refused, in Bulgarian, back on the page.
    response = studied(client, "savetat")
    assert response.location == "/learn/savetat"
    assert "Първо изучете модулите" in text(client.get("/learn/savetat"))


def test_the_english_home_page_says_the_same(client: FlaskClient, people: People) -> None:
    login(client, "ivan")
    with client.session_transaction() as cookie:
        cookie["lang"] = "en"
    page = text(client.get("/"))
    assert "Start here" in step(page) and "0 of 2 modules" in page
    assert "Final test: not taken yet" in page and "Details and modules" in page
    client.get("/learn/obshtinata")
    studied(client, "obshtinata")
    assert "Next module" in way_on(text(client.get("/learn/obshtinata")))


@pytest.mark.parametrize(("starts_in", "button"), [
    (timedelta(minutes=-10), True), (timedelta(days=1), False)], ids=["running", "tomorrow"])
def test_check_in_is_the_big_button_while_a_session_runs(
        client: FlaskClient, people: People, app: Flask, starts_in: timedelta,
        button: bool) -> None:
    make_session(app, people.trainer, starts_in=starts_in)
    login(client, "ivan")
    page = text(client.get("/"))
    panel = page.split('<section class="panel home-sessions"')[1].split("</section>")[0]
    assert 'href="/sessions/checkin"' in panel
    assert ('class="button button-primary" href="/sessions/checkin"' in panel) is button


def test_the_home_page_never_reads_the_attempts_snapshots(client: FlaskClient, people: People,
                                                           app: Flask) -> None:
    """A learner who took a self-check forty times: the home page lists the results from
    the attempts' small columns, never decoding forty snapshots of questions and answers."""
    assert people.learner.id is not None
    forty_tries(app, people.learner.id, [{"big": "x" * 2000}])
    login(client, "ivan")
    with statements_of(app) as statements:
        page = text(client.get("/"))
    assert "Покажи резултатите (10)" in page
    assert any("FROM attempt" in s for s in statements)
    # Only the open attempts (here none) are read whole: one past its deadline is graded.
    whole = [s for s in statements if "attempt.questions" in s or "attempt.results" in s]
    assert all("attempt.state = " in s.split("WHERE", 1)[1] for s in whole), whole


def test_the_quiz_page_and_a_review_read_one_snapshot_at_most(client: FlaskClient,
                                                                people: People, app: Flask) -> None:
    """Forty tries at a self-check: its page and a review read the tries' small columns;
    only the attempt under review is read whole."""
    assert people.learner.id is not None
    last = forty_tries(app, people.learner.id, [])
    login(client, "ivan")
    with statements_of(app) as statements:
        assert client.get("/quiz/obshtinata-proverka").status_code == 200
        review = client.get(f"/attempt/{last}/review")
    assert review.status_code == 200, review.status_code
    whole = [s for s in statements if "attempt.questions" in s]
    # The reviewed attempt by its id, and the open ones (none) a deadline may close.
    assert all("attempt.id = " in s or "attempt.state = " in s for s in whole), whole


def forty_tries(app: Flask, learner_id: int, snapshot: list[dict[str, str]]) -> int:
    """Forty submitted tries at the ``obshtinata`` self-check; the id of the last."""
    with app.app_context():
        database = db.session()
        for number in range(1, 41):
            database.add(Attempt(user_id=learner_id, quiz_id="obshtinata-proverka",
                                 quiz_version="v", topic_id="osnovi", kind="self-check",
                                 seed="s", number=number, questions=snapshot, results=snapshot,
                                 state="submitted", submitted_at=utcnow(), percent=50,
                                 points=0, score=0))
        database.commit()
        last = database.exec(select(Attempt.id).order_by(col(Attempt.id).desc())).first()
    assert last is not None
    return last


@contextmanager
def statements_of(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def seen(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine()
        sa_event.listen(engine, "before_cursor_execute", seen)
        try:
            yield statements
        finally:
            sa_event.remove(engine, "before_cursor_execute", seen)
