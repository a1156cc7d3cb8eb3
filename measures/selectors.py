"""Reads that the public pages, exports and reports share."""

import datetime

from django.db.models import Max, QuerySet
from django.http import QueryDict
from django.utils import timezone

from .filters import ActivityFilterSet
from .models import Activity


def public_activities() -> QuerySet[Activity]:
    """All public activities, with what a row shows, in report order."""
    return Activity.objects.published().with_related()


def filter_public_activities(params: QueryDict) -> tuple[ActivityFilterSet, QuerySet[Activity]]:
    """Apply the public filters; invalid input gives no rows (and the form carries the errors)."""
    filterset = ActivityFilterSet(params, queryset=public_activities())
    activities = filterset.qs if filterset.is_valid() else Activity.objects.none()
    return filterset, activities


def reference_date() -> datetime.date | None:
    """The "peildatum": the data is as of the latest update of any public activity."""
    latest = Activity.objects.published().aggregate(latest=Max("updated_at"))["latest"]
    return timezone.localdate(latest) if latest else None
