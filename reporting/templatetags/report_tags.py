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


# What render_explanation writes for a linked marker; the number is the report's number.
_FOOTNOTE_LINK = re.compile(
    r'<sup class="footnote-ref"><a href="#voetnoot-(?P<number>\d+)" [^>]*>.*?</a></sup>'
)


@register.filter
def explanation_with_footnotes(entry) -> SafeString:
    """The explanation for print: each footnote's text at its first citation, floated by the
    print stylesheet to the foot of the page that cites it (CSS ``float: footnote``).

    A later citation of the same footnote is only its number; footnotes the text never cites
    follow the text, so that they too land on the row's page. The number is the report's,
    carried in ``data-number``: WeasyPrint's own footnote counter would restart at 1.
    """
    footnotes = {footnote.number: footnote for footnote in entry.numbered_footnotes}
    printed: set[int] = set()

    def note(footnote) -> str:
        printed.add(footnote.number)
        return format_html(
            '<span class="footnote" data-number="{}">{}</span>',
            footnote.number,
            footnote_html(footnote),
        )

    def cite(match: re.Match) -> str:
        number = int(match.group("number"))
        footnote = footnotes.get(number)
        if footnote is None or number in printed:
            return format_html('<sup class="footnote-ref">{}</sup>', number)
        return note(footnote)

    html = _FOOTNOTE_LINK.sub(cite, explanation_html(entry))
    uncited = "".join(note(f) for f in entry.numbered_footnotes if f.number not in printed)
    if uncited:
        html += f'<p class="footnotes-uncited">{uncited}</p>'
    return mark_safe(html)  # noqa: S308 - pieces from render_explanation and format_html


@register.filter
def footnote_html(footnote) -> SafeString:
    """A footnote's text with its address as a link, printed once: a text that already
    contains the address (as most imported footnotes do) gets that occurrence linked."""
    text, url = footnote.text, footnote.url
    if not url:
        return escape(text)
    # "www.rcgog.nl" in the text is the same address as https://www.rcgog.nl/.
    bare = re.sub(r"^https?://", "", url).rstrip("/")
    for printed in (url, bare):
        before, found, after = text.partition(printed)
        if found and printed:
            link = format_html('<a href="{}">{}</a>', url, printed)
            return format_html("{}{}{}", before, link, after)
    link = format_html('<a href="{}">{}</a>', url, url)
    return format_html("{} {}", text, link) if text else link


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


def is_ministry(actor: dict) -> bool:
    return actor.get("name", "").lower().startswith("ministerie")


@register.filter
def actors_html(actors: list[dict]) -> SafeString:
    """The "Wie" column as the annex prints it: a ministry by its code (OCW, SZW: the column
    is too narrow for "Ministerie van Onderwijs, Cultuur en Wetenschap"), with its full name
    as the abbreviation's title; every other actor spelled out by name ("Regeringscommissaris
    ...", "Initiatiefnemer ..."), since a code like RC or INIT means nothing to a reader."""
    parts = [
        format_html('<abbr title="{}">{}</abbr>', actor["name"], actor["code"])
        if is_ministry(actor) and actor["name"] != actor["code"]
        else escape(actor.get("name") or actor["code"])
        for actor in actors
    ]
    if len(parts) < 2:
        return mark_safe("".join(parts))  # noqa: S308 - built with format_html/escape
    return format_html(
        "{} en {}", format_html_join(", ", "{}", ((part,) for part in parts[:-1])), parts[-1]
    )


@register.simple_tag
def ministries_cited(contents) -> list[dict]:
    """The ministries the annex names by code, once each in code order: printed under the
    legend so that a reader on paper can look a code up."""
    found = {
        actor["code"]: actor
        for entry in contents.entries
        for actor in entry.actors
        if is_ministry(actor) and actor["name"] != actor["code"]
    }
    return [found[code] for code in sorted(found, key=str.lower)]
