"""Every outcome of a learner, decided once: quiz results, checklists, progress, certificates.

Pure functions over plain facts; the web app gathers the facts from its database
(one learner at a time for their pages, in bulk for the reports) and calls these
same functions, so every page tells a learner the same thing. Nothing else decides
whether a quiz is passed, a topic complete or a certificate due.

The facts:

* ``Try`` — one attempt at a quiz: when it started, its number, its percent and the
  pass mark it was taken under (``History.tries``);
* ``History`` — all a learner did: their tries, the modules they marked studied, the
  sessions they attended (``Attended``, minutes per topic);
* ``Requirement`` — what one topic asks of one learner, from ``modules/course.yaml``
  (``completion`` and ``completion_by_audience``) applied to their track.

The decisions: ``quiz_result`` (a quiz's grade by its grading method, passed or not),
``hours_attended``, ``facts`` (what counts towards completion), ``evaluate`` and
``checklist`` (each topic's checks), ``topic_progress`` (modules studied of those
counted), ``outcome`` (all of it for one learner), ``programme_complete``,
``modules_done``, ``finals_passed`` and ``certificates_due``. The reports decide for
thousands of learners through ``Checklists`` (the same checklist, evaluated once per
distinct set of facts) and ``passes_by_best`` (a quiz passed, from a database's sums).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple, Protocol

from course.model import Document, Grading, Manifest

CheckKind = Literal["hours", "modules", "final"]
PROGRAMME = "programme"


class RuleLike(Protocol):
    """A completion rule as either the loader or the compiled course carries it."""

    @property
    def attended_hours(self) -> float: ...

    @property
    def modules(self) -> str: ...

    @property
    def final(self) -> str: ...


# --- Facts -------------------------------------------------------------------------------------


class Try(NamedTuple):
    """One attempt at a quiz, as plain facts (a tuple: the reports make thousands)."""

    quiz_id: str
    started_at: datetime
    number: int  # the attempt's number for the learner and quiz: breaks ties in time
    percent: float | None  # None until it is graded
    pass_mark: float  # the quiz's pass mark when the attempt started
    passed: bool | None = None  # as graded when it closed
    finished: bool = True  # submitted or expired (an open attempt counts for nothing)


class Attended(NamedTuple):
    """A session a learner attended (present or late), as its topic and length."""

    topic_id: str
    minutes: float


@dataclass(frozen=True)
class History:
    """All a learner did, as plain values."""

    tries: tuple[Try, ...] = ()
    studied: frozenset[str] = frozenset()  # module ids marked studied
    attended: tuple[Attended, ...] = ()


@dataclass(frozen=True)
class Requirement:
    """What one topic asks of one learner, with the rule already applied to their track."""

    topic_id: str
    required: bool  # the topic is part of the learner's track (else optional)
    hours_needed: float
    modules_needed: tuple[str, ...]  # in course order
    final_quiz: str  # "" when no final test is needed
    counted: tuple[str, ...] = ()  # the modules the topic's progress counts, in course order
    final_test: str = ""  # the topic's final test, needed or not ("" when it has none)
    pretest: str = ""


@dataclass(frozen=True)
class Facts:
    """What counts towards completion: hours by topic, modules studied, finals passed."""

    attended_hours: Mapping[str, float] = field(default_factory=dict)  # by topic id
    studied: frozenset[str] = frozenset()  # module ids
    passed_finals: frozenset[str] = frozenset()  # quiz ids


# --- Results -----------------------------------------------------------------------------------


class QuizResult(NamedTuple):
    """A learner's result in one quiz, by its grading method."""

    grade: float | None  # None: no finished attempt
    passed: bool
    best: float | None  # the best finished attempt


NO_RESULT = QuizResult(None, False, None)


class Check(NamedTuple):
    """One line of a learner's checklist (a tuple: the reports evaluate thousands)."""

    kind: CheckKind
    done: bool
    have: float  # hours attended, modules studied, or 1 for a passed test
    need: float
    missing: tuple[str, ...] = ()  # the modules (or the test) still to do


class TopicStatus(NamedTuple):
    """A topic's checklist for one learner (a tuple, as ``Check``)."""

    requirement: Requirement
    checks: tuple[Check, ...]

    @property
    def complete(self) -> bool:
        return all(check.done for check in self.checks)


@dataclass(frozen=True)
class Progress:
    """How far a learner got in a topic's modules (those ``Requirement.counted`` names)."""

    studied: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.studied / self.total) if self.total else 0


