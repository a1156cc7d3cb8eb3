"""Rendering the annex: explanations with continuous footnote numbers, and the "Wie" column."""

import re
from itertools import groupby

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from reporting.models import FOOTNOTE_MARKER

register = template.Library()

BLANK_LINE = re.compile(r"\n\s*\n")
BULLET = "- "


def _with_footnote_links(escaped: str, numbers: dict[int, int], linked: set[int]) -> str:
    def link(match: re.Match) -> str:
        number = numbers.get(int(match.group(1)))
        if number is None:  # a marker without a footnote stays as written
            return match.group(0)
        # Only the first reference gets the id the footnote links back to (ids are unique).
        anchor = "" if number in linked else f' id="voetnootref-{number}"'
        linked.add(number)
        return (
            f'<sup class="footnote-ref"><a href="#voetnoot-{number}"{anchor}>'
            f'<span class="visually-hidden">voetnoot </span>{number}</a></sup>'
        )

    return FOOTNOTE_MARKER.sub(link, escaped)


@register.filter
def explanation_html(entry) -> SafeString:
    """The explanation as paragraphs and bullet lists, with ``[^N]`` turned into links to the
    report's continuously numbered footnotes. All text is escaped first."""
    numbers = getattr(entry, "footnote_numbers", {})
    linked: set[int] = set()
    html = []
    for block in BLANK_LINE.split(entry.explanation.strip()):
        lines = [
            _with_footnote_links(escape(line.strip()), numbers, linked)
            for line in block.splitlines()
            if line.strip()
        ]
        for is_bullet, group in groupby(lines, key=lambda line: line.startswith(BULLET)):
            if is_bullet:
                items = "".join(f"<li>{line[len(BULLET) :]}</li>" for line in group)
                html.append(f"<ul>{items}</ul>")
            else:
                html.append("<p>" + "<br>".join(group) + "</p>")
    return mark_safe("".join(html))  # noqa: S308 - every piece of text was escaped above


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
