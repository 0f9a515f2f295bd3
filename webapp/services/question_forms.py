"""Quiz questions edited as forms: plain values in, the quiz file's new text out.

Pure text work, as ``course_edit`` is. Only the question being changed is
rewritten, and within it only the keys whose value changed: every other line of
the file — comments, key order, quoting, long lines as the author wrapped them —
stays byte for byte, so a change made and undone gives back the very same file.
ruamel.yaml (round trip) finds where each question and key stands and writes
the new values.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from course.errors import Problem
from webapp.services.course_edit import EditError

# An id in a block or a flow mapping ("- id: q3", "{id: q3, …}"), in any text the file had.
_ID_LINE = re.compile(r"(?:^|[\s{,])id:\s*['\"]?q(\d+)\b", re.MULTILINE)


@dataclass(frozen=True)
class Span:
    """Where one question stands: its lines ``start``..``end`` (exclusive), 0-based."""

    start: int
    end: int
    dash: int  # the column of its "- " (items are written "- key", as every quiz has them)
    keys: dict[str, int]  # each key's line


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # a new value stays on one line: nothing to re-wrap by hand
    return yaml


def _load(text: str) -> CommentedMap:
    try:
        data = _yaml().load(text)
    except Exception:  # ruamel raises many kinds; any of them means "fix it in the editor"
        raise EditError("bad-yaml") from None
    if not isinstance(data, CommentedMap) or not isinstance(data.get("questions"), CommentedSeq):
        raise EditError("no-questions")
    return data


def plain(value: Any) -> Any:
    """A loaded YAML value as plain dicts, lists and scalars (to compare and to fill forms)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value) if isinstance(value, float) else int(value)
    return str(value)


def questions(text: str) -> list[dict[str, Any]]:
    """The questions of a quiz file as plain mappings, in file order."""
    return [plain(q) for q in _load(text)["questions"] if isinstance(q, dict)]


def find(text: str, qid: str) -> dict[str, Any]:
    """One question by id, or ``EditError``."""
    for question in questions(text):
        if str(question.get("id")) == qid:
            return question
    raise EditError("unknown-question", qid)


def spans(text: str, data: CommentedMap | None = None) -> list[Span]:
    """Where each question of the file stands (``data``: the text already loaded)."""
    data = _load(text) if data is None else data
    items: CommentedSeq = data["questions"]
    lines = text.split("\n")
    after = _after_questions(data, len(lines))
    found = []
    for index, item in enumerate(items):
        line, col = items.lc.item(index)
        end = items.lc.item(index + 1)[0] if index + 1 < len(items) else after
        while end > line + 1 and _loose(lines[end - 1]):
            end -= 1  # a blank line or comment before the next question is not this one's
        keys = {str(k): item.lc.key(k)[0] for k in item} if isinstance(item, CommentedMap) else {}
        found.append(Span(line, end, col - 2, keys))  # col is the key's, after "- "
    return found