@dataclass(frozen=True)
class TopicOutcome:
    """Everything a page may say about one topic of a learner."""

    status: TopicStatus
    progress: Progress
    final: QuizResult  # the topic's final test (NO_RESULT when it has none)
    pretest_done: bool
    hours: float  # hours attended, rounded to 2 places

    @property
    def topic_id(self) -> str:
        return self.status.requirement.topic_id


@dataclass(frozen=True)
class Outcome:
    """Everything decided about one learner."""

    topics: tuple[TopicOutcome, ...]
    facts: Facts

    @property
    def statuses(self) -> list[TopicStatus]:
        return [t.status for t in self.topics]

    @property
    def complete(self) -> bool:
        return programme_complete(self.statuses)

    @property
    def modules_done(self) -> bool:
        return modules_done(self.statuses)

    @property
    def finals_passed(self) -> bool:
        return finals_passed(self.statuses)


# --- Quizzes -----------------------------------------------------------------------------------


def quiz_grade(method: Grading, percents: Sequence[float]) -> float | None:
    """Combine the percentages of finished attempts (in the order taken) into one grade."""
    if not percents:
        return None
    if method == "highest":
        return max(percents)
    if method == "last":
        return percents[-1]
    if method == "first":
        return percents[0]
    return round(statistics.fmean(percents), 2)


def _in_order(attempt: Try) -> tuple[datetime, int]:
    return attempt.started_at, attempt.number


def quiz_result(grading: Grading | None, tries: Iterable[Try]) -> QuizResult:
    """The learner's grade in a quiz by its grading method, and whether it passes.

    ``tries`` are the learner's attempts at that one quiz, in any order: they are
    taken in the order they started (ties by their number). The pass mark is the
    one the latest finished attempt was taken under, so a later change of the quiz
    never turns a pass into a fail behind the learner's back. ``grading`` None: the
    quiz left the course, and a pass it gave still stands.
    """
    finished = [t for t in tries if t.finished and t.percent is not None]
    if not finished:
        return NO_RESULT
    if len(finished) > 1:
        finished.sort(key=_in_order)
    percents = [t.percent for t in finished if t.percent is not None]
    best = max(percents)
    if grading is None:
        return QuizResult(best, any(t.passed for t in finished), best)
    grade = quiz_grade(grading, percents)
    assert grade is not None
    return QuizResult(grade, grade >= finished[-1].pass_mark, best)


class Best(NamedTuple):
    """A learner's finished attempts at one quiz as a database sums them up
    (``passes_by_best`` decides from them)."""

    best: float  # the best percent
    low_mark: float  # the lowest and the highest pass mark they were taken under
    high_mark: float


def passes_by_best(grading: Grading | None, best: float, low_mark: float, high_mark: float
                   ) -> bool | None:
    """Whether the quiz is passed, from the three numbers of a ``Best`` alone (no object
    made: the reports read thousands); None when the attempts themselves are needed.

    When no finished attempt reached even the lowest pass mark, no method passes the
    quiz: every grade is at most the best percent (percents have two decimals, so the
    average's rounding cannot lift it above), the latest attempt's mark is at least the
    lowest, and an attempt of a quiz that left the course passed only if its percent
    reached its mark. Under ``highest`` with one pass mark for every attempt (so the
    latest one's is known), the best percent decides.
    """
    if best < low_mark:
        return False
    if grading != "highest" or low_mark != high_mark:
        return None
    return best >= high_mark


def quiz_results(gradings: Mapping[str, Grading | None], tries: Iterable[Try]
                 ) -> dict[str, QuizResult]:
    """``quiz_result`` for each quiz of ``gradings`` the learner has finished an attempt at."""
    by_quiz: dict[str, list[Try]] = defaultdict(list)
    for attempt in tries:
        if attempt.quiz_id in gradings:
            by_quiz[attempt.quiz_id].append(attempt)
    found = {quiz_id: quiz_result(gradings[quiz_id], taken) for quiz_id, taken in by_quiz.items()}
    return {quiz_id: result for quiz_id, result in found.items() if result.grade is not None}


# --- Completion --------------------------------------------------------------------------------


def hours_attended(attended: Iterable[Attended]) -> dict[str, float]:
    """Hours of sessions attended, by topic."""
    minutes: dict[str, float] = defaultdict(float)
    for session in attended:
        minutes[session.topic_id] += max(session.minutes, 0.0)
    return {topic_id: total / 60 for topic_id, total in minutes.items()}


