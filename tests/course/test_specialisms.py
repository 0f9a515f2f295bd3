"""Specialisms in course.yaml: what the loader reads, what the checks say, what is compiled.

Each test adds specialisms to a copy of the ``minimal`` fixture (the shared fixture has none):
one topic ``t1`` for employees and councillors, its modules ``first`` and ``second`` (which
requires ``first``), and a page ``intro``.
"""

from __future__ import annotations

from pathlib import Path

from course.build import build, check
from course.compiled import Reading, Specialism, read_compiled
from course.errors import Problem
from course.model import Manifest

# Replaces the fixture's audiences; an ``ngo`` audience that takes no topic of the course.
GOOD = """\
audiences:
  - id: employees
    title: Общински служители
    specialisms:
      - id: yuristi
        title: Юристи
        description: Законосъобразност на актовете.
        first: [first, second]
        reading:
          - intro#za-kursa
          - second
          - title: Законите в актуалната им редакция (lex.bg)
            url: https://www.lex.bg/
      - id: tsu
        title: Устройство на територията (ТСУ)
        first: [first]
  - id: councillors
    title: Общински съветници
"""

FIXTURE_AUDIENCES = """\
audiences:
  - id: employees
    title: Общински служители
  - id: councillors
    title: Общински съветници
"""


def with_audiences(root: Path, audiences: str) -> Path:
    """The course at ``root`` with its ``audiences:`` block replaced by ``audiences``."""
    manifest = root / "modules" / "course.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert FIXTURE_AUDIENCES in text
    manifest.write_text(text.replace(FIXTURE_AUDIENCES, audiences), encoding="utf-8")
    return root


def line_of(root: Path, text: str) -> int:
    """The line of course.yaml where ``text`` first stands."""
    lines = (root / "modules" / "course.yaml").read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def problems_of(root: Path, audiences: str) -> list[Problem]:
    _, problems = check(with_audiences(root, audiences))
    return problems


def codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.severity, p.code) for p in problems]


def test_a_good_course_loads_its_specialisms_without_a_problem(minimal: Path) -> None:
    course, problems = check(with_audiences(minimal, GOOD))
    assert problems == []
    manifest = course.manifest
    assert isinstance(manifest, Manifest)
    employees, councillors = manifest.audiences
    assert councillors.specialisms == ()
    lawyers, planners = employees.specialisms
    assert (lawyers.id, lawyers.title, lawyers.description) == (
        "yuristi", "Юристи", "Законосъобразност на актовете.")
    assert [r.target for r in lawyers.first] == ["first", "second"]
    assert [(r.ref.target if r.ref else "", r.title, r.url) for r in lawyers.reading] == [
        ("intro#za-kursa", "", ""), ("second", "", ""),
        ("", "Законите в актуалната им редакция (lex.bg)",
         "https://www.lex.bg/")]
    # Where each reference stands, for the messages.
    assert lawyers.first[0].pos[0] == line_of(minimal, "first: [first, second]")
    assert (planners.id, [r.target for r in planners.first], planners.reading) == (
        "tsu", ["first"], ())


def test_an_unknown_module_is_an_error_with_a_suggestion(minimal: Path) -> None:
    problems = problems_of(minimal, GOOD.replace("first: [first, second]",
                                                 "first: [frist, second]"))
    assert codes(problems) == [("error", "unknown-module")]
    assert "„frist“ не е модул" in problems[0].message
    assert "може би „first“?" in problems[0].message
    assert (problems[0].path, problems[0].line) == (
        "modules/course.yaml", line_of(minimal, "first: [frist, second]"))


def test_unknown_reading_and_anchor_are_errors(minimal: Path) -> None:
    problems = problems_of(minimal, GOOD.replace("- intro#za-kursa", "- intro#za-kurs")
                           .replace("          - second\n", "          - secnd\n"))
    assert codes(problems) == [("error", "unknown-anchor"), ("error", "unknown-reading")]
    assert "може би „#za-kursa“?" in problems[0].message
    assert "може би „second“?" in problems[1].message


