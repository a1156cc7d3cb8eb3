"""The public record of changes ("Recent gewijzigd"): every change to a public activity,
newest first, for the /wijzigingen/ page and its Atom feeds.

Read from the history (django-simple-history): each record of an activity is compared with the
previous record of the same activity. The activity row only ever holds approved values (a
proposal waits in ``Proposal`` until a coordinator approves it), so its history does too.

What the public never sees: an activity that is not public now, and a change made while the
activity was hidden (a record with ``is_public`` off). An activity that becomes public shows as
new, never as a diff against the values it had while hidden. Who made a change is not public.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from actionlines.models import ActionLine

from .filters import ActionLineChoiceField, ActorChoiceField, unknown_choice
from .models import Activity, ActivityActor, Actor, Footnote

HistoricalActivity = Activity.history.model
HistoricalActivityActor = HistoricalActivity.actors.model
HistoricalFootnote = Footnote.history.model

# Footnotes have their own history. The admin saves them just after their activity, a
# proposal's approval just before it, in the same request: a footnote record this close to an
# activity record belongs to that change.
FOOTNOTE_WINDOW = datetime.timedelta(seconds=10)


class Kind:
    NEW = "nieuw"
    CHANGED = "gewijzigd"
    REMOVED = "vervallen"

    labels = {NEW: "Nieuwe activiteit", CHANGED: "Gewijzigd", REMOVED: "Niet meer opgenomen"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str
    long: bool = False  # a text the page folds away (the explanation)


@dataclass
class ChangeEntry:
    """One change of one activity, as the public may see it."""

    record_id: int
    date: datetime.datetime
    kind: str
    title: str
    slug: str
    action_line_number: int | None
    status_label: str
    fields: list[FieldChange] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return Kind.labels[self.kind]

    @property
    def url(self) -> str | None:
        """The activity's page; a removed activity has none."""
        if self.kind == Kind.REMOVED:
            return None
        return Activity(slug=self.slug).get_absolute_url()

    @property
    def is_empty(self) -> bool:
        return self.kind == Kind.CHANGED and not (self.fields or self.footnotes)

    def summary(self) -> str:
        """The change in one plain sentence per part, for the feed."""
        if self.kind == Kind.NEW:
            return f"Nieuwe activiteit, status {self.status_label}."
        if self.kind == Kind.REMOVED:
            return f"Niet meer opgenomen; laatste status {self.status_label}."
        parts = [
            f"{change.label} herschreven."
            if change.long
            else f"{change.label}: {change.old} → {change.new}."
            for change in self.fields
        ]
        return " ".join(parts + [note.rstrip(".") + "." for note in self.footnotes])


class ChangeFilterForm(forms.Form):
    """Filters of the changes page: by action line and by actor (Wie), both repeatable, with
    the fields and messages of the activity list."""

    actielijn = ActionLineChoiceField(
        label="Actielijn",
        queryset=ActionLine.objects.all(),
        to_field_name="number",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=unknown_choice("geen bekende actielijn", "Kies een actielijn uit de lijst."),
    )
    wie = ActorChoiceField(
        label="Wie",
        queryset=Actor.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=unknown_choice(
            "geen bekend ministerie of bekende organisatie", "Kies er een uit de lijst."
        ),
    )


def public_change_records(
    action_lines=None, actors=None, activity: Activity | None = None
) -> QuerySet:
    """History records the public may see, newest first, each with ``previous_id``, the
    record before it of the same activity (None for the first), and ``next_date``, when the
    record after it was made (None for the latest)."""
    same_activity = HistoricalActivity.objects.filter(id=OuterRef("id"))
    earlier = same_activity.filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    later = same_activity.filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id"))
    )
    public_now = Activity.objects.published().filter(pk=OuterRef("id"))
    records = HistoricalActivity.objects.filter(is_public=True).filter(
        Exists(public_now) | Q(history_type="-")
    )
    if activity is not None:
        records = records.filter(id=activity.pk)
    if action_lines:
        records = records.filter(action_line__in=list(action_lines))
    if actors:
        actors = list(actors)
        # Listed then (recorded with the change) or now: a change that removed a ministry
        # still concerns it.
        records = records.filter(
            Exists(
                HistoricalActivityActor.objects.filter(
                    history=OuterRef("history_id"), actor__in=actors
                )
            )
            | Exists(ActivityActor.objects.filter(activity=OuterRef("id"), actor__in=actors))
        )
    return (
        records.annotate(
            previous_id=Subquery(
                earlier.order_by("-history_date", "-history_id").values("history_id")[:1]
            ),
            next_date=Subquery(
                later.order_by("history_date", "history_id").values("history_date")[:1]
            ),
        )
        .select_related("status", "action_line")
        .only(
            "history_id",
            "id",
            "history_date",
            "history_type",
            "title",
            "slug",
            "timeframe_label",
            "explanation",
            "deviates_from_plan",
            "is_public",
            "action_line__number",
            "status__label",
        )
        .order_by("-history_date", "-history_id")
    )


