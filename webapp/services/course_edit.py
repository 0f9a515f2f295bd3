"""New modules, quizzes and pages, and the order of modules, without typing YAML.

Pure text work: every function takes texts and plain values and returns new
texts; nothing here reads or writes files (``course_changes`` does, through the
same checks as a web save). ``course.yaml`` and front matter are edited with
ruamel.yaml in round-trip mode, so comments, key order, flow lists and folded
titles stay as the author wrote them.
"""

from __future__ import annotations

import io
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import unquote

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from course.model import Course, Document, Link

TITLE_LENGTH = 200
SLUG_LENGTH = 60
# Bulgarian's official transliteration (as the existing file names have it: ц → c).
_LATIN = dict(zip("абвгдезийклмнопрстуфхцчшщъьюя",
                  "a b v g d e z i y k l m n o p r s t u f h c ch sh sht a y yu ya".split(),
                  strict=False))
_LATIN.update({"ж": "zh"})
_NUMBERED = re.compile(r"^(\d+)-")


class EditError(Exception):
    """A request the course cannot take; ``code`` says why (the view words it), ``value``
    names what."""

    def __init__(self, code: str, value: str = "") -> None:
        self.code = code
        self.value = value
        super().__init__(f"{code}: {value}" if value else code)


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # never re-wrap a long line the author wrote on one line
    return yaml


def slugify(title: str) -> str:
    """An id from a Bulgarian title: transliterated, lower case, words joined by hyphens."""
    latin = "".join(_LATIN.get(ch, ch) for ch in title.lower())
    words = re.findall(r"[a-z0-9]+", latin)
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > SLUG_LENGTH:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug


def clean_title(title: str) -> str:
    """The title on one line, or ``EditError`` when it is empty or too long."""
    title = " ".join(title.split())
    if not title:
        raise EditError("empty-title")
    if len(title) > TITLE_LENGTH:
        raise EditError("long-title", str(TITLE_LENGTH))
    if not slugify(title):
        raise EditError("no-letters")
    return title


def next_file_name(existing: Iterable[str], slug: str) -> str:
    """``NN-slug.md`` numbered after the folder's last file, as the folders are numbered."""
    numbers = [int(m.group(1)) for name in existing if (m := _NUMBERED.match(name))]
    return f"{max(numbers, default=0) + 1:02d}-{slug}.md"


def _quote(text: str) -> str:
    """A YAML scalar for a title: double-quoted, so no title can change the YAML's shape."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def module_text(module_id: str, title: str, minutes: int, audiences: Iterable[str]) -> str:
    """A new module: front matter and the sections the real modules have."""
    chosen = list(audiences)
    lines = ["---", f"id: {module_id}", f"title: {_quote(title)}", f"minutes: {minutes}"]
    if chosen:
        lines.append(f"audiences: [{', '.join(chosen)}]")
    lines += [
        "objectives:",
        "  - Обяснява … (напишете какво ще може участникът след модула).",
        "---",
        "",
        "Въведение: с няколко изречения кажете защо темата е важна за общината и",
        "какво ще научи участникът.",
        "",
        "## Първи раздел {#parvi-razdel}",
        "",
        "Текстът на раздела.",
        "",
        "## Обобщение {#obobshtenie}",
        "",
        "- Най-важното от модула, в няколко точки.",
        "",
        "## Правни основания {#pravni-osnovaniya}",
        "",
        "- Закон … – чл. …",
        "",
    ]
    return "\n".join(lines)


def page_text(page_id: str, title: str) -> str:
    """A new page: front matter and one paragraph."""
    return "\n".join(["---", f"id: {page_id}", f"title: {_quote(title)}", "---", "",
                      "Текстът на страницата.", ""])


@dataclass(frozen=True)
class QuizPlan:
    """What a new quiz is: its id, title and kind, the module or pool it belongs to."""

    quiz_id: str
    title: str
    kind: str  # self-check | pre-test | final | pool
    module: Document | None = None  # a self-check's module
    pool_id: str = ""  # a pre-test's or final's pool
    pool_size: int = 0


_FEEDBACK = ['  - {min: 85, text: "Отлично."}',
             '  - {min: 60, text: "Добре. Прегледайте разделите, в които сте сгрешили."}',
             '  - {min: 0, text: "Прочетете модула отново и опитайте пак."}']


def quiz_text(plan: QuizPlan) -> str:
    """A new quiz with the defaults the course's real quizzes of that kind use."""
    head = ["schema: 1", f"id: {plan.quiz_id}", f"title: {_quote(plan.title)}",
            f"kind: {plan.kind}"]
    if plan.kind == "self-check":
        body = ["pass_mark: 0", "attempts: 0", "review:",
                "  after_submit: [score, correctness, feedback, explanation, answers]",
                "feedback:", *_FEEDBACK, "questions:", *_example_question(plan.module)]
    elif plan.kind == "pool":
        body = ["questions:", *_example_question(None)]
    else:
        final = plan.kind == "final"
        body = [f"pool: {plan.pool_id}", f"draw: {min(20, plan.pool_size)}",
                f"pass_mark: {70 if final else 0}", f"attempts: {3 if final else 1}",
                f"grading: {'highest' if final else 'first'}", "time_limit: 30", "review:",
                "  after_submit: [score]",
                "  after_close: [score, correctness, feedback, explanation, answers]" if final
                else "  after_close: [score]"]
    return "\n".join(head + body) + "\n"


