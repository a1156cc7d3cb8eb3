"""Rendering the annex: explanations with continuous footnote numbers, and the "Wie" column."""

import re
from dataclasses import dataclass, field

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from measures.models import FOOTNOTE_MARKER
from measures.templatetags.explanations import render_explanation

register = template.Library()


@register.filter
def explanation_html(entry) -> SafeString:
    """The explanation with ``[^N]`` linked to the report's continuously numbered footnotes."""
    return render_explanation(entry.explanation, renumber=getattr(entry, "footnote_numbers", {}))


def plain_explanation(entry) -> str:
    """The explanation as text, with markers as the report's footnote numbers: "[12]"."""
    numbers = getattr(entry, "footnote_numbers", {})

    def number(match: re.Match) -> str:
        found = numbers.get(int(match.group(1)))
        return f"[{found}]" if found is not None else match.group(0)

    return FOOTNOTE_MARKER.sub(number, entry.explanation)


def dutch_list(items: list[str]) -> str:
    """ "OCW, SZW en VWS", as the report prints the "Wie" column."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


@register.filter
def actors_html(actors: list[dict]) -> SafeString:
    """Actor codes with their full names available as abbreviation titles."""
    parts = [
        format_html('<abbr title="{}">{}</abbr>', actor["name"], actor["code"])
        if actor.get("name") and actor["name"] != actor["code"]
        else escape(actor["code"])
        for actor in actors
    ]
    if len(parts) < 2:
        return mark_safe("".join(parts))  # noqa: S308 - built with format_html/escape
    return format_html(
        "{} en {}", format_html_join(", ", "{}", ((part,) for part in parts[:-1])), parts[-1]
    )


@register.filter
def change_text(change, side: str) -> str:
    """One side ("old" or "new") of a change in the annex, as text."""
    return change.text(side)


# -- the status chart ---------------------------------------------------------------------
# A stacked horizontal bar per action line, drawn server-side as SVG (also in the PDF). Status
# is never told by colour alone: each segment wide enough carries the status's symbol and
# number, the legend pairs colour, symbol and name, and the figure holds the same numbers as
# a table.

CHART_WIDTH = 640
CHART_LABEL_WIDTH = 96  # "Actielijn 5"
CHART_TOTAL_WIDTH = 44  # the row's total, after the bar
CHART_ROW_HEIGHT = 30
CHART_BAR_HEIGHT = 22
CHART_GLYPH_WIDTH = 8  # roughly, at the chart's font size: is there room for a label?


def _luminance(colour: str) -> float:
    """WCAG relative luminance of "#rrggbb"."""

    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def text_colour_on(colour: str) -> str:
    """Black or white, whichever contrasts more with the background colour."""
    luminance = _luminance(colour)
    on_white = (1.05) / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return "#ffffff" if on_white >= on_black else "#000000"


@dataclass
class ChartSegment:
    status: object
    count: int
    x: float
    width: float
    colour: str
    text_colour: str
    label: str  # what fits inside: "✓ 3", "3" or nothing

    @property
    def text_x(self) -> float:
        return self.x + self.width / 2


@dataclass
class ChartRow:
    section: object
    counts: list[int]
    total: int
    y: float
    segments: list[ChartSegment] = field(default_factory=list)

    @property
    def text_y(self) -> float:
        # The baseline that centres a 13px line in the bar (WeasyPrint ignores
        # dominant-baseline).
        return self.y + CHART_BAR_HEIGHT / 2 + 4.5


@dataclass
class StatusChart:
    contents: object  # ReportContents
    identifier: str  # unique on the page, for aria-labelledby
    rows: list[ChartRow]
    legend: list[tuple[object, str]]  # (status, colour)
    width: int = CHART_WIDTH
    bar_x: int = CHART_LABEL_WIDTH
    total_x: int = CHART_WIDTH - CHART_TOTAL_WIDTH + 6

    @property
    def height(self) -> int:
        return max(len(self.rows), 1) * CHART_ROW_HEIGHT

    @property
    def description(self) -> str:
        lines = []
        for row in self.rows:
            parts = [
                f"{count} {status.label.lower()}"
                for status, count in zip(self.contents.statuses, row.counts, strict=True)
                if count
            ]
            lines.append(
                f"Actielijn {row.section.number}: {', '.join(parts) or 'geen activiteiten'}"
                f" ({row.total} in totaal)."
            )
        return " ".join(lines)


def _segment_label(status, count: int, width: float) -> str:
    number = str(count)
    with_icon = f"{status.icon} {number}" if status.icon else number
    for label in (with_icon, number):
        if len(label) * CHART_GLYPH_WIDTH + 6 <= width:
            return label
    return ""


def status_chart(contents, identifier: str) -> StatusChart:
    """The chart's geometry: bars on one scale (the largest action line fills the width), so
    action lines and the charts of two reports side by side compare by length."""
    colours = contents.colours
    legend = [(status, colours.get(status.code, "#535353")) for status in contents.statuses]
    largest = max((total for _, _, total in contents.summary), default=0) or 1
    scale = (CHART_WIDTH - CHART_LABEL_WIDTH - CHART_TOTAL_WIDTH) / largest
    rows = []
    for index, (section, counts, total) in enumerate(contents.summary):
        row = ChartRow(section, counts, total, y=index * CHART_ROW_HEIGHT + 4)
        x = float(CHART_LABEL_WIDTH)
        for (status, colour), count in zip(legend, counts, strict=True):
            if not count:
                continue
            width = count * scale
            row.segments.append(
                ChartSegment(
                    status,
                    count,
                    round(x, 2),
                    round(width, 2),
                    colour,
                    text_colour_on(colour),
                    _segment_label(status, count, width),
                )
            )
            x += width
        rows.append(row)
    return StatusChart(contents, identifier, rows, legend)


@register.simple_tag
def status_charts(contents, changes) -> list[StatusChart]:
    """The report's chart and, where there is one, the older report's for comparison."""
    charts = [status_chart(contents, "statusgrafiek")]
    older = changes.older_contents if changes is not None else None
    if older is not None:
        charts.append(status_chart(older, "statusgrafiek-eerder"))
    return charts
