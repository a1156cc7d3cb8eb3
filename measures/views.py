from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from . import changes_feed, selectors
from .page_cache import cache_public_page

ACTIVITIES_PER_PAGE = 25
CHANGES_PER_PAGE = 25


def paginate(request: HttpRequest, activities, per_page: int = ACTIVITIES_PER_PAGE) -> dict:
    """The requested page of activities and the page numbers to link to.

    A missing, malformed or too high page number gives a page that exists, never an error.
    """
    paginator = Paginator(activities, per_page)
    page = paginator.get_page(request.GET.get("page"))
    numbers = paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    return {"page": page, "page_numbers": list(numbers)}


@cache_public_page
def activity_list(request: HttpRequest) -> HttpResponse:
    filterset, activities = selectors.filter_public_activities(request.GET)
    return render(
        request,
        "measures/activity_list.html",
        {
            "filterset": filterset,
            "active_filters": filterset.active_filters(),
            **paginate(request, activities),
        },
        # The page explains what is wrong; the status tells browsers and crawlers too, as the
        # exports do with the same filters.
        status=200 if filterset.is_valid() else 400,
    )


@cache_public_page
def activity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    activity = get_object_or_404(selectors.public_activities(), slug=slug)
    return render(
        request,
        "measures/activity_detail.html",
        {"activity": activity, "status_history": selectors.status_history(activity)},
    )


@cache_public_page
def status_list(request: HttpRequest) -> HttpResponse:
    overview = selectors.progress_overview()
    return render(request, "measures/status_list.html", {"totals": overview.totals})


@cache_public_page
def change_list(request: HttpRequest) -> HttpResponse:
    form = changes_feed.ChangeFilterForm(request.GET)
    if form.is_valid():
        records = changes_feed.public_change_records(
            form.cleaned_data["actielijn"], form.cleaned_data["wie"]
        )
    else:
        records = changes_feed.HistoricalActivity.objects.none()
    # Paginate the records first, then read what each one changed: a fixed number of queries.
    pages = paginate(request, records, CHANGES_PER_PAGE)
    return render(
        request,
        "measures/changes.html",
        {"form": form, "entries": changes_feed.change_entries(pages["page"]), **pages},
        status=200 if form.is_valid() else 400,
    )
