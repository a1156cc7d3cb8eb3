import datetime
import io
import os
import re
import sys

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from reporting.documents import pdf as pdf_module
from reporting.models import ProgressReport
from reporting.services import publish_report
from tests.factories import make_activity, make_actor
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


def test_the_pdf_runs_the_same_number_of_queries_for_10_and_60_activities(client, nap, statuses):
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

    for _ in range(50):
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


# -- the annex as the ministry would send it ---------------------------------------------------

FURNITURE = re.compile(r"Stand van zaken per \d+ \w+ \d{4}|Pagina \d+ van \d+|Concept")


def pages_of(pdf: PdfReader) -> list[str]:
    """Each page's text with its whitespace collapsed, so sentences that wrap still match."""
    return [" ".join(page.extract_text().split()) for page in pdf.pages]


def long_annex(statuses, line, count=30) -> None:
    """Enough rows with footnotes to fill several pages; each row cites its own source."""
    for number in range(count):
        make_activity(
            action_line=line,
            status=statuses["loopt"],
            title=f"Activiteit nummer {number}",
            explanation=f"Zin {number} citeert een bron[^1]. " + "Nog wat uitleg erbij. " * 25,
            footnotes=(f"Bron van activiteit {number}",),
        )


def test_each_footnote_sits_on_the_page_that_cites_it(client, nap, draft, statuses):
    long_annex(statuses, nap["campaign"].action_line)
    publish_report(draft)

    pages = pages_of(pdf_of(client, draft))

    assert len(pages) > 4
    for number in range(30):
        [citing] = [page for page in pages if f"Zin {number} citeert een bron" in page]
        assert f"Bron van activiteit {number}" in citing, number


def test_a_footnote_cited_twice_is_printed_once_under_the_first_citation(
    client, nap, draft, statuses
):
    act4respect = nap["act4respect"]
    act4respect.explanation = "Het wetsvoorstel[^1] en opnieuw het wetsvoorstel[^1]."
    act4respect.save()
    act4respect.footnotes.create(number=1, position=1, text="Brief over het wetsvoorstel")
    long_annex(statuses, act4respect.action_line, count=10)  # rows after it, pages long
    publish_report(draft)

    pages = pages_of(pdf_of(client, draft))

    assert sum(page.count("Brief over het wetsvoorstel") for page in pages) == 1
    [page] = [page for page in pages if "Brief over het wetsvoorstel" in page]
    assert "Het wetsvoorstel" in page


@pytest.mark.parametrize(
    "text",
    ["Zie https://www.rcgog.nl/handreiking", "Te vinden op: www.rcgog.nl/handreiking"],
)
def test_a_url_footnote_prints_its_url_once(client, nap, draft, text):
    act4respect = nap["act4respect"]
    act4respect.explanation = "Zie de handreiking[^1]."
    act4respect.save()
    act4respect.footnotes.create(
        number=1, position=1, text=text, url="https://www.rcgog.nl/handreiking"
    )
    publish_report(draft)

    whole = text_of(pdf_of(client, draft))

    assert whole.count("www.rcgog.nl/handreiking") == 1


def test_concept_is_on_every_page_of_a_draft_and_on_none_of_a_published_report(
    client, admin_client, nap, draft, statuses
):
    long_annex(statuses, nap["campaign"].action_line, count=12)

    draft_pages = pages_of(pdf_of(admin_client, draft))
    assert len(draft_pages) > 2
    assert all("Concept" in page for page in draft_pages)

    publish_report(draft)
    published_pages = pages_of(pdf_of(client, draft))
    assert not any("Concept" in page for page in published_pages)


def test_no_page_is_nearly_empty(client, nap, draft, statuses):
    """Forced breaks before small blocks and footnote lists spilling over made pages with a
    legend row or a few footnotes only: every page but the last is well filled."""
    long_annex(statuses, nap["campaign"].action_line, count=8)
    publish_report(draft)

    pdf = pdf_of(client, draft)
    pages = pages_of(pdf)

    bodies = [FURNITURE.sub("", page) for page in pages]
    assert len(bodies) > 2
    # A full page holds some 2,500 characters; the title page with the summary about 1,000.
    assert all(len(body) > 700 for body in bodies[:-1]), [len(body) for body in bodies]


def bookmarks(pdf: PdfReader) -> list[tuple[str, int]]:
    """The top-level bookmarks: (title, page number from 1)."""
    return [
        (item.title, pdf.get_destination_page_number(item) + 1)
        for item in pdf.outline
        if not isinstance(item, list)
    ]


def test_every_part_and_action_line_has_a_bookmark_to_its_page(client, nap, draft, statuses):
    long_annex(statuses, nap["campaign"].action_line, count=10)
    publish_report(draft)

    pdf = pdf_of(client, draft)

    marks = dict(bookmarks(pdf))
    pages = pages_of(pdf)
    for title in (
        "Samenvatting",
        "Statuslegenda",
        "Actielijn 1: Er zijn gedeelde maatschappelijke waarden en normen",
        "Actielijn 2: Wet- en regelgeving weerspiegelen de normen",
        "Bijlage: wat is er veranderd",
    ):
        assert title in pages[marks[title] - 1]


