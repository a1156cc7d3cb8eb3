"""Writes to activities: creating one, the conflict-safe save, the merge of an edit that
started from an older version, and the bulk status change.

Every edit of an activity, whether in the admin form, a bulk action or a spreadsheet import,
goes through ``save_activity``. It bumps ``Activity.version`` with a compare-and-swap, so an
edit based on an older version is refused instead of silently overwriting someone's work.
The lock itself never reads the history; only ``merge_edit`` does, to tell the editor what
changed, and where the history has a gap it refuses to guess.
"""

import dataclasses
import datetime
from collections.abc import Mapping

from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst

from actionlines.models import ActionLine

from .models import Activity, ActivityActor, Footnote, HistoricalActivityActor, Status

# What an editor is told about when someone else saved in between (derived fields such as
# start_year follow from these, bookkeeping fields such as version are left out).
DESCRIBED_FIELDS = [
    "status",
    "timeframe_label",
    "explanation",
    "title",
    "action_line",
    "position",
    "slug",
    "deviates_from_plan",
    "is_public",
]
_SHOWN_CHARACTERS = 160


class EditConflict(Exception):
    """Someone else saved the activity after the version this edit started from."""

    def __init__(self, activity_id: int, base_version: int):
        self.activity_id = activity_id
        self.base_version = base_version
        super().__init__(
            "Iemand anders heeft deze activiteit opgeslagen terwijl u ermee bezig was "
            f"(u begon bij versie {base_version}). Er is niets overschreven."
        )


@dataclasses.dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str


@dataclasses.dataclass(frozen=True)
class Revision:
    """One saved version of an activity: by whom, when, and what it changed."""

    version: int
    user: str
    date: datetime.datetime
    changes: tuple[FieldChange, ...]

    def describe(self) -> str:
        when = date_format(timezone.localtime(self.date), "j F Y \\o\\m H:i")
        if self.changes:
            what = "; ".join(f"{c.label}: ‘{c.old}’ → ‘{c.new}’" for c in self.changes)
        else:
            what = "wijzigde de betrokken actoren of de voetnoten"
        return f"Versie {self.version}, door {self.user} op {when}: {what}"


def _user_name(user) -> str:
    if user is None:
        return "onbekend"
    return user.get_full_name() or user.get_username()


def _shown(value) -> str:
    if value is None or value == "":
        return "(leeg)"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return Truncator(str(value)).chars(_SHOWN_CHARACTERS)


