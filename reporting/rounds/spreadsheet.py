"""The spreadsheet update round: the update template and its import (django-import-export).

An editor downloads the activities they may change (XLSX, or CSV), fills in status, timeframe
and explanation, and uploads the file in the admin. The preview shows per row what changes
(old → new) and what is wrong, in Dutch; confirming proposes every row's changes or none. In
an open round a changed row answers its activity's request with that proposal, a row left as
it is answers "ongewijzigd".

Guarantees, row by row (django-import-export does not apply the admin's ``get_queryset`` to
imports, so the resource checks them itself):

- only activities the importing user may change (``ActivityQuerySet.editable_by``);
- only status, timeframe and explanation are written; edits to the context columns are
  ignored with a notice;
- a row exported at an older version than the current one is refused, unless the editor left
  it untouched, in which case it is skipped (someone else's newer edit stays);
- every change becomes a proposal (``measures.services.propose_many``, a batch of rows at a
  time), applied with history and a new version once approved (a coordinator's at once);
- the preview writes nothing at all; the confirmation locks the file's activities, checks
  every row again and writes in one transaction, rolled back entirely if any row fails.
  Both take a fixed number of queries per batch of rows, however long the file.
"""

import csv
import dataclasses
import datetime
import io
import itertools
import os
import re
import uuid
import zipfile
from pathlib import Path

import tablib
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from import_export import fields, resources
from import_export.formats import base_formats
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm
from import_export.results import Error, Result, RowResult
from import_export.tmp_storages import BaseStorage
from tablib import InvalidDimensions

from measures import services
from measures.models import Activity, ActivityActor, Proposal, Status
from measures.spreadsheets import FORMULA_TRIGGERS, clean_cell
from measures.timeframes import parse_timeframe

from .models import FINISHED_IMPORT_STATES, ImportJob, UpdateRequest
from .services import answer_unchanged

KEY = "Sleutel"
ACTION_LINE = "Actielijn"
TITLE = "Activiteit"
ACTORS = "Wie"
STATUS = "Status"
TIMEFRAME = "Wanneer"
EXPLANATION = "Toelichting"
VERSION = "Versie"

COLUMNS = [KEY, ACTION_LINE, TITLE, ACTORS, STATUS, TIMEFRAME, EXPLANATION, VERSION]
REQUIRED_COLUMNS = [KEY, STATUS, TIMEFRAME, EXPLANATION, VERSION]
# Shown for context only; what is typed here is never imported.
CONTEXT_COLUMNS = [ACTION_LINE, TITLE, ACTORS]

# No cell of the template holds more than the longest field, the explanation.
MAX_CELL_CHARS = Activity._meta.get_field("explanation").max_length
# A cell's text quoted in a message is cut off here: the preview never echoes a whole cell.
QUOTE_CHARS = 80

TEMPLATE_SHEET = "Activiteiten"
STATUS_SHEET = "Statussen"


class UpdateRoundFileError(ValueError):
    """The file as a whole cannot be used; the message says why, in Dutch."""


def cell_text(value) -> str:
    """A cell as the text the editor sees.

    Whole numbers lose Excel's ".0", line breaks become "\\n", surrounding blanks go, and the
    apostrophe the export put before formula-like text is taken off again.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def quoted(text: str) -> str:
    """A cell's text as a message quotes it: at most QUOTE_CHARS characters of it."""
    return text if len(text) <= QUOTE_CHARS else text[:QUOTE_CHARS] + "…"