def test_the_pdf_is_pdf_ua_in_dutch_with_the_report_title(client, nap, draft):
    publish_report(draft)

    pdf = pdf_of(client, draft)

    assert pdf.metadata.title == "Voortgangsrapportage NAP 2025"
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == "nl"
    assert root["/MarkInfo"]["/Marked"]
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    assert re.search(r'pdfuaid:part(="|>)1\b', root["/Metadata"].get_data().decode())


def test_a_report_rendered_in_parts_keeps_numbers_bookmarks_and_tags(
    client, nap, draft, statuses, monkeypatch
):
    """A large report is rendered a few activities at a time and joined: the reader sees one
    document (pages numbered through, bookmarks to the right pages, one tag tree)."""
    monkeypatch.setattr(pdf_module, "PART_ROWS", 4)
    long_annex(statuses, nap["act4respect"].action_line, count=10)
    publish_report(draft)

    pdf = pdf_of(client, draft)

    pages = pages_of(pdf)
    assert all(f"Pagina {n} van {len(pages)}" in page for n, page in enumerate(pages, start=1))
    marks = dict(bookmarks(pdf))
    line_2 = "Actielijn 2: Wet- en regelgeving weerspiegelen de normen"
    assert line_2 in pages[marks[line_2] - 1]
    assert "Bijlage: wat is er veranderd" in pages[marks["Bijlage: wat is er veranderd"] - 1]
    for number in range(10):
        [citing] = [page for page in pages if f"Zin {number} citeert een bron" in page]
        assert f"Bron van activiteit {number}" in citing
    # One structure tree: every page is linked to it under its own key.
    root = pdf.trailer["/Root"]["/StructTreeRoot"]
    keys = root["/ParentTree"]["/Nums"][::2]
    page_keys = [page["/StructParents"] for page in pdf.pages]
    assert len(set(page_keys)) == len(pdf.pages)
    assert set(page_keys) <= set(keys)
    cells = 0
    stack = list(root["/K"])
    while stack:
        element = stack.pop().get_object()
        if isinstance(element, dict) and element.get("/S") == "/TH":
            cells += 1
        kids = element.get("/K", []) if isinstance(element, dict) else []
        stack.extend(kids if isinstance(kids, list) else [kids])
    # A header cell for each activity (3 in the fixture, 10 added) and each column header.
    assert cells >= 13


def test_a_report_in_parts_is_written_to_a_file_as_one_numbered_document(
    nap, draft, statuses, monkeypatch, tmp_path
):
    """The document job writes the PDF to a file instead of holding it in memory: each part
    rendered apart, numbered through and joined on disk."""
    monkeypatch.setattr(pdf_module, "PART_ROWS", 4)
    long_annex(statuses, nap["act4respect"].action_line, count=6)
    publish_report(draft)
    path = tmp_path / "rapportage.pdf"

    pdf_module.render_pdf_to(draft, path)

    pdf = PdfReader(path)
    pages = pages_of(pdf)
    assert len(pages) > 3
    assert all(f"Pagina {n} van {len(pages)}" in page for n, page in enumerate(pages, start=1))
    marks = dict(bookmarks(pdf))
    for title in ("Samenvatting", "Bijlage: wat is er veranderd"):
        assert title in pages[marks[title] - 1]
    assert pdf.metadata.title == "Voortgangsrapportage NAP 2025"


def test_a_part_that_fails_to_render_gives_a_clear_error(nap, draft, monkeypatch):
    def broken(*args):
        raise ValueError("lettertype onleesbaar")

    monkeypatch.setattr(pdf_module, "render_part", broken)

    with pytest.raises(RuntimeError, match="niet gemaakt: ValueError: lettertype onleesbaar"):
        pdf_module.render_pdf(draft)


def test_a_renderer_that_dies_fails_the_pdf_but_not_the_process(nap, draft, monkeypatch):
    """A part's renderer killed (say for lack of memory) takes only itself down."""
    monkeypatch.setattr(pdf_module, "render_part", lambda *args: os._exit(9))

    with pytest.raises(RuntimeError, match="stopte onverwacht"):
        pdf_module.render_pdf(draft)


def test_wie_spells_out_all_but_ministries_whose_codes_are_explained(client, nap, draft, statuses):
    initiator = make_actor("INIT", name="Initiatiefnemer (GL-PvdA)", kind="overig")
    make_activity(
        action_line=nap["act4respect"].action_line,
        status=statuses["loopt"],
        actors=(initiator,),
        title="Wijziging van de Arbeidsomstandighedenwet",
    )
    publish_report(draft)

    whole = text_of(pdf_of(client, draft))

    # A narrow column wraps the name: compare without spaces.
    assert "Initiatiefnemer(GL-PvdA)" in whole.replace(" ", "")
    assert "INIT" not in whole
    assert "OCW Ministerie van Onderwijs, Cultuur en Wetenschap" in whole  # under the legend


def test_the_first_page_names_the_configured_organisation(client, nap, draft, settings):
    settings.NAP_HOUSE_ORGANISATION = "Ministerie van Voorbeeldzaken"
    publish_report(draft)

    first_page = pages_of(pdf_of(client, draft))[0]

    assert first_page.startswith("Ministerie van Voorbeeldzaken")
