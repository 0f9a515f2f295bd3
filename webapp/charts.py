"""Server-rendered SVG bar charts: no script, scaled by their viewBox, readable on a phone.

Each chart is an ``<svg role="img">`` named by its ``<title>`` and ``<desc>``; the
page shows the same numbers in a table next to it. Long labels are cut to fit and
keep their full text in a ``<title>`` of their own. Colours come from the site's
palette and keep 3:1 against white and against each other (WCAG 2.1 AA, 1.4.11).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# About a phone's width in CSS pixels, so that text keeps close to its size on a phone.
WIDTH = 360
BAR_AREA = 250  # the rest of the width holds the number after the bar
ROW = 46
BAR = 16
LEGEND = 22
FONT = 14
MAX_LABEL = 40  # characters of a label shown before it is cut (Cyrillic is wide)
# --brand, a lighter blue (3.4:1 on white and on --brand), --danger for the target marker.
SEGMENT_COLOURS = ("#123a63", "#6b8fb8")
TRACK = "#f4f6f9"
MARKER = "#b3261e"
TEXT = "#1b1f24"


@dataclass(frozen=True)
class Row:
    """One bar: its label, its segments (stacked, left to right) and the number shown."""

    label: str
    segments: tuple[float, ...]
    note: str
    marker: float | None = None  # where the target is, on the same scale


def short(label: str, limit: int = MAX_LABEL) -> str:
    """``label`` cut to ``limit`` characters, with an ellipsis when cut."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _legend(names: Sequence[str], marker_name: str) -> tuple[list[str], int]:
    """The legend, one item a line (text widths are unknown here); and its height."""
    parts: list[str] = []
    items = [(SEGMENT_COLOURS[i % len(SEGMENT_COLOURS)], name, False)
             for i, name in enumerate(names)]
    if marker_name:
        items.append((MARKER, marker_name, True))
    for line, (colour, name, is_marker) in enumerate(items):
        y = line * LEGEND
        if is_marker:
            parts.append(f'<rect x="5" y="{y + 2}" width="3" height="14" fill="{colour}"/>')
        else:
            parts.append(f'<rect x="0" y="{y + 3}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="17" y="{y + 14}" font-size="{FONT - 1}" fill="{TEXT}">'
                     f"{escape(name)}</text>")
    return parts, LEGEND * len(items)


def bar_chart(chart_id: str, title: str, rows: Sequence[Row], scale: float,
              description: str = "", legend: Sequence[str] = (),
              marker_name: str = "") -> Markup:
    """Horizontal bars, one per row, on a common ``scale`` (the value of a full bar)."""
    scale = scale if scale > 0 else 1.0
    legend_parts, top = _legend(legend, marker_name)
    height = top + ROW * len(rows) + 4
    parts = [f'<svg class="chart" role="img" id="{escape(chart_id)}" '
             f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
             f'viewBox="0 0 {WIDTH} {height}" width="100%" '
             f'preserveAspectRatio="xMinYMin meet" font-family="inherit">',
             f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
             f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>']
    parts += legend_parts
    for index, row in enumerate(rows):
        y = top + index * ROW
        parts.append(f"<g><title>{escape(row.label)}: {escape(row.note)}</title>")
        parts.append(f'<text x="0" y="{y + FONT}" font-size="{FONT}" fill="{TEXT}">'
                     f"{escape(short(row.label))}</text>")
        bar_y = y + FONT + 8
        parts.append(f'<rect x="0" y="{bar_y}" width="{BAR_AREA}" height="{BAR}" '
                     f'fill="{TRACK}"/>')
        x = 0.0
        for n, value in enumerate(row.segments):
            width = BAR_AREA * max(value, 0) / scale
            width = min(width, BAR_AREA - x)
            if width > 0:
                colour = SEGMENT_COLOURS[n % len(SEGMENT_COLOURS)]
                parts.append(f'<rect x="{_number(x)}" y="{bar_y}" width="{_number(width)}" '
                             f'height="{BAR}" fill="{colour}"/>')
            x += width
        if row.marker is not None:
            mx = min(BAR_AREA * row.marker / scale, BAR_AREA)
            parts.append(f'<rect x="{_number(max(mx - 1.5, 0))}" y="{bar_y - 3}" width="3" '
                         f'height="{BAR + 6}" fill="{MARKER}"/>')
        parts.append(f'<text x="{BAR_AREA + 8}" y="{bar_y + BAR - 3}" font-size="{FONT}" '
                     f'fill="{TEXT}">{escape(row.note)}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
