"""Downloads of the activity overview: CSV, XLSX and JSON of exactly what the list shows.

The views take the public list's GET parameters and go through ``filter_public_activities``, so
an export has the same rows, in the same order, as the filtered page. All three formats stream
(or spill to disk) in chunks, so memory stays flat at any size. The writers here are also used
for the progress report's workbook.
"""

import csv
import datetime
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from .filters import ActivityFilterSet
from .resources import ActivityResource
from .selectors import filter_public_activities, site_dates
from .spreadsheets import clean_cell

SOURCE_NAME = "NAP Voortgangsmonitor"
# Dutch government data is published as open data under CC0 (the national open-data policy).
DATA_LICENCE = "CC0 1.0 Universeel (publiek domein): vrij te gebruiken, ook zonder bronvermelding"
DATA_LICENCE_URL = "https://creativecommons.org/publicdomain/zero/1.0/deed.nl"
JSON_SCHEMA_VERSION = 1
CSV_DELIMITER = ";"  # what Dutch Excel expects when a CSV file is opened by double-clicking
CSV_ROWS_PER_CHUNK = 200
XLSX_MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- metadata ---------------------------------------------------------------------------------


@dataclass
class ExportMetadata:
    source_url: str
    reference_date: datetime.date | None
    filters: list[tuple[str, str]] = field(default_factory=list)
    created_at: datetime.datetime = field(default_factory=timezone.now)

    def filename(self, stem: str, extension: str) -> str:
        date = self.reference_date.isoformat() if self.reference_date else "zonder-peildatum"
        return f"{stem}-{date}.{extension}"

    def about_rows(self) -> list[tuple[str, object]]:
        """The "Over dit bestand" sheet: where the data comes from and what it covers."""
        rows: list[tuple[str, object]] = [
            ("Bron", f"{SOURCE_NAME}, {self.source_url}"),
            ("Stand van zaken per (peildatum)", self.reference_date or "onbekend"),
        ]
        rows += [(f"Filter: {label}", value) for label, value in self.filters] or [
            ("Filters", "geen: alle openbare activiteiten")
        ]
        rows += [
            ("Licentie", f"{DATA_LICENCE} ({DATA_LICENCE_URL})"),
            ("Aangemaakt op", timezone.localtime(self.created_at).replace(tzinfo=None)),
        ]
        return rows


def describe_filters(filterset: ActivityFilterSet) -> list[tuple[str, str]]:
    """The applied filters in words, e.g. [("Status", "Loopt, Vertraagd"), ("Jaar", "2025")]."""
    described = []
    for name, value in filterset.applied_values().items():
        filter_ = filterset.filters[name]
        if name == "sort":
            text = dict(filter_.extra["choices"])[value]
        elif name == "actielijn":
            text = ", ".join(str(line.number) for line in value)
        elif name == "wie":
            text = ", ".join(actor.code for actor in value)
        elif hasattr(value, "__iter__") and not isinstance(value, str):
            text = ", ".join(str(item) for item in value)
        else:
            text = str(value)
        described.append((str(filter_.label), text))
    return described


def filter_parameters(filterset: ActivityFilterSet) -> dict:
    """The applied filters as the GET parameters that reproduce them (for JSON)."""
    parameters = {}
    for name, value in filterset.applied_values().items():
        if name == "actielijn":
            value = [line.number for line in value]
        elif name in {"status", "wie"}:
            value = [item.code for item in value]
        parameters[name] = value
    return parameters


# -- writers ----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """CSV for Dutch Excel and pandas: UTF-8 with BOM, semicolons, chunks of rows."""
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER)
    yield "\ufeff" + writer.writerow(headers)
    chunk = []
    for row in rows:
        chunk.append(writer.writerow(row))
        if len(chunk) == CSV_ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


@dataclass
class Table:
    """One worksheet: a header row and rows; ``wrap`` marks long-text columns."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    widths: Sequence[int]
    wrap: Sequence[bool] = ()


def write_workbook(output, tables: Iterable[Table], about: Sequence[tuple[str, object]]) -> None:
    """An XLSX workbook: bold frozen header, autofilter, column widths, wrapped long text, and
    an "Over dit bestand" sheet. openpyxl's write-only mode keeps memory flat."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    top = Alignment(vertical="top")
    wrapped = Alignment(vertical="top", wrap_text=True)
    workbook = Workbook(write_only=True)

    def cell(sheet, value, alignment):
        # Every text cell is cleaned here, also those of "Over dit bestand" (a report title,
        # the search text of the download's URL), not only the resource's rows; cleaning is
        # idempotent, so rows cleaned before stay as they are.
        written = WriteOnlyCell(sheet, value=clean_cell(value))
        written.alignment = alignment
        return written

    for table in tables:
        sheet = workbook.create_sheet(table.title)
        sheet.freeze_panes = "A2"
        _print_setup(sheet)
        for column, width in enumerate(table.widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = width
        header = []
        for title in table.headers:
            heading = cell(sheet, title, wrapped)
            heading.font = bold
            header.append(heading)
        sheet.append(header)
        alignments = [
            wrapped if index < len(table.wrap) and table.wrap[index] else top
            for index in range(len(table.headers))
        ]
        last_row = 1
        for row in table.rows:
            sheet.append([cell(sheet, v, a) for v, a in zip(row, alignments, strict=True)])
            last_row += 1
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.headers))}{last_row}"

    sheet = workbook.create_sheet("Over dit bestand")
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 100
    for label, value in about:
        label_cell = cell(sheet, label, top)
        label_cell.font = bold
        sheet.append([label_cell, cell(sheet, value, wrapped)])
    workbook.save(output)


