"""A learner's specialism: choosing it, and what the home page recommends for it.

The specialisms are the course's (``modules/course.yaml``, per audience; read back as
``CompiledCourse.specialisms``); the user keeps only the id (``User.specialism``). A value
is accepted only if it is one of the specialisms of the user's audience, given by its id
or (at import, case-insensitively) by its title.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from course.compiled import CompiledCourse, Module, Specialism
from webapp.models import ModuleProgress, User

State = Literal["studied", "in-progress", "not-started"]


class SpecialismError(Exception):
    """A value that is not one of the audience's specialisms; ``code`` says why."""

    def __init__(self, code: Literal["none-offered", "unknown"], value: str = "") -> None:
        self.code = code
        self.value = value
        super().__init__(code)


def find(offered: Sequence[Specialism], value: str) -> Specialism | None:
    """The one of ``offered`` (an audience's specialisms) that ``value`` names, by its id or
    its title, in any case and spacing; None for an empty value. ``SpecialismError`` when
    it names none of them."""
    wanted = _key(value)
    if not wanted:
        return None
    if not offered:
        raise SpecialismError("none-offered", value)
    for specialism in offered:
        if wanted in (_key(specialism.id), _key(specialism.title)):
            return specialism
    raise SpecialismError("unknown", value)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def choose(course: CompiledCourse, user: User, value: str) -> Specialism | None:
    """Set ``user``'s specialism to the one ``value`` names ("" for none); the caller commits.

    Refused (``SpecialismError``, nothing changed) when it is not one of their audience's.
    """
    found = find(course.specialisms_of(user.audience), value)
    user.specialism = found.id if found else None
    return found


@dataclass(frozen=True)
class Step:
    """One module to study first: its state, and the prerequisites outside the list (or
    after it) that it still waits for."""

    module: Module
    state: State
    waits_for: tuple[Module, ...]


@dataclass(frozen=True)
class ReadingLink:
    """Extra reading: a module or page of the course (``kind`` and ``id``, with an anchor)
    or a web page (``url``)."""

    title: str
    kind: Literal["module", "page", "web"]
    id: str = ""
    anchor: str = ""
    url: str = ""


@dataclass(frozen=True)
class Recommendation:
    specialism: Specialism
    steps: tuple[Step, ...]
    reading: tuple[ReadingLink, ...]

    @property
    def studied(self) -> int:
        return sum(1 for step in self.steps if step.state == "studied")


def recommendation(course: CompiledCourse, user: User,
                   done: Mapping[str, ModuleProgress]) -> Recommendation | None:
    """What the home page recommends to ``user`` for their specialism (None without one).

    ``done`` holds the learner's progress records by module id. A specialism or module
    that is no longer in the course is left out, never an error.
    """
    specialism = course.specialism(user.audience, user.specialism)
    if specialism is None:
        return None
    steps: list[Step] = []
    for module_id in specialism.first:
        module = course.modules.get(module_id)
        if module is None:
            continue
        record = done.get(module_id)
        state: State = ("studied" if record.studied_at else "in-progress") if record \
            else "not-started"
        # A prerequisite earlier in the list goes without saying: the list is in order.
        earlier = {step.module.id for step in steps}
        waits = tuple(course.modules[m] for m in module.requires
                      if m in course.modules and m not in earlier
                      and not (m in done and done[m].studied_at))
        steps.append(Step(module, state, waits if state != "studied" else ()))
    reading = []
    for item in specialism.reading:
        if item.url:
            reading.append(ReadingLink(item.title, "web", url=item.url))
            continue
        found = course.find(item.target)
        if found is not None:
            kind, doc_id, anchor = found
            reading.append(ReadingLink(course.title_of(item.target),
                                       "module" if kind == "module" else "page", doc_id, anchor))
    return Recommendation(specialism, tuple(steps), tuple(reading))
