"""YAML with positions."""

from __future__ import annotations

from course.yamlsrc import Map, Seq, parse_yaml


def test_positions_of_keys_values_and_items() -> None:
    value, problems = parse_yaml("a: 1\nlist:\n  - x\n  - y: 2\n", "f.yaml", line_offset=3)
    assert not problems
    assert isinstance(value, Map) and isinstance(value["list"], Seq)
    assert value.key_pos["list"] == (5, 1)
    assert value["list"].at(1) == (7, 5)
    assert value.at("a") == (4, 4)


def test_duplicate_keys_are_reported() -> None:
    _, problems = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert [(p.line, p.code) for p in problems] == [(3, "duplicate-key")]


def test_syntax_error_has_a_bulgarian_hint_and_position() -> None:
    _, problems = parse_yaml("text: Вярно ли е: да\n", "f.yaml")
    (problem,) = problems
    assert (problem.line, problem.code) == (1, "yaml")
    assert "кавички" in problem.message


def test_dates_stay_text() -> None:
    value, _ = parse_yaml("date: 2026-01-01\n", "f.yaml")
    assert value["date"] == "2026-01-01"
