"""The report's documents are made once, by the worker's job, and stored; requests serve them.

The jobs run in the test's own process here (tests/reporting/documents.py), the same code the
worker runs; tests/reporting/test_documents_worker.py runs them in a real worker.
"""

import contextlib
import datetime
import importlib
import io
import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission, User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import OrmQ, Schedule
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

import reporting.documents.docx
import reporting.documents.pdf
import reporting.documents.xlsx
from napsite.tasks import run_attempt
from reporting.models import DocumentState, ProgressReport, ReportDocument
from reporting.services import publish_report, request_documents
from reporting.tasks import make_document
from tests.measures.editors import make_coordinator, make_staff_member
from tests.reporting.documents import run_queued_jobs

KINDS = ("pdf", "docx", "xlsx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@pytest.fixture
def published(nap, draft):
    publish_report(draft)
    return draft


def stored_files(storage) -> list[str]:
    """Every file in the documents' storage, wherever it sits."""
    found = []

    def walk(folder):
        folders, files = storage.listdir(folder)
        found.extend(f"{folder}{name}" for name in files)
        for sub in folders:
            walk(f"{folder}{sub}/")

    if storage.exists(""):
        walk("")
    return sorted(found)


def text_of_pdf(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def text_of_docx(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return " ".join([paragraph.text for paragraph in document.paragraphs] + cells)


def text_of_xlsx(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return " ".join(
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )


TEXT_OF = {"pdf": text_of_pdf, "docx": text_of_docx, "xlsx": text_of_xlsx}


def refuse_to_render(monkeypatch):
    """From here on, making any document fails: whatever is served must have been stored."""

    def refuse(report):
        raise AssertionError("a document was rendered")

    for module, name in (
        (reporting.documents.pdf, "render_pdf"),
        (reporting.documents.docx, "render_docx"),
        (reporting.documents.xlsx, "render_xlsx"),
    ):
        monkeypatch.setattr(module, name, refuse)


def test_publishing_stores_the_pdf_word_and_excel_files(published, document_storage):
    assert OrmQ.objects.count() == 3  # queued with the publication, for the worker

    run_queued_jobs()

    documents = ReportDocument.objects.filter(report=published).by_kind()
    assert sorted(documents) == sorted(KINDS)
    for kind, document in documents.items():
        assert document.state == DocumentState.READY
        assert document.data_as_of is None  # frozen data, not a moment of live data
        with document_storage.open(document.file.name) as stored:
            content = stored.read()
        assert document.size == len(content)
        text = TEXT_OF[kind](content)
        for title in ("Publiekscampagne", "Publieksmonitor", "Act4Respect"):
            assert title in text, kind
        assert "Intern overleg" not in text
    assert len(stored_files(document_storage)) == 3


def test_no_request_makes_a_published_document_again(client, published, monkeypatch):
    run_queued_jobs()
    stored = {document.kind: document.file.read() for document in published.documents.all()}
    refuse_to_render(monkeypatch)

    for kind in KINDS:
        response = client.get(f"/rapportages/{published.slug}.{kind}")

        assert response.status_code == 200, kind
        assert b"".join(response.streaming_content) == stored[kind]
        assert response["Content-Type"] == CONTENT_TYPES[kind]
        disposition = "inline" if kind == "pdf" else "attachment"
        assert response["Content-Disposition"] == (
            f'{disposition}; filename="{published.slug}.{kind}"'
        )
        assert "max-age=86400" in response["Cache-Control"]
    assert not OrmQ.objects.exists()  # nothing queued again either


def test_while_the_worker_is_busy_the_page_says_the_document_is_being_made(client, published):
    for kind in KINDS:
        response = client.get(f"/rapportages/{published.slug}.{kind}")

        assert response.status_code == 202
        assert "wordt gemaakt…" in response.text
        assert f'href="/rapportages/{published.slug}.{kind}"' in response.text  # look again
        assert response["Cache-Control"] == "no-store"
    page = client.get(published.get_absolute_url()).text
    assert page.count("(wordt gemaakt…)") == 3

    run_queued_jobs()

    page = client.get(published.get_absolute_url()).text
    assert "wordt gemaakt" not in page
    sizes = re.findall(r"\((PDF|DOCX|XLSX), ([\d,]+\s[kKM]B)\)", page)
    assert [kind for kind, _ in sizes] == ["PDF", "DOCX", "XLSX"]
    assert 'href="/rapportages/voortgangsrapportage-nap-2025.docx"' in page


def test_a_failed_document_says_so_and_coordinators_read_why(
    client, nap, draft, monkeypatch, settings
):
    settings.NAP_TASK_MAX_ATTEMPTS = 2
    published = publish_report(draft)

    def broken(report):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(reporting.documents.docx, "render_docx", broken)
    first_attempts = OrmQ.objects.order_by("id")
    for job in first_attempts:  # the first attempt of each: the next one is still to come
        task = job.task
        job.delete()
        with contextlib.suppress(OSError):
            run_attempt(*task["args"], **task["kwargs"])
    waiting = published.documents.get(kind="docx")
    assert waiting.state == DocumentState.WAITING
    assert "de worker probeert het later opnieuw" in waiting.error
    assert client.get(f"/rapportages/{published.slug}.docx").status_code == 202

    run_queued_jobs()  # the last attempt

    failed = published.documents.get(kind="docx")
    assert failed.state == DocumentState.FAILED
    assert failed.attempts == 2
    assert "kon niet worden gemaakt, ook niet na 2 pogingen" in failed.error
    assert "OSError: cannot load library 'libpango-1.0-0'" in failed.error
    response = client.get(f"/rapportages/{published.slug}.docx")
    assert response.status_code == 503
    assert "Het Word-bestand is niet beschikbaar" in response.text
    assert "libpango" not in response.text  # the details are for coordinators
    assert "(niet beschikbaar)" in client.get(published.get_absolute_url()).text

    client.force_login(make_coordinator())
    admin_page = client.get(reverse("admin:reporting_progressreport_change", args=[published.pk]))
    assert "kon niet worden gemaakt, ook niet na 2 pogingen" in admin_page.text


def test_a_document_whose_job_hit_the_time_limit_is_reported_failed_not_made_for_ever(
    client, published, settings
):
    settings.NAP_TASK_TIMEOUT = 600
    migration = importlib.import_module("reporting.migrations.0009_plan_overdue_jobs")
    Schedule.objects.filter(name=migration.OVERDUE_JOBS).delete()
    migration.plan_overdue_jobs(apps, schema_editor=None)
    migration.plan_overdue_jobs(apps, schema_editor=None)
    [schedule] = Schedule.objects.filter(name=migration.OVERDUE_JOBS)
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 5, -1)
    # The worker took both jobs. It stopped the PDF's at its ten-minute limit eleven minutes
    # in, and does not retry it; the Word file's job is five minutes in and still running.
    now = timezone.now()
    busy = published.documents.filter(state=DocumentState.WAITING)
    busy.filter(kind="pdf").update(
        state=DocumentState.BUSY, started_at=now - datetime.timedelta(minutes=11)
    )
    busy.filter(kind="docx").update(
        state=DocumentState.BUSY, started_at=now - datetime.timedelta(minutes=5)
    )

    import_string(schedule.func)()

    pdf = client.get(f"/rapportages/{published.slug}.pdf")
    assert pdf.status_code == 503
    assert "Het PDF-bestand is niet beschikbaar" in pdf.text
    assert client.get(f"/rapportages/{published.slug}.docx").status_code == 202
    client.force_login(make_coordinator())
    admin_page = client.get(reverse("admin:reporting_progressreport_change", args=[published.pk]))
    assert "Het maken duurde langer dan 10 minuten en is gestopt." in admin_page.text


def test_a_job_that_runs_twice_stores_one_file(published, document_storage):
    [job, *_] = OrmQ.objects.order_by("id")
    document_id, requested_at = job.task["args"][1]

    first = make_document(document_id, requested_at)
    again = make_document(document_id, requested_at)

    assert "opgeslagen" in first
    assert again == "Was al klaar."
    assert len(stored_files(document_storage)) == 1


def test_a_newer_request_replaces_the_older_one_and_its_file(
    nap, draft, document_storage, django_capture_on_commit_callbacks
):
    request_documents(draft, ["xlsx"])
    run_queued_jobs()
    old_name = draft.documents.get().file.name
    request_documents(draft, ["xlsx"])
    [older_job_args] = [job.task["args"][1] for job in OrmQ.objects.all()]
    request_documents(draft, ["xlsx"])  # asked again before the worker came round

    with django_capture_on_commit_callbacks(execute=True):
        run_queued_jobs()

    document = draft.documents.get()
    assert document.state == DocumentState.READY
    assert make_document(*older_job_args).startswith("Vervangen")
    assert stored_files(document_storage) == [document.file.name]
    assert document.file.name != old_name


def test_a_report_published_before_documents_were_stored_gets_them_on_first_download(
    client, published
):
    ReportDocument.objects.all().delete()
    OrmQ.objects.all().delete()

    first = client.get(f"/rapportages/{published.slug}.pdf")
    second = client.get(f"/rapportages/{published.slug}.pdf")

    assert first.status_code == second.status_code == 202
    assert OrmQ.objects.count() == 1  # queued once, not once per visit
    run_queued_jobs()
    assert client.get(f"/rapportages/{published.slug}.pdf").status_code == 200


def test_a_stored_file_that_went_missing_is_made_again_not_an_error(
    client, published, document_storage
):
    run_queued_jobs()
    document = published.documents.get(kind="xlsx")
    document_storage.delete(document.file.name)

    response = client.get(f"/rapportages/{published.slug}.xlsx")

    assert response.status_code == 202
    assert OrmQ.objects.count() == 1
    run_queued_jobs()
    assert client.get(f"/rapportages/{published.slug}.xlsx").status_code == 200


@pytest.mark.parametrize("how", ["service", "command", "admin"])
def test_every_way_of_publishing_queues_the_three_documents(nap, draft, how):
    if how == "service":
        publish_report(draft)
    elif how == "command":
        call_command("publish_report", draft.slug, stdout=io.StringIO())
    else:
        client = Client()
        client.force_login(make_coordinator())
        client.post(
            reverse("admin:reporting_progressreport_changelist"),
            {"action": "publish", "_selected_action": [draft.pk]},
        )

    assert sorted(job.name() for job in OrmQ.objects.all()) == [
        f"{name} van {draft.slug} (poging 1 van 5)" for name in ("Excel", "PDF", "Word")
    ]
    assert set(draft.documents.values_list("state", flat=True)) == {DocumentState.WAITING}


def test_a_publication_that_fails_queues_nothing(draft, statuses):
    with pytest.raises(Exception, match="geen openbare activiteiten"):
        publish_report(draft)

    assert not OrmQ.objects.exists()
    assert not ReportDocument.objects.exists()


def post_action(client, action: str, report: ProgressReport):
    return client.post(
        reverse("admin:reporting_progressreport_changelist"),
        {"action": action, "_selected_action": [report.pk]},
        follow=True,
    )


def test_make_document_queues_a_drafts_documents_for_coordinators(nap, draft, client):
    client.force_login(make_coordinator())

    response = post_action(client, "make_pdf", draft)

    assert "PDF van “Voortgangsrapportage NAP 2025” staan klaar voor de worker" in response.text
    assert [job.name() for job in OrmQ.objects.all()] == [f"PDF van {draft.slug} (poging 1 van 5)"]
    post_action(client, "make_documents", draft)
    assert OrmQ.objects.count() == 4


def test_staff_who_may_only_view_reports_cannot_make_documents(nap, draft, client):
    reader = User.objects.create_user("lezer", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_progressreport"))
    client.force_login(reader)

    changelist = client.get(reverse("admin:reporting_progressreport_changelist"))
    response = post_action(client, "make_documents", draft)

    assert changelist.status_code == 200
    assert "Maak document" not in changelist.text
    assert response.status_code == 200
    assert not OrmQ.objects.exists()
    assert not ReportDocument.objects.exists()


def test_a_drafts_document_is_for_staff_only_and_labelled_with_the_moment_of_its_data(
    nap, draft, client, document_storage
):
    coordinator = make_coordinator()
    client.force_login(coordinator)
    post_action(client, "make_docx", draft)
    run_queued_jobs()
    document = draft.documents.get()
    assert document.data_as_of is not None and document.requested_by == coordinator
    moment = timezone.localtime(document.data_as_of)

    change_page = client.get(reverse("admin:reporting_progressreport_change", args=[draft.pk]))
    url = reverse("admin:reporting_progressreport_document", args=[draft.pk, "docx"])
    assert f'href="{url}"' in change_page.text
    label = f"{moment:%d-%m-%Y %H:%M}"
    assert f"concept, stand {label}" in change_page.text
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == document.file.read()
    assert f"-concept-{moment:%Y-%m-%d-%H%M}.docx" in download["Content-Disposition"]

    ministry_staff = Client()
    ministry_staff.force_login(make_staff_member())
    assert ministry_staff.get(url).status_code == 403  # staff who may not view reports
    anonymous = Client()
    assert anonymous.get(url).status_code == 302  # to the login page
    assert anonymous.get(f"/rapportages/{draft.slug}.docx").status_code == 404
    assert "concept" not in anonymous.get(reverse("reporting:list")).text.lower()


def test_the_report_page_runs_the_same_queries_with_and_without_documents(client, published):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(published.get_absolute_url()).status_code == 200
        return len(captured)

    without = queries()
    run_queued_jobs()
    with_documents = queries()

    assert with_documents == without
