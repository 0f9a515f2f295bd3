"""What a learner does next, chosen on the repository's own course: the next module of the
track (skipping what is studied, the prerequisite first), a finished topic's final test and
the next topic, and the home page's one step."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from course import rules
from course.build import build
from course.compiled import CompiledCourse, read_compiled
from course.rules import History, Try
from tests.conftest import REPO
from webapp.services import completion, progress
from webapp.services.next_step import LearnerFacts, after_module, home_step, to_study

NOW = datetime(2027, 3, 12, 9, tzinfo=UTC)
SAMOUPRAVLENIE = ["osnovi-na-samoupravlenieto", "obshtinskiyat-savet",
                  "kmetat-i-administraciyata", "normativni-aktove-na-obshtinata",
                  "prozrachnost-i-uchastie"]
RESURSI = ["obshtinskiyat-byudzhet", "mestni-danaci-i-taksi", "obshtinska-sobstvenost",
           "obshtinski-dalg", "obshtestveni-porachki"]  # and koncesii-i-pchp: councillors'


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> CompiledCourse:
    out = tmp_path_factory.mktemp("real-build")
    build(REPO, out, jobs=1)
    return read_compiled(out)


def facts(course: CompiledCourse, studied: Iterable[str] = (), audience: str = "councillors",
          finals: Iterable[tuple[str, float]] = ()) -> LearnerFacts:
    """A learner's facts: the modules studied, the final tests taken (with their percents)."""
    tries = tuple(Try(quiz, NOW + timedelta(minutes=n), n + 1, percent, 60.0)
                  for n, (quiz, percent) in enumerate(finals))
    history = History(tries, frozenset(studied))
    outcome = rules.outcome(completion.requirements(course, audience), history,
                            dict.fromkeys(course.quizzes, "highest"))
    used: dict[str, int] = {}
    for t in tries:
        used[t.quiz_id] = used.get(t.quiz_id, 0) + 1
    return LearnerFacts(progress.track(course, audience), outcome, history.studied, used)


@dataclass
class Record:
    module_id: str
    last_opened_at: datetime
    studied_at: datetime | None
    position: str = ""


def records(*studied: str, reading: str = "") -> dict[str, Record]:
    found = {m: Record(m, NOW + timedelta(minutes=n), NOW + timedelta(minutes=n))
             for n, m in enumerate(studied)}
    if reading:
        found[reading] = Record(reading, NOW + timedelta(hours=1), None, "kvorum")
    return found


def test_the_next_module_in_order(course: CompiledCourse) -> None:
    after = after_module(course, facts(course, SAMOUPRAVLENIE[:1]),
                         course.modules[SAMOUPRAVLENIE[0]])
    assert after.module is not None and after.module.id == SAMOUPRAVLENIE[1]
    assert not after.finished and after.opens is None and after.final is None
    assert after.topic is not None and after.topic.id == "samoupravlenie"


def test_modules_already_studied_are_skipped_and_the_order_wraps(
        course: CompiledCourse) -> None:
    studied = SAMOUPRAVLENIE[:3]
    after = after_module(course, facts(course, studied), course.modules[SAMOUPRAVLENIE[0]])
    assert after.module is not None and after.module.id == SAMOUPRAVLENIE[3]
    # The last module studied first: the one skipped at the start comes next.
    studied = SAMOUPRAVLENIE[1:]
    after = after_module(course, facts(course, studied), course.modules[SAMOUPRAVLENIE[4]])
    assert after.module is not None and after.module.id == SAMOUPRAVLENIE[0]
    assert not after.finished


def test_a_locked_next_module_offers_its_prerequisite(course: CompiledCourse) -> None:
    # After "Общинската собственост" comes "Общинският дълг", which needs the budget.
    after = after_module(course, facts(course, ["obshtinska-sobstvenost"]),
                         course.modules["obshtinska-sobstvenost"])
    assert after.module is not None and after.module.id == "obshtinskiyat-byudzhet"
    assert after.opens is not None and after.opens.id == "obshtinski-dalg"


def test_a_chain_of_prerequisites_is_followed_to_the_first_open_one(
        course: CompiledCourse) -> None:
    wanted, opens = to_study(course, course.modules["rolyata-na-saveta-v-proektite"],
                             frozenset())
    assert wanted.id == "es-i-mestnite-vlasti"
    assert opens is not None and opens.id == "rolyata-na-saveta-v-proektite"
    wanted, opens = to_study(course, course.modules["programi-2021-2027"],
                             frozenset({"es-i-mestnite-vlasti"}))
    assert wanted.id == "programi-2021-2027" and opens is None


