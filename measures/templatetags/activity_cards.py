"""The activity cards of the public lists (activities, an action line, an actor), in Python.

A list page shows 25 cards. Rendered by the template engine, each card cost about 0.35 ms
(some thirty variable lookups, three ``{% url %}`` tags and a loop per row): two thirds of an
uncached list page's app time at 10,000 activities. Written out here, one card costs a few
string joins; the markup is exactly what templates/includes/_activity_list.html used to give.
URLs are reversed once per list (an actor's once per list and actor), not once per row.
"""

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_SLUG = "__slug__"  # a valid slug, replaced by each activity's own (slugs need no quoting)


@register.simple_tag
def activity_cards(activities, show_action_line=True) -> SafeString:
    """``{% activity_cards activities %}``: the cards as a list (``<ul class="activity-list">``).

    ``activities`` as ``selectors.listed_activities`` gives them; ``show_action_line=False``
    leaves out the action line (on the action line's own page). Headings are h3.
    """
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

    cards = []
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
        if show_action_line is not False:
            parts.append(
                f"      <div><dt>Actielijn</dt><dd>{activity.action_line.number}</dd></div>\n"
            )
        parts.append(
            "      <div><dt>Wanneer</dt><dd>"
            f"{escape(activity.timeframe_label or 'niet vermeld')}</dd></div>\n"
            f"      <div><dt>Wie</dt><dd>{actors or 'niet vermeld'}</dd></div>\n"
            "    </dl>\n"
        )
        # A search shows why an activity matched: part of its explanation, matched words
        # marked (safe HTML from the query, see measures.models.SearchExcerpt).
        excerpt = getattr(activity, "search_excerpt", None)
        if excerpt:
            parts.append(
                '    <p class="activity-card__excerpt"><span class="visually-hidden">Uit de '
                f"toelichting: </span>…{conditional_escape(excerpt)}…</p>\n"
            )
        if activity.deviates_from_plan:
            parts.append(
                '    <p class="notice notice--small"><span aria-hidden="true">! </span>'
                "Wijkt af van de planning</p>\n"
            )
        if activity.planning_expired:
            parts.append(
                '    <p class="notice notice--small planning-expired"><span aria-hidden="true">'
                f'⌛ </span><a href="{status_list_url}#planning-verstreken">Planning verstreken'
                "</a></p>\n"
            )
        parts.append("  </li>\n")
        cards.append("".join(parts))
    # Every value above is escaped; the excerpt is safe HTML (escaped in the query).
    return mark_safe(f'<ul class="activity-list">\n{"".join(cards)}</ul>')  # noqa: S308