def _print_setup(sheet) -> None:
    """Printed, a table reads as on screen: landscape, all columns on the page's width, and
    its header row on every page."""
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:1"


def workbook_response(tables: Iterable[Table], about, filename: str) -> FileResponse:
    # The workbook is assembled on disk, not in memory, and streamed from there.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_workbook(spool, tables, about)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_MIME_TYPE)


def json_chunks(envelope: dict, key: str, records: Iterable[dict]) -> Iterator[str]:
    """A JSON object with ``envelope``'s members and ``key`` holding the streamed records."""

    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)

    yield dump(envelope)[:-1] + f", {dump(key)}: ["
    separator = "\n"
    for record in records:
        yield separator + dump(record)
        separator = ",\n"
    yield "\n]}\n"


# -- views ------------------------------------------------------------------------------------

ACTIVITIES_STEM = "nap-activiteiten"
# Column widths (characters) and which columns hold long text, in the resource's column order.
ACTIVITY_COLUMN_WIDTHS = [10, 40, 50, 16, 16, 12, 12, 18, 40, 80, 60, 12, 12, 14, 40]
ACTIVITY_WRAPPED_COLUMNS = [False, True, True, True, True] + [False] * 3 + [True] * 3 + [False] * 4


def _filtered(request: HttpRequest):
    """The filtered activities and the export's metadata, or None with invalid filters."""
    peildatum = site_dates().reference_date
    filterset, activities = filter_public_activities(request.GET, peildatum=peildatum)
    if not filterset.is_valid():
        return filterset, None, None
    metadata = ExportMetadata(
        source_url=request.build_absolute_uri(),
        reference_date=peildatum,
        filters=describe_filters(filterset),
    )
    return filterset, activities, metadata


def _invalid_filters(request: HttpRequest, filterset: ActivityFilterSet) -> HttpResponse:
    return render(request, "exports/invalid_filters.html", {"filterset": filterset}, status=400)


def _resource(request: HttpRequest) -> ActivityResource:
    return ActivityResource(base_url=request.build_absolute_uri("/"))


def activities_csv(request: HttpRequest) -> HttpResponse:
    filterset, activities, metadata = _filtered(request)
    if activities is None:
        return _invalid_filters(request, filterset)
    resource = _resource(request)
    response = StreamingHttpResponse(
        csv_lines(resource.get_export_headers(), resource.iter_rows(activities)),
        content_type="text/csv; charset=utf-8",
    )
    filename = metadata.filename(ACTIVITIES_STEM, "csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def activities_workbook(
    activities, resource: ActivityResource, metadata: ExportMetadata
) -> FileResponse:
    """The overview workbook; the admin's download of selected activities uses it too."""
    table = Table(
        title="Activiteiten",
        headers=resource.get_export_headers(),
        rows=resource.iter_rows(activities),
        widths=ACTIVITY_COLUMN_WIDTHS,
        wrap=ACTIVITY_WRAPPED_COLUMNS,
    )
    return workbook_response(
        [table], metadata.about_rows(), metadata.filename(ACTIVITIES_STEM, "xlsx")
    )


def activities_xlsx(request: HttpRequest) -> HttpResponse:
    filterset, activities, metadata = _filtered(request)
    if activities is None:
        return _invalid_filters(request, filterset)
    return activities_workbook(activities, _resource(request), metadata)


def activities_json(request: HttpRequest) -> HttpResponse:
    filterset, activities, metadata = _filtered(request)
    if activities is None:
        return _invalid_filters(request, filterset)
    envelope = {
        "schema_versie": JSON_SCHEMA_VERSION,
        "bron": SOURCE_NAME,
        "url": metadata.source_url,
        "peildatum": metadata.reference_date,
        "filters": filter_parameters(filterset),
        "licentie": DATA_LICENCE,
        "licentie_url": DATA_LICENCE_URL,
        "aangemaakt_op": metadata.created_at,
    }
    response = StreamingHttpResponse(
        json_chunks(envelope, "activiteiten", _resource(request).iter_records(activities)),
        content_type="application/json",
    )
    filename = metadata.filename(ACTIVITIES_STEM, "json")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def open_data(request: HttpRequest) -> HttpResponse:
    """What the downloads contain: the columns and JSON keys, read from the resource itself."""
    return render(
        request,
        "exports/open_data.html",
        {
            "fields": ActivityResource().get_export_fields(),
            "schema_version": JSON_SCHEMA_VERSION,
            "licence": DATA_LICENCE,
            "licence_url": DATA_LICENCE_URL,
            "csv_delimiter": CSV_DELIMITER,
        },
    )
