"""The activity cards of the public lists (activities, an action line, an actor), in Python.

A list page shows 25 cards. Rendered by the template engine, each card cost about 0.35 ms
(some thirty variable lookups, three ``{% url %}`` tags and a loop per row): two thirds of an
uncached list page's app time at 10,000 activities. Written out here, one card costs a few
string joins; the markup is exactly what templates/includes/_activity_list.html used to give.

A card only changes with the data, so each is kept per data version and process
(``page_cache.remember_many``): a page never asked before (a new filter, search or page
number) is mostly put together from cards other pages rendered, and reads only the keys of
its activities. A search's excerpt differs per search, so it is added to the kept card.
"""

from typing import NamedTuple

from django import template
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from measures.page_cache import remember_many

register = template.Library()

_SLUG = "__slug__"  # a valid slug, replaced by each activity's own (slugs need no quoting)


class CardRow(NamedTuple):
    """One card on a page: the activity's key, and on a search the excerpt of its explanation
    with the matched words marked (safe HTML, see measures.models.SearchExcerpt)."""

    pk: int
    excerpt: str | None = None


class CardRows(list[CardRow]):
    """A page's cards, and where those not rendered yet are read: a queryset of
    ``selectors.listed_activities``."""

    def __init__(self, rows, cards: QuerySet):
        super().__init__(rows)
        self.cards = cards


@register.simple_tag
def activity_cards(rows: CardRows, show_action_line=True) -> SafeString:
    """``{% activity_cards page.object_list %}``: the cards as a list
    (``<ul class="activity-list">``), in the rows' order.

    ``rows``: ``page.object_list`` of ``measures.views.paginate_cards``;
    ``show_action_line=False`` leaves out the action line (on the action line's own page).
    Headings are h3.
    """
    show_action_line = show_action_line is not False
    cards = remember_many(
        f"activity-card:{int(show_action_line)}",
        [row.pk for row in rows],
        lambda missing: _render_cards(rows.cards.filter(pk__in=missing), show_action_line),
    )
    html = []
    for row in rows:
        if row.pk not in cards:  # deleted or hidden since the page read its keys
            continue
        head, tail = cards[row.pk]
        html.append(head)
        if row.excerpt:
            # A search shows why an activity matched: part of its explanation.
            html.append(
                '    <p class="activity-card__excerpt"><span class="visually-hidden">Uit de '
                f"toelichting: </span>…{conditional_escape(row.excerpt)}…</p>\n"
            )
        html.append(tail)
    # Every value in the cards is escaped; the excerpt is safe HTML (escaped in the query).
    return mark_safe(f'<ul class="activity-list">\n{"".join(html)}</ul>')  # noqa: S308


def _render_cards(activities: QuerySet, show_action_line: bool) -> dict[int, tuple[str, str]]:
    """Each card as the HTML before and after the place of a search's excerpt."""
    status_list_url = escape(reverse("measures:status-list"))
    detail_url = reverse("measures:activity-detail", kwargs={"slug": _SLUG})
    actor_urls: dict[str, str] = {}

    def actor_link(actor) -> str:
        if actor.code not in actor_urls:
            actor_urls[actor.code] = escape(
                reverse("measures:actor-detail", kwargs={"code": actor.code})
            )
        code = escape(actor.code)
        if actor.name != actor.code:
            code = f'<abbr title="{escape(actor.name)}">{code}</abbr>'
        return f'<a href="{actor_urls[actor.code]}">{code}</a>'

    cards = {}
    for activity in activities:
        status = activity.status
        icon = (
            f'<span class="status-badge__icon" aria-hidden="true">{escape(status.icon)}</span>'
            if status.icon
            else ""
        )
        actors = ", ".join(actor_link(link.actor) for link in activity.card_actors)
        parts = [
            '  <li class="activity-card">\n'
            '    <h3 class="activity-card__title"><a href="'
            f'{escape(detail_url.replace(_SLUG, activity.slug))}">{escape(activity.title)}</a>'
            "</h3>\n"
            '    <dl class="facts facts--inline">\n'
            '      <div><dt>Status</dt><dd><a class="status-badge" href="'
            f'{status_list_url}#status-{escape(status.code)}"><svg class="status-badge__dot" '
            'aria-hidden="true" focusable="false" width="12" height="12" viewBox="0 0 12 12">'
            f'<circle cx="6" cy="6" r="5.5" fill="{escape(status.colour)}"/></svg>{icon}'
            f'<span class="visually-hidden">Status: </span>{escape(status.label)}</a></dd></div>\n'
        ]
        if show_action_line:
            parts.append(
                f"      <div><dt>Actielijn</dt><dd>{activity.action_line.number}</dd></div>\n"
            )
        parts.append(
            "      <div><dt>Wanneer</dt><dd>"
            f"{escape(activity.timeframe_label or 'niet vermeld')}</dd></div>\n"
            f"      <div><dt>Wie</dt><dd>{actors or 'niet vermeld'}</dd></div>\n"
            "    </dl>\n"
        )
        tail = []
        if activity.deviates_from_plan:
            tail.append(
                '    <p class="notice notice--small"><span aria-hidden="true">! </span>'
                "Wijkt af van de planning</p>\n"
            )
        if activity.planning_expired:
            tail.append(
                '    <p class="notice notice--small planning-expired"><span aria-hidden="true">'
                f'⌛ </span><a href="{status_list_url}#planning-verstreken">Planning verstreken'
                "</a></p>\n"
            )
        tail.append("  </li>\n")
        cards[activity.pk] = ("".join(parts), "".join(tail))
    return cards
