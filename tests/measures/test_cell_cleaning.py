"""Every file the site writes cleans its cells the same way: control characters out, *then*
formula-like text made inert. The other order leaves "\\x01=HYPERLINK(...)" a live formula
once the control character is gone."""

import csv
import io

import pytest
from openpyxl import load_workbook

from measures.models import Status
from reporting.models import ProgressReport
from reporting.services import publish_report
from tests.factories import make_activity
from tests.measures.editors import CSV, download_template, make_coordinator
from tests.reporting.documents import run_queued_jobs

FORMULA = '=HYPERLINK("http://example.invalid","klik")'
HIDDEN_FORMULA = "\x01" + FORMULA  # how it reached the template: a control character first
INERT = "'" + FORMULA


@pytest.fixture
def smuggled(action_line, status, ocw):
    return make_activity(
        action_line=action_line,
        status=status,
        actors=(ocw,),
        title="Campagne",
        slug="campagne",
        explanation=HIDDEN_FORMULA,
    )


def assert_inert(cell):
    assert cell.data_type == "s"  # text, not a formula ("f")
    assert cell.value == INERT


def test_the_update_template_never_holds_a_live_formula(client, smuggled):
    client.force_login(make_coordinator())

    sheet = load_workbook(io.BytesIO(download_template(client))).worksheets[0]
    headers = [cell.value for cell in sheet[1]]

    assert_inert(sheet.cell(row=2, column=headers.index("Toelichting") + 1))


def test_the_csv_update_template_never_holds_a_live_formula(client, smuggled):
    client.force_login(make_coordinator())

    rows = list(csv.DictReader(io.StringIO(download_template(client, CSV).decode("utf-8-sig"))))

    assert rows[0]["Toelichting"] == INERT


def test_a_status_with_a_control_character_still_gives_a_clean_template(client, smuggled):
    Status.objects.filter(pk=smuggled.status_id).update(label="Lo\x02opt", definition="\x03=1+1")
    client.force_login(make_coordinator())

    workbook = load_workbook(io.BytesIO(download_template(client)))

    statuses = workbook["Statussen"]
    assert [statuses["A2"].value, statuses["B2"].value] == ["Loopt", "'=1+1"]
    assert statuses["B2"].data_type == "s"
    assert workbook.worksheets[0]["E2"].value == "Loopt"


def test_the_overview_downloads_never_hold_a_live_formula(client, smuggled):
    body = b"".join(client.get("/activiteiten/export.csv").streaming_content)
    [row] = csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
    assert row["toelichting"] == INERT

    response = client.get("/activiteiten/export.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Activiteiten"]
    headers = [cell.value for cell in sheet[1]]
    assert_inert(sheet.cell(row=2, column=headers.index("toelichting") + 1))


def test_the_report_workbook_never_holds_a_live_formula(client, smuggled):
    report = ProgressReport.objects.create(
        title="Rapportage", slug="rapportage", reference_date=smuggled.updated_at.date()
    )
    publish_report(report)
    run_queued_jobs(["xlsx"])  # a published report's workbook is made by the worker

    response = client.get(f"/rapportages/{report.slug}.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Bijlage"]

    headers = [cell.value for cell in sheet[1]]
    assert_inert(sheet.cell(row=2, column=headers.index("toelichting") + 1))
