"""Quiz statistics and knowledge gain (``course.stats``) against cases worked by hand."""

from __future__ import annotations

import math

import pytest

from course.stats import (
    AttemptScores,
    choice_frequencies,
    cronbach_alpha,
    knowledge_gain,
    normalised_gain,
    quiz_stats,
)


def attempt(*fractions: float, points: float = 1.0) -> AttemptScores:
    return AttemptScores({f"q{i + 1}": (f, points) for i, f in enumerate(fractions)})


# Four learners, three one-point questions:
#        q1 q2 q3  total  %
#   A     1  1  1    3   100
#   B     1  1  0    2   66.67
#   C     1  0  0    1   33.33
#   D     0  0  1    1   33.33
HAND = [attempt(1, 1, 1), attempt(1, 1, 0), attempt(1, 0, 0), attempt(0, 0, 1)]


def test_per_question_statistics_worked_by_hand() -> None:
    stats = quiz_stats(HAND)
    q1, q2, q3 = stats.questions
    # Facility: the mean score fraction ×100.
    assert (q1.facility, q2.facility, q3.facility) == (75, 50, 50)
    # SD of q1's fractions 1,1,1,0: mean .75, squares 3·.0625 + .5625 = .75, /(n−1) = .25 → .5.
    assert q1.sd == pytest.approx(50)
    # q2: 1,1,0,0 → Σ(d²) = 1, /3 → √(1/3) = .57735.
    assert q2.sd == pytest.approx(100 / math.sqrt(3))
    # q1 against the rest (2,1,0,1): Σ dx·dy = .25·1 + .25·0 + .25·(−1) − .75·0 = 0 → r = 0.
    assert q1.discrimination == pytest.approx(0) and q1.flag == "very-low"
    assert q1.efficiency == pytest.approx(0)
    # q2 against the rest (2,1,1,1): cov = .5/3, var x = 1/3, var rest = .75/3
    # r = (1/6) / √(1/3 · 1/4) = .57735; sorted alike the pairs give the same covariance → E = 100.
    assert q2.discrimination == pytest.approx(57.735, abs=1e-3) and q2.flag == ""
    assert q2.efficiency == pytest.approx(100)
    # q3 against the rest (2,2,1,0): Σ dx·dy = .375 − .375 + .125 − .625 = −.5 → cov = −1/6;
    # var rest = 2.75/3 → r = −(1/6) / √(1/3 · 2.75/3) = −.30151.
    assert q3.discrimination == pytest.approx(-30.151, abs=1e-3) and q3.flag == "negative"
    # Sorted alike: x 0,0,1,1 and rest 0,1,2,2 → Σ dx·dy = 1.5 → max cov = .5 → E = −33.33.
    assert q3.efficiency == pytest.approx(-100 / 3)


def test_quiz_summary_worked_by_hand() -> None:
    stats = quiz_stats(HAND)
    assert stats.attempts == 4
    assert stats.mean == pytest.approx(175 / 3)  # (100 + 66.67 + 33.33 + 33.33) / 4
    assert stats.median == pytest.approx(50)  # (66.67 + 33.33) / 2
    # Totals 3,2,1,1 points: mean 1.75, Σd² = 2.75, /3 → SD .95743 points = 31.914 %.
    assert stats.sd == pytest.approx(100 * math.sqrt(2.75 / 3) / 3)
    # Item variances .25 + 1/3 + 1/3 = 2.75/3 = the total's variance → α = 3/2 · (1 − 1) = 0.
    assert stats.alpha == pytest.approx(0)
    assert stats.error_ratio == pytest.approx(100)  # 100 · √(1 − 0)
    assert stats.standard_error == pytest.approx(stats.sd)  # SD · √(1 − 0)


def test_cronbach_alpha_known_value() -> None:
    # Two items scored 1–3 by three people: item 1 = 1,2,3, item 2 = 1,3,2.
    # Variances 1 and 1; totals 2,5,5: mean 4, Σd² = 6, /2 = 3.  α = 2 · (1 − 2/3) = 2/3.
    data = [AttemptScores({"a": (a / 3, 3), "b": (b / 3, 3)})
            for a, b in [(1, 1), (2, 3), (3, 2)]]
    assert cronbach_alpha(data) == pytest.approx(2 / 3)
    stats = quiz_stats(data)
    assert stats.error_ratio == pytest.approx(100 * math.sqrt(1 / 3))
    assert stats.standard_error == pytest.approx(stats.sd * math.sqrt(1 / 3))


