"""Downloads of the activity overview: CSV, XLSX and JSON of exactly what the list shows.

The views take the public list's GET parameters and go through ``filter_public_activities``, so
an export has the same rows, in the same order, as the filtered page. All three formats stream
(or spill to disk) in chunks, so memory stays flat at any size. The writers here are also used
for the progress report's workbook.
"""

import csv
import datetime
import os
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone

from napsite.throttle import limit_heavy

from .filters import ActivityFilterSet
from .models import Activity
from .page_cache import data_version
from .resources import ActivityResource
from .selectors import filter_public_activities, site_dates
from .spreadsheets import clean_cell

SOURCE_NAME = "NAP Voortgangsmonitor"
# Dutch government data is published as open data under CC0 (the national open-data policy).
DATA_LICENCE = "CC0 1.0 Universeel (publiek domein): vrij te gebruiken, ook zonder bronvermelding"
DATA_LICENCE_URL = "https://creativecommons.org/publicdomain/zero/1.0/deed.nl"
JSON_SCHEMA_VERSION = 1
CSV_DELIMITER = ";"  # what Dutch Excel expects when a CSV file is opened by double-clicking
ROWS_PER_CHUNK = 200  # CSV lines or JSON records a streamed chunk holds
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
        if len(chunk) == ROWS_PER_CHUNK:
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
        # A cell's style is its column's alignment plus what its value's type sets (a date's
        # number format), so one cell per column and type is made and styled once and written
        # again with each row's value: styling a fresh cell costs more than writing it, and a
        # write-only sheet writes a row as soon as it is appended.
        reused: dict[tuple[int, type], WriteOnlyCell] = {}
        last_row = 1
        for row in table.rows:
            cells = []
            for column, (value, alignment) in enumerate(zip(row, alignments, strict=True)):
                key = (column, value.__class__)
                written = reused.get(key)
                if written is None:
                    written = reused[key] = cell(sheet, value, alignment)
                else:
                    written.value = clean_cell(value)
                cells.append(written)
            sheet.append(cells)
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
    """A JSON object with ``envelope``'s members and ``key`` holding the streamed records,
    one record a line, in chunks of records."""
    dump = DjangoJSONEncoder(ensure_ascii=False).encode  # one encoder for every record
    yield dump(envelope)[:-1] + f", {dump(key)}: ["
    chunk = []
    separator = "\n"
    for record in records:
        chunk.append(separator + dump(record))
        separator = ",\n"
        if len(chunk) == ROWS_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "\n]}\n"


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


def _json_envelope(filterset: ActivityFilterSet, metadata: ExportMetadata) -> dict:
    return {
        "schema_versie": JSON_SCHEMA_VERSION,
        "bron": SOURCE_NAME,
        "url": metadata.source_url,
        "peildatum": metadata.reference_date,
        "filters": filter_parameters(filterset),
        "licentie": DATA_LICENCE,
        "licentie_url": DATA_LICENCE_URL,
        "aangemaakt_op": metadata.created_at,
    }


def activities_workbook(
    activities, resource: ActivityResource, metadata: ExportMetadata
) -> FileResponse:
    """The overview workbook; the admin's download of selected activities uses it too."""
    return workbook_response(
        [_activities_table(activities, resource)],
        metadata.about_rows(),
        metadata.filename(ACTIVITIES_STEM, "xlsx"),
    )


def _activities_table(activities, resource: ActivityResource) -> Table:
    return Table(
        title="Activiteiten",
        headers=resource.get_export_headers(),
        rows=resource.iter_rows(activities),
        widths=ACTIVITY_COLUMN_WIDTHS,
        wrap=ACTIVITY_WRAPPED_COLUMNS,
    )


@dataclass(frozen=True)
class ExportFormat:
    """One download format: how it streams when filtered and how it is written to a file."""

    extension: str
    content_type: str
    as_attachment: bool

    def text_chunks(self, request, filterset, activities, metadata) -> Iterator[str]:
        resource = _resource(request)
        if self.extension == "csv":
            return csv_lines(resource.get_export_headers(), resource.iter_rows(activities))
        envelope = _json_envelope(filterset, metadata)
        return json_chunks(envelope, "activiteiten", resource.iter_records(activities))

    def response(self, request, filterset, activities, metadata) -> HttpResponse:
        """The filtered download. CSV and JSON stream: rows are read and written only as the
        client takes them, so a client that goes away stops the work (the server closes the
        generator). A workbook is a zip file, complete only at its end: it is written first."""
        if self.extension == "xlsx":
            return activities_workbook(activities, _resource(request), metadata)
        response = StreamingHttpResponse(
            self.text_chunks(request, filterset, activities, metadata),
            content_type=self.content_type,
        )
        disposition = "attachment" if self.as_attachment else "inline"
        filename = metadata.filename(ACTIVITIES_STEM, self.extension)
        response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
        return response

    def write(self, output, request, filterset, activities, metadata) -> None:
        if self.extension == "xlsx":
            table = _activities_table(activities, _resource(request))
            write_workbook(output, [table], metadata.about_rows())
            return
        for chunk in self.text_chunks(request, filterset, activities, metadata):
            output.write(chunk.encode())


