"""A real worker (`manage.py qcluster`, its own process) makes a published report's documents,
and the site serves the stored files."""

import io
import time

import pytest
from django.conf import settings
from django_q.models import OrmQ
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from reporting.models import DocumentState, ReportDocument
from reporting.services import publish_report
from tests.napsite.processes import shared_database_url, start_python, stop

pytestmark = pytest.mark.slow


def test_the_worker_makes_and_stores_a_published_reports_documents(
    transactional_db, nap, draft, client, tmp_path, document_storage
):
    publish_report(draft)
    assert OrmQ.objects.count() == 3
    worker = start_python(
        "manage.py",
        "qcluster",
        log=tmp_path / "worker.log",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,  # jobs are signed with it
        DATABASE_URL=shared_database_url(),
        NAP_SHARED_CACHE_DIR=str(tmp_path / "cache"),
        DJANGO_MANIFEST_STATIC="0",  # as in the tests: no collectstatic here
        NAP_TASK_MAX_ATTEMPTS="1",  # a failure shows at once
        # The folder this test's own storage reads (see the document_storage fixture).
        NAP_REPORT_DOCUMENTS_DIR=str(document_storage.location),
    )
    try:
        deadline = time.monotonic() + 120  # generous: CI machines can be busy
        while ReportDocument.objects.exclude(state=DocumentState.READY).exists():
            if time.monotonic() > deadline or ReportDocument.objects.filter(
                state=DocumentState.FAILED
            ):
                pytest.fail(f"Not done in time. Worker output:\n{worker_log(tmp_path)}")
            time.sleep(0.5)
    finally:
        stop(worker)

    responses = {kind: client.get(f"/rapportages/{draft.slug}.{kind}") for kind in KINDS}
    for kind, response in responses.items():
        assert response.status_code == 200, kind
    pdf = PdfReader(io.BytesIO(read(responses["pdf"])))
    word = Document(io.BytesIO(read(responses["docx"])))
    workbook = load_workbook(io.BytesIO(read(responses["xlsx"])), read_only=True)
    assert "Act4Respect" in " ".join(page.extract_text() for page in pdf.pages)
    assert "Act4Respect" in [
        cell.text for table in word.tables for row in table.rows for cell in row.cells
    ]
    assert "Act4Respect" in [row[2] for row in workbook["Bijlage"].iter_rows(values_only=True)]
    assert not OrmQ.objects.exists()


KINDS = ("pdf", "docx", "xlsx")


def read(response) -> bytes:
    return b"".join(response.streaming_content)


def worker_log(tmp_path) -> str:
    return (tmp_path / "worker.log").read_text()
