"""Reads that the public pages, exports and reports share."""

import datetime
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, Expression, Max, OuterRef, Prefetch, QuerySet, Subquery
from django.http import QueryDict
from django.utils import timezone

from actionlines.models import ActionLine

from .filters import ActivityFilterSet
from .models import Activity, ActivityActor, Actor, Status
from .page_cache import remember


def public_activities(peildatum: datetime.date | None = None) -> QuerySet[Activity]:
    """All public activities, with what a row shows (``planning_expired`` as of the site's
    peildatum, or the one given), in report order."""
    if peildatum is None:
        peildatum = site_dates().reference_date
    return Activity.objects.published().with_related().with_planning(peildatum)


def listed_activities(peildatum: datetime.date | None = None) -> QuerySet[Activity]:
    """All public activities with only what a card in a list shows (measures/templatetags/
    activity_cards.py): no explanation, no footnotes, no bookkeeping columns.

    The explanation is most of a row's bytes and the footnotes a query of their own. The
    actors come as a plain list, ``card_actors`` (ActivityActor links in report order, each
    with its actor): a list costs nothing per row, a related manager a queryset per row.
    ``planning_expired`` as in ``public_activities``.
    A field the card starts to show must be added here (tests/measures/test_views_queries.py
    fails otherwise: each row would fetch it with a query of its own).
    """
    peildatum = site_dates().reference_date if peildatum is None else peildatum
    # A copy of the queryset built once per peildatum: building it (the prefetch, the fields,
    # the planning's CASE) cost a millisecond of every list page. Querysets never change once
    # built, and the one kept here is never evaluated, only copied.
    return _listed_activities(peildatum).all()


