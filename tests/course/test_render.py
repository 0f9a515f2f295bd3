"""The Markdown renderer: safety, anchors, callouts, links."""

from __future__ import annotations

from course.render import render_markdown, resolve_placeholders, slugify


def test_raw_html_is_escaped() -> None:
    html = render_markdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">').html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_are_not_rendered_as_links() -> None:
    rendered = render_markdown("[клик](javascript:alert(1))")
    assert "href" not in rendered.html and not rendered.links


def test_cyrillic_heading_anchors_and_explicit_ids() -> None:
    rendered = render_markdown("## Правомощия на съвета\n\n## Бюджет {#budget}\n\n## Бюджет\n")
    anchors = [h.anchor for h in rendered.headings]
    assert anchors == ["правомощия-на-съвета", "budget", "бюджет"]
    assert '<h2 id="budget">Бюджет</h2>' in rendered.html
    assert slugify("Чл. 21, ал. 1 — ЗМСМА!") == "чл-21-ал-1-змсма"


def test_duplicate_explicit_anchor_is_an_error() -> None:
    rendered = render_markdown("## А {#x}\n\n## Б {#x}\n")
    assert [p[4] for p in rendered.problems] == ["duplicate-anchor"]


def test_callout_renders_as_aside_with_title() -> None:
    html = render_markdown("::: пример Конструиран пример\nТекст.\n:::\n").html
    # A note, not a landmark; its kind in words before a custom title, never colour alone.
    assert '<aside class="callout callout-example" role="note">' in html
    assert ('<p class="callout-title"><span class="callout-kind">Пример</span> '
            'Конструиран пример</p>') in html
    default = render_markdown("::: закон\nТекст.\n:::\n").html
    assert '<p class="callout-title"><span class="callout-kind">Закон</span></p>' in default


def test_callout_inside_code_fence_is_ignored() -> None:
    rendered = render_markdown("```\n::: неизвестно\n```\n")
    assert not rendered.problems


def test_links_become_placeholders_with_positions() -> None:
    rendered = render_markdown("Виж [бюджета](../resursi/01-b.md#приемане) и [тук](#x).\n",
                               base_dir="modules/t1", line_offset=10)
    module, anchor = rendered.links
    assert (module.kind, module.target, module.anchor) == ("module", "modules/resursi/01-b.md",
                                                           "приемане")
    assert (module.line, module.col) == (11, 15)
    assert anchor.kind == "anchor"
    html = resolve_placeholders(rendered.html, ["/learn/b#приемане", "#x"])
    assert 'href="/learn/b#приемане"' in html and "dobro:" not in html


def test_tables_scroll_and_footnotes_render() -> None:
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\nТекст.[^1]\n\n[^1]: Бележка.\n").html
    assert '<div class="table-scroll" tabindex="0"><table>' in html
    assert 'class="footnotes"' in html


def test_external_links_stay_and_external_images_are_refused() -> None:
    rendered = render_markdown("[lex](https://lex.bg) ![x](https://example.org/a.png)")
    assert 'href="https://lex.bg" rel="noopener"' in rendered.html
    assert [p[4] for p in rendered.problems] == ["external-image"]
