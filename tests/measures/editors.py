"""Editors (users in the real groups from the data migration) and the admin round trips they
make: the change form, the update template and its import. Plain functions, like factories."""

import csv
import dataclasses
import importlib
import io
import itertools
from html.parser import HTMLParser

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
        review = importlib.import_module("measures.migrations.0007_proposal")
        review.grant_review_permissions(apps, schema_editor=None)
        tasks = importlib.import_module("napsite.migrations.0001_background_tasks")
        tasks.grant_task_permissions(apps, schema_editor=None)
        rounds = importlib.import_module("reporting.migrations.0005_rounds")
        rounds.grant_round_permissions(apps, schema_editor=None)
        accounts = importlib.import_module(
            "napsite.accounts.migrations.0002_coordinator_permissions"
        )
        accounts.grant_account_permissions(apps, schema_editor=None)
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


class _FormParser(HTMLParser):
    """Collects what a browser would submit from one form: its successful controls."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.in_form = False
        self.fields: list[tuple[str, str]] = []
        self.options: dict[str, list[tuple[str, str]]] = {}
        self._select: str | None = None
        self._selected = False
        self._option: tuple[str, bool] | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._textarea_text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
            self.options[name] = []
        elif tag == "option" and self._select:
            self._option = (attrs.get("value"), "selected" in attrs)
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea, self._textarea_text = name, ""

    def handle_data(self, data):
        if self._option is not None:
            self._option_text += data
        if self._textarea is not None:
            self._textarea_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "option" and self._option is not None:
            value, selected = self._option
            text = self._option_text.strip()
            self.options[self._select].append((text if value is None else value, text))
            if selected:
                self._selected = True
                self.fields.append((self._select, text if value is None else value))
            self._option = None
        elif tag == "select" and self._select:
            # A single select with nothing selected submits its first option.
            if not self._selected and self.options[self._select]:
                self.fields.append((self._select, self.options[self._select][0][0]))
            self._select, self._selected = None, False
        elif tag == "textarea" and self._textarea is not None:
            # The parser has already unescaped the text; one leading newline is not content.
            text = self._textarea_text
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


@dataclasses.dataclass
class RenderedForm:
    """A form as the page rendered it: what submitting it unchanged would post, and the
    options each select offers (value, label)."""

    data: dict[str, str]
    options: dict[str, list[tuple[str, str]]]
    empty_rows: dict[str, str]  # the inlines' "__prefix__" templates, with their defaults

    def option_value(self, name: str, label: str) -> str:
        return next(value for value, text in self.options[name] if text == label)

    def selected_label(self, name: str) -> str:
        return next(text for value, text in self.options[name] if value == self.data[name])


def rendered_form(response, form_id: str) -> RenderedForm:
    """Parse the form with this id from the page, as a browser would submit it."""
    parser = _FormParser(form_id)
    parser.feed(page_text(response))
    assert parser.fields, f"no form #{form_id} on the page"
    data = {name: value for name, value in parser.fields if "__prefix__" not in name}
    data.pop("csrfmiddlewaretoken", None)
    empty_rows = {name: value for name, value in parser.fields if "__prefix__" in name}
    return RenderedForm(data, parser.options, empty_rows)


def add_inline_row(form: RenderedForm, prefix: str, **values) -> None:
    """What the admin's "add another" link does: one more row, counted in TOTAL_FORMS."""
    index = int(form.data[f"{prefix}-TOTAL_FORMS"])
    form.data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    template = f"{prefix}-__prefix__-"
    for name, value in form.empty_rows.items():
        if name.startswith(template):
            form.data[f"{prefix}-{index}-{name.removeprefix(template)}"] = value
    for name, value in values.items():
        form.data[f"{prefix}-{index}-{name}"] = str(value)


def review_url(proposal) -> str:
    return reverse("admin:measures_proposal_change", args=[proposal.pk])


PROPOSALS_URL = reverse("admin:measures_proposal_changelist")


def approve(client, proposal, **extra):
    """What the Approve button on the review page posts."""
    return client.post(review_url(proposal), {"_approve": "1", **extra})


def send_back(client, proposal, comment: str):
    """What Return-with-comment on the review page posts."""
    return client.post(review_url(proposal), {"_return": "1", "comment": comment})