def passed_quizzes(gradings: Mapping[str, Grading | None], tries: Iterable[Try]
                   ) -> frozenset[str]:
    """The quizzes of ``gradings`` the learner passed, each by its grading method."""
    return frozenset(q for q, r in quiz_results(gradings, tries).items() if r.passed)


def facts(history: History, finals: Mapping[str, Grading | None]) -> Facts:
    """What counts towards completion; ``finals``: each final test's grading method."""
    return Facts(hours_attended(history.attended), history.studied,
                 passed_quizzes(finals, history.tries))


def requirement(topic_id: str, rule: RuleLike, module_ids: Sequence[str],
                track_modules: Iterable[str], final_quiz: str, required: bool,
                pretest: str = "") -> Requirement:
    """Apply ``rule`` to a topic: which hours, modules and test a learner of the track needs.

    ``track_modules`` are the modules the learner's audience must study. A topic
    that is only optional for the learner names none, so "required" then means
    every module of the topic: a certificate must say the same thing for everyone.
    The topic's progress counts the modules the rule needs; under ``modules: none``
    those of the track (or every module when the track names none).
    """
    wanted = set(track_modules)
    if rule.modules == "all" or (rule.modules == "required" and not wanted):
        modules = tuple(module_ids)
    elif rule.modules == "required":
        modules = tuple(m for m in module_ids if m in wanted)
    else:
        modules = ()
    counted = modules or tuple(m for m in module_ids if m in wanted) or tuple(module_ids)
    final = final_quiz if rule.final == "passed" else ""
    return Requirement(topic_id, required, float(rule.attended_hours), modules, final,
                       counted, final_quiz, pretest)


def evaluate(need: Requirement, facts: Facts) -> TopicStatus:
    """The checklist of one topic: each part of the rule, done or not, and what is missing."""
    checks: list[Check] = []
    if need.hours_needed > 0:
        have = round(facts.attended_hours.get(need.topic_id, 0.0), 2)
        checks.append(Check("hours", have >= need.hours_needed, have, need.hours_needed))
    if need.modules_needed:
        missing = tuple(m for m in need.modules_needed if m not in facts.studied)
        studied = len(need.modules_needed) - len(missing)
        checks.append(Check("modules", not missing, studied, len(need.modules_needed), missing))
    if need.final_quiz:
        passed = need.final_quiz in facts.passed_finals
        checks.append(Check("final", passed, 1 if passed else 0, 1,
                            () if passed else (need.final_quiz,)))
    return TopicStatus(need, tuple(checks))


def topic_progress(need: Requirement, studied: frozenset[str]) -> Progress:
    """How many of the modules the topic counts the learner has studied."""
    return Progress(sum(1 for m in need.counted if m in studied), len(need.counted))


def programme_complete(statuses: Sequence[TopicStatus]) -> bool:
    """Whether the whole track is done: every required topic complete (and there is one)."""
    required = [s for s in statuses if s.requirement.required]
    return bool(required) and all(s.complete for s in required)


def _required_checks_done(statuses: Sequence[TopicStatus], kind: CheckKind) -> bool:
    required = [s for s in statuses if s.requirement.required]
    return bool(required) and all(c.done for s in required for c in s.checks if c.kind == kind)


def modules_done(statuses: Sequence[TopicStatus]) -> bool:
    """Every module the required topics need is studied (and the track has a required topic)."""
    return _required_checks_done(statuses, "modules")


def finals_passed(statuses: Sequence[TopicStatus]) -> bool:
    """Every final test the required topics need is passed (and there is a required topic)."""
    return _required_checks_done(statuses, "final")


def track_requirements(manifest: Manifest, modules: Sequence[Document],
                       audience: str) -> list[Requirement]:
    """The requirements of every topic an ``audience`` takes, straight from the loaded course."""
    audiences = {m.id: m.audiences for m in modules}
    result = []
    for topic in manifest.topics:
        if audience not in topic.audiences and audience not in topic.optional_for:
            continue
        required = audience in topic.audiences
        ids = [ref.target for ref in topic.modules]
        track = [m for m in ids if audience in audiences.get(m, ())] if required else []
        final = topic.final.target if topic.final else ""
        pretest = topic.pretest.target if topic.pretest else ""
        result.append(requirement(topic.id, topic.rule_for(audience), ids, track, final,
                                  required, pretest))
    return result


