"""Inline Markdown in questions (course.inline): rendered safely, stripped for plain text,
and what will not render reported by ``dobro check``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from course.cli import main
from course.inline import INLINE_LIMIT, inline_text, markdown_faults, render_inline

# --- Rendering -------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "html"), [
    ("Кои форми **по свой избор**?", "Кои форми <strong>по свой избор</strong>?"),
    ("Кое **не** е *дълг*?", "Кое <strong>не</strong> е <em>дълг</em>?"),
    ("__силно__ и _леко_", "<strong>силно</strong> и <em>леко</em>"),
    ("полето `reviewed`", "полето <code>reviewed</code>"),
    ("~~стар~~ нов", "<s>стар</s> нов"),
    ("[ЗМСМА](https://lex.bg/laws/ldoc/2132574209)",
     '<a href="https://lex.bg/laws/ldoc/2132574209" rel="noopener">ЗМСМА</a>'),
    ("[пишете ни](mailto:info@aro.bg)",
     '<a href="mailto:info@aro.bg" rel="noopener">пишете ни</a>'),
    ("<https://aro.bg>", '<a href="https://aro.bg" rel="noopener">https://aro.bg</a>'),
    ("ред\nи още ред", "ред и още ред"),
    ("5 * 3 и snake_case", "5 * 3 и snake_case"),
    ("", ""),
])
def test_inline_markdown_is_rendered(source: str, html: str) -> None:
    assert render_inline(source) == html


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    '<b onclick="steal()">удебелен</b>',
    "<img src=x onerror=alert(1)>",
    "**<i>вътре</i>**",
])
def test_raw_html_is_escaped(source: str) -> None:
    html = render_inline(source)
    assert "<script" not in html and "<b " not in html and "<img" not in html
    assert "<i>" not in html
    assert "&lt;" in html


@pytest.mark.parametrize("source", [
    "[натиснете](javascript:alert(1))",
    "[натиснете](JavaScript:alert(1))",
    "[натиснете](&#106;avascript:alert(1))",
    "[натиснете](data:text/html,<script>alert(1)</script>)",
    "[натиснете](vbscript:x)",
    "<javascript:alert(1)>",
    "[натиснете]()",
    "[раздел](01-osnovi.md#kvorum)",
])
def test_a_link_to_another_scheme_is_text(source: str) -> None:
    html = render_inline(source)
    assert "<a" not in html and "href" not in html


def test_links_open_normally_with_noopener() -> None:
    html = render_inline("[закона](https://lex.bg)")
    assert 'rel="noopener"' in html and "target=" not in html


@pytest.mark.parametrize("source", ["![схема на общината](images/shema.png)",
                                    "![схема на общината](https://example.org/shema.png)",
                                    "![схема на общината](javascript:alert(1))"])
def test_an_image_shows_as_its_alt_text(source: str) -> None:
    assert render_inline(source) == "схема на общината"
    assert inline_text(source) == "схема на общината"


@pytest.mark.parametrize("source", [
    "# Заглавие", "- точка", "1. първо\n2. второ", "> цитат", "| a | b |\n|---|---|\n| 1 | 2 |",
    "```\nкод\n```", "---",
])
def test_block_syntax_is_not_interpreted(source: str) -> None:
    html = render_inline(source)
    for tag in ("<h1", "<ul", "<ol", "<li", "<blockquote", "<table", "<pre", "<hr", "<p>"):
        assert tag not in html, (source, html)


@pytest.mark.parametrize(("source", "plain"), [
    ("Кои форми **по свой избор**?", "Кои форми по свой избор?"),
    ("полето `reviewed` и ~~стар~~", "полето reviewed и стар"),
    ("[ЗМСМА](https://lex.bg) и [това](javascript:x)", "ЗМСМА и това"),
    ("<b>a</b> & ред\nред", "<b>a</b> & ред ред"),
    ("**незатворено", "**незатворено"),
])
def test_inline_text_strips_the_markup(source: str, plain: str) -> None:
    assert inline_text(source) == plain


@pytest.mark.parametrize("source", [
    "[" * 100_000, "![" * 50_000, "*a " * 34_000, "**" * 50_000, "<" * 100_000,
    "[" * 40 + "`" * 2_900, "[a](" * 700,
])
def test_a_huge_or_hostile_string_does_not_blow_up(source: str) -> None:
    started = time.perf_counter()
    html, plain, faults = render_inline(source), inline_text(source), markdown_faults(source)
    assert time.perf_counter() - started < 5
    assert "<a" not in html and "<script" not in html
    assert isinstance(plain, str) and isinstance(faults, tuple)
    if len(source) > INLINE_LIMIT:
        assert faults and "по-дълъг" in faults[0]


# --- What will not render ---------------------------------------------------------------------


@pytest.mark.parametrize("source", [
    "Кои форми **по свой избор**?", "Кое **не** е *дълг*?", "5 * 3 = 15", "snake_case_name",
    "2017. година на промени", "[ЗМСМА](https://lex.bg)", "a < b и c > d", "`*звезда*`",
    "\\*буквално\\*", "Обикновен текст.", "",
])
def test_renderable_text_has_no_faults(source: str) -> None:
    assert markdown_faults(source) == ()


@pytest.mark.parametrize(("source", "words"), [
    ("Кои форми **по свой избор, без закон?", ["„**“", "**по свой избор"]),
    ("Кое *не е дълг?", ["„*“"]),
    ("Кое _не е дълг?", ["„_“"]),
    ("a ~~стар", ["„~~“"]),
    ("# Заглавие", ["заглавие"]),
    ("Изберете:\n- едно\n- друго", ["списък"]),
    ("1. първо\n2. второ", ["номериран списък"]),
    ("> цитат", ["цитат"]),
    ("| a | b |\n|---|---|\n| 1 | 2 |", ["таблица"]),
    ("```\nкод\n```", ["блок с код"]),
    ("![схема](images/a.png)", ["картинка", "„схема“"]),
    ("Кое е <b>вярно</b>?", ["HTML", "<b>"]),
    ("[натиснете](javascript:alert(1))", ["javascript:alert(1)", "http"]),
    ("[раздел](01-osnovi.md)", ["01-osnovi.md"]),
])
def test_what_will_not_render_is_named(source: str, words: list[str]) -> None:
    faults = " ".join(markdown_faults(source))
    for word in words:
        assert word in faults, (source, faults)


# --- dobro check ------------------------------------------------------------------------------


def test_check_warns_at_the_question(minimal: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = minimal / "quizzes/t1/first-check.yaml"
    source = path.read_text(encoding="utf-8")
    for old, new in [
        ("text: Кой приема бюджета на общината?",
         "text: 'Кои форми **по свой избор, без закон?'"),
        ("text: Кои са органи на общината?",
         "text: |-\n      Кои са органи на общината:\n      - първо\n      - второ"),
        ("feedback: Той е орган на държавата.}", "feedback: 'Той е <b>орган</b> на държавата.'}"),
        ("explanation: Съгласно Конституцията.",
         "explanation: 'Вижте ![схемата](images/shema.png).'"),
        ("{min: 80, text: Отлично.}", "{min: 80, text: 'Вижте [тук](javascript:alert(1)).'}"),
    ]:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    path.write_text(source, encoding="utf-8")
    lines = source.splitlines()

    assert main(["check", str(minimal)]) == 0  # warnings only
    warnings = [line for line in capsys.readouterr().out.splitlines()
                if "[question-markdown]" in line]
    assert len(warnings) == 5, warnings
    joined = "\n".join(warnings)
    assert "въпрос „q-single“, текстът: „**“ без затваряща двойка" in joined
    assert "Кои форми **по свой избор, без закон?“" in joined  # what the learner will see
    assert "въпрос „q-multiple“, текстът: списък" in joined
    assert "въпрос „q-multiple“, обратната връзка на отговор 3: HTML („<b>“)" in joined
    assert "въпрос „q-tf“, обяснението: картинка" in joined
    assert "тест, обратната връзка от 80 %: връзката към „javascript:alert(1)“" in joined

    def line_of(marker: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if marker in line)

    for qid in ("q-single", "q-multiple", "q-tf"):  # located at the question
        located = [w for w in warnings if f"въпрос „{qid}“" in w]
        where = f"quizzes/t1/first-check.yaml:{line_of('id: ' + qid)}:"
        assert located and all(w.startswith(where) for w in located), located
    band = next(w for w in warnings if "обратната връзка от 80" in w)
    assert band.startswith(f"quizzes/t1/first-check.yaml:{line_of('- {min: 80')}:")  # the list
    assert main(["check", str(minimal), "--strict"]) == 1
