"""The statistics from tallies (what SQL's GROUP BY returns) equal ``course.stats`` over the
attempts one by one, on random data."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course import tallies
from course.stats import (
    AttemptScores,
    QuestionStats,
    QuizStats,
    choice_frequencies,
    covariance,
    quiz_stats,
    tallied_choice_frequencies,
)

QUESTIONS = ("a", "b", "c", "d")
points = st.sampled_from([0.0, 1.0, 2.0, 3.0])
fractions = st.sampled_from([0.0, 0.25, 0.5, 1 / 3, 1.0])


@st.composite
def attempts(draw: Any) -> list[AttemptScores]:
    every = draw(st.booleans())  # the same questions each time: Cronbach's alpha is defined
    found = []
    for _ in range(draw(st.integers(0, 25))):
        drawn = QUESTIONS if every else draw(st.lists(st.sampled_from(QUESTIONS), unique=True))
        items = {q: (draw(fractions), draw(points)) for q in drawn}
        percent = draw(st.sampled_from([0.0, 12.5, 50.0, 75.0, 100.0, 66.7]))
        found.append(AttemptScores(items, percent))
    return found


def tallied(found: list[AttemptScores]) -> QuizStats:
    scores: dict[str, Counter[tuple[float, float, float]]] = {}
    for attempt in found:
        for q, (fraction, worth) in attempt.items.items():
            scores.setdefault(q, Counter())[(fraction, worth, attempt.points)] += 1
    percents = Counter(a.total_percent for a in found)
    return tallies.quiz_stats(len(found), list(percents.items()),
                              {q: [(*group, n) for group, n in rows.items()]
                               for q, rows in scores.items()}, ["d", "c"])


def same(left: QuizStats | QuestionStats, right: QuizStats | QuestionStats) -> None:
    for name, value in vars(left).items():
        other = getattr(right, name)
        if name == "questions":
            assert [q.question_id for q in value] == [q.question_id for q in other]
            for mine, theirs in zip(value, other, strict=True):
                same(mine, theirs)
        elif isinstance(value, float):
            assert other == pytest.approx(value, rel=1e-9, abs=1e-9), name
        else:
            assert other == value, name


@settings(max_examples=300, deadline=None)
@given(attempts())
def test_tallies_give_the_same_statistics(found: list[AttemptScores]) -> None:
    same(quiz_stats(found, ["d", "c"]), tallied(found))


@settings(max_examples=300, deadline=None)
@given(attempts(), st.randoms(use_true_random=False))
def test_the_order_of_the_groups_changes_nothing(found: list[AttemptScores],
                                                 rng: Any) -> None:
    """A database returns GROUP BY rows in no set order (a hash aggregate, a parallel plan):
    the statistics are the same to the last bit whatever order the groups and questions come
    in, or the report of the same attempts would differ in its last digits from one view to
    the next."""
    scores: dict[str, Counter[tuple[float, float, float]]] = {}
    for attempt in found:
        for q, (fraction, worth) in attempt.items.items():
            scores.setdefault(q, Counter())[(fraction, worth, attempt.points)] += 1
    percents = list(Counter(a.total_percent for a in found).items())
    questions = {q: [(*group, n) for group, n in rows.items()] for q, rows in scores.items()}
    order = ["d", "c", "a", "b"]  # the report's order, whatever order the mapping has
    first = tallies.quiz_stats(len(found), percents, questions, order)
    rng.shuffle(percents)
    names = list(questions)
    rng.shuffle(names)
    shuffled = {q: rng.sample(questions[q], len(questions[q])) for q in names}
    assert tallies.quiz_stats(len(found), percents, shuffled, order) == first


def test_efficiency_pairs_the_sorted_runs() -> None:
    pairs = [(1.0, 2.0, 2), (0.0, 1.0, 1), (1.0, 0.0, 3)]
    xs = sorted(x for x, _y, n in pairs for _ in range(n))
    ys = sorted(y for _x, y, n in pairs for _ in range(n))
    assert tallies.max_covariance(pairs) == pytest.approx(covariance(xs, ys))
    assert tallies.median([(3.0, 1), (1.0, 2), (2.0, 1)]) == 1.5


@given(st.lists(st.one_of(st.none(), st.integers(-1, 3), st.booleans(), st.just([]),
                          st.lists(st.integers(0, 3), max_size=3),
                          st.sampled_from(["кмет", " кмет", "съвет", "", 3.0, 2.5])),
                max_size=40),
       st.sampled_from(["single", "multiple", "true-false", "text"]))
def test_tallied_choice_frequencies_match(responses: list[Any], kind: str) -> None:
    labels, right = ["A", "B", "C"], [True, False, False]
    tally: dict[str, list[Any]] = {}
    for r in responses:  # distinct responses, in the order first given
        tally.setdefault(repr(r), [r, 0])[1] += 1
    assert tallied_choice_frequencies(kind, labels, right,
                                      [(r, n) for r, n in tally.values()], top=2) \
        == choice_frequencies(kind, labels, right, responses, top=2)
