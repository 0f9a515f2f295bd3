"""Completion rules, on the real course and on hand-made rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from course.build import check
from course.completion import (
    PROGRAMME,
    Facts,
    Requirement,
    certificates_due,
    checklist,
    evaluate,
    programme_complete,
    requirement,
    track_requirements,
)
from course.model import CompletionRule
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
