from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Activity


def activity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    activity = get_object_or_404(Activity.objects.published().with_related(), slug=slug)
    return render(request, "measures/activity_detail.html", {"activity": activity})