def dutch_number(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def parse_version(value) -> int | None:
    text = cell_text(value)
    return int(text) if text.isdigit() else None


def unreadable_file_message(error: Exception) -> str:
    """The Dutch explanation for a file that could not be read at all."""
    if isinstance(error, UpdateRoundFileError):
        return str(error)
    if isinstance(error, UnicodeDecodeError):
        return (
            "Dit bestand is geen UTF-8-tekst. Sla het in Excel op als ‘CSV UTF-8 (door "
            "lijstscheidingsteken gescheiden)’, of upload het als .xlsx."
        )
    if isinstance(error, InvalidDimensions):
        return "Niet alle rijen hebben evenveel kolommen als de kopregel. Controleer het bestand."
    return (
        "Dit bestand kon niet worden gelezen. Upload het bijwerksjabloon als .xlsx of als "
        ".csv (UTF-8)."
    )


def _require_rows(dataset):
    if not dataset.headers or not len(dataset):
        raise UpdateRoundFileError(
            "Het bestand bevat geen activiteiten. Gebruik het bijwerksjabloon en laat de "
            "kopregel staan."
        )
    return dataset


def too_many_rows(limit: int) -> UpdateRoundFileError:
    return UpdateRoundFileError(
        f"Het bestand heeft meer dan {dutch_number(limit)} rijen; er kunnen er hoogstens "
        f"{dutch_number(limit)} tegelijk worden ingelezen."
    )


def read_rows(rows) -> tablib.Dataset:
    """The first row as headers, the rest as rows, counted while they are read: a file over
    NAP_IMPORT_MAX_ROWS is refused as soon as the row after the limit comes in, not after
    a million rows have been parsed."""
    limit = settings.NAP_IMPORT_MAX_ROWS
    dataset = tablib.Dataset()
    dataset.headers = next(rows, None)
    for count, row in enumerate(rows, start=1):
        if count > limit:
            raise too_many_rows(limit)
        dataset.append(row)
    return _require_rows(dataset)


def check_unpacked_size(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook that would unpack to far more than a filled-in template (a "zip
    bomb": a few hundred kilobytes holding one cell of hundreds of megabytes), before any of
    it is unpacked. The sizes come from the zip's directory; zipfile never unpacks a member
    beyond the size stated there."""
    members = archive.infolist()
    limit = settings.NAP_IMPORT_MAX_UNPACKED_BYTES
    ratio = settings.NAP_IMPORT_MAX_PACKING_RATIO
    if sum(member.file_size for member in members) > limit or any(
        member.file_size > ratio * max(member.compress_size, 1024) for member in members
    ):
        raise UpdateRoundFileError(
            f"Dit Excel-bestand is uitgepakt te groot (meer dan {filesizeformat(limit)}, of "
            f"meer dan {ratio} keer zo groot als ingepakt). Een ingevuld bijwerksjabloon is "
            "veel kleiner: upload dat."
        )


# A row element of a worksheet's XML, with or without a namespace prefix.
ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")


def check_sheet_rows(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook with a sheet over the row limit by counting the row elements in its
    XML, a chunk at a time. openpyxl reads a whole sheet when it does not state its
    dimensions, before its read-only mode yields a single row; this costs a fraction of it."""
    limit = settings.NAP_IMPORT_MAX_ROWS + 1  # and the header row
    for name in archive.namelist():
        if not name.startswith("xl/worksheets/"):
            continue
        count, rest = 0, b""
        with archive.open(name) as part:
            while chunk := part.read(1 << 20):
                text = rest + chunk
                # A tag cut off at the chunk's end is counted with the next chunk.
                cut = text.rfind(b"<")
                count += len(ROW_TAG.findall(text, 0, cut))
                rest = text[cut:]
                if count > limit:
                    raise too_many_rows(limit - 1)
        if count + len(ROW_TAG.findall(rest)) > limit:
            raise too_many_rows(limit - 1)


class UpdateTemplateCSV(base_formats.CSV):
    """CSV with a BOM on export (Excel), and either comma or semicolon on import: Dutch
    Excel saves CSV with semicolons."""

    def create_dataset(self, in_stream, **kwargs):
        # Decoded as it is read, so reading can stop at the row limit without decoding (or
        # copying) the rest of the file.
        if isinstance(in_stream, bytes):
            text = io.TextIOWrapper(
                io.BytesIO(in_stream), encoding=self.encoding or "utf-8-sig", newline=""
            )
        else:
            text = io.StringIO(in_stream, newline="")
        header = text.readline()
        delimiter = ";" if header.count(";") > header.count(",") else ","
        reader = csv.reader(itertools.chain([header], text), delimiter=delimiter)

        def rows():
            # As tablib reads CSV: blank lines are left out, short rows padded.
            width = None
            for row in reader:
                if width is not None and not row:
                    continue
                if width is None:
                    width = len(row)
                yield row + [""] * (width - len(row))

        try:
            return read_rows(rows())
        except csv.Error as error:
            raise UpdateRoundFileError(
                f"Regel {reader.line_num} van dit CSV-bestand kon niet worden gelezen: een cel is "
                "te lang of een aanhalingsteken wordt niet gesloten. Controleer het bestand."
            ) from error


class UpdateTemplateXLSX(base_formats.XLSX):
    """The update template as a workbook: context columns shaded, the status as a drop-down
    list, and a second sheet with the status definitions."""

    CONTEXT_FILL = "E7E7E7"
    WIDTHS = {KEY: 28, ACTION_LINE: 10, TITLE: 50, ACTORS: 18, STATUS: 18, TIMEFRAME: 16}
    WIDTHS |= {EXPLANATION: 80, VERSION: 8}

    def create_dataset(self, in_stream):
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            with zipfile.ZipFile(io.BytesIO(in_stream)) as archive:
                check_unpacked_size(archive)
                check_sheet_rows(archive)
            # Read-only mode streams the sheet, so reading can stop at the row limit.
            workbook = load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
            try:
                rows = workbook.active.iter_rows(values_only=True)
                return read_rows(list(row) for row in rows)
            finally:
                workbook.close()
        except (zipfile.BadZipFile, InvalidFileException, KeyError) as error:
            raise UpdateRoundFileError(
                "Dit is geen leesbaar Excel-bestand (.xlsx). Upload het bijwerksjabloon als "
                ".xlsx of als .csv."
            ) from error

    def export_data(self, dataset, **kwargs):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.datavalidation import DataValidation

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = TEMPLATE_SHEET
        sheet.append(dataset.headers)
        for row in dataset:
            sheet.append(row)  # cleaned cell by cell in UpdateRoundResource.export_field

        shaded = PatternFill("solid", start_color=self.CONTEXT_FILL, end_color=self.CONTEXT_FILL)
        for index, header in enumerate(dataset.headers, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = self.WIDTHS.get(header, 15)
            sheet[f"{letter}1"].font = Font(bold=True)
            if header in (TITLE, EXPLANATION):
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            if header in (KEY, *CONTEXT_COLUMNS, VERSION):
                for (cell,) in sheet.iter_rows(min_row=1, min_col=index, max_col=index):
                    cell.fill = shaded
            if header in (STATUS, TIMEFRAME, EXPLANATION):
                # Text cells: Excel must not turn a typed "1-2025" into a date.
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "@"
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions

        statuses = workbook.create_sheet(STATUS_SHEET)
        statuses.append(["Status", "Betekenis"])
        statuses["A1"].font = statuses["B1"].font = Font(bold=True)
        for status in Status.objects.order_by("position", "code"):
            statuses.append([clean_cell(status.label), clean_cell(status.definition)])
        statuses.column_dimensions["A"].width = 22
        statuses.column_dimensions["B"].width = 90

        if STATUS in dataset.headers and len(dataset):
            letter = get_column_letter(dataset.headers.index(STATUS) + 1)
            choice = DataValidation(
                type="list",
                formula1=f"={STATUS_SHEET}!$A$2:$A${statuses.max_row}",
                showErrorMessage=True,
                errorTitle="Onbekende status",
                error="Kies een status uit de lijst (zie het blad Statussen).",
            )
            choice.add(f"{letter}2:{letter}{len(dataset) + 1}")
            sheet.add_data_validation(choice)

        workbook.active = 0
        stream = io.BytesIO()
        workbook.save(stream)
        return stream.getvalue()


UPDATE_ROUND_FORMATS = [UpdateTemplateXLSX, UpdateTemplateCSV]


def read_upload(name: str, file_format: int) -> tablib.Dataset:
    """The rows of an upload waiting in NAP_IMPORT_UPLOAD_DIR, read as the confirmation reads
    them. Raises FileNotFoundError once it has been imported (and deleted) or has expired."""
    input_format = UPDATE_ROUND_FORMATS[int(file_format)]()
    storage = UploadStorage(name=name, read_mode=input_format.get_read_mode())
    return input_format.create_dataset(storage.read())


class UpdateTemplateExportForm(ExportForm):
    """The choice between the two formats of the template; XLSX unless asked otherwise."""

    TITLES = {"xlsx": "Excel (.xlsx)", "csv": "CSV (.csv, UTF-8)"}

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["format"].label = "Bestandsformaat"
        self.fields["format"].choices = [
            (str(i), self.TITLES.get(fmt().get_extension(), fmt().get_title()))
            for i, fmt in enumerate(formats)
        ]
        self.fields["format"].initial = "0"


class UploadStorage(BaseStorage):
    """Where an uploaded file waits between its preview and the confirmation
    (IMPORT_EXPORT_TMP_STORAGE_CLASS): a folder of its own, NAP_IMPORT_UPLOAD_DIR, under
    random names made here. A name from a form is only read once the confirmation form has
    checked its signature (UpdateRoundConfirmForm); a name that is not one of ours is not
    even looked up."""

    NAME = re.compile(r"[0-9a-f]{32}")

    def save(self, data):
        remove_stale_uploads()
        self.name = uuid.uuid4().hex
        upload_storage().save(self.name, ContentFile(data))

    def read(self):
        if not self.NAME.fullmatch(self.name or ""):
            raise FileNotFoundError(self.name)
        with upload_storage().open(self.name, "rb") as file:
            return file.read()

    def remove(self):
        upload_storage().delete(self.name)


def upload_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.NAP_IMPORT_UPLOAD_DIR)


def upload_lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.NAP_IMPORT_UPLOAD_HOURS)


def remove_stale_uploads() -> int:
    """Delete the uploads of previews that were never confirmed within their lifetime; their
    confirmation would be refused anyway. Returns how many were deleted."""
    storage = upload_storage()
    if not os.path.isdir(storage.location):
        return 0
    cutoff = timezone.now() - upload_lifetime()
    # A confirmed upload waiting for the worker stays until its job has read it, however long
    # the queue is.
    queued = set(
        ImportJob.objects.exclude(state__in=FINISHED_IMPORT_STATES).values_list("upload", flat=True)
    )
    stale = [
        name
        for name in storage.listdir("")[1]
        if name not in queued and storage.get_modified_time(name) < cutoff
    ]
    for name in stale:
        storage.delete(name)
    return len(stale)


def _upload_signer(user) -> signing.TimestampSigner:
    # The user is part of the salt: a name signed for one user is no name for another.
    return signing.TimestampSigner(salt=f"measures.update_round.upload.{user.pk}")


class UpdateRoundConfirmForm(ConfirmImportForm):
    """The confirmation of a previewed import. It carries the upload's name signed for the
    user who uploaded it, so nobody confirms a file they did not upload, nor any other file
    (django-import-export would read, show and delete whatever the name points to)."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_import_file_name(self):
        try:
            return _upload_signer(self.user).unsign(
                self.cleaned_data["import_file_name"], max_age=upload_lifetime()
            )
        except signing.BadSignature as error:
            raise ValidationError(
                "Dit importbestand is verlopen of hoort niet bij uw upload. Upload het "
                "bestand opnieuw."
            ) from error


class UpdateRoundAdminMixin:
    """The admin's side of the preview and confirmation: signed upload names, checked before
    the library reads anything."""

    confirm_form_class = UpdateRoundConfirmForm

    def get_confirm_form_kwargs(self, request, import_form=None):
        return {**super().get_confirm_form_kwargs(request, import_form), "user": request.user}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            name = initial["import_file_name"]
            initial["import_file_name"] = _upload_signer(request.user).sign(name)
        return initial

    def process_import(self, request, **kwargs):
        if request.method == "POST" and self.has_import_permission(request):
            form = self.create_confirm_form(request)
            if not form.is_valid():
                errors = form.errors.get("import_file_name") or [
                    "Deze bevestiging is onvolledig. Upload het bestand opnieuw."
                ]
                self.message_user(request, errors[0], messages.ERROR)
                return HttpResponseRedirect(reverse("admin:measures_activity_import"))
            name, file_format = form.cleaned_data["import_file_name"], form.cleaned_data["format"]
            try:
                dataset = read_upload(name, file_format)
            except FileNotFoundError:  # confirmed twice (a double click, Back), or expired
                self.message_user(
                    request,
                    "Dit bestand is al verwerkt of verlopen. Upload het opnieuw als u het nog "
                    "wilt importeren.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(reverse("admin:measures_activity_import"))
            if len(dataset) > settings.NAP_IMPORT_BACKGROUND_ROWS:
                # Too long for a request: the worker imports it, its page follows it.
                from .import_jobs import queue_import  # (which imports this module)

                job = queue_import(
                    user=request.user,
                    upload=name,
                    file_format=int(file_format),
                    file_name=form.cleaned_data["original_file_name"][
                        : ImportJob._meta.get_field("file_name").max_length
                    ],
                    rows=len(dataset),
                )
                return HttpResponseRedirect(
                    reverse("admin:measures_activity_import_job", args=[job.pk])
                )
            # As the library's process_import, with the file read once.
            result = self.process_dataset(dataset, form, request, **kwargs)
            UploadStorage(name=name).remove()
            return self.process_result(result, request)
        return super().process_import(request, **kwargs)


class UpdateRoundImportForm(ImportForm):
    """The upload of a filled-in template. The format follows from the file name."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.extensions = {f".{fmt().get_extension()}": str(i) for i, fmt in enumerate(formats)}
        limit = filesizeformat(settings.NAP_IMPORT_MAX_BYTES)
        upload = self.fields["import_file"]
        upload.label = "Ingevuld bijwerksjabloon"
        upload.help_text = f"Een .xlsx- of .csv-bestand (UTF-8) van hoogstens {limit}."
        upload.widget.attrs = {"accept": ",".join(self.extensions)}
        self.fields["format"].required = False
        self.fields["format"].widget = forms.HiddenInput()

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None:
            return cleaned
        extension = Path(upload.name).suffix.lower()
        if extension not in self.extensions:
            self.add_error(
                "import_file",
                f"‘{upload.name}’ is geen .xlsx- of .csv-bestand. Upload het bijwerksjabloon.",
            )
        elif upload.size > settings.NAP_IMPORT_MAX_BYTES:
            limit = filesizeformat(settings.NAP_IMPORT_MAX_BYTES)
            self.add_error("import_file", f"Het bestand is groter dan {limit}.")
        else:
            cleaned["format"] = self.extensions[extension]
        return cleaned


@dataclasses.dataclass
class RowCheck:
    """What one row of the file means for its activity."""

    errors: dict[str, str] = dataclasses.field(default_factory=dict)
    notices: list[str] = dataclasses.field(default_factory=list)
    changes: list[services.FieldChange] = dataclasses.field(default_factory=list)
    values: dict[str, object] = dataclasses.field(default_factory=dict)
    # Checked and found equal to the activity as it stands: the answer "ongewijzigd".
    unchanged: bool = False
    activity_id: int | None = None


class UpdateRoundRowResult(RowResult):
    def __init__(self):
        super().__init__()
        self.changes: list[services.FieldChange] = []
        self.notices: list[str] = []
        self.blank = False
        self.line = None  # the row number as the spreadsheet shows it (headers are line 1)


class UpdateRoundResult(Result):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.notices: list[str] = []

    def changed_rows(self):
        return [row for row in self.rows if row.is_update()]

    def noted_skipped_rows(self):
        return [row for row in self.rows if row.is_skip() and row.notices]

    def unchanged_count(self):
        return sum(1 for row in self.rows if row.is_skip() and not row.blank)

    def row_error_messages(self):
        """(line, message) for rows that failed with an error rather than a validation."""
        return [(error.number + 1, error.message) for row in self.rows for error in row.errors]


def import_summary(result, user) -> str:
    """What a confirmed import did, in a sentence (the message after it, or on its job's
    page)."""
    updated = len(result.changed_rows())
    if services.review_required(user):
        return (
            f"Bijwerkronde verwerkt: wijzigingen voor {updated} activiteit(en) ingediend; die "
            f"wachten op beoordeling door een coördinator. {result.unchanged_count()} ongewijzigd."
        )
    return (
        f"Bijwerkronde verwerkt: {updated} activiteit(en) bijgewerkt, "
        f"{result.unchanged_count()} ongewijzigd."
    )


def import_errors(result) -> list[str]:
    """Why an import wrote nothing: each problem in a line, with its row where it has one."""
    lines = [error.message for error in result.base_errors]
    lines += [f"Rij {line}: {message}" for line, message in result.row_error_messages()]
    for row in result.invalid_rows:
        for column, messages_ in row.field_specific_errors.items():
            lines += [f"Rij {row.number + 1}, {column}: {message}" for message in messages_]
        lines += [f"Rij {row.number + 1}: {message}" for message in row.non_field_specific_errors]
    return lines


def log_import(result, user) -> None:
    """The admin's log of the activities an import changed directly (a proposal records who
    proposed what itself)."""
    if services.review_required(user):
        return
    changed = [row.instance for row in result.changed_rows()]
    if changed:
        LogEntry.objects.log_actions(
            user.pk,
            changed,
            CHANGE,
            change_message="Bijgewerkt via de bijwerkronde (import).",
            single_object=len(changed) == 1,
        )


class UpdateRoundError(Error):
    @property
    def message(self) -> str:
        if isinstance(self.error, UpdateRoundFileError | services.EditConflict):
            return str(self.error)
        if isinstance(self.error, services.ProposalBlocked):
            return self.error.messages[0]
        return "Er ging iets mis bij het verwerken van deze rij. Er is niets gewijzigd."


class UpdateRoundResource(resources.ModelResource):
    """One row per activity the user may change: key, context, the editable values, version."""

    key = fields.Field(attribute="slug", column_name=KEY, readonly=True)
    action_line = fields.Field(
        attribute="action_line__number", column_name=ACTION_LINE, readonly=True
    )
    title = fields.Field(attribute="title", column_name=TITLE, readonly=True)
    actors = fields.Field(column_name=ACTORS, readonly=True)
    status = fields.Field(attribute="status", column_name=STATUS)
    timeframe_label = fields.Field(attribute="timeframe_label", column_name=TIMEFRAME)
    explanation = fields.Field(attribute="explanation", column_name=EXPLANATION)
    version = fields.Field(attribute="version", column_name=VERSION, readonly=True)

    class Meta:
        model = Activity
        name = "Bijwerksjabloon"
        # Every declared field must be listed here too: django-import-export 4 silently drops
        # declared fields that are missing from Meta.fields.
        fields = (
            "key",
            "action_line",
            "title",
            "actors",
            "status",
            "timeframe_label",
            "explanation",
            "version",
        )
        import_id_fields = ("key",)
        store_instance = True
        # The preview shows the changes worked out in _check_row; the library's own diff
        # would deep-copy every activity for nothing.
        skip_diff = True
        report_skipped = True
        use_transactions = True
        # The confirmed rows are written in batches (bulk_update below), not one by one; this
        # also spares the preview a savepoint per row.
        use_bulk = True
        batch_size = services.BATCH_SIZE

    # How often a background import reports how far it got (see jobs.run_import).
    PROGRESS_EVERY = 500

    def __init__(self, *, user=None, progress=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user or AnonymousUser()
        # Called with the number of rows done so far, every PROGRESS_EVERY rows.
        self.progress = progress
        self.notices: list[str] = []
        self.change_reason = "Bijwerkronde"
        self._checks: dict[int, RowCheck] = {}
        self._confirming = False
        self._values: dict[int, dict] = {}

    @classmethod
    def get_result_class(cls):
        return UpdateRoundResult

    @classmethod
    def get_row_result_class(cls):
        return UpdateRoundRowResult

    @classmethod
    def get_error_result_class(cls):
        return UpdateRoundError

    # Export -------------------------------------------------------------------------------

    def get_queryset(self):
        return Activity.objects.editable_by(self.user).with_related()

    def filter_export(self, queryset, **kwargs):
        # Whatever the caller asks for, only what this user may change, in report order.
        return self.get_queryset().filter(pk__in=queryset.values("pk"))

    def iter_queryset(self, queryset):
        # The default pages through prefetching querysets 100 rows at a time, which makes
        # the number of queries grow with the rows.
        yield from queryset

    def export_field(self, field, instance, **kwargs):
        return clean_cell(super().export_field(field, instance, **kwargs))

    def dehydrate_key(self, activity):
        return activity.slug

    def dehydrate_action_line(self, activity):
        return activity.action_line.number

    def dehydrate_title(self, activity):
        return activity.title

    def dehydrate_actors(self, activity):
        return ", ".join(actor.code for actor in activity.ordered_actors)

    def dehydrate_status(self, activity):
        return activity.status.label

    def dehydrate_timeframe_label(self, activity):
        return activity.timeframe_label

    def dehydrate_explanation(self, activity):
        return activity.explanation

    def dehydrate_version(self, activity):
        return activity.version

    # Import -------------------------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, **kwargs):
        self._confirming = not dry_run
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def before_import(self, dataset, **kwargs):
        self._check_headers(dataset)
        if kwargs.get("file_name"):
            self.change_reason = f"Bijwerkronde, bestand {kwargs['file_name']}"

        keys = [cell_text(value) for value in dataset[KEY]]
        self._lines_by_key: dict[str, list[int]] = {}
        for number, key in enumerate(keys, start=1):
            if key:
                self._lines_by_key.setdefault(key, []).append(number + 1)
        activities = Activity.objects.all()
        if self._confirming:
            # Nobody changes them between these checks and the writes (PostgreSQL; SQLite
            # has one writer at a time): a row is checked against the version it will change.
            # In key order, so that two imports at once never wait for each other's locks.
            activities = activities.select_for_update(of=("self",)).order_by("pk")
        self._activities = {
            activity.slug: activity
            for activity in activities.filter(slug__in=self._lines_by_key)
            .select_related("action_line", "status")
            .prefetch_related(
                Prefetch(
                    "actor_links",
                    queryset=ActivityActor.objects.select_related("actor").order_by("position"),
                )
            )
        }
        self._editable = set(
            Activity.objects.editable_by(self.user)
            .filter(slug__in=self._lines_by_key)
            .values_list("pk", flat=True)
        )
        # A proposal waiting for review blocks a new one for the same activity: say so in the
        # preview, not only when confirming fails.
        self._pending = (
            {
                proposal.activity_id: proposal
                for proposal in Proposal.objects.pending()
                .filter(activity__slug__in=self._lines_by_key)
                .select_related("activity", "proposed_by")
            }
            if services.review_required(self.user)
            else {}
        )
        self._statuses = list(Status.objects.order_by("position", "code"))
        self._status_by_name = {}
        for status in self._statuses:
            self._status_by_name[status.code.casefold()] = status
            self._status_by_name[status.label.casefold()] = status

        # Rows exported at an older version: what happened since, and what they looked like.
        outdated = {}
        for key, version in zip(keys, dataset[VERSION], strict=True):
            activity = self._activities.get(key)
            version = parse_version(version)
            if activity and version is not None and version < activity.version:
                outdated[activity.pk] = version
        self._revisions = services.revisions_since(outdated)
        self._exported = {
            (record.id, record.version): record
            for record in Activity.history.filter(id__in=outdated).order_by("history_date")
            if outdated[record.id] == record.version
        }

    def _check_headers(self, dataset):
        canonical = {column.casefold(): column for column in COLUMNS}
        headers = [cell_text(header) for header in dataset.headers]
        dataset.headers = [canonical.get(header.casefold(), header) for header in headers]
        doubled = [column for column in COLUMNS if dataset.headers.count(column) > 1]
        if doubled:
            raise UpdateRoundFileError(
                f"De kolom ‘{doubled[0]}’ staat meer dan eens in het bestand. Laat er één over."
            )
        missing = [column for column in REQUIRED_COLUMNS if column not in dataset.headers]
        if missing:
            names = ", ".join(f"‘{column}’" for column in missing)
            raise UpdateRoundFileError(
                f"Dit is geen bijwerksjabloon: de kolom(men) {names} ontbreken. Download het "
                "sjabloon opnieuw en vul dat in."
            )
        unknown = [header for header in dataset.headers if header and header not in COLUMNS]
        if unknown:
            names = ", ".join(f"‘{quoted(header)}’" for header in unknown)
            self.notices.append(f"De kolom(men) {names} horen niet bij het sjabloon; genegeerd.")

    def import_row(self, row, instance_loader, **kwargs):
        if not any(cell_text(value) for value in row.values()):
            # Empty lines (often formatted but unused rows in Excel) are not rows at all.
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            row_result.blank = True
            return row_result
        self._line = kwargs["row_number"] + 1
        if self.progress and kwargs["row_number"] % self.PROGRESS_EVERY == 0:
            self.progress(kwargs["row_number"])
        return super().import_row(row, instance_loader, **kwargs)

    def before_import_row(self, row, **kwargs):
        too_long = {
            column: f"Deze cel is te lang: {dutch_number(len(text))} tekens; hoogstens "
            f"{dutch_number(MAX_CELL_CHARS)}."
            for column, text in ((column, cell_text(value)) for column, value in row.items())
            if len(text) > MAX_CELL_CHARS
        }
        if too_long:
            raise ValidationError(too_long)

    def get_or_init_instance(self, instance_loader, row):
        key = cell_text(row.get(KEY))
        if not key:
            raise ValidationError({KEY: "De sleutel is leeg. Laat de kolom ‘Sleutel’ staan."})
        activity = self._activities.get(key)
        if activity is None:
            raise ValidationError({KEY: f"Er is geen activiteit met de sleutel ‘{quoted(key)}’."})
        if activity.pk not in self._editable:
            raise ValidationError(
                {
                    KEY: f"U mag activiteit ‘{key}’ niet bijwerken: geen van de actoren waarvoor "
                    "u werkt staat erbij."
                }
            )
        lines = self._lines_by_key[key]
        if len(lines) > 1:
            raise ValidationError(
                {
                    KEY: "Deze activiteit staat meer dan eens in het bestand (rijen "
                    f"{', '.join(map(str, lines))}). Laat één rij over."
                }
            )
        # Each activity is returned once at most: a key on two rows is refused above.
        return activity, False

    def import_instance(self, instance, row, **kwargs):
        check = self._check_row(instance, row)
        self._checks[self._line] = check
        if check.errors:
            raise ValidationError(check.errors)
        # The activity itself stays as it is: the row's values become a proposal.

    def _check_row(self, activity, row) -> RowCheck:
        check = RowCheck(activity_id=activity.pk)
        status_text = cell_text(row.get(STATUS))
        status = self._status_by_name.get(status_text.casefold())
        choices = ", ".join(s.label for s in self._statuses)
        if not status_text:
            check.errors[STATUS] = f"De status is leeg. Kies een van: {choices}."
        elif status is None:
            check.errors[STATUS] = (
                f"Onbekende status ‘{quoted(status_text)}’. Kies een van: {choices}."
            )

        timeframe = cell_text(row.get(TIMEFRAME))
        limit = Activity._meta.get_field("timeframe_label").max_length
        if len(timeframe) > limit:
            check.errors[TIMEFRAME] = f"‘Wanneer’ is te lang: hoogstens {limit} tekens."

        explanation = cell_text(row.get(EXPLANATION))
        if not explanation:
            check.errors[EXPLANATION] = "De toelichting is leeg; die is verplicht."

        version = parse_version(row.get(VERSION))
        if version is None:
            check.errors[VERSION] = (
                "De versie ontbreekt of is geen geheel getal. Laat de kolom ‘Versie’ staan zoals "
                "hij geëxporteerd is."
            )
        elif version > activity.version:
            check.errors[VERSION] = (
                f"Versie {version} bestaat nog niet (de activiteit is bij versie "
                f"{activity.version}). Laat de kolom ‘Versie’ staan zoals hij geëxporteerd is."
            )
        if check.errors:
            return check

        new = {"status": status, "timeframe_label": timeframe, "explanation": explanation}
        for name, value in new.items():
            old = getattr(activity, name)
            if (old.pk != value.pk) if name == "status" else (cell_text(old) != value):
                check.values[name] = value
                label = capfirst(Activity._meta.get_field(name).verbose_name)
                check.changes.append(services.FieldChange(label, str(old), str(value)))
        if check.values and version < activity.version:
            # Someone saved after the export. Writing this row would undo their work, unless
            # the editor left it as exported: then the newer version simply stays.
            exported = self._exported.get((activity.pk, version))
            since = " ".join(f"{r.describe()}." for r in self._revisions.get(activity.pk, []))
            check.values, check.changes = {}, []
            if exported is not None and self._same(exported, new):
                check.notices.append(
                    "Overgeslagen: na uw export door iemand anders gewijzigd, en u had deze rij "
                    f"niet aangepast. {since}"
                )
                return check
            check.errors[VERSION] = (
                f"Deze activiteit is gewijzigd sinds uw export (uw bestand: versie {version}, "
                f"nu versie {activity.version}). {since} Exporteer opnieuw en neem uw "
                "wijzigingen daarin over."
            )
            return check

        pending = self._pending.get(activity.pk)
        if check.values and pending is not None:
            check.values, check.changes = {}, []
            check.errors[KEY] = services.ProposalBlocked(pending).message
            return check

        readable = not timeframe or parse_timeframe(timeframe).parsed
        if "timeframe_label" in check.values and not readable:
            check.notices.append(
                f"‘Wanneer’ (‘{timeframe}’) is niet als periode te lezen. Het wordt zo getoond, "
                "maar de activiteit telt niet mee bij het filteren op jaar en bij achterstallig."
            )
        context = {
            ACTION_LINE: str(activity.action_line.number),
            TITLE: activity.title,
            ACTORS: ", ".join(actor.code for actor in activity.ordered_actors),
        }
        for column, current in context.items():
            if column in row and cell_text(row[column]) != cell_text(current):
                check.notices.append(
                    f"De kolom ‘{column}’ is alleen ter informatie; uw wijziging daarin is "
                    "genegeerd."
                )
        check.unchanged = not check.values
        return check

    @staticmethod
    def _same(record, new) -> bool:
        return (
            record.status_id == new["status"].pk
            and cell_text(record.timeframe_label) == new["timeframe_label"]
            and cell_text(record.explanation) == new["explanation"]
        )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        return not self._checks[self._line].values

    def save_instance(self, instance, is_create, row, **kwargs):
        if is_create:  # get_or_init_instance never makes one; this guards that promise
            raise ValueError("The update round never creates activities.")
        # The preview only reads. Every check is made above; writing each row and rolling it
        # back would cost queries per row and record history that is then thrown away.
        if not self._is_dry_run(kwargs):
            self._values[instance.pk] = self._checks[self._line].values
            super().save_instance(instance, is_create, row, **kwargs)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """Write a batch of confirmed rows: each row's changes become a proposal, reviewed by a
        coordinator (a coordinator's own are applied at once); they answer their activities'
        requests in an open round (reporting.rounds.signals)."""
        if not self.update_instances:
            return
        try:
            services.propose_many(
                [(activity, self._values[activity.pk]) for activity in self.update_instances],
                user=self.user,
                note=self.change_reason,
                source="spreadsheet",
            )
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.update_instances.clear()

    def after_import_row(self, row, row_result, **kwargs):
        check = self._checks.get(self._line, RowCheck())
        row_result.line = self._line
        row_result.changes = check.changes
        row_result.notices = check.notices

    def after_import(self, dataset, result, **kwargs):
        result.notices = self.notices
        if self._is_dry_run(kwargs) or result.has_errors() or result.has_validation_errors():
            return
        # A row left as it is answers its activity's request "ongewijzigd" (confirmed).
        unchanged = [check.activity_id for check in self._checks.values() if check.unchanged]
        answer_unchanged(UpdateRequest.objects.filter(activity_id__in=unchanged), user=self.user)