@functools.lru_cache(maxsize=16)
def _listed_activities(peildatum: datetime.date | None) -> QuerySet[Activity]:
    return (
        Activity.objects.published()
        .select_related("action_line", "status")
        .prefetch_related(
            Prefetch(
                "actor_links",
                queryset=ActivityActor.objects.select_related("actor")
                .only("activity_id", "actor__code", "actor__name")
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
        .with_planning(peildatum)
    )


def filter_public_activities(
    params: QueryDict,
    activities: QuerySet[Activity] | None = None,
    peildatum: datetime.date | None = None,
) -> tuple[ActivityFilterSet, QuerySet[Activity]]:
    """Apply the public filters to ``activities`` (by default ``public_activities()`` as of
    ``peildatum``); invalid input gives no rows (and the form carries the errors)."""
    queryset = public_activities(peildatum) if activities is None else activities
    filterset = ActivityFilterSet(params, queryset=queryset)
    activities = filterset.qs if filterset.is_valid() else Activity.objects.none()
    return filterset, activities


def reference_date() -> datetime.date | None:
    """The date of the latest update of any public activity (a new report's default
    peildatum). The site's "Stand van zaken per" is ``site_dates().reference_date``.

    Asked once per data version (and process), not per request.
    """
    latest = remember(
        "latest-public-update",
        lambda: Activity.objects.published().aggregate(latest=Max("updated_at"))["latest"] or "",
    )
    return timezone.localdate(latest) if latest else None


# Where the site's peildatum comes from, besides the data itself: each source gives a
# subquery of one date (a closed update round's, a published report's). ``reporting``
# registers them at start-up, so that measures never imports it.
_reference_date_sources: list[Callable[[], Expression]] = []


def register_reference_date_source(source: Callable[[], Expression]) -> None:
    if source not in _reference_date_sources:
        _reference_date_sources.append(source)


@dataclass(frozen=True)
class SiteDates:
    """The two dates every page shows (both defined on /statussen/).

    ``reference_date``: "Stand van zaken per", the peildatum of the latest closed update round
    or published report, whichever is later; before there is either, the date of the latest
    public change. ``last_changed``: "laatst gewijzigd op", the latest public change.
    """

    reference_date: datetime.date | None
    last_changed: datetime.date | None


def site_dates() -> SiteDates:
    """Both dates in one query, whatever the number of activities or sources; every page
    shows them, so asked once per data version (and process), not per request."""
    return remember("site-dates", _site_dates)


def _site_dates() -> SiteDates:
    # Max over a constant subquery is that subquery: a way to read every source in the same
    # query as the latest change.
    sources = {
        f"source_{number}": Max(Subquery(source()))
        for number, source in enumerate(_reference_date_sources)
    }
    dates = Activity.objects.published().aggregate(last_changed=Max("updated_at"), **sources)
    latest_change = dates.pop("last_changed")
    last_changed = timezone.localdate(latest_change) if latest_change else None
    peildata = [date for date in dates.values() if date is not None]
    return SiteDates(max(peildata, default=last_changed), last_changed)


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
    planning_expired: int = 0


@dataclass(frozen=True)
class ProgressOverview:
    """The NAP at a glance: totals per status, and per action line."""

    statuses: list[Status]
    totals: StatusBreakdown
    action_lines: list[ActionLineBreakdown]
    planning_expired: int = 0
    peildatum: datetime.date | None = None


def progress_overview() -> ProgressOverview:
    """Status totals and "planning verstreken" overall and per action line, in four queries
    whatever the data size."""
    peildatum = site_dates().reference_date
    statuses = list(Status.objects.all())
    action_lines = list(ActionLine.objects.all())
    rows = (
        Activity.objects.published()
        .with_planning(peildatum)
        .order_by()
        .values_list("action_line_id", "status_id", "planning_expired")
        .annotate(count=Count("pk"))
    )
    totals: Counter = Counter()
    per_line: dict[int, Counter] = {line.pk: Counter() for line in action_lines}
    expired: Counter = Counter()
    for line_id, status_id, planning_expired, count in rows:
        totals[status_id] += count
        per_line[line_id][status_id] += count
        if planning_expired:
            expired[line_id] += count
    return ProgressOverview(
        statuses=statuses,
        totals=StatusBreakdown.from_counts(statuses, totals),
        action_lines=[
            ActionLineBreakdown(
                line, StatusBreakdown.from_counts(statuses, per_line[line.pk]), expired[line.pk]
            )
            for line in action_lines
        ],
        planning_expired=expired.total(),
        peildatum=peildatum,
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


@dataclass(frozen=True)
class ActorOverview:
    """One actor's public activities: the status breakdown and "planning verstreken"."""

    breakdown: StatusBreakdown
    planning_expired: int
    activities: QuerySet[Activity]


def actor_overview(actor: Actor, peildatum: datetime.date | None) -> ActorOverview:
    """In three queries plus the rows' own, whatever the number of activities."""
    links = ActivityActor.objects.filter(activity=OuterRef("pk"), actor=actor)
    activities = listed_activities(peildatum).filter(Exists(links))
    rows = (
        activities.order_by()
        .values_list("status_id", "planning_expired")
        .annotate(count=Count("pk"))
    )
    counts: Counter = Counter()
    expired = 0
    for status_id, planning_expired, count in rows:
        counts[status_id] += count
        expired += count if planning_expired else 0
    breakdown = StatusBreakdown.from_counts(list(Status.objects.all()), counts)
    return ActorOverview(breakdown, expired, activities)


# -- the timeline ------------------------------------------------------------------------

# The drawing's width in SVG units; bars and markers are placed in these.
TIMELINE_WIDTH = 1000


@dataclass(frozen=True)
class TimelineBar:
    activity: Activity
    # In SVG units; None when the Wanneer cannot be placed in time.
    x: float | None
    width: float | None
    open_ended: bool


@dataclass(frozen=True)
class TimelineLine:
    action_line: ActionLine
    bars: list[TimelineBar]


@dataclass(frozen=True)
class TimelineMark:
    label: str
    date: datetime.date
    x: float


@dataclass(frozen=True)
class Timeline:
    years: list[tuple[int, float]]  # each year and where it starts
    year_width: float
    lines: list[TimelineLine]
    marks: list[TimelineMark]
    peildatum: datetime.date | None


def timeline(peildatum: datetime.date | None, today: datetime.date | None = None) -> Timeline:
    """Every public activity's Wanneer as a bar per action line, from the first year any
    activity starts to the last year any ends (today and the peildatum included)."""
    today = today or timezone.localdate()
    activities = list(public_activities(peildatum))
    years = {today.year} | ({peildatum.year} if peildatum else set())
    for activity in activities:
        years.update(year for year in (activity.start_year, activity.end_year) if year)
    first, last = min(years), max(years)
    quarter_width = TIMELINE_WIDTH / ((last - first + 1) * 4)

    def at(year: int, quarter: int) -> float:
        """Where this quarter starts."""
        return ((year - first) * 4 + quarter - 1) * quarter_width

    def on(day: datetime.date) -> float:
        year_start = datetime.date(day.year, 1, 1)
        days_in_year = (datetime.date(day.year + 1, 1, 1) - year_start).days
        return at(day.year, 1) + 4 * quarter_width * (day - year_start).days / days_in_year

    lines: dict[int, TimelineLine] = {}
    for activity in activities:
        line = lines.setdefault(activity.action_line_id, TimelineLine(activity.action_line, []))
        if activity.start_year is None:
            line.bars.append(TimelineBar(activity, None, None, False))
            continue
        start = at(activity.start_year, activity.start_quarter or 1)
        open_ended = activity.end_year is None
        end = (
            TIMELINE_WIDTH
            if open_ended
            else at(activity.end_year, activity.end_quarter or 4) + quarter_width
        )
        line.bars.append(TimelineBar(activity, start, end - start, open_ended))
    marks = [TimelineMark("Vandaag", today, on(today))]
    if peildatum:
        marks.insert(0, TimelineMark("Peildatum", peildatum, on(peildatum)))
    return Timeline(
        years=[(year, at(year, 1)) for year in range(first, last + 1)],
        year_width=4 * quarter_width,
        lines=list(lines.values()),
        marks=marks,
        peildatum=peildatum,
    )