def test_a_module_the_audience_does_not_take_is_a_warning(minimal: Path) -> None:
    ngo = GOOD + """\
  - id: ngo
    title: Представители на НПО
    specialisms:
      - id: npo
        title: НПО
        first: [first]
        reading: [second, intro]
"""
    problems = problems_of(minimal, ngo)
    assert codes(problems) == [("warning", "specialism-not-taken")] * 2
    assert "аудиторията „ngo“ не изучава" in problems[0].message
    assert problems[0].line < problems[1].line


def test_an_optional_topic_counts_as_taken(minimal: Path) -> None:
    ngo = GOOD + """\
  - id: ngo
    title: Представители на НПО
    specialisms:
      - {id: npo, title: НПО, first: [first]}
"""
    root = with_audiences(minimal, ngo)
    manifest = root / "modules" / "course.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "    audiences: [employees, councillors]\n",
        "    audiences: [employees, councillors]\n    optional_for: [ngo]\n"), encoding="utf-8")
    _, problems = check(root)
    assert problems == []


def test_duplicate_specialism_ids_are_an_error_across_audiences(minimal: Path) -> None:
    twice = GOOD.replace("    title: Общински съветници\n", """\
    title: Общински съветници
    specialisms:
      - {id: yuristi, title: Юристи в съвета, first: [first]}
""")
    problems = problems_of(minimal, twice)
    assert codes(problems) == [("error", "duplicate-specialism")]
    assert f"вече е описана на ред {line_of(minimal, 'id: yuristi')}" in problems[0].message
    assert problems[0].line == line_of(minimal, "{id: yuristi")


def test_prerequisites_later_in_the_list_and_repeats_are_warnings(minimal: Path) -> None:
    problems = problems_of(minimal, GOOD.replace("first: [first, second]",
                                                 "first: [second, first, second]"))
    assert sorted(codes(problems)) == [("warning", "duplicate-module"),
                                       ("warning", "specialism-order")]
    order = next(p for p in problems if p.code == "specialism-order")
    assert "„second“ се отваря едва след „first“" in order.message


def test_the_loader_refuses_bad_shapes(minimal: Path) -> None:
    bad = GOOD.replace("first: [first]", "frist: [first]").replace(
        "url: https://www.lex.bg/", "url: www.lex.bg").replace(
        "      - id: yuristi\n", "      - id: Юристи\n")
    problems = problems_of(minimal, bad)
    assert sorted(codes(problems)) == [("error", "bad-id"), ("error", "bad-url"),
                                       ("error", "missing-key"), ("error", "unknown-key")]
    unknown = next(p for p in problems if p.code == "unknown-key")
    assert "непознато поле „frist“ — може би „first“?" in unknown.message


def test_an_empty_list_of_modules_and_a_wrong_reading_item(minimal: Path) -> None:
    bad = GOOD.replace("first: [first]", "first: []").replace(
        "          - second\n", "          - [second]\n")
    assert sorted(codes(problems_of(minimal, bad))) == [("error", "no-modules"),
                                                        ("error", "wrong-type")]


def test_specialisms_are_compiled_and_read_back(minimal: Path, tmp_path: Path) -> None:
    build(with_audiences(minimal, GOOD), tmp_path / "out", jobs=1)
    read = read_compiled(tmp_path / "out")
    assert read.audiences == {"employees": "Общински служители",
                              "councillors": "Общински съветници"}
    assert read.specialisms == {"employees": (
        Specialism("yuristi", "Юристи", "employees", "Законосъобразност на актовете.",
                   ("first", "second"),
                   (Reading("intro#za-kursa"), Reading("second"),
                    Reading("", "Законите в актуалната им редакция (lex.bg)",
                            "https://www.lex.bg/"))),
        Specialism("tsu", "Устройство на територията (ТСУ)", "employees", "", ("first",), ()),
    )}
    assert read.specialisms_of("employees")[1].id == "tsu"
    assert read.specialisms_of("councillors") == read.specialisms_of(None) == ()
    assert read.specialism("employees", "yuristi") is read.specialisms["employees"][0]
    assert read.specialism("councillors", "yuristi") is None  # another audience's
    assert read.specialism("employees", None) is None
