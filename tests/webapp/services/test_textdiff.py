"""Word and line diffs of course sources."""

from __future__ import annotations

from webapp.services.textdiff import diff_lines


def test_diff_lines_mark_additions_and_removals() -> None:
    kinds = [kind for kind, _ in diff_lines("a\nb\n", "a\nc\n", "old", "new")]
    assert kinds == ["file", "file", "hunk", "context", "remove", "add"]
