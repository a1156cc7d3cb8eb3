import datetime
import io
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from reporting.models import ProgressReport
from reporting.services import publish_report
from tests.factories import make_activity
from tests.reporting.documents import run_queued_jobs


def pdf_of(client, report) -> PdfReader:
    run_queued_jobs(["pdf"])  # a published report's PDF is made by the worker
    response = client.get(f"/rapportages/{report.slug}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{report.slug}.pdf"'
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(content))


def text_of(pdf: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)


def test_the_pdf_contains_every_activity_and_the_report_parts(client, nap, draft):
    publish_report(draft)

    pdf = pdf_of(client, draft)

    text = text_of(pdf)
    for title in ("Publiekscampagne", "Publieksmonitor", "Act4Respect"):
        assert title in text
    assert "Intern overleg" not in text
    for part in ("Samenvatting", "Statuslegenda", "Actielijn 2: Wet- en regelgeving"):
        assert part in text
    assert pdf.metadata.title == "Voortgangsrapportage NAP 2025"


def test_a_draft_pdf_shows_the_latest_data(admin_client, nap, draft):
    admin_client.get(f"/rapportages/{draft.slug}.pdf")
    nap["campaign"].title = "Publiekscampagne 2.0"
    nap["campaign"].save()

    text = text_of(pdf_of(admin_client, draft))

    assert "Publiekscampagne 2.0" in text


def test_the_pdf_is_a4_landscape_with_page_numbers(client, nap, draft):
    """Both come from the print stylesheet, so this also shows it was read from disk."""
    publish_report(draft)

    pdf = pdf_of(client, draft)

    for number, page in enumerate(pdf.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (842, 595)  # A4 landscape in points
        assert f"Pagina {number} van {len(pdf.pages)}" in page.extract_text()


def test_a_long_annex_repeats_the_table_header_on_every_page(client, nap, draft, statuses):
    line = nap["campaign"].action_line
    for number in range(40):
        make_activity(
            action_line=line,
            status=statuses["loopt"],
            title=f"Activiteit nummer {number}",
            explanation="Een toelichting van een paar regels. " * 12,
        )
    publish_report(draft)

    pdf = pdf_of(client, draft)

    annex_pages = [
        page.extract_text() for page in pdf.pages if "Activiteit nummer" in page.extract_text()
    ]
    assert len(annex_pages) > 2
    assert all("Toelichting" in page for page in annex_pages)
    text = text_of(pdf)
    assert all(f"Activiteit nummer {number}" in text for number in range(40))


def test_the_pdf_runs_the_same_number_of_queries_for_10_and_200_activities(client, nap, statuses):
    def queries_for_report(slug: str) -> int:
        report = ProgressReport.objects.create(
            title=slug, slug=slug, reference_date=datetime.date.today()
        )
        publish_report(report)
        with CaptureQueriesContext(connection) as queries:
            pdf_of(client, report)
        return len(queries)

    queries_for_report("vorige")  # so that both reports below have one to compare with
    line = nap["campaign"].action_line
    for _ in range(7):
        make_activity(action_line=line, status=statuses["loopt"], footnotes=("bron",))
    small = queries_for_report("klein")

    for _ in range(190):
        make_activity(action_line=line, status=statuses["loopt"], footnotes=("bron",))
    large = queries_for_report("groot")

    assert small == large


def test_the_pdf_reads_stylesheets_from_disk():
    from reporting.documents.pdf import StaticFileFetcher

    response = StaticFileFetcher().fetch("http://testserver/static/css/report-print.css")

    assert b"A4 landscape" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "http://testserver/admin/",
        "http://testserver/static/css/bestaat-niet.css",
        "http://testserver/static/../napsite/settings.py",
        "file:///etc/passwd",
    ],
)
def test_the_pdf_fetches_nothing_else(url):
    from reporting.documents.pdf import StaticFileFetcher

    with pytest.raises(ValueError, match="Alleen lokale statische bestanden"):
        StaticFileFetcher().fetch(url)


def test_without_weasyprint_the_pdf_link_explains_instead_of_failing(
    admin_client, nap, draft, monkeypatch
):
    client = admin_client  # a draft's PDF is made on request
    # As if Pango were not installed: WeasyPrint cannot be imported, by a fresh import too.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    monkeypatch.delitem(sys.modules, "reporting.documents.pdf", raising=False)

    response = client.get(f"/rapportages/{draft.slug}.pdf")

    assert response.status_code == 503
    assert "PDF tijdelijk niet beschikbaar" in response.text
    assert f'href="/rapportages/{draft.slug}/"' in response.text


def test_each_action_lines_footnotes_carry_their_report_numbers_in_the_pdf(client, nap, draft):
    """WeasyPrint ignores <li value>: the numbers must be in the text of the PDF itself."""
    act4respect = nap["act4respect"]
    act4respect.explanation = "Het wetsvoorstel[^1] ligt bij de Raad van State[^2]."
    act4respect.save()
    act4respect.footnotes.create(number=1, position=1, text="Brief over het wetsvoorstel")
    act4respect.footnotes.create(number=2, position=2, text="Advies van de Raad van State")
    publish_report(draft)

    pdf = pdf_of(client, draft)

    [page] = [p for p in pdf.pages if "Brief over het wetsvoorstel" in p.extract_text()]
    lines = [" ".join(line.split()) for line in page.extract_text().splitlines()]
    # Action line 1 has footnotes 1-3, so action line 2's list continues at 4, not at 1.
    assert "4. Brief over het wetsvoorstel" in lines
    assert "5. Advies van de Raad van State" in lines
