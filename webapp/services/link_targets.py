"""What the source editor's link picker offers: modules, pages, their sections and the
glossary terms, each written the way AUTHORING.md teaches a link to it from the edited file."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from course.model import Course, Document


@dataclass(frozen=True)
class Target:
    label: str
    href: str  # what goes between the brackets of [text](href)


@dataclass(frozen=True)
class TargetGroup:
    title: str
    targets: tuple[Target, ...]


def link_targets(course: Course, rel: str) -> list[TargetGroup]:
    """Every module and page, and each of their sections, as links from ``rel``: by topic
    in the course's order, then the pages. A section of ``rel`` itself is ``#anchor``."""
    here = posixpath.dirname(rel)
    titles = {t.id: t.title for t in course.manifest.topics} if course.manifest else {}
    order = {topic: i for i, topic in enumerate(titles)}
    by_topic: dict[str, list[Document]] = {}
    for doc in course.modules:
        by_topic.setdefault(doc.topic, []).append(doc)
    groups = [TargetGroup(titles.get(topic, topic), _targets(docs, rel, here))
              for topic, docs in sorted(by_topic.items(),
                                        key=lambda item: (order.get(item[0], len(order)), item[0]))]
    if course.pages:
        groups.append(TargetGroup("", _targets(list(course.pages), rel, here)))
    return groups


def _targets(docs: list[Document], rel: str, here: str) -> tuple[Target, ...]:
    found: list[Target] = []
    for doc in docs:
        href = "" if doc.path == rel else posixpath.relpath(doc.path, here or ".")
        if href:
            found.append(Target(doc.title, href))
        found += [Target(f"{doc.title} → {h.text}", f"{href}#{h.anchor}")
                  for h in doc.rendered.headings]
    return tuple(found)


def glossary_terms(course: Course) -> list[Target]:
    """The glossary's terms as ``glossary:`` links, in alphabetical order."""
    return sorted((Target(entry.term, f"glossary:{entry.key}") for entry in course.glossary),
                  key=lambda t: t.label.lower())