def _example_question(module: Document | None) -> list[str]:
    lines = ["  - id: q1", "    type: true-false",
             "    text: Примерен въпрос – заменете го със свой.", "    points: 1",
             "    answer: true", "    explanation: Защо отговорът е верен."]
    if module is not None:
        anchor = module.rendered.headings[0].anchor if module.rendered.headings else ""
        lines.append(f"    ref: {module.id}" + (f"#{anchor}" if anchor else ""))
    return lines


class Manifest:
    """``course.yaml`` loaded for round-trip editing."""

    def __init__(self, text: str) -> None:
        self._yaml = _yaml()
        self.data: CommentedMap = self._yaml.load(text)

    def dump(self) -> str:
        """The edited text; the untouched parts byte for byte as they were."""
        out = io.StringIO()
        self._yaml.dump(self.data, out)
        return out.getvalue()

    def topic(self, topic_id: str) -> CommentedMap:
        """A topic by id, or ``EditError``."""
        for topic in self.data.get("topics") or []:
            if isinstance(topic, CommentedMap) and topic.get("id") == topic_id:
                return topic
        raise EditError("unknown-topic", topic_id)

    def modules(self, topic_id: str) -> CommentedSeq:
        topic = self.topic(topic_id)
        if not isinstance(topic.get("modules"), list):
            topic["modules"] = CommentedSeq()
        seq: CommentedSeq = topic["modules"]
        return seq

    def insert(self, topic_id: str, module_id: str, index: int) -> None:
        """List ``module_id`` in the topic at ``index`` (clamped to the list)."""
        seq = self.modules(topic_id)
        if module_id in seq:
            raise EditError("already-listed", module_id)
        seq.insert(max(0, min(index, len(seq))), module_id)

    def remove(self, topic_id: str, module_id: str) -> int:
        """Take ``module_id`` out of the topic's list; return where it stood."""
        seq = self.modules(topic_id)
        if module_id not in seq:
            raise EditError("not-listed", module_id)
        index = list(seq).index(module_id)
        del seq[index]
        return index

    def shift(self, topic_id: str, module_id: str, delta: int) -> None:
        """Move a module up (-1) or down (+1) in its topic; at an end nothing moves."""
        seq = self.modules(topic_id)
        if module_id not in seq:
            raise EditError("not-listed", module_id)
        index = list(seq).index(module_id)
        other = index + delta
        if 0 <= other < len(seq):
            seq[index], seq[other] = seq[other], seq[index]

    def set_tracks(self, topic_id: str, required: list[str], optional: list[str]) -> None:
        """Whom the topic is for: required (``audiences``) and optional (``optional_for``)."""
        topic = self.topic(topic_id)
        if not required:
            raise EditError("no-required")
        _set_flow_list(topic, "audiences", required)
        if optional:
            _set_flow_list(topic, "optional_for", optional, after="audiences")
        elif "optional_for" in topic:
            del topic["optional_for"]

    def set_test(self, topic_id: str, key: str, quiz_id: str) -> None:
        """Make ``quiz_id`` the topic's ``pretest`` or ``final``."""
        topic = self.topic(topic_id)
        if key not in topic:
            topic.insert(_after(topic, "modules"), key, quiz_id)
        else:
            topic[key] = quiz_id

    def topic_of(self, module_id: str) -> str | None:
        """The topic whose list holds ``module_id``."""
        for topic in self.data.get("topics") or []:
            if isinstance(topic, dict) and module_id in (topic.get("modules") or []):
                return str(topic.get("id"))
        return None


def _after(mapping: CommentedMap, key: str) -> int:
    keys = list(mapping)
    return keys.index(key) + 1 if key in keys else len(keys)


def _set_flow_list(mapping: CommentedMap, key: str, values: list[str], after: str = "") -> None:
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    if key in mapping:
        mapping[key] = seq
    else:
        mapping.insert(_after(mapping, after), key, seq)


