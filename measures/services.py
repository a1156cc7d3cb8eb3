"""Writes to activities: creating one, the conflict-safe save, the merge of an edit that
started from an older version, the bulk status change, and proposals with their review.

Every edit of an activity, whether in the admin form, a bulk action or a spreadsheet import,
goes through ``save_activity``. It bumps ``Activity.version`` with a compare-and-swap, so an
edit based on an older version is refused instead of silently overwriting someone's work.
The lock itself never reads the history; only ``merge_edit`` does, to tell the editor what
changed, and where the history has a gap it refuses to guess.

Four eyes (``NAP_REVIEW_REQUIRED``, on by default): a ministry employee's change, by any
route, becomes a ``Proposal`` (``propose_changes``) and reaches the activity only when a
coordinator approves it (``approve_proposal``), through ``save_activity``. The activity row
always holds approved values, so nothing public has to filter proposals out.
"""

import dataclasses
import datetime
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst

from actionlines.models import ActionLine
from napsite.bulk import update_rows

from .models import (
    EXPLANATION_MAX_LENGTH,
    PROPOSAL_FIELDS,
    Activity,
    ActivityActor,
    Actor,
    Footnote,
    HistoricalActivityActor,
    Proposal,
    ProposalSource,
    ProposalState,
    Status,
)
from .page_cache import bump_data_version
from .signals import (
    proposal_reviewed,
    proposal_submitted,
    proposal_withdrawn,
    proposals_approved,
    proposals_submitted,
    send_after_commit,
    send_many_after_commit,
)

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
# Writes of many activities at once (an import, approving a selection) go in batches of this
# many: a fixed number of queries per batch, and no statement with tens of thousands of values.
BATCH_SIZE = 1000


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
    activity.updated_at = activity.confirmed_at = timezone.now()
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
        # A saved update confirms the status, whether or not it changed it.
        activity.updated_at = activity.confirmed_at = timezone.now()
        activity.updated_by = user
        activity._history_user = user
        activity._change_reason = reason or None
        activity.save()
    return activity


def confirm_unchanged(activities: QuerySet) -> int:
    """The status of these activities was confirmed as it is ("ongewijzigd" in an update
    round): only the confirmation date moves. Nothing changed, so neither the version, the
    history nor "laatst gewijzigd" do. Returns how many were confirmed."""
    confirmed = activities.update(confirmed_at=timezone.now())
    # update() sends no signals: the public pages show the date, so their cache must go.
    transaction.on_commit(bump_data_version)
    return confirmed


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
    by_activity = _record_actors(records)
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


def _record_actors(records) -> dict:
    """Snapshot each activity's current actors into its new history record, as
    django-simple-history does on ``save()`` (its bulk writes leave them out). Returns the
    records by activity id. Two queries, however many records."""
    by_activity = {record.id: record for record in records}
    HistoricalActivityActor.objects.bulk_create(
        (
            HistoricalActivityActor(
                history=by_activity[link.activity_id],
                id=link.pk,
                activity_id=link.activity_id,
                actor_id=link.actor_id,
                position=link.position,
            )
            for link in ActivityActor.objects.filter(activity__in=by_activity)
        ),
        batch_size=BATCH_SIZE,
    )
    return by_activity


def change_status(activities: QuerySet, *, status: Status, note: str, user) -> list[Proposal]:
    """Give the activities this status, with the note in their history; all or none.

    Only activities the user may change are touched, and those that already have the status
    are left alone. Each change goes through ``propose_changes``: a coordinator's applies at
    once, a ministry employee's becomes a proposal. Returns one proposal per activity changed
    (state "toegepast" or "ingediend").
    """
    note = note.strip()
    if not note:
        raise ValueError("A status change needs a note.")
    with transaction.atomic():
        return [
            propose_changes(
                activity,
                user=user,
                base_version=activity.version,
                changes={"status": status},
                note=note,
                source=ProposalSource.BULK,
            )
            for activity in activities.editable_by(user).exclude(status=status)
        ]


# Proposals ---------------------------------------------------------------------------------


