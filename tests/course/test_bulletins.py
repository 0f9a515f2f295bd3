"""``dobro check`` on ``bulletins/``: front matter, links and images, each at file:line:col."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course.build import check
from course.cli import main
from course.publish.bulletin import bulletin_pdf, load_bulletins
from tests.conftest import FIXTURES

FRONT = "---\nnumber: 2\ndate: 2027-03-01\ntitle: Втори брой\npublished: false\n---\n\n"


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(FIXTURES / "courses" / "minimal", root)
    (root / "bulletins" / "img").mkdir(parents=True)
    (root / "bulletins" / "img" / "chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "utf-8")
    return root


def write(root: Path, body: str, front: str = FRONT, name: str = "02-vtori.md") -> None:
    (root / "bulletins" / name).write_text(front + body, "utf-8")


def bulletin_problems(root: Path) -> list[tuple[str, int, int, str, str]]:
    _, problems = check(root)
    return [(p.path, p.line, p.col, p.severity, p.code) for p in problems
            if p.path.startswith("bulletins/")]


def test_a_sound_issue_passes(course: Path) -> None:
    write(course, "## Новини\n\nВижте [модула](../modules/t1/01-first.md#pravomoshtia), "
                  "[новините](#новини), [ОбС](glossary:ОбС).\n\n"
                  "![Графика на обучените](img/chart.svg)\n")
    assert bulletin_problems(course) == []


@pytest.mark.parametrize(("body", "line", "col", "code"), [
    ("Текст.\n\n[счупена](../modules/t1/99-none.md)\n", 10, 11, "broken-link"),
    ("[раздел](../modules/t1/01-first.md#nyama)\n", 8, 10, "unknown-anchor"),
    ("[тук](#nikade)\n", 8, 7, "unknown-anchor"),
    ("[т](glossary:Нищо)\n", 8, 5, "unknown-term"),
    ("Ред.\n![Графика](img/nyama.svg)\n", 9, 12, "missing-image"),
    ("![Схема](../modules/t1/img/diagram.png)\n", 8, 10, "bulletin-image-folder"),
])
def test_links_and_images_are_checked_at_their_place(course: Path, body: str, line: int,
                                                     col: int, code: str) -> None:
    write(course, body)
    found = bulletin_problems(course)
    assert ("bulletins/02-vtori.md", line, col, "error", code) in found


@pytest.mark.parametrize(("front", "code", "line"), [
    ("---\nnumber: 6\ndate: 2027-03-01\ntitle: Т\n---\n", "bulletin-number", 2),
    ("---\nnumber: 2\ndate: 1 март\ntitle: Т\n---\n", "bulletin-date", 3),
    ("---\nnumber: 2\ndate: 2027-03-01\n---\n", "bulletin-title", 1),
    ("---\nnumber: 2\ndate: 2027-03-01\ntitle: Т\npublished: може би\n---\n",
     "bulletin-published", 5),
    ("Без заглавна част.\n", "bulletin-front-matter", 1),
])
def test_front_matter_faults_are_located(course: Path, front: str, code: str, line: int) -> None:
    write(course, "\nТекст.\n", front=front)
    found = bulletin_problems(course)
    assert [(f[1], f[4]) for f in found if f[3] == "error"] == [(line, code)]


def test_a_repeated_number_is_an_error(course: Path) -> None:
    write(course, "Текст.\n")
    write(course, "Текст.\n", name="02-pak.md")
    assert ("bulletins/02-vtori.md", 1, 1, "error", "bulletin-duplicate") in \
        bulletin_problems(course)


def test_the_command_reports_in_bulgarian_and_fails(course: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    write(course, "[счупена](../modules/t1/99-none.md)\n")
    assert main(["check", str(course)]) == 1
    out = capsys.readouterr().out
    assert "bulletins/02-vtori.md:8:11" in out and "модул или страница" in out


def test_links_point_to_the_site_and_images_reach_the_pdf(course: Path) -> None:
    write(course, "## Новини\n\n[Модулът](../modules/t1/01-first.md#pravomoshtia), "
                  "[въведение](../modules/pages/intro.md), [горе](#новини)\n\n"
                  "![Графика на обучените](img/chart.svg)\n")
    (issue,), _ = load_bulletins(course)
    assert 'href="/learn/first#pravomoshtia"' in issue.html
    assert 'href="/page/intro"' in issue.html and 'href="#новини"' in issue.html
    assert 'src="img/chart.svg"' in issue.html
    assert bulletin_pdf(issue).startswith(b"%PDF")