def _yes_no(value: bool) -> str:
    return "ja" if value else "nee"


def change_entries(records) -> list[ChangeEntry]:
    """The changes of one page of records, in four queries whatever the page size: the
    records themselves (already fetched by the caller), the previous records, the actors
    recorded with both, and the footnote changes made with them."""
    records = list(records)
    if not records:
        return []
    previous = {
        record.history_id: record
        for record in HistoricalActivity.objects.filter(
            history_id__in=[r.previous_id for r in records if r.previous_id]
        ).select_related("status")
    }
    all_ids = [r.history_id for r in records] + list(previous)
    actors: dict[int, list[str]] = defaultdict(list)
    for link in (
        HistoricalActivityActor.objects.filter(history_id__in=all_ids, actor__isnull=False)
        .select_related("actor")
        .order_by("history_id", "position")
    ):
        actors[link.history_id].append(link.actor.code)
    dates = [r.history_date for r in records]
    footnotes: dict[int, list] = defaultdict(list)
    for note in HistoricalFootnote.objects.filter(
        activity_id__in={r.id for r in records},
        history_date__range=(min(dates) - FOOTNOTE_WINDOW, max(dates) + FOOTNOTE_WINDOW),
    ).order_by("history_date", "number"):
        footnotes[note.activity_id].append(note)

    entries = []
    for record in records:
        before = previous.get(record.previous_id)
        entry = ChangeEntry(
            record_id=record.history_id,
            date=record.history_date,
            kind=Kind.CHANGED,
            title=record.title,
            slug=record.slug,
            action_line_number=record.action_line.number if record.action_line else None,
            status_label=record.status.label if record.status else "",
        )
        if record.history_type == "-":
            entry.kind = Kind.REMOVED
        elif before is None or not before.is_public:
            entry.kind = Kind.NEW
        else:
            entry.fields = _field_changes(before, record, actors)
            entry.footnotes = [
                _footnote_change(note)
                for note in footnotes[record.id]
                if _made_with(note.history_date, record, before)
            ]
        if not entry.is_empty:
            entries.append(entry)
    return entries


def _made_with(moment: datetime.datetime, record, before) -> bool:
    """Whether a footnote change at this moment was part of this record's change: close to
    it, and closer to it than to the activity's records before and after it."""
    distance = abs(moment - record.history_date)
    neighbours = [before.history_date, record.next_date]
    return distance <= FOOTNOTE_WINDOW and all(
        distance < abs(moment - other) for other in neighbours if other is not None
    )


def _field_changes(before, record, actors: dict[int, list[str]]) -> list[FieldChange]:
    changes = []
    if before.status_id != record.status_id:
        old = before.status.label if before.status else ""
        changes.append(FieldChange("Status", old, record.status.label if record.status else ""))
    if before.timeframe_label != record.timeframe_label:
        changes.append(
            FieldChange(
                "Wanneer",
                before.timeframe_label or "niet vermeld",
                record.timeframe_label or "niet vermeld",
            )
        )
    old_actors, new_actors = actors.get(before.history_id), actors.get(record.history_id)
    # A record without actors tells nothing (history written before the actors were linked).
    if old_actors and new_actors and old_actors != new_actors:
        changes.append(FieldChange("Wie", ", ".join(old_actors), ", ".join(new_actors)))
    if before.title != record.title:
        changes.append(FieldChange("Titel", before.title, record.title))
    if before.explanation != record.explanation:
        changes.append(FieldChange("Toelichting", before.explanation, record.explanation, True))
    if before.deviates_from_plan != record.deviates_from_plan:
        changes.append(
            FieldChange(
                "Wijkt af van de planning",
                _yes_no(before.deviates_from_plan),
                _yes_no(record.deviates_from_plan),
            )
        )
    return changes


def _footnote_change(note) -> str:
    if note.history_type == "+":
        return f"Voetnoot {note.number} toegevoegd: {note.text}"
    if note.history_type == "-":
        return f"Voetnoot {note.number} vervallen"
    return f"Voetnoot {note.number} gewijzigd: {note.text}"