class ProposalBlocked(ValidationError):
    """Another proposal for this activity still waits for review."""

    def __init__(self, pending: Proposal | None = None):
        if pending is None:
            message = (
                "Er is zojuist al een voorstel voor deze activiteit ingediend. Wacht tot een "
                "coördinator het heeft beoordeeld."
            )
        else:
            when = date_format(timezone.localtime(pending.created_at), "j F Y \\o\\m H:i")
            message = (
                f"Voor ‘{pending.activity}’ wacht al een voorstel op beoordeling (van "
                f"{_user_name(pending.proposed_by)}, ingediend op {when}). Er is niets "
                "ingediend. Wacht tot een coördinator dat voorstel heeft beoordeeld, of laat "
                "de indiener het intrekken."
            )
        super().__init__(message, code="pending")


class ProposalNotPending(ValidationError):
    def __init__(self, proposal: Proposal):
        super().__init__(
            f"Dit voorstel is al afgehandeld ({proposal.get_state_display().lower()}).",
            code="not-pending",
        )


class StaleProposal(Exception):
    """The proposal was made against an older version, and what it changes has changed
    since: approving it would silently undo that later change."""

    def __init__(self, proposal: Proposal, current_version: int, fields: list[str]):
        self.proposal = proposal
        self.current_version = current_version
        self.fields = fields
        labels = ", ".join(field_label(name) for name in fields)
        super().__init__(
            f"Voorstel {proposal.pk} is gemaakt op versie {proposal.base_version}; de activiteit "
            f"is nu versie {current_version}, en sindsdien is ook gewijzigd: {labels}. Bekijk "
            "de verschillen met de huidige versie voordat u het goedkeurt, of stuur het terug."
        )


_FIELD_LABELS = {"actors": "Wie", "footnotes": "Voetnoten"}


def field_label(name: str) -> str:
    if name in _FIELD_LABELS:
        return _FIELD_LABELS[name]
    return capfirst(Activity._meta.get_field(name).verbose_name)


def review_required(user) -> bool:
    """Whether this user's changes wait for review: everyone's but a reviewer's own (they are
    the second pair of eyes), unless review is switched off (NAP_REVIEW_REQUIRED)."""
    return settings.NAP_REVIEW_REQUIRED and not user.has_perm("measures.review_proposal")


def _text(value) -> str:
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _clean_status(value) -> str:
    if isinstance(value, Status):
        return value.code
    if not Status.objects.filter(code=value).exists():
        raise ValidationError(f"Onbekende status ‘{Truncator(str(value)).chars(40)}’.")
    return value


def _clean_timeframe(value) -> str:
    text = _text(value)
    limit = Activity._meta.get_field("timeframe_label").max_length
    if len(text) > limit:
        raise ValidationError(f"‘Wanneer’ is te lang: hoogstens {limit} tekens.")
    return text


def _clean_explanation(value) -> str:
    text = _text(value)
    if not text:
        raise ValidationError("De toelichting is leeg; die is verplicht.")
    if len(text) > EXPLANATION_MAX_LENGTH:
        limit = f"{EXPLANATION_MAX_LENGTH:,}".replace(",", ".")
        raise ValidationError(f"De toelichting is te lang: hoogstens {limit} tekens.")
    return text


def _clean_flag(value) -> bool:
    if not isinstance(value, bool):
        raise ValidationError("Kies ja of nee.")
    return value


def _clean_actors(value) -> list[str]:
    codes = [actor.code if isinstance(actor, Actor) else str(actor) for actor in value]
    if len(set(codes)) != len(codes):
        raise ValidationError("Een actor staat er meer dan eens bij.")
    unknown = set(codes) - set(Actor.objects.filter(code__in=codes).values_list("code", flat=True))
    if unknown:
        raise ValidationError(f"Onbekende actor(en): {', '.join(sorted(unknown))}.")
    return codes


def _clean_footnotes(value) -> list[dict]:
    footnotes = []
    check_url = URLValidator()
    for item in value:
        if isinstance(item, Footnote):
            item = {"number": item.number, "text": item.text, "url": item.url}
        number, text, url = item.get("number"), _text(item.get("text")), _text(item.get("url"))
        if not isinstance(number, int) or number < 1:
            raise ValidationError("Een voetnootnummer is een geheel getal vanaf 1.")
        if not text:
            raise ValidationError(f"Voetnoot {number} heeft geen tekst.")
        if url:
            try:
                check_url(url)
            except ValidationError as error:
                raise ValidationError(f"De link van voetnoot {number} is geen webadres.") from error
        footnotes.append({"number": number, "text": text, "url": url})
    numbers = [footnote["number"] for footnote in footnotes]
    if len(set(numbers)) != len(numbers):
        raise ValidationError("Een voetnootnummer staat er meer dan eens bij.")
    return footnotes


