"""Reading a report: its contents (frozen, live or from the history) and what changed since the
previous published report, or between any two. Every function here runs a fixed number of
queries."""

import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from simple_history.models import to_historic

from actionlines.models import ActionLine
from measures.models import (
    FOOTNOTE_MARKER,
    Activity,
    ActivityActor,
    Footnote,
    Status,
    planning_ended_before,
    status_may_expire,
)
from measures.timeframes import parse_timeframe

from .changes import KINDS, Change, KindChanges, compare_snapshots, entry_record
from .models import ProgressReport, ReportEntry, ReportSection, ReportStatus
from .rounds.models import RoundState, UpdateRound


def latest_closed_round_peildatum() -> QuerySet:
    """The site's peildatum, as far as the update rounds tell (see measures.selectors)."""
    closed = UpdateRound.objects.filter(state=RoundState.CLOSED).order_by()
    return closed.values("state").annotate(latest=Max("reference_date")).values("latest")


def latest_published_peildatum() -> QuerySet:
    """The site's peildatum, as far as the published reports tell."""
    published = ProgressReport.objects.published().order_by()
    return published.values("state").annotate(latest=Max("reference_date")).values("latest")


class Source:
    FROZEN = "bevroren"
    LIVE = "actueel"
    HISTORY = "historie"


@dataclass
class NumberedFootnote:
    number: int  # continuous through the report, as printed in the annex
    text: str
    url: str
    referenced: bool  # the explanation has a marker for it (so a link back makes sense)


@dataclass
class ReportContents:
    """Everything the annex shows, the same shape whether frozen or built on the fly.

    Each section gets ``.rows`` (its entries, in order); each entry gets
    ``.numbered_footnotes`` and ``.footnote_numbers`` (printed number -> report number).
    """

    report: ProgressReport
    sections: list[ReportSection]
    statuses: list[ReportStatus]
    source: str
    # Drafts read from the history: activities that existed then but could not be read back.
    missing_from_history: int = 0

    @property
    def as_of_in_words(self) -> str:
        return data_moment_in_words(self.report)

    def __post_init__(self):
        # Footnotes keep the numbers printed in the data when these already run on through the
        # report (as in the 2025 annex, which starts at 2: footnote 1 is in the covering
        # letter); otherwise, after edits, the report numbers them 1, 2, 3, ...
        printed = [footnote["number"] for entry in self.entries for footnote in entry.footnotes]
        keep_printed = all(a < b for a, b in itertools.pairwise(printed))
        counter = itertools.count(1)
        for entry in self.entries:
            entry.numbered_footnotes = []
            entry.footnote_numbers = {}
            markers = {int(marker) for marker in FOOTNOTE_MARKER.findall(entry.explanation)}
            for footnote in entry.footnotes:
                number = footnote["number"] if keep_printed else next(counter)
                entry.numbered_footnotes.append(
                    NumberedFootnote(
                        number,
                        footnote["text"],
                        footnote.get("url", ""),
                        referenced=footnote["number"] in markers,
                    )
                )
                entry.footnote_numbers.setdefault(footnote["number"], number)
        for section in self.sections:
            section.numbered_footnotes = [
                footnote for entry in section.rows for footnote in entry.numbered_footnotes
            ]

    @cached_property
    def entries(self) -> list[ReportEntry]:
        return [entry for section in self.sections for entry in section.rows]

    @cached_property
    def summary(self) -> list[tuple[ReportSection, list[int], int]]:
        """Per action line the number of activities per status (legend order) and in all."""
        position = {status.code: index for index, status in enumerate(self.statuses)}
        rows = []
        for section in self.sections:
            counts = [0] * len(self.statuses)
            for entry in section.rows:
                counts[position[entry.status.code]] += 1
            rows.append((section, counts, sum(counts)))
        return rows

    @cached_property
    def planning_expired(self) -> tuple[list[int], int]:
        """Per action line (summary order) and in all: how many activities had "planning
        verstreken" at the report's peildatum, by measures' rule. Whether a status counts as
        closed comes from the live statuses: the snapshot keeps no such flag."""
        live = {status.code: status for status in Status.objects.all()}
        peildatum = self.report.reference_date
        counts = []
        for section in self.sections:
            count = 0
            for entry in section.rows:
                status, end = (
                    live.get(entry.status.code),
                    parse_timeframe(entry.timeframe_label).end,
                )
                if status and end and status_may_expire(status):
                    count += planning_ended_before(end.year, end.quarter, peildatum)
            counts.append(count)
        return counts, sum(counts)

    @cached_property
    def summary_rows(self) -> list[tuple[ReportSection, list[int], int, int]]:
        """``summary`` with each action line's "planning verstreken" count."""
        expired, _total = self.planning_expired
        return [(*row, count) for row, count in zip(self.summary, expired, strict=True)]

    @cached_property
    def colours(self) -> dict[str, str]:
        """Each status's colour by code, for the status chart. The live colours: a colour is
        presentation, not something the report published (the snapshot keeps none)."""
        codes = [status.code for status in self.statuses]
        return dict(Status.objects.filter(code__in=codes).values_list("code", "colour"))

    @cached_property
    def summary_totals(self) -> tuple[list[int], int]:
        counts = [sum(column) for column in zip(*(row[1] for row in self.summary), strict=True)]
        counts = counts or [0] * len(self.statuses)
        return counts, sum(counts)


