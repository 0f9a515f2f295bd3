"""What a learner does next: after a module, and first thing on their home page.

Choices over facts already gathered — the learner's track (``progress.track``), the
modules they studied, ``course.rules``' outcome — so they are plain functions, and
every page that offers a way on offers the same one. No rule is decided here:
whether a topic's modules are all studied and whether its final test is passed
come from the outcome.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from sqlmodel import Session

from course import rules
from course.compiled import CompiledCourse, Module, QuizInfo, Topic
from course.rules import Outcome, TopicOutcome
from webapp.models import User
from webapp.services import completion, progress
from webapp.services.progress import TopicTrack

HomeKind = Literal["start", "continue", "next", "final", "done"]


class Record(Protocol):
    """What the choices read of a progress record (``ModuleProgress`` or ``progress.Seen``)."""

    @property
    def module_id(self) -> str: ...

    @property
    def last_opened_at(self) -> datetime: ...

    @property
    def studied_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class LearnerFacts:
    """What a learner did, as the choices need it."""

    tracks: Sequence[TopicTrack]
    outcome: Outcome
    studied: frozenset[str]  # module ids marked studied
    tries: Mapping[str, int]  # finished attempts by quiz id


def gather(db: Session, user: User, course: CompiledCourse, build_dir: Path) -> LearnerFacts:
    """The learner's facts, with the outcome ``course.rules`` decides from them."""
    history = completion.history(db, user)
    outcome = rules.outcome(completion.requirements(course, user.audience), history,
                            completion.gradings(build_dir, course))
    tries = Counter(t.quiz_id for t in history.tries if t.finished)
    return LearnerFacts(progress.track(course, user.audience), outcome, history.studied, tries)


@dataclass(frozen=True)
class AfterModule:
    """The way on from a module the learner has studied."""

    topic: Topic | None  # the module's topic
    finished: bool  # every module the topic counts is studied
    module: Module | None  # the module to study next
    opens: Module | None  # the module the next one opens (it waits for ``module``)
    final: QuizInfo | None  # the topic's final test, due now
    next_topic: Topic | None  # ``module``'s topic, when the learner's topic is finished


@dataclass(frozen=True)
class HomeStep:
    """The one thing the home page puts first (an open test goes before it)."""

    kind: HomeKind
    module: Module | None = None
    position: str = ""  # the section the learner was reading (an anchor)
    opens: Module | None = None
    final: QuizInfo | None = None
    topic: Topic | None = None  # the topic of ``module`` or ``final``


def to_study(course: CompiledCourse, module: Module,
             studied: frozenset[str]) -> tuple[Module, Module | None]:
    """``module``, or the first prerequisite the learner must study before it, with the
    module it opens (None when ``module`` itself is open)."""
    wanted, visited = module, {module.id}
    while True:
        missing = [m for m in wanted.requires if m not in studied and m in course.modules]
        if not missing or missing[0] in visited:
            break
        wanted = course.modules[missing[0]]
        visited.add(wanted.id)
    return wanted, (module if wanted is not module else None)


def _decided(facts: LearnerFacts, topic_id: str) -> TopicOutcome | None:
    return next((t for t in facts.outcome.topics if t.topic_id == topic_id), None)


def finished(facts: LearnerFacts, item: TopicTrack) -> bool:
    """Whether the learner studied every module the topic counts (``course.rules``)."""
    decided = _decided(facts, item.topic.id)
    if decided is None:
        return all(m.id in facts.studied for m in item.modules)
    return decided.progress.studied >= decided.progress.total


def final_due(course: CompiledCourse, facts: LearnerFacts, item: TopicTrack) -> QuizInfo | None:
    """The topic's final test when it is the thing to do: its modules studied, the test
    not passed yet and an attempt left."""
    decided = _decided(facts, item.topic.id)
    info = course.quizzes.get(item.topic.final)
    if info is None or decided is None or decided.final.passed or not finished(facts, item):
        return None
    if info.attempts and facts.tries.get(info.id, 0) >= info.attempts:
        return None
    return info


def _counted(facts: LearnerFacts, item: TopicTrack) -> list[Module]:
    """The topic's modules its progress counts, in order."""
    decided = _decided(facts, item.topic.id)
    counted = set(decided.status.requirement.counted) if decided else set()
    return [m for m in item.modules if m.id in counted] or list(item.modules)


def _first_unstudied(modules: Iterable[Module], studied: frozenset[str]) -> Module | None:
    return next((m for m in modules if m.id not in studied), None)