def test_a_finished_topic_offers_its_final_test_and_the_next_topic(
        course: CompiledCourse) -> None:
    after = after_module(course, facts(course, SAMOUPRAVLENIE),
                         course.modules[SAMOUPRAVLENIE[-1]])
    assert after.finished
    assert after.final is not None and after.final.id == "samoupravlenie-final"
    assert after.next_topic is not None and after.next_topic.id == "resursi"
    assert after.module is not None and after.module.id == RESURSI[0]
    # Passed, or every attempt used: no final test to offer.
    passed = facts(course, SAMOUPRAVLENIE, finals=[("samoupravlenie-final", 80)])
    assert after_module(course, passed, course.modules[SAMOUPRAVLENIE[0]]).final is None
    used = facts(course, SAMOUPRAVLENIE, finals=[("samoupravlenie-final", 10)] * 3)
    assert course.quizzes["samoupravlenie-final"].attempts == 3
    assert after_module(course, used, course.modules[SAMOUPRAVLENIE[0]]).final is None
    failed = facts(course, SAMOUPRAVLENIE, finals=[("samoupravlenie-final", 10)])
    assert after_module(course, failed, course.modules[SAMOUPRAVLENIE[0]]).final is not None


def test_a_module_outside_the_learners_track_does_not_hold_the_topic_open(
        course: CompiledCourse) -> None:
    # Concessions are the councillors' alone: an employee's topic is finished without them.
    after = after_module(course, facts(course, RESURSI, audience="employees"),
                         course.modules[RESURSI[-1]])
    assert after.finished and after.final is not None and after.final.id == "resursi-final"


def test_nothing_left(course: CompiledCourse) -> None:
    everything = [m for item in progress.track(course, "councillors") for m in
                  item.topic.module_ids]
    finals = [(t.final, 90.0) for t in course.topics]
    done = facts(course, everything, finals=finals)
    after = after_module(course, done, course.modules[SAMOUPRAVLENIE[0]])
    assert after.finished and after.module is None and after.final is None
    assert home_step(course, done, records(*everything)).kind == "done"


def test_a_new_learner_starts_with_the_first_module_or_their_specialisms(
        course: CompiledCourse) -> None:
    step = home_step(course, facts(course), {})
    assert step.kind == "start" and step.module is not None
    assert step.module.id == SAMOUPRAVLENIE[0]
    first = [course.modules["programi-2021-2027"], course.modules["obshtinski-dalg"]]
    step = home_step(course, facts(course, audience="employees"), {}, first)
    assert step.kind == "start" and step.module is not None
    assert step.module.id == "es-i-mestnite-vlasti"  # what opens the first recommended
    assert step.opens is not None and step.opens.id == "programi-2021-2027"


def test_the_home_step_continues_a_module_half_read(course: CompiledCourse) -> None:
    step = home_step(course, facts(course, SAMOUPRAVLENIE[:1]),
                     records(SAMOUPRAVLENIE[0], reading="obshtinskiyat-byudzhet"))
    assert step.kind == "continue" and step.module is not None
    assert step.module.id == "obshtinskiyat-byudzhet" and step.position == "kvorum"


def test_a_module_opened_before_the_last_one_studied_does_not_hold_the_home_step(
        course: CompiledCourse) -> None:
    found = records(SAMOUPRAVLENIE[0], reading="obshtinskiyat-byudzhet")
    found["obshtinskiyat-byudzhet"].last_opened_at = NOW - timedelta(days=1)
    step = home_step(course, facts(course, SAMOUPRAVLENIE[:1]), found)
    assert step.kind == "next" and step.module is not None
    assert step.module.id == SAMOUPRAVLENIE[1]


def test_the_home_step_goes_on_from_the_module_studied_last(course: CompiledCourse) -> None:
    studied = [SAMOUPRAVLENIE[0], RESURSI[0]]
    step = home_step(course, facts(course, studied), records(*studied))
    assert step.kind == "next" and step.module is not None
    assert step.module.id == RESURSI[1]
    step = home_step(course, facts(course, SAMOUPRAVLENIE), records(*SAMOUPRAVLENIE))
    assert step.kind == "final" and step.final is not None
    assert step.final.id == "samoupravlenie-final"


def test_a_final_test_due_elsewhere_once_nothing_is_left_to_study(
        course: CompiledCourse) -> None:
    everything = [m for item in progress.track(course, "councillors") for m in
                  item.topic.module_ids]
    finals = [(t.final, 90.0) for t in course.topics if t.id != "samoupravlenie"]
    step = home_step(course, facts(course, everything, finals=finals), records(*everything))
    assert step.kind == "final" and step.final is not None
    assert step.final.id == "samoupravlenie-final"
    assert step.topic is not None and step.topic.id == "samoupravlenie"
