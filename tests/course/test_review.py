"""What a learner sees of a finished attempt, and the check that a final's key stays hidden.

A pre-test and a final usually draw from one pool; whatever shows right and wrong per
question before the learner's last attempt at the final teaches the final's key.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from course.build import check
from course.errors import Problem
from course.model import Course, Quiz, Review
from course.quizload import parse_quiz
from course.validate import validate
from tests.conftest import REPO
from tests.course.builders import make_question

CODE = "review-reveals-final"
FULL = ("score", "correctness", "feedback", "explanation", "answers")
TOPICS = ("samoupravlenie", "resursi", "strategia", "evropa")


def leaks(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.code == CODE]


def loaded(root: Path) -> Course:
    course, problems = check(root)
    assert not leaks(problems) and not [p for p in problems if p.is_error]
    return course


def with_quizzes(course: Course, **changes: Quiz) -> Course:
    """The course with some quizzes (by id) replaced and others added."""
    quizzes = [changes.pop(q.id, q) for q in course.quizzes]
    return replace(course, quizzes=tuple(quizzes) + tuple(changes.values()))


def quiz(course: Course, quiz_id: str) -> Quiz:
    return next(q for q in course.quizzes if q.id == quiz_id)


@pytest.mark.parametrize(("allowed", "taken", "any_open", "moment"), [
    (3, 1, False, "after_submit"),  # attempts remain
    (3, 3, False, "after_close"),  # none left
    (3, 3, True, "after_submit"),  # the last one is still open
    (1, 1, False, "after_close"),
    (0, 50, False, "after_submit"),  # unlimited: never closed
])
def test_the_review_moment(allowed: int, taken: int, any_open: bool, moment: str) -> None:
    review = Review(("score",), FULL)
    assert review.items(allowed, taken, any_open) == getattr(review, moment)


def test_what_a_learner_can_ever_see_per_question() -> None:
    review = Review(("score", "correctness"), ("score", "answers"))
    assert review.per_question(3) == ("correctness", "answers")
    assert review.per_question(1) == ("answers",)  # after_submit never comes
    assert review.per_question(0) == ("correctness",)  # after_close never comes
    assert Review(("score",), ("score",)).per_question(3) == ()


@pytest.mark.parametrize(("kind", "after_submit", "after_close"), [
    ("pre-test", ("score",), ("score",)),
    ("final", ("score",), FULL),
    ("self-check", FULL[:4], FULL),
])
def test_defaults_keep_a_final_key_hidden(kind: str, after_submit: tuple[str, ...],
                                          after_close: tuple[str, ...]) -> None:
    from course.quizload import default_review  # here: the module's other tests run without it

    text = f"schema: 1\nid: t-{kind}\ntitle: Тест\nkind: {kind}\npool: banka\n"
    problems: list[Problem] = []
    parsed = parse_quiz(f"quizzes/t/t-{kind}.yaml", "0" * 64, text, problems)
    assert parsed is not None and not problems
    assert parsed.review == default_review(kind) == Review(after_submit, after_close)
    assert parsed.review.pos is None


def test_the_review_remembers_its_line() -> None:
    text = ("schema: 1\nid: t-final\ntitle: Тест\nkind: final\npool: banka\n"
            "review:\n  after_submit: [score]\n")
    parsed = parse_quiz("quizzes/t/t-final.yaml", "0" * 64, text, [])
    assert parsed is not None
    # after_close falls back to after_submit when only that is written
    assert parsed.review == Review(("score",), ("score",), (6, 1))


def test_a_pre_test_on_the_finals_pool_showing_right_and_wrong(minimal: Path) -> None:
    course = loaded(minimal)
    pre = quiz(course, "t1-pre")
    for review, warned in [
        (Review(("score",), ("score", "correctness"), (8, 1)), True),
        (Review(("score",), ("score", "explanation")), True),
        (Review(("score",), ("score", "answers")), True),
        (Review(("score",), ("score",)), False),
    ]:
        found = leaks(validate(with_quizzes(course, **{pre.id: replace(pre, review=review)})))
        assert [(p.path, p.line, p.severity) for p in found] == (
            [(pre.path, review.pos[0] if review.pos else 1, "warning")] if warned else []), review
    # one attempt: after_submit is never what the learner sees
    once = replace(pre, attempts=1, review=Review(("score", "correctness"), ("score",)))
    assert not leaks(validate(with_quizzes(course, **{pre.id: once})))


def test_a_final_showing_right_and_wrong_while_attempts_remain(minimal: Path) -> None:
    course = loaded(minimal)
    final = quiz(course, "t1-final")
    early = replace(final, review=Review(("score", "feedback"), FULL, (10, 1)))
    found = leaks(validate(with_quizzes(course, **{final.id: early})))
    assert [(p.path, p.line) for p in found] == [(final.path, 10)]
    assert "позволява 3 опита" in found[0].message and "feedback" in found[0].message
    unlimited = replace(early, attempts=0)
    assert "неограничен брой опити" in leaks(validate(with_quizzes(
        course, **{final.id: unlimited})))[0].message
    # a single attempt's only review is after_close: nothing comes too early
    assert not leaks(validate(with_quizzes(course, **{final.id: replace(early, attempts=1)})))


def test_a_copied_question_is_shared_whatever_its_id(minimal: Path) -> None:
    course = loaded(minimal)
    pool = quiz(course, "t1-pool")
    copied = replace(pool.questions[1], id="another-id")
    check_quiz = quiz(course, "second-check")
    shared = replace(check_quiz, questions=check_quiz.questions + (copied,))
    found = leaks(validate(with_quizzes(course, **{check_quiz.id: shared})))
    assert [p.path for p in found] == [check_quiz.path]
    assert "общи въпроси: 1" in found[0].message
    # the same id with other content (every pool numbers from b1) is another question
    other = make_question("true-false", id=pool.questions[0].id, text="Съвсем друг въпрос?")
    unrelated = replace(check_quiz, questions=check_quiz.questions + (other,))
    assert not leaks(validate(with_quizzes(course, **{check_quiz.id: unrelated})))


def test_two_finals_on_one_pool_warn_each_other(minimal: Path) -> None:
    course = loaded(minimal)
    final = quiz(course, "t1-final")
    twin = replace(final, id="t1-final-2", path="quizzes/t1/t1-final-2.yaml")
    found = leaks(validate(with_quizzes(course, **{twin.id: twin})))
    assert sorted(p.path for p in found) == sorted([final.path, twin.path])
    # a pool is never reviewed: its own (default) review is no leak
    assert quiz(course, "t1-pool").kind == "pool"


@pytest.mark.parametrize("topic", TOPICS)
def test_the_course_keeps_each_final_key_until_the_last_attempt(topic: str) -> None:
    def review(name: str) -> dict[str, list[str]]:
        data = yaml.safe_load((REPO / "quizzes" / topic / f"{name}.yaml")
                              .read_text(encoding="utf-8"))
        value: dict[str, list[str]] = data["review"]
        return value

    assert review(f"{topic}-vhoden-test") == {"after_submit": ["score"],
                                              "after_close": ["score"]}
    final = review(f"{topic}-final")
    assert final["after_submit"] == ["score"]
    assert {"correctness", "answers"} <= set(final["after_close"])


def test_the_repository_course_has_no_leak() -> None:
    _, problems = check(REPO)
    assert leaks(problems) == []