def _track_item(course: CompiledCourse, facts: LearnerFacts, module: Module) -> TopicTrack | None:
    found = next((t for t in facts.tracks if t.topic.id == module.topic), None)
    if found is None:  # a module outside the learner's track: its own topic, all of it
        topic = course.topic(module.topic)
        if topic is None:
            return None
        modules = tuple(course.modules[m] for m in topic.module_ids if m in course.modules)
        found = TopicTrack(topic, False, modules, frozenset())
    return found


def after_module(course: CompiledCourse, facts: LearnerFacts, module: Module) -> AfterModule:
    """Where to go from ``module``: the next module of its topic not studied yet (in the
    track's order, after this one first), or — the topic finished — its final test if
    due and the next topic with something left to study."""
    item = _track_item(course, facts, module)
    if item is None:
        return AfterModule(None, False, None, None, None, None)
    if not finished(facts, item):
        counted = _counted(facts, item)
        index = next((i for i, m in enumerate(counted) if m.id == module.id), -1)
        upcoming = _first_unstudied(counted[index + 1:] + counted[:index + 1], facts.studied)
        if upcoming is not None:
            wanted, opens = to_study(course, upcoming, facts.studied)
            return AfterModule(item.topic, False, wanted, opens, None, None)
    final = final_due(course, facts, item) if item in facts.tracks else None
    following, waiting, topic = _next_topic(course, facts, item)
    return AfterModule(item.topic, True, following, waiting, final, topic)


def _next_topic(course: CompiledCourse, facts: LearnerFacts, current: TopicTrack
                ) -> tuple[Module | None, Module | None, Topic | None]:
    """The first module to study in the next topic (in track order, then from the start)
    that is not finished."""
    tracks = list(facts.tracks)
    index = tracks.index(current) if current in tracks else -1
    for item in tracks[index + 1:] + tracks[:max(index, 0)]:
        if finished(facts, item):
            continue
        upcoming = _first_unstudied(_counted(facts, item), facts.studied)
        if upcoming is not None:
            wanted, opens = to_study(course, upcoming, facts.studied)
            return wanted, opens, item.topic
    return None, None, None


def home_step(course: CompiledCourse, facts: LearnerFacts, records: Mapping[str, Record],
              first: Sequence[Module] = ()) -> HomeStep:
    """The next step the home page offers first.

    A learner who has opened no module yet starts with ``first`` (their specialism's
    modules, in order) or their track's first module; one who left a module half read
    (and studied none since) goes back to it; else the way on from the module they
    studied last (its topic's next module, its final test, or the next topic); else
    a module left half read, or any final test due.
    """
    if not records:
        start = _first_unstudied(first, facts.studied) or _first_of_track(facts)
        if start is None:
            return HomeStep("done")
        wanted, opens = to_study(course, start, facts.studied)
        return HomeStep("start", wanted, opens=opens, topic=course.topic(wanted.topic))
    reading = [r for r in records.values()
               if r.studied_at is None and r.module_id in course.modules]
    studied = [r for r in records.values()
               if r.studied_at is not None and r.module_id in course.modules]
    last_read = max(reading, key=lambda r: r.last_opened_at) if reading else None
    last_studied = max(studied, key=lambda r: r.studied_at or r.last_opened_at) \
        if studied else None
    # Where they left off: a module left half read, unless they studied another since.
    if last_read is not None and (last_studied is None or last_studied.studied_at is None
                                  or last_read.last_opened_at >= last_studied.studied_at):
        return _continue(course, last_read)
    if last_studied is not None:
        after = after_module(course, facts, course.modules[last_studied.module_id])
        if after.final is not None:
            return HomeStep("final", final=after.final, topic=after.topic)
        if after.module is not None:
            return HomeStep("next", after.module, opens=after.opens,
                            topic=course.topic(after.module.topic))
    if last_read is not None:
        return _continue(course, last_read)
    for item in facts.tracks:
        due = final_due(course, facts, item)
        if due is not None:
            return HomeStep("final", final=due, topic=item.topic)
    upcoming = _first_of_track(facts)
    if upcoming is not None:
        wanted, opens = to_study(course, upcoming, facts.studied)
        return HomeStep("next", wanted, opens=opens, topic=course.topic(wanted.topic))
    return HomeStep("done")


def _continue(course: CompiledCourse, record: Record) -> HomeStep:
    """Back to a module left half read, at the section the learner was reading."""
    module = course.modules[record.module_id]
    return HomeStep("continue", module, getattr(record, "position", "") or "",
                    topic=course.topic(module.topic))


def _first_of_track(facts: LearnerFacts) -> Module | None:
    """The first module the learner has not studied among those their topics count."""
    for item in facts.tracks:
        if not finished(facts, item):
            found = _first_unstudied(_counted(facts, item), facts.studied)
            if found is not None:
                return found
    return None