_CLEANERS = {
    "status": _clean_status,
    "timeframe_label": _clean_timeframe,
    "actors": _clean_actors,
    "explanation": _clean_explanation,
    "footnotes": _clean_footnotes,
    "deviates_from_plan": _clean_flag,
}


def clean_changes(changes: Mapping[str, object]) -> dict[str, object]:
    """The proposed values in their stored (JSON) form; a Dutch ValidationError per field."""
    unknown = [name for name in changes if name not in PROPOSAL_FIELDS]
    if unknown:
        raise ValidationError(
            f"Deze velden kunnen niet via een voorstel worden gewijzigd: {', '.join(unknown)}."
        )
    cleaned, errors = {}, {}
    for name, value in changes.items():
        try:
            cleaned[name] = _CLEANERS[name](value)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def proposable_values(activity: Activity, names) -> dict[str, object]:
    """The activity's stored values of these fields, in a proposal's JSON form."""
    values = {}
    for name in names:
        if name == "status":
            values[name] = activity.status.code
        elif name == "actors":
            links = activity.actor_links.order_by("position", "pk")
            values[name] = list(links.values_list("actor__code", flat=True))
        elif name == "footnotes":
            rows = activity.footnotes.order_by("position", "number")
            values[name] = [
                {"number": number, "text": text, "url": url}
                for number, text, url in rows.values_list("number", "text", "url")
            ]
        elif isinstance(getattr(activity, name), str):
            values[name] = _text(getattr(activity, name))
        else:
            values[name] = getattr(activity, name)
    return values


def _apply(activity: Activity, values: Mapping[str, object], *, user, reason: str) -> Activity:
    """Write proposed values (JSON form) to the activity, through ``save_activity``.

    Actors and footnotes are written first, in the same transaction, so that the history
    record the save makes holds them.
    """
    with transaction.atomic():
        if "status" in values:
            activity.status = Status.objects.get(code=values["status"])
        for name in ("timeframe_label", "explanation", "deviates_from_plan"):
            if name in values:
                setattr(activity, name, values[name])
        if "actors" in values:
            actors = Actor.objects.in_bulk(values["actors"], field_name="code")
            activity.actor_links.all().delete()
            ActivityActor.objects.bulk_create(
                ActivityActor(activity=activity, actor=actors[code], position=position)
                for position, code in enumerate(values["actors"])
            )
        if "footnotes" in values:
            _write_footnotes(activity, values["footnotes"], user=user)
        return save_activity(activity, user=user, base_version=activity.version, reason=reason)


def _write_footnotes(activity: Activity, footnotes: list[dict], *, user) -> None:
    existing = {footnote.number: footnote for footnote in activity.footnotes.all()}
    wanted = {footnote["number"] for footnote in footnotes}
    for number, footnote in existing.items():
        if number not in wanted:
            footnote._history_user = user
            footnote.delete()
    for position, item in enumerate(footnotes):
        footnote = existing.get(item["number"]) or Footnote(activity=activity)
        new = (item["number"], position, item["text"], item["url"])
        if footnote.pk is None or (
            (footnote.number, footnote.position, footnote.text, footnote.url) != new
        ):
            footnote.number, footnote.position, footnote.text, footnote.url = new
            footnote._history_user = user
            footnote.save()