class FrontMatter:
    """A Markdown file's front matter loaded for round-trip editing; the body untouched."""

    def __init__(self, text: str) -> None:
        lines = text.splitlines(keepends=True)
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), 0)
        if not lines or lines[0].strip() != "---" or not end:
            raise EditError("no-front-matter")
        self._yaml = _yaml()
        self._head, self._close = lines[0], lines[end]
        self._body = "".join(lines[end + 1:])
        loaded = self._yaml.load("".join(lines[1:end]))
        if not isinstance(loaded, CommentedMap):
            raise EditError("no-front-matter")
        self.data: CommentedMap = loaded

    def set_list(self, key: str, values: list[str], after: str = "minutes") -> None:
        """Set a list of ids (``audiences``, ``requires``); an empty list removes the key."""
        if values:
            _set_flow_list(self.data, key, values, after=after)
        elif key in self.data:
            del self.data[key]

    def set(self, key: str, value: Any) -> None:
        if key in self.data:
            self.data[key] = value
        else:
            self.data.insert(len(self.data), key, value)

    def dump(self) -> str:
        out = io.StringIO()
        self._yaml.dump(self.data, out)
        return self._head + out.getvalue() + self._close + self._body


@dataclass(frozen=True)
class Incoming:
    """Something that points at a module: which file, where, and how."""

    path: str
    line: int
    what: str  # link | prerequisite | question | course-page | specialism


def links_to(course: Course, doc: Document) -> list[Incoming]:
    """Everything outside ``doc`` (and outside course.yaml's lists) that names it."""
    found: list[Incoming] = []
    for other in course.modules + course.pages:
        if other.path == doc.path:
            continue
        found += [Incoming(other.path, link.line, "link")
                  for link in other.rendered.links
                  if link.kind == "module" and link.target == doc.path]
        found += [Incoming(other.path, ref.pos[0], "prerequisite")
                  for ref in other.requires if ref.target == doc.id]
    for quiz in course.quizzes:
        found += [Incoming(quiz.path, q.pos[0], "question")
                  for q in quiz.questions
                  if q.ref is not None and q.ref.target.partition("#")[0] == doc.id]
    manifest = course.manifest
    if manifest is not None:
        pages = ([manifest.introduction] if manifest.introduction else []) + list(
            manifest.handbook_front_matter)
        found += [Incoming(ref.path, ref.pos[0], "course-page")
                  for ref in pages if ref.target == doc.id]
        # A specialism's modules to study first and its reading (``id`` or ``id#anchor``).
        refs = [ref for audience in manifest.audiences for specialism in audience.specialisms
                for ref in (*specialism.first,
                            *(item.ref for item in specialism.reading if item.ref))]
        found += [Incoming(ref.path, ref.pos[0], "specialism")
                  for ref in refs if ref.target.partition("#")[0] == doc.id]
    return sorted(set(found), key=lambda i: (i.path, i.line))


# A link's destination in Markdown: inline ``](dest)`` / ``](<dest>)``, or a reference
# definition ``[label]: dest``. Only the lines where the parser found links are searched.
_DESTINATION = re.compile(r"(\]\(\s*<?|^\s{0,3}\[[^\]]+\]:\s*<?)([^\s()<>]+)")


def relink(text: str, links: Iterable[Link], old_dir: str, new_dir: str,
           moved: Mapping[str, str]) -> str:
    """``text`` (a module or page living in ``old_dir``, to live in ``new_dir``) with every
    link and image path rewritten so it points where it did, ``moved`` files (old path →
    new path) at their new place.

    ``links`` are the document's links as parsed: only their lines are touched, and only
    destinations that resolve to one of them, so code and plain text stay as they are.
    """
    targets: dict[int, set[str]] = {}
    for link in links:
        if link.kind in ("module", "image"):
            targets.setdefault(link.line, set()).add(link.target)
    if not targets:
        return text

    def rewrite(match: re.Match[str], line_targets: set[str]) -> str:
        destination = match.group(2)
        target, hash_, anchor = destination.partition("#")
        if not target or "://" in target or target.startswith(("/", "mailto:", "glossary:")):
            return match.group(0)
        resolved = posixpath.normpath(posixpath.join(old_dir, unquote(target)))
        if resolved not in line_targets:
            return match.group(0)
        goal = moved.get(resolved, resolved)
        if goal == resolved and old_dir == new_dir:
            return match.group(0)  # neither end moves
        return match.group(1) + posixpath.relpath(goal, new_dir or ".") + hash_ + anchor

    lines = text.splitlines(keepends=True)
    for number, line_targets in targets.items():
        if 1 <= number <= len(lines):
            lines[number - 1] = _DESTINATION.sub(partial(rewrite, line_targets=line_targets),
                                                 lines[number - 1])
    return "".join(lines)
