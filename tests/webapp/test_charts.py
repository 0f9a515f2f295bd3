"""The SVG bar charts: named for screen readers, escaped, scaled, long labels cut."""

from __future__ import annotations

import re

from webapp.charts import BAR_AREA, MAX_LABEL, Row, bar_chart, short


def test_a_chart_is_an_image_with_a_title_and_a_description() -> None:
    svg = str(bar_chart("c1", "Показатели <и цели>", [Row("Смолян", (3.0,), "3 / 6")], 6,
                        "Описание"))
    assert svg.startswith('<svg class="chart" role="img" id="c1" '
                          'aria-labelledby="c1-title c1-desc" viewBox="0 0 ')
    assert '<title id="c1-title">Показатели &lt;и цели&gt;</title>' in svg
    assert '<desc id="c1-desc">Описание</desc>' in svg
    assert "<script" not in svg and "style=" not in svg  # the CSP forbids inline styles


def test_bars_are_scaled_and_never_leave_their_track() -> None:
    svg = str(bar_chart("c", "t", [Row("a", (3.0,), "3"), Row("b", (50.0,), "50", 4.0)], 6))
    widths = [float(w) for w in re.findall(r'<rect x="0" y="\d+" width="([\d.]+)" height="16" '
                                           r'fill="#123a63"', svg)]
    assert widths == [BAR_AREA / 2, BAR_AREA]  # 3 of 6, and 50 cut at the full bar
    assert 'fill="#b3261e"' in svg  # the target marker


def test_long_labels_are_cut_and_kept_whole_in_a_title() -> None:
    name = "Сдружение за развитие на планинските общини в Западните Родопи"
    assert len(short(name)) == MAX_LABEL and short(name).endswith("…")
    assert short("Смолян") == "Смолян"
    svg = str(bar_chart("c", "t", [Row(name, (1.0, 2.0), "1 / 3")], 3, legend=["a", "b"]))
    assert f"<title>{name}: 1 / 3</title>" in svg
    assert f">{short(name)}</text>" in svg


def test_an_empty_scale_draws_no_bar() -> None:
    svg = str(bar_chart("c", "t", [Row("a", (0.0,), "0")], 0))
    assert 'fill="#123a63"' not in svg