def revisions_since(base_versions: Mapping[int, int]) -> dict[int, list[Revision]]:
    """For each activity id, the versions saved after the given one, oldest first.

    Reads the history of all the activities in a fixed number of queries, so an import full
    of conflicts costs no more than one.
    """
    if not base_versions:
        return {}
    records = (
        Activity.history.filter(id__in=base_versions)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    statuses = dict(Status.objects.values_list("pk", "label"))
    lines = {line.pk: str(line.number) for line in ActionLine.objects.all()}
    fields = [Activity._meta.get_field(name) for name in DESCRIBED_FIELDS]

    def display(field, record):
        value = getattr(record, field.attname)
        if field.name == "status":
            return _shown(statuses.get(value, value))
        if field.name == "action_line":
            return _shown(lines.get(value, value))
        return _shown(value)

    revisions: dict[int, list[Revision]] = {}
    previous = {}
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        if before is None or record.version <= base_versions[record.id]:
            continue
        changes = tuple(
            FieldChange(
                capfirst(field.verbose_name), display(field, before), display(field, record)
            )
            for field in fields
            if getattr(before, field.attname) != getattr(record, field.attname)
        )
        revisions.setdefault(record.id, []).append(
            Revision(record.version, _user_name(record.history_user), record.history_date, changes)
        )
    return revisions


@dataclasses.dataclass(frozen=True)
class Merge:
    """How an edit that started from an older version meets the stored activity.

    ``taken``: field name → stored value the editor's next save takes over, because the editor
    left that field alone (or, when ``base_known`` is false, because nobody can tell).
    ``both``: fields the editor and someone else both changed, differently; the editor decides.
    ``base_known``: whether the history holds the version the edit started from. Without it
    nothing says which of the editor's values are edits and which are merely stale, so every
    field that differs falls back to the stored value and the editor re-applies the edit.
    """

    revisions: list[Revision]
    taken: dict[str, object]
    both: list[str]
    base_known: bool


def _same(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()
    return a == b


def merge_edit(activity: Activity, base_version: int, edited: Mapping[str, object]) -> Merge:
    """Compare an edit (field name → the editor's value, a pk for a relation) that started
    from ``base_version`` with the stored ``activity``, to prepare the editor's next save."""
    revisions = revisions_since({activity.pk: base_version}).get(activity.pk, [])
    base = (
        Activity.history.filter(id=activity.pk, version=base_version)
        .order_by("-history_date", "-history_id")
        .first()
    )
    taken, both = {}, []
    for name, mine in edited.items():
        attname = Activity._meta.get_field(name).attname
        theirs = getattr(activity, attname)
        if base is None:
            if not _same(mine, theirs):
                taken[name] = theirs
            continue
        started_from = getattr(base, attname)
        if _same(theirs, started_from):
            continue
        if _same(mine, started_from):
            taken[name] = theirs
        elif not _same(mine, theirs):
            both.append(name)
    return Merge(revisions, taken, both, base_known=base is not None)


def create_activity(activity: Activity, *, user) -> Activity:
    """Save a new activity at version 1, its timeframe derived and its author recorded."""
    activity.version = 1
    activity.apply_timeframe_label()
    activity.updated_at = timezone.now()
    activity.updated_by = user
    activity._history_user = user
    activity.save()
    return activity


def save_activity(activity: Activity, *, user, base_version: int, reason: str = "") -> Activity:
    """Save an edit that started from ``base_version``; refuse it if someone saved since.

    The version is claimed with a conditional UPDATE, which the database serialises: of two
    simultaneous saves from the same version exactly one wins, on SQLite and PostgreSQL alike.
    The history records the user and, if given, the reason (a note or the imported file).
    """
    with transaction.atomic():
        claimed = Activity.objects.filter(pk=activity.pk, version=base_version).update(
            version=base_version + 1
        )
        if not claimed:
            raise EditConflict(activity.pk, base_version)
        activity.version = base_version + 1
        activity.apply_timeframe_label()
        activity.updated_at = timezone.now()
        activity.updated_by = user
        activity._history_user = user
        activity._change_reason = reason or None
        activity.save()
    return activity


def record_history(activities: list[Activity], *, update: bool = False, reason: str = "") -> None:
    """Record the activities' current state in their history, dated at their last update
    (or at ``_history_date`` if set), actors included.

    For writes that bypass ``save()`` (``loaddata``, ``bulk_create``), which django-simple-history
    does not see: without this the conflict merge and the report's past peildata find a gap.
    Footnotes that have no history yet get a first record at their activity's first one.
    """
    for activity in activities:
        if not hasattr(activity, "_history_date"):
            activity._history_date = activity.updated_at
    records = Activity.history.bulk_history_create(
        activities, update=update, default_change_reason=reason
    )
    by_activity = {record.id: record for record in records}
    HistoricalActivityActor.objects.bulk_create(
        HistoricalActivityActor(
            history=by_activity[link.activity_id],
            id=link.pk,
            activity_id=link.activity_id,
            actor_id=link.actor_id,
            position=link.position,
        )
        for link in ActivityActor.objects.filter(activity__in=by_activity)
    )
    first_dates = dict(
        Activity.history.filter(id__in=by_activity)
        .values("id")
        .annotate(first=Min("history_date"))
        .values_list("id", "first")
    )
    footnotes = list(
        Footnote.objects.filter(activity__in=by_activity).exclude(
            pk__in=Footnote.history.values("id")
        )
    )
    for footnote in footnotes:
        footnote._history_date = first_dates[footnote.activity_id]
    Footnote.history.bulk_history_create(footnotes, default_change_reason=reason)


def change_status(activities: QuerySet, *, status: Status, note: str, user) -> list[Activity]:
    """Give the activities this status, with the note in their history; all or none.

    Only activities the user may change are touched, and those that already have the status
    are left alone. Returns the activities that changed.
    """
    note = note.strip()
    if not note:
        raise ValueError("A status change needs a note.")
    changed = []
    with transaction.atomic():
        for activity in activities.editable_by(user).exclude(status=status):
            activity.status = status
            changed.append(
                save_activity(activity, user=user, base_version=activity.version, reason=note)
            )
    return changed