def propose_changes(
    activity: Activity,
    *,
    user,
    base_version: int,
    changes: Mapping[str, object],
    note: str = "",
    source: str = ProposalSource.FORM,
) -> Proposal:
    """Propose changes to an activity, made by ``user`` starting from ``base_version``.

    ``changes``: field of ``PROPOSAL_FIELDS`` → new value (a Status or code for the status,
    Actors or codes for the actors, dicts ``{"number", "text", "url"}`` or Footnotes for the
    footnotes). Fields whose value does not change are left out of the proposal.

    Always returns the saved ``Proposal``:

    - state "ingediend" when the user's changes need review (``review_required``): the
      activity itself is untouched until a coordinator approves;
    - state "toegepast" for a coordinator's own change, or any with review switched off: the
      change was applied at once through ``save_activity``, with ``note`` as the history's
      reason, and ``proposal.applied_version`` is the version it made.

    Raises ``PermissionDenied`` for someone else's activity, ``EditConflict`` when the activity
    is no longer at ``base_version``, ``ProposalBlocked`` (a ValidationError) while another
    proposal for it waits for review, and ``ValidationError`` (Dutch, per field) for bad
    values or when nothing changes. Sends ``proposal_submitted`` after the commit.
    """
    if source not in ProposalSource.values:
        raise ValueError(f"Unknown proposal source {source!r}.")
    if not Activity.objects.editable_by(user).filter(pk=activity.pk).exists():
        raise PermissionDenied
    new = clean_changes(changes)
    with transaction.atomic():
        # The caller's instance may already hold the new values (an admin form does).
        stored = (
            Activity.objects.select_for_update(of=("self",))
            .select_related("status")
            .get(pk=activity.pk)
        )
        proposal = _proposal(
            stored, base_version, new, proposed_by=user, note=note.strip(), source=source
        )
        diff = proposal.changes
        if review_required(user):
            pending = Proposal.objects.pending().filter(activity=stored).first()
            if pending is not None:
                raise ProposalBlocked(pending)
            try:
                with transaction.atomic():
                    proposal.save()
            except IntegrityError as error:
                # Another proposal was made in the same instant (one pending per activity).
                raise ProposalBlocked() from error
        else:
            _apply(stored, {n: d["new"] for n, d in diff.items()}, user=user, reason=note)
            proposal.state = ProposalState.APPLIED
            proposal.reviewed_by, proposal.reviewed_at = user, timezone.now()
            proposal.applied_version = stored.version
            proposal.save()
        send_after_commit(proposal_submitted, proposal)
    return proposal


def _proposal(stored: Activity, base_version: int, new: Mapping[str, object], **fields) -> Proposal:
    """An unsaved proposal of ``new`` for the activity as stored (and locked) now: refused if
    someone saved since ``base_version``, or if it changes nothing."""
    if stored.version != base_version:
        raise EditConflict(stored.pk, base_version)
    old = proposable_values(stored, new)
    diff = {
        name: {"old": old[name], "new": value} for name, value in new.items() if old[name] != value
    }
    if not diff:
        raise ValidationError("Er is niets gewijzigd.", code="unchanged")
    return Proposal(activity=stored, base_version=base_version, changes=diff, **fields)


# The fields a proposal can change with a write to the activity row alone (no actors, no
# footnotes): those many proposals can be applied in one bulk write.
ROW_FIELDS = ("status", "timeframe_label", "explanation", "deviates_from_plan")


