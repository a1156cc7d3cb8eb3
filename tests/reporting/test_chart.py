import datetime
import io
import re

import pytest
from docx import Document

from measures.models import Status
from reporting.documents.docx import render_docx
from reporting.models import ProgressReport
from reporting.services import publish_report
from tests.factories import make_activity


@pytest.fixture
def two_published(nap, statuses):
    Status.objects.filter(code="loopt").update(colour="#01689b")
    Status.objects.filter(code="afgerond").update(colour="#ffe97f")  # light: needs black text
    earlier = ProgressReport.objects.create(
        title="Rapportage 2024", slug="nap-2024", reference_date=datetime.date.today()
    )
    publish_report(earlier)
    line = nap["campaign"].action_line
    for _ in range(4):
        make_activity(action_line=line, status=statuses["afgerond"])
    nap["act4respect"].status = statuses["loopt"]
    nap["act4respect"].save()
    later = ProgressReport.objects.create(
        title="Rapportage 2025",
        slug="nap-2025",
        reference_date=datetime.date.today() + datetime.timedelta(days=1),
    )
    publish_report(later)
    return earlier, later


def charts(page: str) -> list[str]:
    return re.findall(r'<figure class="status-chart".*?</figure>', page, re.S)


def svg_numbers(figure: str) -> dict[str, list[str]]:
    """Per action line, the texts the SVG prints on its row: segment labels, then the total."""
    svg = re.search(r"<svg class=\"status-chart__svg\".*?</svg>", figure, re.S).group(0)
    rows, current = {}, None
    for text in re.findall(r"<text[^>]*>(.*?)</text>", svg):
        if text.startswith("Actielijn"):
            current = rows.setdefault(text, [])
        else:
            current.append(text)
    return rows


def summary_rows(page: str) -> dict[str, list[str]]:
    table = page.split('<table class="summary">', 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_report_opens_with_a_chart_whose_numbers_match_the_summary(client, two_published):
    _, later = two_published
    page = client.get(later.get_absolute_url()).text

    summary = summary_rows(page)
    this_year, last_year = charts(page)
    assert (
        '<figcaption id="statusgrafiek-onderschrift">Activiteiten per actielijn en status in '
        "Rapportage 2025 (stand van zaken per" in this_year
    )
    assert "Ter vergelijking: activiteiten per actielijn en status in Rapportage 2024" in last_year
    # Status in the legend order of the conftest: nog niet gestart, loopt, vertraagd, afgerond;
    # then the total and the number whose planning had expired.
    assert summary == {
        "Actielijn 1": ["1", "1", "0", "4", "6", "1"],
        "Actielijn 2": ["0", "1", "0", "0", "1", "0"],
    }
    assert svg_numbers(this_year) == {
        "Actielijn 1": ["○ 1", "→ 1", "✓ 4", "6"],
        "Actielijn 2": ["→ 1", "1"],
    }
    # The same numbers as a table, for screen readers and without the picture.
    hidden = this_year.split('<div class="visually-hidden"><table>', 1)[1]
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", hidden.split("<tbody>", 1)[1])
    assert cells == ["Actielijn 1", "1", "1", "0", "4", "6", "Actielijn 2", "0", "1", "0", "0", "1"]
    assert svg_numbers(last_year) == {
        "Actielijn 1": ["○ 1", "→ 1", "2"],
        "Actielijn 2": ["! 1", "1"],
    }


def test_the_chart_is_an_image_with_a_text_alternative_and_a_legend(client, two_published):
    _, later = two_published
    [chart, _] = charts(client.get(later.get_absolute_url()).text)

    assert 'role="img" aria-labelledby="statusgrafiek-titel statusgrafiek-beschrijving"' in chart
    description = re.search(r'<desc id="statusgrafiek-beschrijving">(.*?)</desc>', chart).group(1)
    assert description == (
        "Actielijn 1: 1 nog niet gestart, 1 loopt, 4 afgerond (6 in totaal). "
        "Actielijn 2: 1 loopt (1 in totaal)."
    )
    # Colours from the statuses, with the text colour that contrasts most on each.
    assert re.search(r'fill="#01689b"[^>]*/>\s*<text[^>]*fill="#ffffff">→ 1<', chart)
    assert re.search(r'fill="#ffe97f"[^>]*/>\s*<text[^>]*fill="#000000">✓ 4<', chart)
    legend = chart.split('<ul class="status-chart__legend">', 1)[1].split("</ul>", 1)[0]
    assert [
        re.sub(r"<[^>]+>", "", li).split() for li in re.findall(r"<li>(.*?)</li>", legend, re.S)
    ] == [
        ["○", "Nog", "niet", "gestart"],
        ["→", "Loopt"],
        ["!", "Vertraagd"],
        ["✓", "Afgerond"],
    ]


def test_a_first_report_has_one_chart(client, two_published):
    earlier, _ = two_published

    assert len(charts(client.get(earlier.get_absolute_url()).text)) == 1


def test_the_word_document_has_the_chart_as_a_table_with_the_numbers(two_published):
    _, later = two_published
    document = Document(io.BytesIO(render_docx(later)))

    this_year, last_year = document.tables[:2]
    rows = [
        (
            row.cells[0].text,
            [c.text for t in row.cells[1].tables for c in t.rows[0].cells],
            row.cells[2].text,
        )
        for row in this_year.rows[1:]
    ]
    assert rows == [("Actielijn 1", ["○ 1", "→ 1", "✓ 4"], "6"), ("Actielijn 2", ["→ 1"], "1")]
    shading = this_year.rows[1].cells[1].tables[0].rows[0].cells[2]._tc.tcPr.xml
    assert 'w:fill="FFE97F"' in shading
    assert last_year.rows[1].cells[0].text == "Actielijn 1"
    paragraphs = [p.text for p in document.paragraphs]
    assert "Legenda: ○ Nog niet gestart; → Loopt; ! Vertraagd; ✓ Afgerond" in paragraphs


def test_the_pdf_has_the_chart_with_its_numbers(two_published):
    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    from reporting.documents.pdf import render_pdf

    _, later = two_published
    first_pages = PdfReader(io.BytesIO(render_pdf(later))).pages[:3]
    text = " ".join(" ".join(page.extract_text().split()) for page in first_pages)

    assert "Stand van zaken in beeld" in text
    assert "Actielijn 1 ○ 1 → 1 ✓ 4 6" in text
