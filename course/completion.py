"""Completion rules: what a learner has done of a topic, and what is still missing.

Pure functions over plain facts (hours attended, modules studied, final tests
passed); the web app gathers the facts from its database, this module decides.
The rules themselves come from ``modules/course.yaml`` (``completion`` and
``completion_by_audience`` of each topic).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from course.model import Document, Manifest

CheckKind = Literal["hours", "modules", "final"]


class RuleLike(Protocol):
    """A completion rule as either the loader or the compiled course carries it."""

    @property
    def attended_hours(self) -> float: ...

    @property
    def modules(self) -> str: ...

    @property
    def final(self) -> str: ...


@dataclass(frozen=True)
class Requirement:
    """What one topic asks of one learner, with the rule already applied to their track."""

    topic_id: str
    required: bool  # the topic is part of the learner's track (else optional)
    hours_needed: float
    modules_needed: tuple[str, ...]  # in course order
    final_quiz: str  # "" when no final test is needed


@dataclass(frozen=True)
class Facts:
    """What a learner has done, as plain values."""

    attended_hours: Mapping[str, float] = field(default_factory=dict)  # by topic id
    studied: frozenset[str] = frozenset()  # module ids
    passed_finals: frozenset[str] = frozenset()  # quiz ids


@dataclass(frozen=True)
class Check:
    """One line of a learner's checklist."""

    kind: CheckKind
    done: bool
    have: float  # hours attended, modules studied, or 1 for a passed test
    need: float
    missing: tuple[str, ...] = ()  # the modules (or the test) still to do


@dataclass(frozen=True)
class TopicStatus:
    requirement: Requirement
    checks: tuple[Check, ...]

    @property
    def complete(self) -> bool:
        return all(check.done for check in self.checks)


def requirement(topic_id: str, rule: RuleLike, module_ids: Sequence[str],
                track_modules: Iterable[str], final_quiz: str, required: bool) -> Requirement:
    """Apply ``rule`` to a topic: which hours, modules and test a learner of the track needs.

    ``track_modules`` are the modules the learner's audience must study. A topic
    that is only optional for the learner names none, so "required" then means
    every module of the topic: a certificate must say the same thing for everyone.
    """
    wanted = set(track_modules)
    if rule.modules == "all" or (rule.modules == "required" and not wanted):
        modules = tuple(module_ids)
    elif rule.modules == "required":
        modules = tuple(m for m in module_ids if m in wanted)
    else:
        modules = ()
    final = final_quiz if rule.final == "passed" else ""
    return Requirement(topic_id, required, float(rule.attended_hours), modules, final)


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


def programme_complete(statuses: Sequence[TopicStatus]) -> bool:
    """Whether the whole track is done: every required topic complete (and there is one)."""
    required = [s for s in statuses if s.requirement.required]
    return bool(required) and all(s.complete for s in required)


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
        result.append(requirement(topic.id, topic.rule_for(audience), ids, track, final,
                                  required))
    return result


def checklist(requirements: Sequence[Requirement], facts: Facts) -> list[TopicStatus]:
    """Evaluate every topic of a track."""
    return [evaluate(need, facts) for need in requirements]


PROGRAMME = "programme"


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
