from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from . import changes_feed, selectors
from .filters import ActivityFilterSet
from .models import Actor
from .page_cache import Parameters, cache_public_page, remember
from .templatetags.activity_cards import CardRow, CardRows

ACTIVITIES_PER_PAGE = 25
CHANGES_PER_PAGE = 25

# What the list understands: the filters (the repeatable ones are sets of choices) and the
# page. Anything else (utm_source, fbclid, ...) neither reaches the view nor splits the cache.
LIST_PARAMETERS = Parameters(
    repeatable=frozenset({"actielijn", "status", "wie"}),
    single=frozenset(set(ActivityFilterSet.base_filters) - {"actielijn", "status", "wie"})
    | {"page"},
)
PAGE_PARAMETER = Parameters(single=frozenset({"page"}))
CHANGE_LIST_PARAMETERS = Parameters(
    repeatable=frozenset({"actielijn", "wie"}), single=frozenset({"page"})
)


class KeysFirstPaginator(Paginator):
    """Pages whose rows are read by key: the query finds the page's keys in the selection's
    order (which the indexes can answer without reading the wide rows: at 10,000 activities
    the list's first page took 30-50 ms of PostgreSQL as one query, 1-2 ms this way), and
    reads only those rows, in the same query."""

    def page(self, number):
        number = self.validate_number(number)
        keys = self.object_list.values("pk")[self._bounds(number)]
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)

    def _bounds(self, number: int) -> slice:
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return slice(bottom, top)


class CardPaginator(KeysFirstPaginator):
    """Pages of activity cards (``{% activity_cards %}``): a page is its activities' keys, and
    on a search their excerpts, in one query. The cards come from what earlier pages rendered
    in this data version; only activities without a card yet are read in full, from ``cards``
    (a ``selectors.listed_activities`` queryset)."""

    def __init__(self, object_list, per_page, cards):
        super().__init__(object_list, per_page)
        self.cards = cards

    def page(self, number):
        number = self.validate_number(number)
        fields = ["pk"]
        if "search_excerpt" in self.object_list.query.annotations:
            fields.append("search_excerpt")
        rows = [
            CardRow(*values)
            for values in self.object_list.values_list(*fields)[self._bounds(number)]
        ]
        return self._get_page(CardRows(rows, self.cards), number, self)


def paginate(
    request: HttpRequest, rows, count_key: str, per_page: int = ACTIVITIES_PER_PAGE
) -> dict:
    """The requested page of rows and the page numbers to link to.

    A missing, malformed or too high page number gives a page that exists, never an error.
    The number of rows is counted once per data version for every page of the same selection
    (``count_key`` names it).
    """
    return _paginate(request, KeysFirstPaginator(rows, per_page), count_key)


def paginate_cards(request: HttpRequest, activities, count_key: str, cards=None) -> dict:
    """``paginate`` for a list of activity cards: ``page.object_list`` holds ``CardRows``.
    ``cards``: where cards not rendered yet are read (by default ``activities``; a list whose
    selection costs more to repeat, such as a search, gives it unfiltered)."""
    cards = activities if cards is None else cards
    return _paginate(request, CardPaginator(activities, ACTIVITIES_PER_PAGE, cards), count_key)


def _paginate(request: HttpRequest, paginator: Paginator, count_key: str) -> dict:
    paginator.count = remember(f"count:{count_key}", paginator.object_list.count)
    page = paginator.get_page(request.GET.get("page"))
    numbers = paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    return {"page": page, "page_numbers": list(numbers)}


@cache_public_page(parameters=LIST_PARAMETERS)
def activity_list(request: HttpRequest) -> HttpResponse:
    listed = selectors.listed_activities()
    filterset, activities = selectors.filter_public_activities(request.GET, listed)
    selection = request.GET.copy()
    selection.pop("page", None)
    return render(
        request,
        "measures/activity_list.html",
        {
            "filterset": filterset,
            "active_filters": filterset.active_filters(),
            "checkbox_choices": remember("checkbox-choices", filterset.checkbox_choices),
            **paginate_cards(request, activities, f"list:{selection.urlencode()}", listed),
        },
        # The page explains what is wrong; the status tells browsers and crawlers too, as the
        # exports do with the same filters.
        status=200 if filterset.is_valid() else 400,
    )


@cache_public_page
def activity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    peildatum = selectors.site_dates().reference_date
    activity = get_object_or_404(selectors.public_activities(peildatum), slug=slug)
    return render(
        request,
        "measures/activity_detail.html",
        {
            "activity": activity,
            "peildatum": peildatum,
            "status_history": selectors.status_history(activity),
        },
    )


@cache_public_page
def status_list(request: HttpRequest) -> HttpResponse:
    overview = selectors.progress_overview()
    return render(
        request,
        "measures/status_list.html",
        {"totals": overview.totals, "planning_expired": overview.planning_expired},
    )


@cache_public_page(parameters=CHANGE_LIST_PARAMETERS)
def change_list(request: HttpRequest) -> HttpResponse:
    form = changes_feed.ChangeFilterForm(request.GET)
    if form.is_valid():
        records = changes_feed.public_change_records(
            form.cleaned_data["actielijn"], form.cleaned_data["wie"]
        )
    else:
        records = changes_feed.HistoricalActivity.objects.none()
    # Paginate the records first, then read what each one changed: a fixed number of queries.
    selection = request.GET.copy()
    selection.pop("page", None)
    pages = paginate(request, records, f"changes:{selection.urlencode()}", CHANGES_PER_PAGE)
    return render(
        request,
        "measures/changes.html",
        {"form": form, "entries": changes_feed.change_entries(pages["page"]), **pages},
        status=200 if form.is_valid() else 400,
    )


@cache_public_page(parameters=PAGE_PARAMETER)
def actor_detail(request: HttpRequest, code: str) -> HttpResponse:
    actor = get_object_or_404(Actor, code=code)
    peildatum = selectors.site_dates().reference_date
    overview = selectors.actor_overview(actor, peildatum)
    return render(
        request,
        "measures/actor_detail.html",
        {
            "actor": actor,
            "overview": overview,
            "peildatum": peildatum,
            **paginate_cards(request, overview.activities, f"actor:{actor.pk}"),
        },
    )


@cache_public_page
def timeline(request: HttpRequest) -> HttpResponse:
    peildatum = selectors.site_dates().reference_date
    return render(request, "measures/timeline.html", {"timeline": selectors.timeline(peildatum)})