def checklist(requirements: Sequence[Requirement], facts: Facts) -> list[TopicStatus]:
    """Evaluate every topic of a track."""
    return [evaluate(need, facts) for need in requirements]


def outcome(requirements: Sequence[Requirement], history: History,
            gradings: Mapping[str, Grading | None]) -> Outcome:
    """Everything decided about one learner: each topic's checklist, progress and tests.

    ``gradings``: the grading method of every quiz of the course (None for a quiz
    that left it).
    """
    results = quiz_results(gradings, history.tries)
    passed = frozenset(q for q, r in results.items() if r.passed)
    found = Facts(hours_attended(history.attended), history.studied, passed)
    taken = frozenset(results)
    topics = tuple(
        TopicOutcome(evaluate(need, found), topic_progress(need, history.studied),
                     results.get(need.final_test, NO_RESULT), need.pretest in taken,
                     round(found.attended_hours.get(need.topic_id, 0.0), 2))
        for need in requirements)
    return Outcome(topics, found)


# --- In bulk: the reports' entry point -----------------------------------------------------------


class Verdict(NamedTuple):
    """What the reports need of one learner's checklist."""

    complete: bool  # ``programme_complete``
    modules_done: bool  # ``modules_done``
    finals_passed: bool  # ``finals_passed``


_NONE: frozenset[str] = frozenset()


class Checklists:
    """``checklist`` for thousands of learners at once: the reports' bulk entry point.

    ``requirements`` holds each audience's requirements. Learners of one audience with
    the same facts get the same verdict, so each distinct (audience, facts) is evaluated
    once — by ``checklist``, ``programme_complete``, ``modules_done`` and
    ``finals_passed``, nothing else — and then looked up. The facts are first narrowed
    to those ``evaluate`` reads for the audience (its topics' hours, the modules and
    final tests they need), so learners who differ only in what their track does not
    ask for share an evaluation too: at 10,000 learners a few dozen. Lookups are
    cheapest when learners with the same modules or tests share one frozenset object
    (its hash is then computed once).
    """

    def __init__(self, requirements: Mapping[str | None, Sequence[Requirement]]) -> None:
        self.requirements = requirements
        self._asks: dict[str | None, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {
            audience: (frozenset(n.topic_id for n in needs if n.hours_needed > 0),
                       frozenset(m for n in needs for m in n.modules_needed),
                       frozenset(n.final_quiz for n in needs if n.final_quiz))
            for audience, needs in requirements.items()}
        self._decided: dict[tuple[object, ...], Verdict] = {}
        self._evaluated: dict[tuple[object, ...], Verdict] = {}

    def verdict(self, audience: str | None, studied: frozenset[str] = _NONE,
                passed_finals: frozenset[str] = _NONE,
                hours: Mapping[str, float] | None = None) -> Verdict:
        """The verdict on a learner of ``audience`` who studied the modules ``studied``,
        passed the final tests ``passed_finals`` and attended ``hours`` (by topic)."""
        attended = tuple(sorted(hours.items())) if hours else ()
        key = (audience, studied, passed_finals, attended)
        found = self._decided.get(key)
        if found is None:
            topics, modules, finals = self._asks[audience]
            asked = (audience, studied & modules, passed_finals & finals,
                     tuple((t, h) for t, h in attended if t in topics))
            found = self._evaluated.get(asked)
            if found is None:
                statuses = checklist(self.requirements[audience],
                                     Facts(dict(asked[3]), asked[1], asked[2]))
                found = self._evaluated[asked] = Verdict(
                    programme_complete(statuses), modules_done(statuses),
                    finals_passed(statuses))
            self._decided[key] = found
        return found


# --- Certificates ------------------------------------------------------------------------------


def certificates_due(statuses: Sequence[TopicStatus], valid: Iterable[str],
                     revoked: Iterable[str]) -> list[str]:
    """The certificates to issue automatically: topic ids, then ``PROGRAMME`` if due.

    ``valid`` and ``revoked`` name the certificates the learner holds and those a
    person revoked (topic ids, ``PROGRAMME`` for the programme). A revocation is a
    person's decision: it stands until a person issues again by hand, so a revoked
    certificate is never issued again automatically, whatever the learner does next.
    """
    blocked = set(valid) | set(revoked)
    due = [s.requirement.topic_id for s in statuses
           if s.complete and s.requirement.topic_id not in blocked]
    if programme_complete(statuses) and PROGRAMME not in blocked:
        due.append(PROGRAMME)
    return due
