"""The quiz statistics of ``course.stats``, computed from tallies instead of lists.

A database aggregates ten thousand attempts with ``GROUP BY`` into a few hundred rows:
each distinct value (a score, an attempt's total) with how many attempts had it. These
functions compute from such rows what ``course.stats`` computes from the attempts one by
one — the same definitions, the same ``None`` for what cannot be computed, the same
two-pass arithmetic (mean first, then the centred sums) — so the numbers agree to the
last rounding (``tests/course/test_tallies.py`` proves it on random data).

A database returns grouped rows in no set order, and floating-point sums depend on the
order of their terms; so every function sums its rows sorted, and the same attempts give
the same statistics to the last bit, whatever plan the database chose.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from course.stats import EPSILON, QuestionStats, QuizStats

Tally = Sequence[tuple[float, int]]  # (value, how many times it occurs)
PairTally = Sequence[tuple[float, float, int]]  # (x, y, how many times the pair occurs)
# One question: (score fraction 0..1, the question's points, the attempt's total points, how
# many attempts), each distinct combination once.
ScoreTally = Sequence[tuple[float, float, float, int]]


def count(values: Iterable[tuple[object, int]]) -> int:
    return sum(n for _value, n in values)


def mean(values: Tally) -> float | None:
    n = count(values)
    return sum(v * k for v, k in sorted(values)) / n if n else None


def median(values: Tally) -> float | None:
    n = count(values)
    if not n:
        return None
    ordered = sorted(values)

    def nth(index: int) -> float:
        seen = 0
        for value, k in ordered:
            seen += k
            if index < seen:
                return value
        raise IndexError(index)  # pragma: no cover - index < n always

    middle = n // 2
    return nth(middle) if n % 2 else (nth(middle - 1) + nth(middle)) / 2


def covariance(pairs: PairTally) -> float | None:
    """The sample covariance (n − 1); None for fewer than two pairs."""
    pairs = sorted(pairs)
    n = sum(k for _x, _y, k in pairs)
    if n < 2:
        return None
    mx = sum(x * k for x, _y, k in pairs) / n
    my = sum(y * k for _x, y, k in pairs) / n
    return sum((x - mx) * (y - my) * k for x, y, k in pairs) / (n - 1)


def variance(values: Tally) -> float | None:
    return covariance([(v, v, k) for v, k in values])


def sd(values: Tally) -> float | None:
    found = variance(values)
    return None if found is None else math.sqrt(max(found, 0.0))


def correlation(pairs: PairTally) -> float | None:
    """Pearson's r; None when either side has no variance."""
    cov = covariance(pairs)
    vx = variance([(x, k) for x, _y, k in pairs])
    vy = variance([(y, k) for _x, y, k in pairs])
    if cov is None or vx is None or vy is None or vx <= EPSILON or vy <= EPSILON:
        return None
    return cov / math.sqrt(vx * vy)


def max_covariance(pairs: PairTally) -> float | None:
    """The covariance of both sides sorted alike: the most they could covary.

    The sorted lists are runs of equal values; walking both runs at once pairs them as
    sorting ten thousand values each would.
    """
    x_counts: dict[float, int] = {}
    y_counts: dict[float, int] = {}
    for x, y, k in pairs:  # each distinct value once: few runs to walk, however many rows
        x_counts[x] = x_counts.get(x, 0) + k
        y_counts[y] = y_counts.get(y, 0) + k
    xs, ys = sorted(x_counts.items()), sorted(y_counts.items())
    paired: list[tuple[float, float, int]] = []
    i = j = 0
    left_x = xs[0][1] if xs else 0
    left_y = ys[0][1] if ys else 0
    while i < len(xs) and j < len(ys):
        step = min(left_x, left_y)
        paired.append((xs[i][0], ys[j][0], step))
        left_x -= step
        left_y -= step
        if not left_x:
            i += 1
            left_x = xs[i][1] if i < len(xs) else 0
        if not left_y:
            j += 1
            left_y = ys[j][1] if j < len(ys) else 0
    return covariance(paired)


def question_stats(question_id: str, rows: ScoreTally) -> QuestionStats:
    """``course.stats.question_stats`` from one question's tally."""
    rows = sorted(rows)
    n = sum(k for *_rest, k in rows)
    if not n:
        return QuestionStats(question_id, 0, None, None, None, None)
    pairs = [(f * p, total - f * p, k) for f, p, total, k in rows]  # score, rest of the test
    mf = sum(f * k for f, _p, _t, k in rows) / n
    mx = sum(x * k for x, _y, k in pairs) / n
    my = sum(y * k for _x, y, k in pairs) / n
    spread = r = efficiency = None
    if n >= 2:
        # The centred sums of course.stats' variance, covariance and correlation, one loop.
        sff = sum((f - mf) * (f - mf) * k for f, _p, _t, k in rows)
        sxx = sum((x - mx) * (x - mx) * k for x, _y, k in pairs)
        syy = sum((y - my) * (y - my) * k for _x, y, k in pairs)
        sxy = sum((x - mx) * (y - my) * k for x, y, k in pairs)
        spread = 100 * math.sqrt(max(sff / (n - 1), 0.0))
        cov, vx, vy = sxy / (n - 1), sxx / (n - 1), syy / (n - 1)
        if vx > EPSILON and vy > EPSILON:
            r = 100 * cov / math.sqrt(vx * vy)
        most = max_covariance(pairs)
        if most is not None and most > EPSILON:
            efficiency = 100 * cov / most
    return QuestionStats(question_id, n, 100 * mf, spread, r, efficiency)


def cronbach_alpha(attempts: int, questions: Mapping[str, ScoreTally]) -> float | None:
    """``course.stats.cronbach_alpha``: None unless every attempt drew the same k ≥ 2
    questions, which is every question counted ``attempts`` times."""
    drawn = {q: sorted(rows) for q, rows in sorted(questions.items()) if rows}
    if attempts < 2 or len(drawn) < 2 or any(
            sum(k for *_rest, k in rows) != attempts for rows in drawn.values()):
        return None
    k = len(drawn)
    item_variances = sum(variance([(f * p, n) for f, p, _t, n in rows]) or 0.0
                         for rows in drawn.values())
    # Every attempt drew every question: one question's tally has each attempt's total once.
    totals: dict[float, int] = {}
    for _f, _p, total, n in next(iter(drawn.values())):
        totals[total] = totals.get(total, 0) + n
    total_variance = variance(list(totals.items()))
    if total_variance is None or total_variance <= EPSILON:
        return None
    return k / (k - 1) * (1 - item_variances / total_variance)


def quiz_stats(attempts: int, percents: Tally, questions: Mapping[str, ScoreTally],
               question_order: Sequence[str] = ()) -> QuizStats:
    """``course.stats.quiz_stats`` from tallies: ``attempts`` counted, their percentages,
    and each question's scores; questions in ``question_order``, then the others."""
    spread = sd(percents)
    alpha = cronbach_alpha(attempts, questions)
    error_ratio = standard_error = None
    if alpha is not None:
        error_ratio = 100 * math.sqrt(max(0.0, 1 - alpha))
        if spread is not None:
            standard_error = spread * math.sqrt(max(0.0, 1 - alpha))
    order = list(dict.fromkeys([*question_order, *questions]))
    return QuizStats(attempts, mean(percents), median(percents), spread, alpha,
                     error_ratio, standard_error,
                     tuple(question_stats(q, questions.get(q, ())) for q in order))
