"""Atom feeds of the public changes: all of them, one activity's, and one actor's.

The same records as the /wijzigingen/ page (``changes_feed``), so a feed never holds what the
page may not show.
"""

from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from . import changes_feed, selectors
from .models import Actor
from .page_cache import cache_public_page

FEED_ITEMS = 50


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "Recent gewijzigd – NAP Voortgangsmonitor"
    subtitle = "Elke openbare wijziging in de activiteiten van het NAP, nieuwste eerst."

    def get_object(self, request: HttpRequest, **kwargs):
        self.request = request
        return None

    def link(self, obj) -> str:
        return reverse("measures:change-list")

    def records(self, obj):
        return changes_feed.public_change_records()

    def items(self, obj) -> list[changes_feed.ChangeEntry]:
        return changes_feed.change_entries(self.records(obj)[:FEED_ITEMS])

    def item_title(self, entry: changes_feed.ChangeEntry) -> str:
        return f"{entry.title}: {entry.kind_label.lower()}"

    def item_description(self, entry: changes_feed.ChangeEntry) -> str:
        # Atom declares the summary as HTML: a "<" in the text must reach the reader as text.
        return escape(entry.summary())

    def item_link(self, entry: changes_feed.ChangeEntry) -> str:
        return entry.url or f"{reverse('measures:change-list')}#wijziging-{entry.record_id}"

    def item_guid(self, entry: changes_feed.ChangeEntry) -> str:
        # Stable and unique per change, whatever becomes of the activity's address.
        host = self.request.get_host().split(":")[0]
        return f"tag:{host},2023:wijziging-{entry.record_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, entry: changes_feed.ChangeEntry):
        return entry.date

    def item_updateddate(self, entry: changes_feed.ChangeEntry):
        return entry.date


class ActivityChangesFeed(ChangesFeed):
    def get_object(self, request: HttpRequest, slug: str):
        self.request = request
        return get_object_or_404(selectors.public_activities(), slug=slug)

    def title(self, activity) -> str:
        return f"Wijzigingen in „{activity.title}” – NAP Voortgangsmonitor"

    def subtitle(self, activity) -> str:
        return "Elke openbare wijziging in deze activiteit, nieuwste eerst."

    def link(self, activity) -> str:
        return activity.get_absolute_url()

    def records(self, activity):
        return changes_feed.public_change_records(activity=activity)


class ActorChangesFeed(ChangesFeed):
    def get_object(self, request: HttpRequest, code: str):
        self.request = request
        return get_object_or_404(Actor, code=code)

    def title(self, actor) -> str:
        return f"Wijzigingen bij {actor.name} ({actor.code}) – NAP Voortgangsmonitor"

    def subtitle(self, actor) -> str:
        return f"Elke openbare wijziging in de activiteiten van {actor.code}, nieuwste eerst."

    def link(self, actor) -> str:
        return f"{reverse('measures:change-list')}?wie={actor.code}"

    def records(self, actor):
        return changes_feed.public_change_records(actors=[actor])


changes_feed_view = cache_public_page(ChangesFeed())
activity_changes_feed = cache_public_page(ActivityChangesFeed())
actor_changes_feed = cache_public_page(ActorChangesFeed())
