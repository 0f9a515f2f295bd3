"""Word and line diffs of course sources, as a trainer reads them in the history.

Pure text work: plain strings in, (kind, text) runs out; no files, no request.
"""

from __future__ import annotations

import difflib
import re

# A word, a run of spaces, or one other character: Cyrillic letters are \w in Python.
# Word pairs compared at most in one changed block (difflib is quadratic in the worst case).
WORD_BUDGET = 400_000
WORD = re.compile(r"\w+|\s+|[^\w\s]")


def words(text: str) -> list[str]:
    """Split ``text`` into words, runs of spaces and single signs, losing nothing."""
    return WORD.findall(text)


def diff_words(old: str, new: str, context: int = 2) -> list[tuple[str, str]]:
    """The change from ``old`` to ``new`` as (kind, text) runs; kind is same, del, ins or
    skip (the text is then the number of unchanged lines left out).

    Words, not lines: a trainer sees the two words she changed in a paragraph, not the
    whole paragraph twice. Lines are matched first, so a long file costs a line diff and
    only the changed lines are compared word by word.
    """
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    runs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            runs.extend(_unchanged(before[i1:i2], context, index == 0,
                                   index == len(opcodes) - 1))
        else:
            runs.extend(_changed("".join(before[i1:i2]), "".join(after[j1:j2])))
    return _merged(runs)


def _unchanged(lines: list[str], context: int, first: bool, last: bool) -> list[tuple[str, str]]:
    """Unchanged lines, keeping ``context`` lines next to each change and counting the rest."""
    head = [] if first else lines[:context]
    tail = [] if last else lines[len(head):][-context:] if context else []
    left = len(lines) - len(head) - len(tail)
    runs = [("same", "".join(head))] if head else []
    runs += [("skip", str(left))] if left > 0 else []
    return runs + ([("same", "".join(tail))] if tail else [])


def _changed(old: str, new: str) -> list[tuple[str, str]]:
    before, after = words(old), words(new)
    if len(before) * len(after) > WORD_BUDGET:
        return _changed_by_line(old, new)
    runs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            runs.append(("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("del", "".join(before[i1:i2])))
        if j2 > j1:
            runs.append(("ins", "".join(after[j1:j2])))
    return runs


def _changed_by_line(old: str, new: str) -> list[tuple[str, str]]:
    """A large rewritten block, compared line with line: word matching over all of it would
    take time that grows with the square of its length."""
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    runs: list[tuple[str, str]] = []
    for index in range(max(len(before), len(after))):
        line_before = before[index] if index < len(before) else ""
        line_after = after[index] if index < len(after) else ""
        if len(line_before) * len(line_after) > WORD_BUDGET:
            runs += [("del", line_before), ("ins", line_after)]
        else:
            runs += _changed(line_before, line_after)
    return [(kind, text) for kind, text in runs if text]


def _merged(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Join neighbouring runs of the same kind (skips excepted)."""
    merged: list[tuple[str, str]] = []
    for kind, text in runs:
        if merged and kind == merged[-1][0] and kind != "skip":
            merged[-1] = (kind, merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged


def diff_lines(old: str, new: str, old_name: str, new_name: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) pairs; kind is add, remove, hunk or context."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name,
                                 lineterm="", n=3)
    kinds = {"+": "add", "-": "remove", "@": "hunk"}
    result = []
    for index, line in enumerate(lines):
        kind = "file" if index < 2 else kinds.get(line[:1], "context")
        result.append((kind, line))
    return result
