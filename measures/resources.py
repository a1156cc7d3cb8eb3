"""The one export format of the activity overview, shared by the public downloads and the admin.

Every field yields a *native* value (number, date, text, list). Spreadsheet cells (CSV, XLSX,
and the admin's tablib export) flatten lists and get formula escaping; the JSON export keeps
lists and leaves text exactly as written. Column headers are Dutch and, like the JSON keys
derived from them, part of a public contract: see README "Open data".
"""

import calendar
import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from import_export import resources
from import_export.fields import Field

from .models import Activity, ActivityActor, Footnote
from .spreadsheets import clean_cell

# Exports read activities in chunks of this size, each prefetched as a whole. Up to this many
# rows an export runs a fixed number of queries; beyond it each chunk adds one query per
# prefetched relation, and memory stays flat at about two chunks (Django still holds the
# previous chunk while it fetches the next) however large the export.
EXPORT_CHUNK_SIZE = 1000
# An export prefetches into plain lists (``to_attr``): for a Prefetch with its own queryset
# Django otherwise clones and filters a queryset per activity and relation, which cost half of
# a 10,000-row export's time.
EXPORT_PREFETCHES = (
    Prefetch(
        "actor_links",
        queryset=ActivityActor.objects.select_related("actor").order_by("position"),
        to_attr="export_actor_links",
    ),
    Prefetch(
        "footnotes", queryset=Footnote.objects.order_by("position"), to_attr="export_footnotes"
    ),
)


@dataclass(frozen=True)
class FootnoteValue:
    number: int
    text: str
    url: str

    def __str__(self) -> str:
        return f"[{self.number}] {self.text}" + (f" {self.url}" if self.url else "")

    def as_json(self) -> dict:
        return {"nummer": self.number, "tekst": self.text, "url": self.url}


class ExportField(Field):
    """A read-only export column with a description for the open-data documentation."""

    def __init__(self, *args, description: str = "", separator: str = "; ", **kwargs):
        kwargs.setdefault("readonly", True)
        super().__init__(*args, **kwargs)
        self.description = description
        # How a list value becomes one spreadsheet cell.
        self.separator = separator

    @property
    def json_key(self) -> str:
        """The JSON key: the Dutch column header in snake case ("wie (codes)" -> "wie_codes")."""
        return slugify(self.column_name).replace("-", "_")


def period_start(year: int | None, quarter: int | None) -> datetime.date | None:
    if year is None:
        return None
    return datetime.date(year, 3 * (quarter - 1) + 1 if quarter else 1, 1)


def period_end(year: int | None, quarter: int | None) -> datetime.date | None:
    if year is None:
        return None
    month = 3 * quarter if quarter else 12
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def spreadsheet_cell(value, separator: str = "; "):
    """One value as a CSV/XLSX cell: lists joined, booleans in words, text cleaned."""
    if isinstance(value, list | tuple):
        value = separator.join(str(item) for item in value)
    elif isinstance(value, bool):
        value = "ja" if value else "nee"
    elif value is None:
        value = ""
    return clean_cell(value)