def _batches(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _locked(activity_ids) -> dict[int, Activity]:
    """The activities, locked until the transaction ends (SELECT … FOR UPDATE on PostgreSQL;
    SQLite's IMMEDIATE transactions allow one writer at a time anyway)."""
    return {
        activity.pk: activity
        for activity in Activity.objects.select_for_update(of=("self",))
        .select_related("status")
        .filter(pk__in=activity_ids)
        .order_by("pk")  # one lock order for everyone: no deadlock between two imports
    }


def _apply_rows(applications: list[tuple[Activity, dict, object, str]]) -> None:
    """``_apply`` for many activities at once, for the ``ROW_FIELDS`` only: one bulk update,
    the history records in bulk (with the actors, the user and the reason a ``save()`` records)
    and each activity one version up. ``applications``: (activity as locked and checked by
    the caller, values in JSON form, user, reason)."""
    statuses = {}
    if any("status" in values for _, values, _, _ in applications):
        statuses = {status.code: status for status in Status.objects.all()}
    now = timezone.now()
    activities = []
    for activity, values, user, reason in applications:
        if "status" in values:
            activity.status = statuses[values["status"]]
        for name in ("timeframe_label", "explanation", "deviates_from_plan"):
            if name in values:
                setattr(activity, name, values[name])
        activity.apply_timeframe_label()
        activity.version += 1
        activity.updated_at = activity.confirmed_at = now
        activity.updated_by = user
        activity._history_user = user
        activity._history_date = now
        activity._change_reason = reason or None
        activities.append(activity)
    update_rows(
        activities,
        [
            "status",
            "timeframe_label",
            "start_year",
            "start_quarter",
            "end_year",
            "end_quarter",
            "explanation",
            "deviates_from_plan",
            "version",
            "updated_at",
            "confirmed_at",
            "updated_by",
        ],
        batch_size=BATCH_SIZE,
    )
    _record_actors(
        Activity.history.bulk_history_create(
            activities, update=True, default_change_reason=None, batch_size=BATCH_SIZE
        )
    )
    # A bulk write sends no signals: the public pages' cache must go all the same.
    transaction.on_commit(bump_data_version)


def propose_many(
    changes: list[tuple[Activity, Mapping[str, object]]],
    *,
    user,
    note: str = "",
    source: str = ProposalSource.FORM,
) -> list[Proposal]:
    """``propose_changes`` for many activities at once, all or none, in a fixed number of
    queries per ``BATCH_SIZE`` activities: an update-round import.

    ``changes``: (activity, field → new value), with the activity's ``version`` the version
    the change started from; only ``ROW_FIELDS``. Every activity is locked and its version
    checked before anything is written: one changed by someone else since raises
    ``EditConflict``, one with a proposal waiting ``ProposalBlocked``, and nothing of the
    whole call stays. Sends ``proposals_submitted`` once after the commit.
    """
    if source not in ProposalSource.values:
        raise ValueError(f"Unknown proposal source {source!r}.")
    if any(name not in ROW_FIELDS for _, values in changes for name in values):
        raise ValueError(f"propose_many changes only {', '.join(ROW_FIELDS)}.")
    cleaned = [(activity, activity.version, clean_changes(values)) for activity, values in changes]
    review = review_required(user)
    note = note.strip()
    proposals = []
    with transaction.atomic():
        for batch in _batches(cleaned):
            ids = [activity.pk for activity, _, _ in batch]
            editable = set(
                Activity.objects.editable_by(user).filter(pk__in=ids).values_list("pk", flat=True)
            )
            if editable != set(ids):
                raise PermissionDenied
            stored = _locked(ids)
            made, applications = [], []
            for activity, base_version, new in batch:
                current = stored[activity.pk]
                proposal = _proposal(
                    current, base_version, new, proposed_by=user, note=note, source=source
                )
                if not review:
                    new_values = {n: d["new"] for n, d in proposal.changes.items()}
                    applications.append((current, new_values, user, note))
                made.append(proposal)
            if review:
                pending = (
                    Proposal.objects.pending()
                    .filter(activity__in=ids)
                    .select_related("activity", "proposed_by")
                    .first()
                )
                if pending is not None:
                    raise ProposalBlocked(pending)
            else:
                _apply_rows(applications)
                reviewed_at = timezone.now()
                for proposal in made:
                    proposal.state = ProposalState.APPLIED
                    proposal.reviewed_by, proposal.reviewed_at = user, reviewed_at
                    proposal.applied_version = proposal.activity.version
            try:
                with transaction.atomic():
                    Proposal.objects.bulk_create(made)
            except IntegrityError as error:
                # Another proposal was made in the same instant (one pending per activity).
                raise ProposalBlocked() from error
            proposals.extend(made)
        send_many_after_commit(proposals_submitted, proposals)
    return proposals


def _require_reviewer(user) -> None:
    if not user.has_perm("measures.review_proposal"):
        raise PermissionDenied


def _locked_pending(proposal: Proposal) -> Proposal:
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("proposed_by", "activity__status")
        .get(pk=proposal.pk)
    )
    if not locked.is_pending:
        raise ProposalNotPending(locked)
    return locked


def changed_since(proposal: Proposal, activity: Activity) -> list[str]:
    """The fields of the proposal whose stored value is no longer what the proposer saw."""
    if activity.version == proposal.base_version:
        return []
    now = proposable_values(activity, proposal.changes)
    return [name for name, change in proposal.changes.items() if now[name] != change["old"]]


def _approval_reason(proposal: Proposal, reviewer) -> str:
    """The reason in the history of an approved proposal's change."""
    approval = f"voorstel {proposal.pk}, goedgekeurd door {_user_name(reviewer)}"
    return f"{proposal.note} ({approval})" if proposal.note else capfirst(approval)


def approve_proposal(proposal: Proposal, *, user, seen_version: int | None = None) -> Activity:
    """Apply a pending proposal through ``save_activity``, with history, and mark it approved.

    The history names the proposer as the author, and the proposal and approver as the
    reason. A proposal made against an older version whose fields were changed since raises
    ``StaleProposal``, unless ``seen_version`` is the activity's current version: the reviewer
    was shown the differences with exactly that version and approves knowingly. Raises
    ``PermissionDenied`` for a non-reviewer and ``ProposalNotPending`` for a proposal already
    dealt with. Sends ``proposal_reviewed`` after the commit.
    """
    _require_reviewer(user)
    with transaction.atomic():
        proposal = _locked_pending(proposal)
        activity = Activity.objects.select_for_update(of=("self",)).select_related("status")
        activity = activity.get(pk=proposal.activity_id)
        fields = changed_since(proposal, activity)
        if fields and seen_version != activity.version:
            raise StaleProposal(proposal, activity.version, fields)
        _apply(
            activity,
            {name: change["new"] for name, change in proposal.changes.items()},
            user=proposal.proposed_by,
            reason=_approval_reason(proposal, user),
        )
        proposal.state = ProposalState.APPROVED
        proposal.reviewed_by, proposal.reviewed_at = user, timezone.now()
        proposal.applied_version = activity.version
        proposal.save(update_fields=["state", "reviewed_by", "reviewed_at", "applied_version"])
        send_after_commit(proposal_reviewed, proposal)
    return activity