def report_contents(report: ProgressReport) -> ReportContents:
    if report.is_published:
        return _frozen_contents(report)
    return build_snapshot(report)


def _frozen_contents(report: ProgressReport) -> ReportContents:
    sections = list(report.sections.all())
    statuses = list(report.statuses.all())
    statuses_by_id = {status.pk: status for status in statuses}
    sections_by_id = {section.pk: section for section in sections}
    for section in sections:
        section.rows = []
    for entry in report.entries.all():
        # Shared objects instead of select_related copies: one section, one status each.
        entry.status = statuses_by_id[entry.status_id]
        entry.section = sections_by_id[entry.section_id]
        entry.section.rows.append(entry)
    return ReportContents(report, sections, statuses, Source.FROZEN)


# -- building a snapshot from the live data or the history --------------------------------


def history_cutoff(reference_date: datetime.date) -> datetime.datetime:
    """The moment the peildatum ends: the start of the next day, local time."""
    next_day = reference_date + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(next_day, datetime.time.min))


def data_moment(report: ProgressReport) -> datetime.datetime:
    """The moment a draft's data are read as of.

    A draft made from a closed update round: the round's close. Its answers are approved after
    the peildatum (asked on 1 October, approved in November), and the report must show every
    one of them. Any other draft: the end of its peildatum.
    """
    if closed_round := _closed_round(report):
        return closed_round.closed_at
    return history_cutoff(report.reference_date)


def data_moment_in_words(report: ProgressReport) -> str:
    """The data moment as a draft's notices say it: "zoals ze <this> waren"."""
    if closed_round := _closed_round(report):
        closed_on = date_format(timezone.localtime(closed_round.closed_at), "j F Y")
        return f"bij het sluiten van de uitvraag ‘{closed_round.title}’ op {closed_on}"
    return "aan het eind van de peildatum"


def _closed_round(report: ProgressReport) -> UpdateRound | None:
    if report.update_round_id is not None and report.update_round.closed_at is not None:
        return report.update_round
    return None


def changed_since(moment: datetime.datetime) -> bool:
    """Has anything a report shows been edited after that moment?

    A first record ("+") of an activity that already existed is no edit: it is history that
    started late (data loaded with ``loaddata``, then ``populate_history``). New footnote
    records are left out for the same reason; adding one in the admin saves the activity too.
    """
    return (
        Activity.history.filter(history_date__gte=moment)
        .exclude(history_type="+", created_at__lt=moment)
        .exists()
        or Footnote.history.filter(history_date__gte=moment).exclude(history_type="+").exists()
    )