def json_value(value):
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    if isinstance(value, FootnoteValue):
        return value.as_json()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class ActivityResource(resources.ModelResource):
    """The overview as rows: what a policy officer filters on the site, one activity a row.

    Pass ``base_url`` (scheme and host, e.g. ``https://nap.example.nl``) to get absolute links
    in the URL column; without it the links are site-relative.
    """

    action_line_number = ExportField(
        attribute="action_line__number",
        column_name="actielijn nummer",
        description="Nummer van de actielijn (1 tot en met 5).",
    )
    action_line = ExportField(
        attribute="action_line__title",
        column_name="actielijn",
        description="Titel van de actielijn.",
    )
    title = ExportField(attribute="title", column_name="activiteit", description="De activiteit.")
    status = ExportField(
        attribute="status__label",
        column_name="status",
        description="De status, zoals gedefinieerd in de statuslegenda.",
    )
    timeframe_label = ExportField(
        attribute="timeframe_label",
        column_name="wanneer",
        description="Het tijdvak zoals gedrukt in de rapportage, bv. 'Q1 en Q3 2024'.",
    )
    start = ExportField(
        column_name="start",
        description=(
            "Eerste dag van het starttijdvak (een jaar begint op 1 januari, een kwartaal op zijn "
            "eerste dag); leeg als het tijdvak niet te lezen is."
        ),
    )
    end = ExportField(
        column_name="eind",
        description=(
            "Laatste dag van het eindtijdvak (een jaar eindigt op 31 december); leeg bij een "
            "open einde."
        ),
    )
    actor_codes = ExportField(
        column_name="wie (codes)",
        description="Verantwoordelijke partijen (codes) in de volgorde van de rapportage.",
    )
    actor_names = ExportField(
        column_name="wie (namen)", description="Dezelfde partijen, voluit geschreven."
    )
    explanation = ExportField(
        attribute="explanation",
        column_name="toelichting",
        description="De toelichting; [^N] verwijst naar voetnoot N.",
    )
    footnotes = ExportField(
        column_name="voetnoten",
        separator="\n",
        description="Voetnoten met nummer, tekst en eventuele link.",
    )
    deviates_from_plan = ExportField(
        attribute="deviates_from_plan",
        column_name="afwijking van planning",
        description="Of de activiteit afwijkt van de oorspronkelijke planning.",
    )
    planning_expired = ExportField(
        column_name="planning verstreken",
        description=(
            "Of de periode onder 'wanneer' vóór de peildatum voorbij was terwijl de activiteit "
            "nog open is (niet afgerond, niet gestopt, niet doorlopend); zie /statussen/."
        ),
    )
    updated_at = ExportField(
        column_name="laatst bijgewerkt",
        description="Datum waarop de activiteit voor het laatst is bijgewerkt.",
    )
    url = ExportField(column_name="URL", description="De pagina van de activiteit op deze site.")

    class Meta:
        model = Activity
        # Every declared field must be listed here: django-import-export 4 silently drops
        # declared fields that are missing.
        fields = (
            "action_line_number",
            "action_line",
            "title",
            "status",
            "timeframe_label",
            "start",
            "end",
            "actor_codes",
            "actor_names",
            "explanation",
            "footnotes",
            "deviates_from_plan",
            "planning_expired",
            "updated_at",
            "url",
        )
        export_order = fields
        chunk_size = EXPORT_CHUNK_SIZE

    def __init__(self, base_url: str = "", **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        # One reverse() for the whole export instead of one per row.
        self._url_template = reverse("measures:activity-detail", kwargs={"slug": "SLUG"})

    # -- native values (fields without a dehydrate method read their attribute) -----------

    def dehydrate_start(self, activity: Activity):
        return period_start(activity.start_year, activity.start_quarter)

    def dehydrate_end(self, activity: Activity):
        return period_end(activity.end_year, activity.end_quarter)

    @staticmethod
    def _actors(activity: Activity) -> list:
        links = getattr(activity, "export_actor_links", None)
        if links is None:  # an activity not read by iter_queryset (a list was passed in)
            return activity.ordered_actors
        return [link.actor for link in links]

    def dehydrate_actor_codes(self, activity: Activity) -> list[str]:
        return [actor.code for actor in self._actors(activity)]

    def dehydrate_actor_names(self, activity: Activity) -> list[str]:
        return [actor.name for actor in self._actors(activity)]

    def dehydrate_footnotes(self, activity: Activity) -> list[FootnoteValue]:
        footnotes = getattr(activity, "export_footnotes", None)
        if footnotes is None:
            footnotes = activity.footnotes.all()
        return [FootnoteValue(n.number, n.text, n.url) for n in footnotes]

    def dehydrate_planning_expired(self, activity: Activity) -> bool:
        # Annotated by the public queryset (selectors.public_activities), as of its peildatum.
        return activity.planning_expired

    def dehydrate_updated_at(self, activity: Activity) -> datetime.date:
        return timezone.localdate(activity.updated_at)

    def dehydrate_url(self, activity: Activity) -> str:
        return self.base_url + self._url_template.replace("SLUG", activity.slug)

    # -- the shapes the formats need ------------------------------------------------------

    @cached_property
    def columns(self) -> list[tuple[ExportField, Callable[[Activity], object]]]:
        """Each export field with the function that reads its native value, looked up once
        (not per row: exports run to tens of thousands of cells)."""
        columns = []
        for field in self.get_export_fields():
            method = getattr(self, f"dehydrate_{self.get_field_name(field)}", None)
            columns.append((field, method or field.get_value))
        return columns

    def native_value(self, field: ExportField, activity: Activity):
        return dict(self.columns)[field](activity)

    def export_field(self, field, instance, **kwargs):
        """A spreadsheet cell; used by ``export()`` and therefore by the admin too."""
        return spreadsheet_cell(self.native_value(field, instance), field.separator)

    def row(self, activity: Activity) -> list:
        """One activity as spreadsheet cells, in column order."""
        return [spreadsheet_cell(read(activity), field.separator) for field, read in self.columns]

    def record(self, activity: Activity) -> dict:
        """One activity for JSON: lists stay lists, text stays exactly as written."""
        return {field.json_key: json_value(read(activity)) for field, read in self.columns}

    def iter_rows(self, activities: Iterable[Activity]) -> Iterator[list]:
        for activity in self.iter_queryset(activities):
            yield self.row(activity)

    def iter_records(self, activities: Iterable[Activity]) -> Iterator[dict]:
        for activity in self.iter_queryset(activities):
            yield self.record(activity)

    def export_resource(self, instance, selected_fields=None, **kwargs):
        if selected_fields:
            return super().export_resource(instance, selected_fields, **kwargs)
        return self.row(instance)

    def filter_export(self, queryset, **kwargs):
        # The admin hands over its own queryset: make sure it carries what a row shows.
        return queryset.with_related() if hasattr(queryset, "with_related") else queryset

    def iter_queryset(self, queryset):
        """Stream in chunks; each chunk is prefetched as a whole (Django applies the
        ``prefetch_related`` of ``with_related()`` per chunk when iterating)."""
        if isinstance(queryset, QuerySet):
            queryset = queryset.prefetch_related(None).prefetch_related(*EXPORT_PREFETCHES)
            yield from queryset.iterator(chunk_size=self.get_chunk_size())
        else:
            yield from queryset