def test_cronbach_alpha_of_identical_items_is_one() -> None:
    data = [attempt(f, f, f, f) for f in (0, 0.5, 1, 1, 0.25)]
    assert cronbach_alpha(data) == pytest.approx(1)
    assert quiz_stats(data).error_ratio == pytest.approx(0, abs=1e-6)


def test_cronbach_alpha_agrees_with_the_covariance_form() -> None:
    # An independent formula: α = k/(k − 1) · Σ_{i≠j} cov(i, j) / var(total).
    rows = [(1, 0, 1, 1), (1, 1, 1, 0), (0, 0, 1, 0), (1, 1, 1, 1), (0, 0, 0, 1), (1, 0, 0, 0)]
    n, k = len(rows), 4

    def cov(i: int, j: int) -> float:
        mi = sum(r[i] for r in rows) / n
        mj = sum(r[j] for r in rows) / n
        return sum((r[i] - mi) * (r[j] - mj) for r in rows) / (n - 1)

    total = sum(cov(i, j) for i in range(k) for j in range(k))
    off = sum(cov(i, j) for i in range(k) for j in range(k) if i != j)
    assert cronbach_alpha([attempt(*r) for r in rows]) == pytest.approx(k / (k - 1) * off / total)


def test_a_question_that_tracks_the_rest_discriminates_positively() -> None:
    data = [attempt(1, 1, 1), attempt(1, 1, 0), attempt(0, 0, 1), attempt(0, 0, 0)]
    q1 = quiz_stats(data).questions[0]
    assert q1.discrimination is not None and q1.discrimination > 30 and q1.flag == ""


def test_one_attempt_gives_no_spread_and_no_division_by_zero() -> None:
    stats = quiz_stats([attempt(1, 0)])
    assert stats.mean == 50 and stats.median == 50
    assert (stats.sd, stats.alpha, stats.error_ratio, stats.standard_error) == (None,) * 4
    q1 = stats.questions[0]
    assert q1.facility == 100 and q1.sd is None and q1.discrimination is None
    assert q1.efficiency is None and q1.flag == ""


def test_zero_variance_gives_none() -> None:
    stats = quiz_stats([attempt(1, 1), attempt(1, 1), attempt(1, 1)])
    assert stats.sd == 0 and stats.alpha is None and stats.error_ratio is None
    assert all(q.discrimination is None and q.efficiency is None for q in stats.questions)
    assert quiz_stats([]).mean is None and quiz_stats([]).questions == ()


def test_drawn_questions_give_per_question_stats_but_no_alpha() -> None:
    data = [AttemptScores({"a": (1, 1), "b": (0, 1)}), AttemptScores({"a": (0, 1), "c": (1, 1)}),
            AttemptScores({"b": (1, 1), "c": (1, 1)})]
    stats = quiz_stats(data, question_order=["c", "b", "a"])
    assert [q.question_id for q in stats.questions] == ["c", "b", "a"]
    assert [q.attempts for q in stats.questions] == [2, 2, 2]
    assert stats.alpha is None


def test_choice_frequencies() -> None:
    found, blank = choice_frequencies("single", ["A", "B", "C"], [True, False, False],
                                      [0, 0, 2, None, 1, 0])
    assert [(f.label, f.count, f.right) for f in found] == [("A", 3, True), ("B", 1, False),
                                                           ("C", 1, False)]
    assert blank == 1
    found, blank = choice_frequencies("multiple", ["A", "B"], [True, True], [[0, 1], [1], []])
    assert [f.count for f in found] == [1, 2] and blank == 1
    found, _ = choice_frequencies("true-false", ["true", "false"], [True, False],
                                  [True, False, True])
    assert [f.count for f in found] == [2, 1]
    found, _ = choice_frequencies("text", [], [], ["кмет", " кмет", "съвет", 3.0])
    assert [(f.label, f.count) for f in found] == [("кмет", 2), ("съвет", 1), ("3", 1)]


def test_knowledge_gain_by_hand() -> None:
    # g: (80−40)/60 = .6667, (50−50)/50 = 0, pre 100 is left out of the gain.
    gain = knowledge_gain([(40, 80, True), (50, 50, False), (100, 90, True)])
    assert gain.learners == 3 and gain.gain_learners == 2
    assert gain.mean_pre == pytest.approx(190 / 3) and gain.mean_post == pytest.approx(220 / 3)
    assert gain.normalised_gain == pytest.approx(1 / 3)
    assert gain.mastery == pytest.approx(2 / 3)  # two of three finals passed
    assert normalised_gain(100, 100) is None and normalised_gain(60, 40) == pytest.approx(-0.5)
    empty = knowledge_gain([])
    assert (empty.learners, empty.mean_pre, empty.normalised_gain, empty.mastery) == (0, None,
                                                                                     None, None)
