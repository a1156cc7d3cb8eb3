from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from measures.models import Activity

from .models import ActionLine


def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "actionlines/overview.html", {"action_lines": ActionLine.objects.all()})


def detail(request: HttpRequest, number: int) -> HttpResponse:
    action_line = get_object_or_404(ActionLine, number=number)
    activities = Activity.objects.published().filter(action_line=action_line).with_related()
    return render(
        request,
        "actionlines/detail.html",
        {"action_line": action_line, "activities": activities},
    )
