"""Quiz statistics and knowledge gain, over plain numbers (no web, no database).

The definitions follow Moodle's quiz statistics report (docs.moodle.org, "Quiz
statistics calculations"). For one question, ``x`` is the learner's score on it
and ``X`` their score on the whole quiz, both in points; ``X − x`` is the score
on the *rest* of the test.

Per question
    facility index     F = 100 · mean(x / x_max)
    standard deviation SD = 100 · sample SD of x / x_max
    discrimination     D = 100 · r(x, X − x), Pearson's correlation of the question
                       with the rest of the test
    discriminative     E = 100 · C(x, X − x) / C_max(x, X − x), the covariance
      efficiency         divided by the largest covariance the same two lists of
                       scores could have: both sorted in the same order and paired
                       (Moodle's definition)

Per quiz (on the percentage scale, 0–100)
    mean, median, SD (sample, n − 1)
    Cronbach's alpha   α = k/(k − 1) · (1 − Σ σ²ᵢ / σ²ₓ), items and total in points;
                       only defined when every attempt answered the same k ≥ 2
                       questions (a quiz that draws questions at random has none)
    error ratio        ER = 100 · √(1 − α)
    standard error     SE = SD · √(1 − α)  (= ER · SD / 100)

A value that cannot be computed — one attempt, no variance — is ``None`` and is
shown as "—"; there is never a division by zero.

Flags for the author: discrimination below 0 is ``"negative"`` (the stronger
learners did worse on the question: a wrong key or a misleading text), below 20
is ``"very-low"`` (Moodle's guidance: 20–30 is weak, over 30 is good).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

NEGATIVE = 0.0  # discrimination below this is flagged "negative"
VERY_LOW = 20.0  # ... and below this "very-low"
EPSILON = 1e-12


@dataclass(frozen=True)
class AttemptScores:
    """One attempt: per question id, (score fraction 0..1, the question's points)."""

    items: Mapping[str, tuple[float, float]]
    percent: float | None = None  # the attempt's total; computed from the items when None

    # Cached: the statistics of every question read the attempt's total again.
    @cached_property
    def points(self) -> float:
        return sum(fraction * points for fraction, points in self.items.values())

    @cached_property
    def max_points(self) -> float:
        return sum(points for _, points in self.items.values())

    @property
    def total_percent(self) -> float:
        if self.percent is not None:
            return self.percent
        return 100 * self.points / self.max_points if self.max_points else 0.0


@dataclass(frozen=True)
class QuestionStats:
    question_id: str
    attempts: int
    facility: float | None
    sd: float | None
    discrimination: float | None
    efficiency: float | None

    @property
    def flag(self) -> str:
        """``"negative"``, ``"very-low"`` or ``""``: what the author should look at."""
        if self.discrimination is None:
            return ""
        if self.discrimination < NEGATIVE:
            return "negative"
        if self.discrimination < VERY_LOW:
            return "very-low"
        return ""


@dataclass(frozen=True)
class QuizStats:
    attempts: int
    mean: float | None
    median: float | None
    sd: float | None
    alpha: float | None  # 0..1 (shown as a percentage, as Moodle does)
    error_ratio: float | None
    standard_error: float | None
    questions: tuple[QuestionStats, ...] = field(default=())


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def covariance(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The sample covariance (n − 1); None for fewer than two pairs."""
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (n - 1)


def variance(values: Sequence[float]) -> float | None:
    """The sample variance (n − 1); None for fewer than two values."""
    return covariance(values, values)


def sd(values: Sequence[float]) -> float | None:
    found = variance(values)
    return None if found is None else math.sqrt(max(found, 0.0))


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None when either list has no variance."""
    cov, vx, vy = covariance(xs, ys), variance(xs), variance(ys)
    if cov is None or vx is None or vy is None or vx <= EPSILON or vy <= EPSILON:
        return None
    return cov / math.sqrt(vx * vy)


def max_covariance(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The covariance of the two lists sorted alike: the most they could covary."""
    return covariance(sorted(xs), sorted(ys))


def question_stats(question_id: str, attempts: Sequence[AttemptScores]) -> QuestionStats:
    """Moodle's per-question statistics over the attempts that drew the question."""
    having = [a for a in attempts if question_id in a.items]
    fractions = [a.items[question_id][0] for a in having]
    scores = [a.items[question_id][0] * a.items[question_id][1] for a in having]
    rest = [a.points - s for a, s in zip(having, scores, strict=True)]
    facility = mean(fractions)
    spread = sd(fractions)
    r = correlation(scores, rest)
    cov, most = covariance(scores, rest), max_covariance(scores, rest)
    efficiency = None
    if cov is not None and most is not None and most > EPSILON:
        efficiency = 100 * cov / most
    return QuestionStats(
        question_id, len(having),
        None if facility is None else 100 * facility,
        None if spread is None else 100 * spread,
        None if r is None else 100 * r,
        efficiency)


def cronbach_alpha(attempts: Sequence[AttemptScores]) -> float | None:
    """α = k/(k − 1) · (1 − Σ σ²ᵢ / σ²ₓ); None unless all attempts share k ≥ 2 questions."""
    if len(attempts) < 2:
        return None
    ids = set(attempts[0].items)
    if len(ids) < 2 or any(set(a.items) != ids for a in attempts):
        return None
    k = len(ids)
    item_variances = 0.0
    for qid in ids:
        found = variance([a.items[qid][0] * a.items[qid][1] for a in attempts])
        item_variances += found or 0.0
    total = variance([a.points for a in attempts])
    if total is None or total <= EPSILON:
        return None
    return k / (k - 1) * (1 - item_variances / total)


def quiz_stats(attempts: Sequence[AttemptScores],
               question_order: Sequence[str] | None = None) -> QuizStats:
    """The quiz's summary and every question's statistics (in ``question_order``)."""
    percents = [a.total_percent for a in attempts]
    spread = sd(percents)
    alpha = cronbach_alpha(attempts)
    error_ratio = standard_error = None
    if alpha is not None:
        # α can come out negative (or, by rounding, a hair above 1): √ of at least 0.
        error_ratio = 100 * math.sqrt(max(0.0, 1 - alpha))
        if spread is not None:
            standard_error = spread * math.sqrt(max(0.0, 1 - alpha))
    order = list(question_order or [])
    for a in attempts:
        order.extend(q for q in a.items if q not in order)
    return QuizStats(len(attempts), mean(percents), median(percents), spread, alpha,
                     error_ratio, standard_error,
                     tuple(question_stats(q, attempts) for q in order))


# --- Choice frequencies ---------------------------------------------------------------------

@dataclass(frozen=True)
class Frequency:
    label: str
    count: int
    right: bool = False


def choice_frequencies(kind: str, labels: Sequence[str], right: Sequence[bool],
                       responses: Sequence[Any],
                       top: int = 10) -> tuple[tuple[Frequency, ...], int]:
    """How often each choice was picked, in source order, and how many left it unanswered.

    ``responses`` are stored source-order responses (``None`` when unanswered).
    For single and multiple choice, ``labels`` are the choices; for true-false,
    ``labels`` are the words for true and false. Other question types list the
    ``top`` most frequent answers as given (``right`` is then unused).
    """
    return tallied_choice_frequencies(kind, labels, right, [(r, 1) for r in responses], top)


def tallied_choice_frequencies(kind: str, labels: Sequence[str], right: Sequence[bool],
                               responses: Sequence[tuple[Any, int]],
                               top: int = 10) -> tuple[tuple[Frequency, ...], int]:
    """``choice_frequencies`` from a tally: each distinct response with how many gave it,
    in the order they were first given (ties among the ``top`` answers keep that order)."""
    unanswered = sum(n for r, n in responses if r is None or r in ([], "", {}))
    given = [(r, n) for r, n in responses if not (r is None or r in ([], "", {}))]
    if kind in ("single", "multiple"):
        counts = [0] * len(labels)
        for response, n in given:
            picked = [response] if isinstance(response, int) else response
            if isinstance(picked, list | tuple | set | frozenset):
                for index in set(picked):
                    if isinstance(index, int) and not isinstance(index, bool) \
                            and 0 <= index < len(labels):
                        counts[index] += n
        return tuple(Frequency(label, count, _is_right(right, i))
                     for i, (label, count) in enumerate(zip(labels, counts, strict=True))), \
            unanswered
    if kind == "true-false":
        picks: Counter[bool] = Counter()
        for r, n in given:
            if isinstance(r, bool):
                picks[r] += n
        pairs = zip(labels, (True, False), strict=False)
        return tuple(Frequency(label, picks[value], _is_right(right, i))
                     for i, (label, value) in enumerate(pairs)), unanswered
    answers: Counter[str] = Counter()
    for r, n in given:
        answers[_label(r)] += n
    return tuple(Frequency(label, count) for label, count in answers.most_common(top)), unanswered


def _is_right(right: Sequence[bool], index: int) -> bool:
    return bool(right[index]) if index < len(right) else False


def _label(response: Any) -> str:
    if isinstance(response, float) and response.is_integer():
        return str(int(response))
    if isinstance(response, str):
        return response.strip()
    if isinstance(response, dict):
        return ", ".join(f"{k}→{v}" for k, v in sorted(response.items(), key=lambda kv: str(kv[0])))
    if isinstance(response, list | tuple):
        return ", ".join(str(v) for v in response)
    return str(response)


# --- Knowledge gain -------------------------------------------------------------------------

@dataclass(frozen=True)
class Gain:
    learners: int
    mean_pre: float | None
    mean_post: float | None
    normalised_gain: float | None  # mean of the learners' (post − pre) / (100 − pre), 0..1
    gain_learners: int  # how many entered the mean gain (pre = 100 has no room to gain)
    mastery: float | None  # share (0..1) whose final test is passed


def normalised_gain(pre: float, post: float) -> float | None:
    """Hake's g for one learner, (post − pre) / (100 − pre); None when pre is 100."""
    if pre >= 100 - EPSILON:
        return None
    return (post - pre) / (100 - pre)


def knowledge_gain(results: Sequence[tuple[float, float, bool]]) -> Gain:
    """Mean pre- and post-test scores (%), the mean per-learner normalised gain, and mastery:
    the share whose final test is passed.

    ``results`` are (pre-test %, final %, final passed) per learner. Whether a final is passed
    is not decided here: ``course.rules`` decides it, by the quiz's grading method, as on the
    learner's checklist.
    """
    if not results:
        return Gain(0, None, None, None, 0, None)
    pres, posts, passed = zip(*results, strict=True)
    gains = [g for g in map(normalised_gain, pres, posts) if g is not None]
    return Gain(len(results), mean(pres), mean(posts), mean(gains), len(gains),
                sum(passed) / len(results))
