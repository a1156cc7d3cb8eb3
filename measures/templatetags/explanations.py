"""Render an activity's explanation: a small, safe subset of Markdown.

The explanation is plain text (see ``measures.models.Activity``): paragraphs separated by blank
lines, lines starting with "- " as bullet items, lines starting with "1. " or "1) " as numbered
items, and ``[^N]`` footnote markers. Everything is escaped; the only HTML that comes out is
what this module writes.
"""

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from measures.models import FOOTNOTE_MARKER

register = template.Library()

_BLANK_LINES = re.compile(r"\n\s*\n")
_BULLET = re.compile(r"^\s*[-•]\s+(?P<text>.*)$")
# One or two digits, so that a sentence starting with a year ("2024. ...") stays a paragraph.
_NUMBERED = re.compile(r"^\s*(?P<number>\d{1,2})[.)]\s+(?P<text>.*)$")


def footnote_anchor(number: int | str) -> str:
    return f"voetnoot-{number}"


class _FootnoteLinker:
    """Turns markers into links; each reference gets its own id for the way back.

    ``renumber`` maps a marker's number to the number shown (a report numbers footnotes
    continuously); markers it does not know stay a plain superscript.
    """

    def __init__(self, known: set[int] | None, renumber: Mapping[int, int] | None = None):
        self.known = known
        self.renumber = renumber
        self.seen: Counter = Counter()

    def __call__(self, match: re.Match) -> str:
        number = int(match.group("number"))
        if self.renumber is not None:
            if number not in self.renumber:
                return format_html('<sup class="footnote-ref">{}</sup>', number)
            number = self.renumber[number]
        elif self.known is not None and number not in self.known:
            return format_html('<sup class="footnote-ref">{}</sup>', number)
        self.seen[number] += 1
        return format_html(
            '<sup class="footnote-ref"><a href="#{}" id="{}-ref-{}">'
            '<span class="visually-hidden">voetnoot </span>{}</a></sup>',
            footnote_anchor(number),
            footnote_anchor(number),
            self.seen[number],
            number,
        )


def _inline(text: str, linker: _FootnoteLinker) -> str:
    # Escaping leaves "[^12]" untouched, so markers are found in the escaped text.
    return FOOTNOTE_MARKER.sub(linker, escape(text.strip()))


def _blocks(lines: list[str]):
    """Group a paragraph's lines into runs of ('p' | 'ul' | 'ol', [(number, text), ...])."""
    runs: list[tuple[str, list[tuple[int | None, str]]]] = []
    for line in lines:
        if not line.strip():
            continue
        if bullet := _BULLET.match(line):
            kind, item = "ul", (None, bullet.group("text"))
        elif numbered := _NUMBERED.match(line):
            kind, item = "ol", (int(numbered.group("number")), numbered.group("text"))
        else:
            kind, item = "p", (None, line)
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(item)
        else:
            runs.append((kind, [item]))
    return runs


@register.filter(name="explanation")
def render_explanation(
    text: str | None,
    footnotes: Iterable | None = None,
    renumber: Mapping[int, int] | None = None,
) -> SafeString:
    """Explanation text as HTML paragraphs and lists with linked footnote markers.

    ``footnotes`` (Footnote objects or numbers) limits links to footnotes that exist on the
    page; a marker without a footnote stays a plain superscript number.
    """
    known = None
    if footnotes is not None:
        known = {int(getattr(footnote, "number", footnote)) for footnote in footnotes}
    linker = _FootnoteLinker(known, renumber)
    html: list[str] = []
    normalised = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    for paragraph in _BLANK_LINES.split(normalised):
        for kind, items in _blocks(paragraph.split("\n")):
            if kind == "p":
                html.append("<p>" + "\n".join(_inline(t, linker) for _, t in items) + "</p>")
                continue
            start = items[0][0]
            opening = f'<ol start="{start}">' if kind == "ol" and start != 1 else f"<{kind}>"
            entries = "".join(f"<li>{_inline(t, linker)}</li>" for _, t in items)
            html.append(f"{opening}{entries}</{kind}>")
    return mark_safe("\n".join(html))  # noqa: S308 - every piece of text above was escaped
