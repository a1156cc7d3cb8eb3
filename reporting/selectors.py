"""Reading a report: its contents (frozen, live or from the history) and what changed since the
previous published report. Every function here runs a fixed number of queries."""

import datetime
import difflib
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.models import to_historic

from actionlines.models import ActionLine
from measures.models import FOOTNOTE_MARKER, Activity, ActivityActor, Footnote, Status

from .models import ProgressReport, ReportEntry, ReportSection, ReportStatus


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

    Live data, unless something changed after the peildatum: then the state at the end of the
    peildatum is read from the history (django-simple-history): status, text, whether it was
    public, and who was responsible.
    """
    cutoff = history_cutoff(report.reference_date)
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


# -- what changed since the previous report -----------------------------------------------

_WHITESPACE = re.compile(r"\s+")


def _normalised(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


@dataclass
class StatusChange:
    entry: ReportEntry
    previous_status: ReportStatus


@dataclass
class Rewrite:
    entry: ReportEntry
    previous_explanation: str

    @cached_property
    def word_diff(self) -> list[tuple[str, str]]:
        """The explanation as (kind, text) pieces: kind is "same", "removed" or "added"."""
        # Footnote markers read as "[12]" here; the diff is text, not links.
        old = FOOTNOTE_MARKER.sub(r"[\1]", self.previous_explanation).split()
        new = FOOTNOTE_MARKER.sub(r"[\1]", self.entry.explanation).split()
        pieces = []
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
            if operation == "equal":
                pieces.append(("same", " ".join(new[new_start:new_end])))
                continue
            if old_end > old_start:
                pieces.append(("removed", " ".join(old[old_start:old_end])))
            if new_end > new_start:
                pieces.append(("added", " ".join(new[new_start:new_end])))
        return pieces


@dataclass
class SectionChanges:
    number: int
    title: str
    status_changes: list[StatusChange] = field(default_factory=list)
    added: list[ReportEntry] = field(default_factory=list)
    removed: list[ReportEntry] = field(default_factory=list)
    rewritten: list[Rewrite] = field(default_factory=list)


@dataclass
class ReportChanges:
    previous: ProgressReport | None
    sections: list[SectionChanges]

    def _all(self, kind: str) -> list:
        return [item for section in self.sections for item in getattr(section, kind)]

    @cached_property
    def status_changes(self) -> list[StatusChange]:
        return self._all("status_changes")

    @cached_property
    def added(self) -> list[ReportEntry]:
        return self._all("added")

    @cached_property
    def removed(self) -> list[ReportEntry]:
        return self._all("removed")

    @cached_property
    def rewritten(self) -> list[Rewrite]:
        return self._all("rewritten")

    @property
    def has_changes(self) -> bool:
        return bool(self.status_changes or self.added or self.removed or self.rewritten)


def report_changes(contents: ReportContents) -> ReportChanges:
    """Compare a report with its baseline (the previous published one), activity by activity.

    Both sides of a published report are frozen (its own snapshot and the protected baseline's),
    so its changes never change.

    Activities are matched on their identity, so a renamed activity is the same activity.
    An explanation counts as rewritten when its words differ (not merely its line breaks).
    """
    previous = contents.report.baseline()
    if previous is None:
        return ReportChanges(None, [])
    before = report_contents(previous)
    old_entries = {entry.activity_pk: entry for entry in before.entries}
    new_entries = {entry.activity_pk: entry for entry in contents.entries}

    sections: dict[int, SectionChanges] = {}

    def section_for(entry: ReportEntry) -> SectionChanges:
        number = entry.section.number
        if number not in sections:
            sections[number] = SectionChanges(number, entry.section.title)
        return sections[number]

    for entry in contents.entries:
        old = old_entries.get(entry.activity_pk)
        if old is None:
            section_for(entry).added.append(entry)
            continue
        if old.status.code != entry.status.code:
            section_for(entry).status_changes.append(StatusChange(entry, old.status))
        if _normalised(old.explanation) != _normalised(entry.explanation):
            section_for(entry).rewritten.append(Rewrite(entry, old.explanation))
    for entry in before.entries:
        if entry.activity_pk not in new_entries:
            section_for(entry).removed.append(entry)
    return ReportChanges(previous, [sections[number] for number in sorted(sections)])
