"""Every validator rule, tried as a trainer would break the course.

Each file in tests/fixtures/broken/ describes one way of breaking the minimal
valid course (files to write, replace or delete) and the problems ``dobro
check`` must name, with file, line (and column, where the case gives one), and the
codes it must not name: a follow-on of the real fault only hides it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from course.cli import main
from tests.conftest import FIXTURES

CASES = sorted((FIXTURES / "broken").glob("*.yaml"))
SUMMARY = r"(1 грешка|\d+ грешки), (1 предупреждение|\d+ предупреждения).*"


def _as_list(value: str | list[str] | None) -> list[str]:
    return [value] if isinstance(value, str) else list(value or ())


def apply_case(root: Path, case: dict) -> None:
    """Break the course at ``root`` as ``case`` says."""
    for rel, text in (case.get("write") or {}).items():
        (root / rel).write_text(text, encoding="utf-8")
    for rel, text in (case.get("write_latin1") or {}).items():
        (root / rel).write_bytes(text.encode("latin-1"))
    for rel, pairs in (case.get("replace") or {}).items():
        path = root / rel
        text = path.read_text(encoding="utf-8")
        for old, new in pairs:
            assert old in text, f"{rel}: fixture text not found: {old!r}"
            text = text.replace(old, new, 1)
        path.write_text(text, encoding="utf-8")
    for rel in case.get("delete") or ():
        (root / rel).unlink()


@pytest.mark.parametrize("case_file", CASES, ids=[c.stem for c in CASES])
def test_broken_course_is_reported(case_file: Path, minimal: Path, capsys) -> None:
    case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    apply_case(minimal, case)

    code = main(["check", str(minimal)])
    out, err = capsys.readouterr()

    assert "Traceback" not in out + err
    assert code == case.get("exit", 1), out
    lines = out.splitlines()
    for expected in case["expect"]:
        severity = expected.get("severity", "error")
        prefix = f"{expected['path']}:{expected['line']}:"
        if "col" in expected:
            prefix += f"{expected['col']}:"
        matching = [line for line in lines if line.startswith(prefix)
                    and f": {severity}: " in line and line.endswith(f"[{expected['code']}]")]
        assert matching, f"expected {prefix} {severity} [{expected['code']}] in:\n{out}"
        for words in _as_list(expected.get("message")):
            assert any(words in line for line in matching), f"{words!r} not in {matching}"
        for words in _as_list(expected.get("not_message")):
            assert not any(words in line for line in matching), f"{words!r} in {matching}"
    for code in case.get("absent") or ():
        assert f"[{code}]" not in out, f"follow-on [{code}] reported:\n{out}"
    assert re.fullmatch(SUMMARY, lines[-1]), f"summary line last: {lines[-1]}"
    if "exit_strict" in case:
        assert main(["check", str(minimal), "--strict"]) == case["exit_strict"]


def test_minimal_course_is_clean(minimal: Path, capsys) -> None:
    assert main(["check", str(minimal), "--strict"]) == 0
    assert capsys.readouterr().out.strip() == "Няма проблеми."