def build_snapshot(report: ProgressReport) -> ReportContents:
    """The report's contents as unsaved snapshot rows: what publishing would freeze now.

    Live data, unless something changed after its data moment (the end of the peildatum, or
    the close of the round it was made from): then the state at that moment is read from the
    history (django-simple-history): status, text, whether it was public, and who was
    responsible.
    """
    cutoff = data_moment(report)
    if changed_since(cutoff):
        activities, footnotes, missing = _activities_as_of(cutoff)
        actors = _actors_as_of(activities)
        source = Source.HISTORY
    else:
        activities, footnotes = _live_activities()
        actors = _actor_dicts(ActivityActor.objects.select_related("actor"))
        source = Source.LIVE
        missing = 0

    statuses, statuses_by_pk = [], {}
    for position, status in enumerate(Status.objects.order_by("position", "code")):
        frozen = ReportStatus(
            report=report,
            code=status.code,
            label=status.label,
            definition=status.definition,
            icon=status.icon,
            position=position,
        )
        statuses.append(frozen)
        statuses_by_pk[status.pk] = frozen
    action_lines = {line.pk: line for line in ActionLine.objects.all()}

    sections = {}
    for line in sorted(action_lines.values(), key=lambda line: line.number):
        section = ReportSection(report=report, number=line.number, title=line.title)
        section.rows = []
        sections[line.pk] = section

    activities.sort(key=lambda a: (action_lines[a.action_line_id].number, a.position))
    for position, activity in enumerate(activities, start=1):
        section = sections[activity.action_line_id]
        section.rows.append(
            ReportEntry(
                report=report,
                section=section,
                status=statuses_by_pk[activity.status_id],
                position=position,
                activity_pk=activity.pk,
                slug=activity.slug,
                title=activity.title,
                timeframe_label=activity.timeframe_label,
                actors=actors.get(activity.pk, []),
                explanation=activity.explanation,
                footnotes=footnotes.get(activity.pk, []),
                deviates_from_plan=activity.deviates_from_plan,
            )
        )
    return ReportContents(report, list(sections.values()), statuses, source, missing)


def _footnote_dicts(footnotes) -> dict[int, list[dict]]:
    by_activity = defaultdict(list)
    for footnote in sorted(footnotes, key=lambda f: (f.activity_id, f.position, f.number)):
        by_activity[footnote.activity_id].append(
            {"number": footnote.number, "text": footnote.text, "url": footnote.url}
        )
    return by_activity


def _actor_dicts(links) -> dict[int, list[dict]]:
    """Actor links (live or recorded in the history) as the snapshot keeps them, in order."""
    by_activity = defaultdict(list)
    for link in sorted(links, key=lambda link: (link.activity_id, link.position)):
        by_activity[link.activity_id].append({"code": link.actor.code, "name": link.actor.name})
    return by_activity


def _actors_as_of(activities: list[Activity]) -> dict[int, list[dict]]:
    """Who was responsible for each activity, as recorded with the state it was read from.

    A record that holds no actors (history written before the actors were linked, as by a
    fixture, or an activity read from the live data) tells nothing: those activities get their
    live actors, the best that is known.
    """
    records = [record.history_id for record in map(to_historic, activities) if record is not None]
    # An actor deleted since (possible once no activity links it) can no longer be named. The
    # recorded link has no database constraint; this filter makes the join an inner one.
    recorded_links = Activity.history.model.actors.model.objects.filter(
        history_id__in=records, actor__isnull=False
    ).select_related("actor")
    actors = _actor_dicts(recorded_links)
    unknown = {activity.pk for activity in activities} - set(actors)
    live_links = ActivityActor.objects.filter(activity__in=unknown).select_related("actor")
    return {**_actor_dicts(live_links), **actors}


def _live_activities() -> tuple[list[Activity], dict[int, list[dict]]]:
    public = Activity.objects.published()
    footnotes = Footnote.objects.filter(activity__in=public.values("pk"))
    return list(public.order_by()), _footnote_dicts(footnotes)


