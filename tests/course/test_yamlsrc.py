"""YAML with positions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from course.build import check
from course.errors import MAX_MESSAGE, Problem
from course.yamlsrc import MAX_ANCHOR_PROBLEMS, Map, Seq, parse_yaml


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
    assert (problem.line, problem.col, problem.code) == (1, 17, "yaml-colon-in-text")
    assert "кавички" in problem.message


def test_duplicate_key_names_the_first_one() -> None:
    _, problems = parse_yaml("a: 1\nb: 2\na: 3\n", "f.yaml", line_offset=1)
    assert (problems[0].line, problems[0].col) == (4, 1)
    assert "вече е на ред 2" in problems[0].message


def test_dates_stay_text() -> None:
    value, _ = parse_yaml("date: 2026-01-01\n", "f.yaml")
    assert value["date"] == "2026-01-01"


def test_anchors_and_aliases_are_refused_where_they_stand() -> None:
    value, problems = parse_yaml("a: &x [1]\nb: *x\nc: '*y'\nd: a & b * c\n", "f.yaml",
                                 line_offset=2)
    assert value is None
    assert [(p.line, p.col, p.code) for p in problems] == [
        (3, 4, "yaml-anchor"), (4, 4, "yaml-alias")]
    assert "не се поддържат" in problems[1].message


def test_an_undefined_alias_is_refused_too() -> None:
    _, problems = parse_yaml("text: *bold\n", "f.yaml")
    assert [(p.line, p.col, p.code) for p in problems] == [(1, 7, "yaml-alias")]
    assert "кавички" in problems[0].message


def test_stars_and_ampersands_inside_text_are_fine() -> None:
    value, problems = parse_yaml("a: 'Кмет & съвет'\nb: 2 * 3\nc: \"*важно*\"\n", "f.yaml")
    assert not problems
    assert value == {"a": "Кмет & съвет", "b": "2 * 3", "c": "*важно*"}


def test_a_flood_of_anchors_gives_a_bounded_list() -> None:
    text = "".join(f"k{i}: &a{i} v\n" for i in range(1000))
    _, problems = parse_yaml(text, "f.yaml")
    assert len(problems) == MAX_ANCHOR_PROBLEMS


def billion_laughs(levels: int, key: str) -> str:
    """A quiz whose ``key`` stands for 10**levels strings, in a few hundred bytes."""
    lines = ["schema: 1", "id: second-check", "title: Смях", "kind: self-check",
             "l0: &l0 [" + ",".join(['"lol"'] * 10) + "]"]
    lines += [f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "\n".join([*lines, f"{key}: *l{levels - 1}"]) + "\n"


@pytest.mark.parametrize("key", ["grading", "kind", "questions", "title"])
def test_billion_laughs_is_refused_fast_with_small_messages(minimal: Path, key: str) -> None:
    text = billion_laughs(6, key)  # 10**6 strings: a 7 MB message before the fix
    assert len(text) < 500
    started = time.perf_counter()
    _, problems = check(minimal, jobs=1,
                        overrides={"quizzes/t1/second-check.yaml": text.encode()})
    assert time.perf_counter() - started < 5
    assert sum(len(p.message) for p in problems) < 20_000
    assert {p.code for p in problems if p.path == "quizzes/t1/second-check.yaml"} == {
        "yaml-anchor", "yaml-alias"}


def test_nine_levels_of_laughs_cost_nothing() -> None:
    started = time.perf_counter()
    value, problems = parse_yaml(billion_laughs(9, "questions"), "f.yaml")
    assert value is None and len(problems) == MAX_ANCHOR_PROBLEMS
    assert time.perf_counter() - started < 1


def test_every_problem_message_is_capped() -> None:
    problem = Problem("f.yaml", 1, 1, "error", "x" * 100_000, "bad-id")
    assert len(problem.message) == MAX_MESSAGE and problem.message.endswith("…")
    assert Problem("f.yaml", 1, 1, "error", "кратко", "x").message == "кратко"


def test_a_long_value_is_quoted_within_the_cap(minimal: Path) -> None:
    path = minimal / "quizzes/t1/second-check.yaml"
    text = path.read_text(encoding="utf-8").replace("kind: self-check",
                                                    "kind: " + "дълго " * 5000)
    _, problems = check(minimal, jobs=1,
                        overrides={"quizzes/t1/second-check.yaml": text.encode()})
    (bad,) = [p for p in problems if p.code == "bad-value"]
    assert len(bad.message) <= MAX_MESSAGE


def test_bulletin_front_matter_refuses_aliases_too(tmp_path: Path) -> None:
    from course.publish.bulletin import load_bulletins

    (tmp_path / "bulletins").mkdir()
    (tmp_path / "bulletins" / "01-parvi.md").write_text(
        "---\nnumber: 1\ndate: 2027-01-01\ntitle: &t Брой\npublished: *t\n---\n\nТекст.\n",
        encoding="utf-8")
    bulletins, problems = load_bulletins(tmp_path)
    assert bulletins == []
    assert [(p.line, p.code) for p in problems] == [(4, "yaml-anchor"), (5, "yaml-alias")]
