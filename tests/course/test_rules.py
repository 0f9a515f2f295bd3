"""The rules of ``course.rules``: on the real course, on hand-made rules and plain facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.build import check
from course.model import GRADING_METHODS, CompletionRule, Grading
from course.rules import (
    NO_RESULT,
    PROGRAMME,
    Attended,
    Best,
    Checklists,
    Facts,
    History,
    Progress,
    QuizResult,
    Requirement,
    Try,
    certificates_due,
    checklist,
    evaluate,
    finals_passed,
    hours_attended,
    modules_done,
    outcome,
    passes_by_best,
    programme_complete,
    quiz_result,
    requirement,
    topic_progress,
    track_requirements,
)
from tests.conftest import REPO

TRACKS = ("employees", "councillors", "ngo", "regional")


@pytest.fixture(scope="module")
def real_course() -> tuple[object, object]:
    course, problems = check(REPO)
    assert course.manifest is not None and not problems
    return course.manifest, course.modules


def everything_done(needs: list[Requirement], skip: str = "") -> Facts:
    """The facts of a learner who did all that ``needs`` ask, except the topic ``skip``."""
    return Facts(
        attended_hours={n.topic_id: n.hours_needed for n in needs if n.topic_id != skip},
        studied=frozenset(m for n in needs if n.topic_id != skip for m in n.modules_needed),
        passed_finals=frozenset(n.final_quiz for n in needs if n.topic_id != skip))


@pytest.mark.parametrize("audience", TRACKS)
def test_every_track_is_complete_when_everything_is_done(real_course, audience: str) -> None:
    needs = track_requirements(*real_course, audience)
    statuses = checklist(needs, everything_done(needs))
    assert all(s.complete for s in statuses)
    assert programme_complete(statuses)
    # The real course asks, on every required topic, for hours, modules and the final test.
    for status in statuses:
        assert {c.kind for c in status.checks} == {"hours", "modules", "final"}


@pytest.mark.parametrize("audience", TRACKS)
@pytest.mark.parametrize("missing", ["hours", "module", "final"])
def test_every_track_is_incomplete_when_one_thing_is_missing(real_course, audience: str,
                                                             missing: str) -> None:
    needs = track_requirements(*real_course, audience)
    first = needs[0]
    facts = everything_done(needs)
    if missing == "hours":
        facts = replace(facts, attended_hours={**facts.attended_hours,
                                               first.topic_id: first.hours_needed - 0.5})
    elif missing == "module":
        facts = replace(facts, studied=facts.studied - {first.modules_needed[-1]})
    else:
        facts = replace(facts, passed_finals=facts.passed_finals - {first.final_quiz})
    statuses = checklist(needs, facts)
    assert not statuses[0].complete
    assert all(s.complete for s in statuses[1:])
    assert not programme_complete(statuses)
    undone = [c for c in statuses[0].checks if not c.done]
    assert len(undone) == 1
    if missing == "module":
        assert undone[0].missing == (first.modules_needed[-1],)


def test_councillors_must_take_europe_and_the_others_may(real_course) -> None:
    by_track = {a: {n.topic_id: n.required for n in track_requirements(*real_course, a)}
                for a in TRACKS}
    assert by_track["councillors"]["evropa"] is True
    for audience in ("employees", "ngo", "regional"):
        assert by_track[audience]["evropa"] is False
        needs = track_requirements(*real_course, audience)
        # An optional topic left undone does not hold back the programme certificate.
        statuses = checklist(needs, everything_done(needs, skip="evropa"))
        assert programme_complete(statuses)
        assert not next(s for s in statuses if s.requirement.topic_id == "evropa").complete


def test_a_track_needs_only_the_modules_of_its_audience(real_course) -> None:
    councillors = {n.topic_id: n for n in track_requirements(*real_course, "councillors")}
    employees = {n.topic_id: n for n in track_requirements(*real_course, "employees")}
    assert set(councillors["resursi"].modules_needed) < set(employees["resursi"].modules_needed)


@pytest.mark.parametrize(("modules", "expected"), [
    ("required", ("a",)), ("all", ("a", "b")), ("none", ())])
def test_the_modules_rule(modules: str, expected: tuple[str, ...]) -> None:
    rule = CompletionRule(attended_hours=0, modules=modules, final="none")  # type: ignore[arg-type]
    need = requirement("t", rule, ["a", "b"], ["a"], "t-final", required=True)
    assert need.modules_needed == expected and need.final_quiz == ""


def test_an_optional_topic_asks_for_all_its_modules() -> None:
    need = requirement("t", CompletionRule(), ["a", "b"], [], "t-final", required=False)
    assert need.modules_needed == ("a", "b") and need.final_quiz == "t-final"


def test_hours_count_up_to_the_rule_and_partial_hours_are_reported() -> None:
    need = Requirement("t", True, 6, (), "")
    status = evaluate(need, Facts(attended_hours={"t": 4.5}))
    assert not status.complete and status.checks[0].have == 4.5 and status.checks[0].need == 6
    assert evaluate(need, Facts(attended_hours={"t": 6.0})).complete


def test_a_rule_that_asks_nothing_is_complete_but_no_track_means_no_programme() -> None:
    status = evaluate(Requirement("t", True, 0, (), ""), Facts())
    assert status.complete and status.checks == ()
    assert not programme_complete([])


def test_a_revoked_certificate_is_never_due_again(real_course) -> None:
    manifest, modules = real_course
    needs = track_requirements(manifest, modules, "councillors")
    statuses = checklist(needs, everything_done(needs))
    topics = [n.topic_id for n in needs]
    assert certificates_due(statuses, [], []) == [*topics, PROGRAMME]
    assert certificates_due(statuses, [topics[0]], []) == [*topics[1:], PROGRAMME]
    # A person's revocation stands: neither that topic nor the programme comes back by itself.
    assert certificates_due(statuses, [], [topics[1], PROGRAMME]) == [topics[0], *topics[2:]]
    unfinished = checklist(needs, everything_done(needs, skip=topics[0]))
    assert certificates_due(unfinished, [], []) == topics[1:]


# --- Quiz results, hours, progress and the whole outcome, from plain facts --------------------

T0 = datetime(2027, 3, 1, 10)


def tried(percent: float | None, minutes: int = 0, number: int = 1, pass_mark: float = 50,
          quiz: str = "q", finished: bool = True, passed: bool | None = None) -> Try:
    return Try(quiz, T0 + timedelta(minutes=minutes), number, percent, pass_mark,
               passed if passed is not None else percent is not None and percent >= pass_mark,
               finished)


def test_no_attempt_is_no_result() -> None:
    assert quiz_result("highest", []) == NO_RESULT
    assert quiz_result("last", [tried(None, finished=False)]) == NO_RESULT
    assert not NO_RESULT.passed and NO_RESULT.grade is None


@pytest.mark.parametrize(("grading", "grade", "passed"), [
    ("highest", 90, True), ("last", 20, False), ("first", 90, True), ("average", 55, True)])
def test_passed_then_failed_by_each_grading_method(grading: Grading, grade: float,
                                                   passed: bool) -> None:
    # Given in the wrong order on purpose: the rules take them in the order they started.
    result = quiz_result(grading, [tried(20, minutes=5, number=2), tried(90)])
    assert (result.grade, result.passed, result.best) == (grade, passed, 90)


def test_an_open_attempt_counts_for_nothing() -> None:
    result = quiz_result("last", [tried(90), tried(None, minutes=5, number=2, finished=False)])
    assert result.passed and result.grade == 90


def test_ties_in_time_are_broken_by_the_attempt_number() -> None:
    tries = [tried(20, number=2), tried(90, number=1)]
    assert quiz_result("last", tries).grade == 20
    assert quiz_result("last", list(reversed(tries))).grade == 20
    assert quiz_result("first", tries).grade == 90


def test_the_pass_mark_is_the_latest_attempts() -> None:
    tries = [tried(60, pass_mark=50), tried(60, minutes=5, number=2, pass_mark=70)]
    assert not quiz_result("highest", tries).passed
    assert quiz_result("highest", tries[:1]).passed


def test_the_average_is_rounded_before_it_is_compared() -> None:
    tries = [tried(49.995), tried(50, minutes=1, number=2), tried(50, minutes=2, number=3)]
    assert quiz_result("average", tries) == QuizResult(50.0, True, 50)


def test_a_quiz_gone_from_the_course_keeps_its_passes() -> None:
    tries = [tried(90, passed=True), tried(10, minutes=5, number=2, passed=False)]
    assert quiz_result(None, tries).passed
    assert not quiz_result(None, tries[1:]).passed


def test_hours_add_up_per_topic_and_a_session_of_no_length_counts_nothing() -> None:
    hours = hours_attended([Attended("a", 90), Attended("a", 90), Attended("b", -30)])
    assert hours == {"a": 3.0, "b": 0.0}


@pytest.mark.parametrize(("modules", "counted"), [
    ("required", ("a",)), ("all", ("a", "b")), ("none", ("a",))])
def test_progress_counts_what_the_rule_asks(modules: str, counted: tuple[str, ...]) -> None:
    rule = CompletionRule(modules=modules)  # type: ignore[arg-type]
    need = requirement("t", rule, ["a", "b"], ["a"], "t-final", required=True)
    assert need.counted == counted
    assert topic_progress(need, frozenset({"a"})) == Progress(1, len(counted))


def test_home_progress_and_checklist_agree_under_modules_all() -> None:
    """Issue 12: with ``modules: all`` the home page said 100 % while the checklist said 1 of 2."""
    need = requirement("t", CompletionRule(modules="all", final="none"), ["a", "b"], ["a"],
                       "", required=True)
    decided = outcome([need], History(studied=frozenset({"a"})), {})
    topic = decided.topics[0]
    modules = next(c for c in topic.status.checks if c.kind == "modules")
    assert (topic.progress.studied, topic.progress.total) == (modules.have, modules.need) == (1, 2)
    assert topic.progress.percent == 50


def test_the_outcome_of_a_last_graded_final_passed_then_failed() -> None:
    """Issue 12: the home page said "passed (90 %)" while the checklist said "not passed"."""
    need = requirement("t", CompletionRule(), ["a"], ["a"], "q", required=True, pretest="p")
    history = History((tried(90), tried(20, minutes=5, number=2),
                       tried(30, quiz="p")), frozenset({"a"}))
    decided = outcome([need], history, {"q": "last", "p": "first"})
    topic = decided.topics[0]
    assert topic.final == QuizResult(20, False, 90)
    assert not topic.status.complete and not decided.complete
    assert topic.pretest_done
    assert not decided.finals_passed and decided.modules_done


def test_a_learner_without_a_required_topic_reaches_no_stage() -> None:
    need = requirement("t", CompletionRule(final="none"), ["a"], [], "", required=False)
    decided = outcome([need], History(studied=frozenset({"a"})), {})
    assert decided.topics[0].status.complete
    assert not decided.complete and not decided.modules_done and not decided.finals_passed
    assert certificates_due(decided.statuses, [], []) == ["t"]


def test_a_revoked_and_reissued_certificate_is_not_due() -> None:
    need = requirement("t", CompletionRule(final="none"), ["a"], ["a"], "", required=True)
    statuses = outcome([need], History(studied=frozenset({"a"})), {}).statuses
    assert certificates_due(statuses, [], []) == ["t", PROGRAMME]
    assert certificates_due(statuses, ["t", PROGRAMME], ["t", PROGRAMME]) == []
    assert certificates_due(statuses, [], ["t"]) == [PROGRAMME]


# --- What the reports read in bulk decides as the attempts themselves do ----------------------

tries_strategy = st.lists(st.tuples(st.sampled_from((0.0, 20.0, 49.99, 50.0, 60.0, 90.0, 100.0)),
                                    st.sampled_from((50.0, 60.0)), st.integers(0, 2)),
                          min_size=1, max_size=5)


def _tries(drawn: list[tuple[float, float, int]]) -> list[Try]:
    found, at = [], T0
    for number, (percent, mark, later) in enumerate(drawn, start=1):
        at += timedelta(minutes=later)
        found.append(Try("q", at, number, percent, mark, percent >= mark))
    return found


@settings(max_examples=300)
@given(drawn=tries_strategy, grading=st.sampled_from((*GRADING_METHODS, None)))
def test_the_sums_the_database_reads_decide_as_the_attempts_do(
        drawn: list[tuple[float, float, int]], grading: Grading | None) -> None:
    tries = _tries(drawn)
    percents = [t.percent for t in tries if t.percent is not None]
    marks = [t.pass_mark for t in tries]
    passed = passes_by_best(grading, *Best(max(percents), min(marks), max(marks)))
    if passed is not None:
        assert passed == quiz_result(grading, tries).passed
    # A learner whose best attempt reached no pass mark is decided from the sums: never a pass.
    if max(percents) < min(marks):
        assert passed is False
    # Under ``highest`` with one pass mark the sums always suffice.
    if grading == "highest" and min(marks) == max(marks):
        assert passed is not None


facts_strategy = st.tuples(
    st.frozensets(st.sampled_from(("a1", "a2", "b1", "b2"))),
    st.frozensets(st.sampled_from(("a-final", "b-final"))),
    st.dictionaries(st.sampled_from(("a", "b")), st.sampled_from((0.0, 1.0, 2.0, 2.5))))


@settings(max_examples=200)
@given(learners=st.lists(st.tuples(st.sampled_from(("x", "y")), facts_strategy), max_size=12))
def test_checklists_in_bulk_decide_as_the_checklist_does(
        learners: list[tuple[str, tuple[frozenset[str], frozenset[str], dict[str, float]]]]
) -> None:
    needs = {
        "x": [Requirement("a", True, 2.0, ("a1", "a2"), "a-final"),
              Requirement("b", False, 0.0, ("b1",), "b-final")],
        "y": [Requirement("a", True, 0.0, ("a1",), ""),
              Requirement("b", True, 2.5, ("b1", "b2"), "b-final")],
    }
    bulk = Checklists(needs)
    for audience, (studied, passed, hours) in learners:
        statuses = checklist(needs[audience], Facts(hours, studied, passed))
        found = bulk.verdict(audience, studied, passed, hours)
        assert found == (programme_complete(statuses), modules_done(statuses),
                         finals_passed(statuses))
