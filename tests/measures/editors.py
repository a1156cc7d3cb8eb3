"""Editors (users in the real groups from the data migration) and the admin round trips they
make: the change form, the update template and its import. Plain functions, like factories."""

import csv
import importlib
import io
import itertools

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from measures.models import ActorMembership
from measures.roles import COORDINATOR, MINISTRY_STAFF

IMPORT_URL = reverse("admin:measures_activity_import")
PROCESS_IMPORT_URL = reverse("admin:measures_activity_process_import")
EXPORT_URL = reverse("admin:measures_activity_export")
CHANGELIST_URL = reverse("admin:measures_activity_changelist")
XLSX, CSV = "0", "1"  # the update template's formats, in the order the admin offers them

_counter = itertools.count(1)


def editor_role(name: str) -> Group:
    """A group as the data migration made it.

    A transactional test (such as the browser tests) ends by emptying the database, groups
    included; the next test then gets them back from the same migration code.
    """
    if not Group.objects.filter(name=name).exists():
        roles = importlib.import_module("measures.migrations.0003_editor_roles")
        roles.create_editor_roles(apps, schema_editor=None)
        reports = importlib.import_module("reporting.migrations.0002_coordinator_permissions")
        reports.grant_report_permissions(apps, schema_editor=None)
        tasks = importlib.import_module("napsite.migrations.0001_background_tasks")
        tasks.grant_task_permissions(apps, schema_editor=None)
    return Group.objects.get(name=name)


def make_staff_member(*actors, username: str | None = None, **fields):
    """A ministry employee working for these actors."""
    username = username or f"medewerker{next(_counter)}"
    user = get_user_model().objects.create_user(username, is_staff=True, **fields)
    user.groups.add(editor_role(MINISTRY_STAFF))
    for actor in actors:
        ActorMembership.objects.create(user=user, actor=actor)
    return user


def make_coordinator(username: str | None = None, **fields):
    username = username or f"coordinator{next(_counter)}"
    user = get_user_model().objects.create_user(username, is_staff=True, **fields)
    user.groups.add(editor_role(COORDINATOR))
    return user


def change_url(activity) -> str:
    return reverse("admin:measures_activity_change", args=[activity.pk])


def change_form_data(activity, **changes) -> dict:
    """Everything the activity change form posts, as any role would send it."""
    data = {
        "action_line": activity.action_line_id,
        "position": activity.position,
        "title": activity.title,
        "slug": activity.slug,
        "status": activity.status_id,
        "version": activity.version,
        "timeframe_label": activity.timeframe_label,
        "explanation": activity.explanation,
    }
    if activity.is_public:
        data["is_public"] = "on"
    if activity.deviates_from_plan:
        data["deviates_from_plan"] = "on"
    for prefix, rows, columns in [
        ("actor_links", activity.actor_links.order_by("position"), ["actor", "position"]),
        ("footnotes", activity.footnotes.order_by("position"), ["number", "position", "text"]),
    ]:
        rows = list(rows)
        data |= {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": len(rows),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        for i, row in enumerate(rows):
            data[f"{prefix}-{i}-id"] = row.pk
            data[f"{prefix}-{i}-activity"] = activity.pk
            for column in columns:
                value = getattr(row, column)
                data[f"{prefix}-{i}-{column}"] = getattr(value, "pk", value)
    data.update(changes)
    return data


def download_template(client, file_format: str = XLSX, query: str = "") -> bytes:
    response = client.post(EXPORT_URL + query, {"format": file_format, "resource": "0"})
    assert response.status_code == 200, response.status_code
    return response.content


def xlsx_rows(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx_file(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def edit_xlsx(content: bytes, edits: dict[tuple[str, str], object]) -> bytes:
    """Change cells of an exported template, addressed by (key, column header)."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        key = row[0].value
        for (edit_key, column), value in edits.items():
            if edit_key == key:
                row[headers.index(column)].value = value
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def csv_file(rows: list[list], delimiter: str = ",", encoding: str = "utf-8-sig") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter).writerows(rows)
    return text.getvalue().encode(encoding)


def upload(client, content: bytes, name: str = "bijwerkronde.xlsx"):
    """Step one of an import: upload and get the preview. Posts what the browser posts: the
    file and the form's hidden fields (the format is recognised from the file name)."""
    data = {"import_file": SimpleUploadedFile(name, content), "resource": "0", "format": ""}
    return client.post(IMPORT_URL, data)


def confirm(client, preview):
    """Step two: confirm the previewed import."""
    form = preview.context["confirm_form"]
    return client.post(PROCESS_IMPORT_URL, {field.html_name: field.value() for field in form})


def import_file(client, content: bytes, name: str = "bijwerkronde.xlsx"):
    """Upload and, if the preview allows it, confirm. Returns the last response."""
    preview = upload(client, content, name)
    if preview.status_code != 200 or not preview.context.get("confirm_form"):
        return preview
    return confirm(client, preview)


def page_text(response) -> str:
    return response.content.decode()
