"""Rendering the annex: explanations with continuous footnote numbers, and the "Wie" column."""

import re

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