CSV = ExportFormat("csv", "text/csv; charset=utf-8", as_attachment=True)
XLSX = ExportFormat("xlsx", XLSX_MIME_TYPE, as_attachment=True)
JSON = ExportFormat("json", "application/json", as_attachment=False)


# -- the unfiltered downloads: built once per data version, then served as files ---------------
#
# Everyone downloading "everything" gets the same bytes until the data changes, so the file is
# made once per data version (measures.page_cache) and kept in NAP_EXPORT_DIR under a name that
# starts with that version. A request reads the version before the data, and the version
# changes only after a change is committed, so a file can hold newer data than its version
# says, never older. Files are written under a temporary name and renamed, so no request ever
# sees half a file; building a newer version deletes the older ones (a worker still sending one
# keeps reading it: an open file outlives its name).

BUILDING_PREFIX = ".building-"


def _unfiltered_version(request: HttpRequest) -> str | None:
    """The data version when this request asks for every activity and may use the stored
    file; None otherwise. Costs no query."""
    # Inside a transaction the data may be uncommitted (or never be): never build nor serve.
    if connection.in_atomic_block:
        return None
    filterset = ActivityFilterSet(request.GET, queryset=Activity.objects.none())
    if not filterset.is_valid() or filterset.applied_values():
        return None
    return data_version()


def _stored(version: str, export: ExportFormat) -> HttpResponse | None:
    for path in Path(settings.NAP_EXPORT_DIR).glob(f"{version}--*.{export.extension}"):
        try:
            return _file_response(path.open("rb"), path.name, export)
        except FileNotFoundError:  # a newer version's build just deleted it
            continue
    return None


def _file_response(handle, name: str, export: ExportFormat) -> FileResponse:
    return FileResponse(
        handle,
        as_attachment=export.as_attachment,
        filename=name.split("--", 1)[1],
        content_type=export.content_type,
    )


def _build(request: HttpRequest, version: str, export: ExportFormat) -> HttpResponse:
    peildatum = site_dates().reference_date
    filterset, activities = filter_public_activities(QueryDict(), peildatum=peildatum)
    metadata = ExportMetadata(
        source_url=request.build_absolute_uri(request.path), reference_date=peildatum
    )
    folder = Path(settings.NAP_EXPORT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{version}--{metadata.filename(ACTIVITIES_STEM, export.extension)}"
    with tempfile.NamedTemporaryFile(dir=folder, prefix=BUILDING_PREFIX, delete=False) as output:
        try:
            export.write(output, request, filterset, activities, metadata)
        except BaseException:
            Path(output.name).unlink(missing_ok=True)
            raise
    # Opened before it gets its name, so a newer version's cleaning cannot take it away.
    handle = open(output.name, "rb")  # noqa: SIM115 - FileResponse closes it
    os.replace(output.name, folder / name)
    _remove_old(folder, version)
    return _file_response(handle, name, export)


def _remove_old(folder: Path, version: str) -> None:
    """Files of older data versions, and builds abandoned by a worker that died."""
    abandoned_before = time.time() - settings.NAP_HEAVY_SLOT_SECONDS
    for path in folder.iterdir():
        building = path.name.startswith(BUILDING_PREFIX)
        try:
            if building and path.stat().st_mtime > abandoned_before:
                continue
            if building or not path.name.startswith(f"{version}--"):
                path.unlink()
        except FileNotFoundError:  # another worker removed it first
            pass


def _download_view(export: ExportFormat):
    @limit_heavy
    def heavy(request: HttpRequest, version: str | None) -> HttpResponse:
        if version is not None:
            # Another request may have built it while this one waited for its slot.
            return _stored(version, export) or _build(request, version, export)
        filterset, activities, metadata = _filtered(request)
        if activities is None:
            return _invalid_filters(request, filterset)
        return export.response(request, filterset, activities, metadata)

    def view(request: HttpRequest) -> HttpResponse:
        version = _unfiltered_version(request)
        # Sending a stored file costs no slot: only building and filtering are bounded.
        stored = _stored(version, export) if version is not None else None
        return stored or heavy(request, version)

    return view


activities_csv = _download_view(CSV)
activities_xlsx = _download_view(XLSX)
activities_json = _download_view(JSON)


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
