"""Quiz statistics and knowledge gain pages: the numbers, and who is counted for whom."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path

import pytest
from babel.numbers import format_decimal
from flask import Flask
from flask.testing import FlaskClient
from sqlmodel import select

from course.attempts import to_display
from course.build import build
from course.grading import correct_response
from course.stats import AttemptScores, quiz_stats
from tests.webapp.conftest import PASSWORD, People, login
from webapp import db
from webapp.models import Attempt, Group, GroupMember, GroupTrainer, User
from webapp.services import accounts, attempts, quiz_tallies, statistics

PRETEST, FINAL = "osnovi-vhoden", "osnovi-final"
# Which questions of the pre-test each learner gets right (the rest are left unanswered).
RIGHT = {
    "ivan": {"v-single", "v-multiple", "v-true-false", "v-text", "v-number"},
    "maria": {"v-single", "v-true-false"},
    "georgi": {"v-multiple", "v-match", "v-order"},
}


def take(app: Flask, build_dir: Path, user: User, quiz_id: str,
         right: Collection[str] | int) -> Attempt:
    """A finished attempt by ``user``: the questions in ``right`` (ids, or the first n drawn)
    answered correctly, the others left unanswered."""
    with app.app_context():
        database = db.session()
        learner = database.get(User, user.id)
        assert learner is not None
        quiz = attempts.load_quiz(build_dir, quiz_id)
        attempt = attempts.start(database, learner, quiz)
        drawn = attempts.slots(attempt)
        chosen = ({s.question.id for s in drawn[:right]} if isinstance(right, int)
                  else set(right))
        answers = {s.question.id: to_display(s.question, s.drawn, correct_response(s.question))
                   for s in drawn if s.question.id in chosen}
        done = attempts.submit(database, attempt, answers)
        assert done.state == "submitted"
        database.expunge(done)
        return done


def scores_of(attempt: Attempt) -> AttemptScores:
    """The attempt as course.stats expects it, read straight off the stored results."""
    assert attempt.results is not None
    return AttemptScores({slot["question"]["id"]: (r["score"] / r["points"], r["points"])
                          for slot, r in zip(attempt.questions, attempt.results, strict=True)},
                         attempt.percent)


def cell(page: str, cell_id: str) -> str:
    match = re.search(rf'id="{cell_id}">(.*?)</td>', page, re.S)
    assert match, cell_id
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def question_cell(page: str, question_id: str, stat: str) -> str:
    row = re.search(rf'<tr id="q-{question_id}".*?</tr>', page, re.S)
    assert row, question_id
    match = re.search(rf'data-stat="{stat}">(.*?)</td>', row.group(0), re.S)
    assert match
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def shown(value: float | None, pattern: str = "0.0") -> str:
    return "—" if value is None else format_decimal(value, pattern, locale="bg")


def everyone_takes_the_pretest(app: Flask, build_dir: Path, people: People) -> dict[str, Attempt]:
    return {name: take(app, build_dir, user, PRETEST, RIGHT[name])
            for name, user in (("ivan", people.learner), ("maria", people.councillor),
                               ("georgi", people.stranger))}


def test_learners_may_not_see_statistics(app: Flask, client: FlaskClient, build_dir: Path,
                                          people: People) -> None:
    login(client, "ivan")
    for url in ("/trainer/stats/", f"/trainer/stats/quiz/{PRETEST}", "/trainer/stats/gain"):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient) -> None:
    assert client.get("/trainer/stats/").status_code in (302, 401)


def test_trainer_counts_only_their_learners(app: Flask, client: FlaskClient, build_dir: Path,
                                            people: People) -> None:
    taken = everyone_takes_the_pretest(app, build_dir, people)
    mine = quiz_stats([scores_of(taken["ivan"]), scores_of(taken["maria"])])
    assert mine.alpha is not None  # the same seven questions in both attempts
    login(client, "trainer")
    index = client.get("/trainer/stats/").get_data(as_text=True)
    row = re.search(rf'<tr id="quiz-{PRETEST}">.*?</tr>', index, re.S)
    assert row and re.findall(r'class="num">(\d+)</td>', row.group(0)) == ["2", "2"]

    page = client.get(f"/trainer/stats/quiz/{PRETEST}").get_data(as_text=True)
    assert cell(page, "stat-attempts") == "2" and cell(page, "stat-learners") == "2"
    assert cell(page, "stat-mean") == shown(mine.mean)
    assert cell(page, "stat-mean") == shown((taken["ivan"].percent + taken["maria"].percent) / 2)
    assert cell(page, "stat-median") == shown(mine.median)
    assert cell(page, "stat-sd") == shown(mine.sd)
    assert cell(page, "stat-alpha") == shown(100 * mine.alpha)
    assert cell(page, "stat-error-ratio") == shown(mine.error_ratio)
    assert cell(page, "stat-standard-error") == shown(mine.standard_error)
    by_id = {q.question_id: q for q in mine.questions}
    for qid, stats in by_id.items():
        assert question_cell(page, qid, "facility") == shown(stats.facility), qid
        assert question_cell(page, qid, "sd") == shown(stats.sd), qid
        assert question_cell(page, qid, "discrimination") == shown(stats.discrimination), qid
        assert question_cell(page, qid, "efficiency") == shown(stats.efficiency), qid
    # Both got v-single right, only Ivan v-multiple; Georgi's v-match never counts here.
    assert question_cell(page, "v-single", "facility") == shown(100)
    assert question_cell(page, "v-multiple", "facility") == shown(50)
    assert question_cell(page, "v-match", "facility") == shown(0)
    # Everyone right: no spread, so no correlation to compute — shown as "—", not an error.
    assert question_cell(page, "v-single", "sd") == shown(0)
    assert question_cell(page, "v-single", "discrimination") == "—"
    assert 'class="table-scroll" tabindex="0"' in page and "<caption>" in page
    assert '<th scope="col">' in page and '<th scope="row">' in page


def test_admin_counts_every_learner(app: Flask, client: FlaskClient, build_dir: Path,
                                    people: People) -> None:
    taken = everyone_takes_the_pretest(app, build_dir, people)
    everyone = quiz_stats([scores_of(a) for a in taken.values()])
    login(client, "admin")
    page = client.get(f"/trainer/stats/quiz/{PRETEST}").get_data(as_text=True)
    assert cell(page, "stat-attempts") == "3"
    assert cell(page, "stat-mean") == shown(everyone.mean)
    assert cell(page, "stat-sd") == shown(everyone.sd)
    assert question_cell(page, "v-match", "facility") == shown(100 / 3)
    assert question_cell(page, "v-single", "discrimination") == shown(
        {q.question_id: q for q in everyone.questions}["v-single"].discrimination)


def test_choice_frequencies_count_only_visible_learners(app: Flask, client: FlaskClient,
                                                        build_dir: Path, people: People) -> None:
    everyone_takes_the_pretest(app, build_dir, people)
    login(client, "trainer")
    page = client.get(f"/trainer/stats/quiz/{PRETEST}").get_data(as_text=True)
    table = re.search(r'id="choices-v-multiple".*?</table>', page, re.S)
    assert table
    counts = [int(n) for n in re.findall(r'class="num">(\d+)</td>', table.group(0))]
    # Ivan picked the right choices, Maria left it unanswered (the last row); Georgi is not here.
    assert counts[-1] == 1 and sum(counts[:-1]) >= 1 and "(верен отговор)" in table.group(0)


def test_first_attempts_by_default_every_attempt_on_request(app: Flask, client: FlaskClient,
                                                            build_dir: Path,
                                                            people: People) -> None:
    take(app, build_dir, people.learner, FINAL, 0)
    take(app, build_dir, people.learner, FINAL, 2)
    login(client, "trainer")
    first = client.get(f"/trainer/stats/quiz/{FINAL}").get_data(as_text=True)
    assert cell(first, "stat-attempts") == "1" and cell(first, "stat-mean") == shown(0)
    every = client.get(f"/trainer/stats/quiz/{FINAL}?attempts=all").get_data(as_text=True)
    assert cell(every, "stat-attempts") == "2" and cell(every, "stat-mean") == shown(50)
    assert cell(every, "stat-learners") == "1"


def test_knowledge_gain_shows_the_normalised_gain(app: Flask, client: FlaskClient,
                                                  build_dir: Path, people: People) -> None:
    pre = take(app, build_dir, people.learner, PRETEST, RIGHT["maria"])  # 2 of 7 right
    take(app, build_dir, people.learner, PRETEST, RIGHT["ivan"])  # a later pre-test: ignored
    take(app, build_dir, people.learner, FINAL, 1)  # one of two: 50 %
    take(app, build_dir, people.learner, FINAL, 2)  # the best final: 100 %
    take(app, build_dir, people.stranger, PRETEST, 0)  # not the trainer's learner
    take(app, build_dir, people.stranger, FINAL, 2)
    assert pre.percent is not None and 0 < pre.percent < 100
    # Ivan only (Georgi is not the trainer's): g = (100 − pre) / (100 − pre) = 1, mastery 100 %.
    login(client, "trainer")
    page = client.get("/trainer/stats/gain").get_data(as_text=True)
    topic = re.search(r'id="gain-topic".*?</table>', page, re.S)
    assert topic
    nums = re.findall(r'class="num"[^>]*>(.*?)</td>', topic.group(0), re.S)
    assert nums == ["1", shown(pre.percent), shown(100), shown(1, "0.00"), "100 %"]
    for table in ("gain-group", "gain-organisation", "gain-audience"):
        assert f'id="{table}"' in page
    assert "Съветници – Смолян, пролет 2027" in page and "Смолян" in page


def test_knowledge_gain_with_a_partial_final(app: Flask, client: FlaskClient, build_dir: Path,
                                             people: People) -> None:
    pre = take(app, build_dir, people.councillor, PRETEST, RIGHT["maria"])
    post = take(app, build_dir, people.councillor, FINAL, 1)
    assert pre.percent is not None and post.percent is not None
    gain = (post.percent - pre.percent) / (100 - pre.percent)  # Hake's g, by hand
    login(client, "admin")
    page = client.get("/trainer/stats/gain").get_data(as_text=True)
    topic = re.search(r'id="gain-topic".*?</table>', page, re.S)
    assert topic
    nums = re.findall(r'class="num"[^>]*>(.*?)</td>', topic.group(0), re.S)
    mastered = "100 %" if post.percent >= 50 else "0 %"  # the final's pass mark is 50
    assert nums == ["1", shown(pre.percent), shown(post.percent), shown(gain, "0.00"), mastered]


def test_one_trainer_never_sees_another_trainers_learners(app: Flask, client: FlaskClient,
                                                          build_dir: Path,
                                                          people: People) -> None:
    with app.app_context():
        database = db.session()
        other = User(username="petar", name="Петър Обучителев", role="trainer")
        accounts.set_password(other, PASSWORD)
        group = Group(name="Служители – Мадан")
        database.add_all([other, group])
        database.commit()
        database.add_all([GroupTrainer(group_id=group.id, user_id=other.id),
                          GroupMember(group_id=group.id, user_id=people.stranger.id)])
        database.commit()
    taken = everyone_takes_the_pretest(app, build_dir, people)
    login(client, "petar")
    page = client.get(f"/trainer/stats/quiz/{PRETEST}").get_data(as_text=True)
    assert cell(page, "stat-attempts") == "1"
    assert cell(page, "stat-mean") == shown(taken["georgi"].percent)
    assert question_cell(page, "v-single", "facility") == shown(0)  # Ivan, Maria unseen
    first = app.test_client()
    login(first, "trainer")
    page = first.get(f"/trainer/stats/quiz/{PRETEST}").get_data(as_text=True)
    assert cell(page, "stat-attempts") == "2"
    assert question_cell(page, "v-match", "facility") == shown(0)  # Georgi's right answer unseen


def test_a_new_submission_changes_the_cached_statistics(app: Flask, client: FlaskClient,
                                                        build_dir: Path, people: People,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        ) -> None:
    take(app, build_dir, people.learner, PRETEST, RIGHT["ivan"])
    login(client, "admin")
    url = f"/trainer/stats/quiz/{PRETEST}"
    before = client.get(url).get_data(as_text=True)
    assert cell(before, "stat-attempts") == "1"
    with app.test_request_context():
        admin = db.session().get(User, people.admin.id)
        assert admin is not None
        quiz = attempts.load_quiz(build_dir, PRETEST)
        kept = statistics.quiz_report(db.session(), admin, quiz)
        with monkeypatch.context() as patched:  # kept in the shared cache: no SQL aggregation
            patched.setattr(quiz_tallies, "read", None)
            again = statistics.quiz_report(db.session(), admin, quiz)
        assert again.stats == kept.stats and again.learners == kept.learners == 1
        assert [r.frequencies for r in again.rows] == [r.frequencies for r in kept.rows]
        every = statistics.quiz_report(db.session(), admin, quiz, first_only=False)
        assert not every.first_only and kept.first_only
    take(app, build_dir, people.councillor, PRETEST, RIGHT["maria"])
    after = client.get(url).get_data(as_text=True)
    assert cell(after, "stat-attempts") == "2" and cell(after, "stat-learners") == "2"
    assert question_cell(after, "v-multiple", "facility") == shown(50)
    # A learner who leaves the trainer's view takes their attempt out of the trainer's numbers.
    login(client, "trainer")
    assert cell(client.get(url).get_data(as_text=True), "stat-attempts") == "2"
    with app.app_context():
        for member in db.session().exec(select(GroupMember).where(
                GroupMember.user_id == people.councillor.id)):
            db.session().delete(member)
        db.session().commit()
    assert cell(client.get(url).get_data(as_text=True), "stat-attempts") == "1"


def test_mastery_is_the_final_passed_as_the_checklist_decides_it(
        app: Flask, client: FlaskClient, course_root: Path, build_dir: Path,
        people: People) -> None:
    # A final graded on the last attempt, passed (100 %) and then failed (0 %): its best is
    # above the pass mark, but the final is not passed, so the learner has not mastered it.
    final = course_root / "quizzes/osnovi/osnovi-final.yaml"
    final.write_text(final.read_text(encoding="utf-8").replace(
        "pass_mark: 50\n", "pass_mark: 50\ngrading: last\n"), encoding="utf-8")
    build(course_root, build_dir, jobs=1)
    take(app, build_dir, people.learner, PRETEST, RIGHT["maria"])
    take(app, build_dir, people.learner, FINAL, 2)
    take(app, build_dir, people.learner, FINAL, 0)
    login(client, "trainer")
    page = client.get("/trainer/stats/gain").get_data(as_text=True)
    topic = re.search(r'id="gain-topic".*?</table>', page, re.S)
    assert topic
    nums = re.findall(r'class="num"[^>]*>(.*?)</td>', topic.group(0), re.S)
    assert nums[0] == "1" and nums[2] == shown(100)  # the best final, what they showed
    assert nums[-1] == "0 %"  # not passed, as the checklist and the dashboard say
