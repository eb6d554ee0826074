"""Charts drawn on the server as SVG: horizontal bars, one per table row, stacked by
the table's charted columns.

Why SVG from the server rather than a JavaScript library (Apache ECharts is on npm and
could be vendored): the chart is part of the page's HTML, so it needs no script under
the CSP, no file from a CDN, nothing to load on an intranet; it prints as vectors at
any size (a canvas prints as a bitmap); and it is the same with scripts off. The
table beside each chart carries the exact figures for reading and for screen readers
(the SVG is ``aria-hidden``). Colours are chosen to stay distinct in grey print.
"""
from __future__ import annotations

from dataclasses import dataclass

from .tables import Table, shown

#: Series colours (ColorBrewer "Dark2"-like, distinct when printed in grey).
PALETTE = ("#1b6ca8", "#e08214", "#4d9221", "#b2182b", "#7570b3", "#8c6d31",
           "#1b9e77", "#d95f02", "#666666", "#e7298a")
WIDTH, LABEL_WIDTH, BAR_HEIGHT, GAP, LEGEND_ROW = 640, 150, 16, 6, 18
MAX_ROWS = 40
"""Longer tables draw their first rows only (the table has them all)."""


@dataclass
class Bar:
    x: float
    y: float
    width: float
    colour: str
    title: str


@dataclass
class Chart:
    width: int
    height: int
    label_width: int
    rows: list[tuple[float, str, str]]
    """(y of the row's label, label, the row's total as shown)."""
    bars: list[Bar]
    legend: list[tuple[float, float, str, str]]
    """(x, y, colour, label)."""


def build_chart(table: Table) -> Chart | None:
    """The geometry of ``table``'s chart, or None when there is nothing to draw."""
    indexes = table.charted_columns()
    rows = table.rows[:MAX_ROWS]
    if table.chart is None or not indexes or not rows:
        return None
    # A row with no figure at all (an average of nothing) is labelled "—", as in its table.
    totals = [None if all(values[i] is None for i in indexes)
              else sum(float(values[i] or 0) for i in indexes) for _label, values in rows]
    largest = max(total or 0.0 for total in totals) or 1.0
    scale = (WIDTH - LABEL_WIDTH - 70) / largest
    legend, x, y = [], LABEL_WIDTH, 4.0
    for position, index in enumerate(indexes):
        label = str(table.columns[index].label)
        step = 22 + 12 * len(label)
        if x + step > WIDTH:
            x, y = LABEL_WIDTH, y + LEGEND_ROW
        legend.append((x, y, PALETTE[position % len(PALETTE)], label))
        x += step
    top = y + LEGEND_ROW + 6
    chart_rows, bars = [], []
    kind = table.columns[indexes[0]].kind
    for number, ((label, values), total) in enumerate(zip(rows, totals, strict=True)):
        row_y = top + number * (BAR_HEIGHT + GAP)
        chart_rows.append((row_y + BAR_HEIGHT - 4, str(label), shown(total, kind)
                           if kind != "count" or total is None else str(int(total))))
        x = float(LABEL_WIDTH)
        for position, index in enumerate(indexes):
            value = float(values[index] or 0)
            if value <= 0:
                continue
            width = value * scale
            bars.append(Bar(x, row_y, width, PALETTE[position % len(PALETTE)],
                            f"{label} · {table.columns[index].label}: "
                            f"{shown(values[index], table.columns[index].kind)}"))
            x += width
    height = int(top + len(rows) * (BAR_HEIGHT + GAP) + 4)
    return Chart(WIDTH, height, LABEL_WIDTH, chart_rows, bars, legend)
