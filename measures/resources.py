"""The one export format of the activity overview, shared by the public downloads and the admin.

Every column holds a *native* value (number, date, text, list). Spreadsheet cells (CSV, XLSX,
also the admin's download of selected activities) flatten lists and are cleaned (control
characters out, formulas made inert); the JSON export keeps lists and leaves text exactly as
written. Column headers are Dutch and, like the JSON keys derived from them, part of a public
contract: see README "Open data".
"""

import calendar
import datetime
import functools
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify
from import_export import resources
from import_export.fields import Field

from .models import Activity, ActivityActor, Footnote
from .spreadsheets import clean_cell

# Exports read activities in chunks of this size: one query reads the activities as plain values
# (a server-side cursor on PostgreSQL), and each chunk adds one query for its actors and one for
# its footnotes. Up to this many rows an export runs a fixed number of queries, and memory stays
# flat at about one chunk however large the export.
EXPORT_CHUNK_SIZE = 1000
# What a row reads from an activity, as ``values_list``: model instances cost most of a large
# export's time (a 10,000-row export built 90,000 of them).
ROW_VALUES = (
    "id",
    "action_line__number",
    "action_line__title",
    "title",
    "status__label",
    "timeframe_label",
    "start_year",
    "start_quarter",
    "end_year",
    "end_quarter",
    "explanation",
    "deviates_from_plan",
    "planning_expired",  # annotated by ``with_planning``, as of the export's peildatum
    "updated_at",
    "slug",
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


@functools.cache
def period_start(year: int | None, quarter: int | None) -> datetime.date | None:
    if year is None:
        return None
    return datetime.date(year, 3 * (quarter - 1) + 1 if quarter else 1, 1)


@functools.cache
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

    The fields below name and describe the columns; ``_native_row`` gives their values, in the
    order of ``Meta.fields``.
    """

    action_line_number = ExportField(
        column_name="actielijn nummer",
        description="Nummer van de actielijn (1 tot en met 5).",
    )
    action_line = ExportField(
        column_name="actielijn",
        description="Titel van de actielijn.",
    )
    title = ExportField(column_name="activiteit", description="De activiteit.")
    status = ExportField(
        column_name="status",
        description="De status, zoals gedefinieerd in de statuslegenda.",
    )
    timeframe_label = ExportField(
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
        column_name="toelichting",
        description="De toelichting; [^N] verwijst naar voetnoot N.",
    )
    footnotes = ExportField(
        column_name="voetnoten",
        separator="\n",
        description="Voetnoten met nummer, tekst en eventuele link.",
    )
    deviates_from_plan = ExportField(
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

    def __init__(self, base_url: str = "", **kwargs):
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")
        # One reverse() and one time zone for the whole export instead of one per row.
        url = self.base_url + reverse("measures:activity-detail", kwargs={"slug": "SLUG"})
        self._url_prefix, self._url_suffix = url.split("SLUG")
        self._timezone = timezone.get_current_timezone()

    # -- rows ---------------------------------------------------------------------------

    def iter_queryset(self, queryset: QuerySet[Activity]) -> Iterator[tuple]:
        """Each activity as a tuple of native values in column order (``Meta.fields``).

        Built from plain values, the related rows of each chunk gathered in one query per
        relation and joined here by activity id: no model instances, no per-row queries."""
        rows = queryset.prefetch_related(None).values_list(*ROW_VALUES)
        rows = rows.iterator(chunk_size=EXPORT_CHUNK_SIZE)
        while chunk := list(itertools.islice(rows, EXPORT_CHUNK_SIZE)):
            ids = [row[0] for row in chunk]
            actors = _grouped(
                ActivityActor.objects.filter(activity_id__in=ids)
                .order_by("position")
                .values_list("activity_id", "actor__code", "actor__name")
            )
            footnotes = _grouped(
                Footnote.objects.filter(activity_id__in=ids)
                .order_by("position")
                .values_list("activity_id", "number", "text", "url")
            )
            for row in chunk:
                yield self._native_row(row, actors.get(row[0], ()), footnotes.get(row[0], ()))

    def _native_row(self, row: tuple, actors, footnotes) -> tuple:
        (
            _id,
            action_line_number,
            action_line,
            title,
            status,
            timeframe_label,
            start_year,
            start_quarter,
            end_year,
            end_quarter,
            explanation,
            deviates_from_plan,
            planning_expired,
            updated_at,
            slug,
        ) = row
        return (
            action_line_number,
            action_line,
            title,
            status,
            timeframe_label,
            period_start(start_year, start_quarter),
            period_end(end_year, end_quarter),
            [code for code, _name in actors],
            [name for _code, name in actors],
            explanation,
            [FootnoteValue(*footnote) for footnote in footnotes],
            deviates_from_plan,
            planning_expired,
            updated_at.astimezone(self._timezone).date(),
            self._url_prefix + slug + self._url_suffix,
        )

    # -- the shapes the formats need ------------------------------------------------------

    @cached_property
    def _separators(self) -> list[str]:
        return [field.separator for field in self.get_export_fields()]

    @cached_property
    def _json_keys(self) -> list[str]:
        return [field.json_key for field in self.get_export_fields()]

    def iter_rows(self, activities: QuerySet[Activity]) -> Iterator[list]:
        """Each activity as spreadsheet cells, in column order."""
        separators = self._separators
        for values in self.iter_queryset(activities):
            yield [spreadsheet_cell(v, s) for v, s in zip(values, separators, strict=True)]

    def iter_records(self, activities: QuerySet[Activity]) -> Iterator[dict]:
        """Each activity for JSON: lists stay lists, text stays exactly as written."""
        keys = self._json_keys
        for values in self.iter_queryset(activities):
            yield {key: json_value(value) for key, value in zip(keys, values, strict=True)}


def _grouped(rows: Iterable[tuple]) -> dict[int, list[tuple]]:
    """Rows whose first value is an activity id, per activity, in the order read."""
    grouped: dict[int, list[tuple]] = {}
    for activity_id, *values in rows:
        grouped.setdefault(activity_id, []).append(values)
    return grouped
