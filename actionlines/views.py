from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from measures import selectors
from measures.page_cache import cache_public_page, remember
from measures.views import PAGE_PARAMETER, paginate_cards

from .models import ActionLine


@cache_public_page
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "actionlines/overview.html", {"overview": selectors.progress_overview()})


@cache_public_page(parameters=PAGE_PARAMETER)
def detail(request: HttpRequest, number: int) -> HttpResponse:
    action_line = get_object_or_404(ActionLine, number=number)
    activities = selectors.listed_activities().filter(action_line=action_line)
    return render(
        request,
        "actionlines/detail.html",
        {
            "action_line": action_line,
            "breakdown": remember(
                f"breakdown:{number}", lambda: selectors.action_line_breakdown(action_line)
            ),
            **paginate_cards(request, activities, f"action-line:{number}"),
        },
    )
