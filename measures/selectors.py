"""Reads that the public pages, exports and reports share."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone

from actionlines.models import ActionLine

from .filters import ActivityFilterSet
from .models import Activity, ActivityActor, Status
from .page_cache import remember


def public_activities() -> QuerySet[Activity]:
    """All public activities, with what a row shows, in report order."""
    return Activity.objects.published().with_related()


def listed_activities() -> QuerySet[Activity]:
    """All public activities with only what a card in a list shows (templates/includes/
    _activity_list.html): no explanation, no footnotes, no bookkeeping columns.

    The explanation is most of a row's bytes and the footnotes a query of their own. The
    actors come as a plain list, ``card_actors`` (ActivityActor links in report order, each
    with its actor): a list costs nothing per row, a related manager a queryset per row.
    A field the card starts to show must be added here (tests/measures/test_views_queries.py
    fails otherwise: each row would fetch it with a query of its own).
    """
    return (
        Activity.objects.published()
        .select_related("action_line", "status")
        .prefetch_related(
            Prefetch(
                "actor_links",
                queryset=ActivityActor.objects.select_related("actor")
                .only("activity_id", "actor__code")
                .order_by("position"),
                to_attr="card_actors",
            )
        )
        .only(
            "slug",
            "title",
            "timeframe_label",
            "deviates_from_plan",
            "action_line__number",
            "status__code",
            "status__label",
            "status__colour",
            "status__icon",
        )
    )


def filter_public_activities(
    params: QueryDict, activities: QuerySet[Activity] | None = None
) -> tuple[ActivityFilterSet, QuerySet[Activity]]:
    """Apply the public filters to ``activities`` (by default ``public_activities()``);
    invalid input gives no rows (and the form carries the errors)."""
    queryset = public_activities() if activities is None else activities
    filterset = ActivityFilterSet(params, queryset=queryset)
    activities = filterset.qs if filterset.is_valid() else Activity.objects.none()
    return filterset, activities


def reference_date() -> datetime.date | None:
    """The "peildatum": the data is as of the latest update of any public activity.

    Every page shows it: asked once per data version (and process), not per request.
    """
    latest = remember(
        "latest-public-update",
        lambda: Activity.objects.published().aggregate(latest=Max("updated_at"))["latest"] or "",
    )
    return timezone.localdate(latest) if latest else None


@dataclass(frozen=True)
class StatusCount:
    status: Status
    count: int
    # Where this status's bar segment starts and how wide it is, in percent of the total.
    offset: float
    share: float


@dataclass(frozen=True)
class StatusBreakdown:
    """How many public activities have each status (every status listed, zeros included)."""

    counts: list[StatusCount]
    total: int

    @classmethod
    def from_counts(cls, statuses: list[Status], counts: Counter) -> "StatusBreakdown":
        total = sum(counts[status.pk] for status in statuses)
        rows, offset = [], 0.0
        for status in statuses:
            share = 100 * counts[status.pk] / total if total else 0.0
            rows.append(StatusCount(status, counts[status.pk], offset, share))
            offset += share
        return cls(rows, total)


@dataclass(frozen=True)
class ActionLineBreakdown:
    action_line: ActionLine
    breakdown: StatusBreakdown


@dataclass(frozen=True)
class ProgressOverview:
    """The NAP at a glance: totals per status, and per action line."""

    statuses: list[Status]
    totals: StatusBreakdown
    action_lines: list[ActionLineBreakdown]


def _public_counts_by_line_and_status() -> dict[tuple[int, int], int]:
    rows = (
        Activity.objects.published()
        .order_by()
        .values_list("action_line_id", "status_id")
        .annotate(count=Count("pk"))
    )
    return {(line_id, status_id): count for line_id, status_id, count in rows}


def progress_overview() -> ProgressOverview:
    """Status totals overall and per action line, in three queries whatever the data size."""
    statuses = list(Status.objects.all())
    action_lines = list(ActionLine.objects.all())
    counts = _public_counts_by_line_and_status()
    totals: Counter = Counter()
    per_line: dict[int, Counter] = {line.pk: Counter() for line in action_lines}
    for (line_id, status_id), count in counts.items():
        totals[status_id] += count
        per_line[line_id][status_id] += count
    return ProgressOverview(
        statuses=statuses,
        totals=StatusBreakdown.from_counts(statuses, totals),
        action_lines=[
            ActionLineBreakdown(line, StatusBreakdown.from_counts(statuses, per_line[line.pk]))
            for line in action_lines
        ],
    )


def action_line_breakdown(action_line: ActionLine) -> StatusBreakdown:
    """The status breakdown of one action line's public activities."""
    statuses = list(Status.objects.all())
    rows = (
        Activity.objects.published()
        .filter(action_line=action_line)
        .order_by()
        .values_list("status_id")
        .annotate(count=Count("pk"))
    )
    return StatusBreakdown.from_counts(statuses, Counter(dict(rows)))


@dataclass(frozen=True)
class StatusChange:
    """A dated change of an activity's status; ``previous`` is None for the first known one."""

    date: datetime.date
    previous: Status | None
    status: Status | None


def status_history(activity: Activity) -> list[StatusChange]:
    """When the activity's status changed, from what to what, oldest first (one query).

    Read from the change history. Only dates and statuses leave this function: who made a
    change is not public.
    """
    records = (
        activity.history.select_related("status")
        .order_by("history_date", "history_id")
        .only("history_date", "history_id", "status")
    )
    changes: list[StatusChange] = []
    previous_id: int | None = None
    previous: Status | None = None
    for record in records:
        if changes and record.status_id == previous_id:
            continue
        changes.append(
            StatusChange(timezone.localdate(record.history_date), previous, record.status)
        )
        previous_id, previous = record.status_id, record.status
    return changes