def _activities_as_of(moment: datetime.datetime) -> tuple[list[Activity], dict, int]:
    """The public activities as they were at that moment, their footnotes, and how many
    activities existed then but cannot be read back (edited later, no earlier record).

    The history may start after the moment (data loaded without history). An activity that
    existed then is taken from, in order: its last record before the moment; its first record,
    if that is an initial one ("+": history that started late); its live state, if it was never
    recorded at all (then it has not been edited since it was loaded).
    """
    states = {activity.pk: activity for activity in Activity.history.as_of(moment)}
    footnotes = _footnote_dicts(Footnote.history.as_of(moment))
    late_start = Activity.history.filter(
        history_type="+", history_date__gte=moment, created_at__lt=moment
    ).order_by("history_date")
    for record in late_start:
        states.setdefault(record.id, record.instance)
    never_recorded = Activity.objects.filter(created_at__lt=moment).filter(
        ~Exists(Activity.history.filter(id=OuterRef("pk")))
    )
    for activity in never_recorded:
        states.setdefault(activity.pk, activity)
    # Footnotes of activities read from a late or missing history: as they are now.
    without_footnote_history = set(states) - set(footnotes)
    live_footnotes = _footnote_dicts(
        footnote
        for footnote in Footnote.objects.filter(activity__created_at__lt=moment)
        if footnote.activity_id in without_footnote_history
    )
    footnotes = {**live_footnotes, **footnotes}
    existed = set(Activity.objects.filter(created_at__lt=moment).values_list("pk", flat=True))
    missing = len(existed - set(states))
    activities = [activity for activity in states.values() if activity.is_public]
    return activities, footnotes, missing


# -- what changed between two reports ----------------------------------------------------


@dataclass
class ReportChanges:
    """What changed from an older report to a newer one, grouped by kind for the annex."""

    older: ProgressReport | None  # None: nothing to compare with (a first report)
    newer: ProgressReport
    changes: list[Change] = field(default_factory=list)

    @cached_property
    def kinds(self) -> list[KindChanges]:
        return [
            KindChanges(kind, [change for change in self.changes if change.kind == kind.code])
            for kind in KINDS
        ]

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @cached_property
    def activity_count(self) -> int:
        """How many activities changed in any way (one may change in several ways)."""
        return len({change.activity_pk for change in self.changes})

    @cached_property
    def older_contents(self) -> "ReportContents | None":
        """The older report's contents, for its status chart beside the newer one's."""
        return None if self.older is None else report_contents(self.older)

    def stored(self) -> list[dict]:
        """As a published report keeps them (``ProgressReport.changes``)."""
        return [change.as_dict() for change in self.changes]


def compare_contents(older: ReportContents | None, newer: ReportContents) -> ReportChanges:
    """Compare two reports' contents, activity by activity and field by field."""
    if older is None:
        return ReportChanges(None, newer.report)
    records = compare_snapshots(
        [entry_record(entry) for entry in older.entries],
        [entry_record(entry) for entry in newer.entries],
    )
    changes = ReportChanges(older.report, newer.report, list(map(Change.from_dict, records)))
    changes.older_contents = older  # already read: the status chart needs no second read
    return changes


def report_changes(contents: ReportContents) -> ReportChanges:
    """What changed since the report's baseline (the previous published report).

    A published report reads the changes stored at its publication: what it published as
    changed stays so, whatever becomes of the comparison. A draft compares now.
    """
    report = contents.report
    if report.is_published:
        stored = [Change.from_dict(change) for change in report.changes]
        return ReportChanges(report.compared_with, report, stored)
    previous = report.baseline()
    return compare_contents(previous and report_contents(previous), contents)


def _age(report: ProgressReport) -> tuple:
    """Reports in time: by peildatum, then by publication; a draft after the published."""
    return (
        report.reference_date,
        not report.is_published,
        report.published_at or report.created_at,
    )


def compare_reports(a: ProgressReport, b: ProgressReport) -> tuple[ReportContents, ReportChanges]:
    """Any two reports compared, older to newer whichever order they are given in: the newer
    one's contents and what changed."""
    older, newer = sorted((a, b), key=_age)
    newer_contents = report_contents(newer)
    return newer_contents, compare_contents(report_contents(older), newer_contents)