def _loose(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _after_questions(data: CommentedMap, total: int) -> int:
    keys = list(data)
    at = keys.index("questions")
    return data.lc.key(keys[at + 1])[0] if at + 1 < len(keys) else total


def next_id(text: str, used: Iterable[str] = ()) -> str:
    """The next free ``qN``: after every number this file has or ever had (``used``:
    earlier versions' texts), so a deleted question's id is never given again."""
    numbers = [int(m.group(1)) for source in (text, *used) for m in _ID_LINE.finditer(source)]
    return f"q{max(numbers, default=0) + 1}"


def _dump(value: dict[str, Any], indent: int) -> list[str]:
    """``value`` as YAML lines, each indented by ``indent``."""
    yaml = _yaml()
    yaml.indent(mapping=2, sequence=2, offset=0)  # as the quizzes under quizzes/ are written
    out = io.StringIO()
    yaml.dump(value, out)
    return [" " * indent + line for line in out.getvalue().rstrip("\n").split("\n")]


def _same(old: Any, new: Any) -> bool:
    return bool(plain(old) == new)


def _rewrite(lines: list[str], span: Span, old: CommentedMap, new: dict[str, Any]) -> list[str]:
    """The question's lines with its changed keys rewritten and the others kept as they are."""
    inner = span.dash + 2
    own = lines[span.start:span.end]
    own[0] = own[0][:span.dash] + "  " + own[0][inner:]  # the "- " goes back on at the end
    starts = sorted((line - span.start, key) for key, line in span.keys.items())
    blocks: dict[str, list[str]] = {}
    for i, (first, key) in enumerate(starts):
        last = starts[i + 1][0] if i + 1 < len(starts) else len(own)
        blocks[key] = own[first:last]
    head = own[:starts[0][0]] if starts else []
    result = list(head)
    order = [k for k in old if k in new] + [k for k in new if k not in old]
    for key in order:
        keep = key in blocks and key in old and _same(old[key], new[key])
        result += blocks[key] if keep else _dump({key: new[key]}, inner)
    first = next(i for i, line in enumerate(result) if line.strip())
    result[first] = result[first][:span.dash] + "- " + result[first][inner:]
    return result


def save_question(text: str, qid: str | None, values: dict[str, Any]) -> str:
    """The file with the question ``qid`` replaced by ``values`` (``qid`` None: added last).

    ``values`` is the question as plain values, its id included.
    """
    data = _load(text)
    items: CommentedSeq = data["questions"]
    lines = text.split("\n")
    if qid is None:
        dash = spans(text, data)[0].dash if items else 0
        place = spans(text, data)[-1].end if items else _after_questions(data, len(lines))
        new = _dump(values, dash + 2)
        new[0] = " " * dash + "- " + new[0][dash + 2:]
        return "\n".join(lines[:place] + new + lines[place:])
    index = _index(items, qid)
    span = spans(text, data)[index]
    return "\n".join(lines[:span.start] + _rewrite(lines, span, items[index], values)
                     + lines[span.end:])


def _index(items: CommentedSeq, qid: str) -> int:
    for index, item in enumerate(items):
        if isinstance(item, dict) and str(item.get("id")) == qid:
            return index
    raise EditError("unknown-question", qid)


def delete_question(text: str, qid: str) -> str:
    """The file without the question ``qid``."""
    data = _load(text)
    span = spans(text, data)[_index(data["questions"], qid)]
    lines = text.split("\n")
    return "\n".join(lines[:span.start] + lines[span.end:])


def move_question(text: str, qid: str, delta: int) -> str:
    """The file with the question ``qid`` swapped with its neighbour (``delta`` -1 or 1)."""
    data = _load(text)
    index = _index(data["questions"], qid)
    found = spans(text, data)
    other = index + delta
    if not 0 <= other < len(found):
        return text
    first, second = sorted((found[index], found[other]), key=lambda s: s.start)
    lines = text.split("\n")
    return "\n".join(lines[:first.start] + lines[second.start:second.end]
                     + lines[first.end:second.start] + lines[first.start:first.end]
                     + lines[second.end:])


def problem_keys(text: str, qid: str, problems: Iterable[Problem]) -> tuple[
        dict[str, list[str]], list[Problem]]:
    """The problems of ``text`` that stand in the question ``qid``, by key; the rest apart."""
    try:
        data = _load(text)
        span = spans(text, data)[_index(data["questions"], qid)]
    except EditError:
        return {}, list(problems)
    by_key: dict[str, list[str]] = {}
    rest = []
    starts = sorted((line, key) for key, line in span.keys.items())
    for problem in problems:
        line = problem.line - 1
        if not span.start <= line < span.end or not starts or line < starts[0][0]:
            rest.append(problem)
            continue
        key = [k for first, k in starts if first <= line][-1]
        by_key.setdefault(key, []).append(problem.message)
    return by_key, rest