def approve_proposals(proposals, *, user) -> tuple[list[Proposal], list[StaleProposal]]:
    """Approve the pending proposals of the selection, all or none, in a fixed number of
    queries per ``BATCH_SIZE`` proposals (those that change actors or footnotes one by one).

    Each is applied as ``approve_proposal`` applies it: the proposer as the history's author,
    the proposal and approver in its reason. Returns the approved proposals and, for those
    that cannot be approved blindly (stale, see ``approve_proposal``), the reasons; those stay
    pending for a look of their own. Sends ``proposals_approved`` once after the commit.
    """
    _require_reviewer(user)
    approved, stale = [], []
    selected = list(proposals.pending().order_by("created_at", "pk").values_list("pk", flat=True))
    with transaction.atomic():
        for batch in _batches(selected):
            # Locked, and read again: one dealt with by someone else meanwhile is left out.
            locked = list(
                Proposal.objects.select_for_update(of=("self",))
                .pending()
                .filter(pk__in=batch)
                .select_related("proposed_by")
                .order_by("created_at", "pk")
            )
            activities = _locked([proposal.activity_id for proposal in locked])
            applications, batch_approved = [], []
            for proposal in locked:
                activity = activities[proposal.activity_id]
                proposal.activity = activity
                if any(name not in ROW_FIELDS for name in proposal.changes):
                    try:
                        approve_proposal(proposal, user=user)
                    except StaleProposal as refusal:
                        stale.append(refusal)
                    else:
                        approved.append(proposal)
                    continue
                fields = changed_since(proposal, activity)
                if fields:
                    stale.append(StaleProposal(proposal, activity.version, fields))
                    continue
                applications.append(
                    (
                        activity,
                        {name: change["new"] for name, change in proposal.changes.items()},
                        proposal.proposed_by,
                        _approval_reason(proposal, user),
                    )
                )
                batch_approved.append(proposal)
            _apply_rows(applications)
            reviewed_at = timezone.now()
            for proposal in batch_approved:
                proposal.state = ProposalState.APPROVED
                proposal.reviewed_by, proposal.reviewed_at = user, reviewed_at
                proposal.applied_version = proposal.activity.version
            update_rows(
                batch_approved,
                ["state", "reviewed_by", "reviewed_at", "applied_version"],
                batch_size=BATCH_SIZE,
            )
            approved.extend(batch_approved)
            send_many_after_commit(proposals_approved, batch_approved)
    return approved, stale


def return_proposal(proposal: Proposal, *, user, comment: str) -> Proposal:
    """Send a pending proposal back to its proposer with a comment; the activity stays as
    it is. The proposer may then propose again. Sends ``proposal_reviewed`` after the commit."""
    _require_reviewer(user)
    comment = _text(comment)
    if not comment:
        raise ValidationError(
            "Schrijf erbij waarom u het voorstel terugstuurt: dat leest de indiener.",
            code="comment",
        )
    with transaction.atomic():
        proposal = _locked_pending(proposal)
        proposal.state = ProposalState.RETURNED
        proposal.reviewed_by, proposal.reviewed_at = user, timezone.now()
        proposal.review_comment = comment
        proposal.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_comment"])
        send_after_commit(proposal_reviewed, proposal)
    return proposal


def withdraw_proposal(proposal: Proposal, *, user) -> Proposal:
    """The proposer takes back a pending proposal (to propose something else instead).
    Sends ``proposal_withdrawn`` after the commit."""
    with transaction.atomic():
        proposal = _locked_pending(proposal)
        if proposal.proposed_by_id != user.pk:
            raise PermissionDenied
        proposal.state = ProposalState.WITHDRAWN
        proposal.save(update_fields=["state"])
        send_after_commit(proposal_withdrawn, proposal)
    return proposal
