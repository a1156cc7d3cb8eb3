"""The report as a Word document, read back with python-docx as Word would read it."""

import datetime
import io
import struct
import zlib

import pytest
from django.core.exceptions import ImproperlyConfigured
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, RGBColor
from docx.table import Table
from openpyxl import load_workbook

from measures.models import Footnote
from reporting.documents.docx import render_docx
from reporting.models import ProgressReport
from reporting.services import publish_report
from tests.factories import make_activity
from tests.napsite.processes import run_python
from tests.reporting.documents import run_queued_jobs

ANNEX_HEADER = ["Activiteit", "Status", "Wanneer", "Wie", "Toelichting"]


@pytest.fixture
def published(nap, draft):
    publish_report(draft)
    return draft


def read(report) -> Document:
    return Document(io.BytesIO(render_docx(report)))


def blocks(document) -> list:
    """The body's paragraphs and tables, in reading order."""
    return list(document.iter_inner_content())


def after_heading(document, heading: str) -> list:
    """The blocks between a heading and the next Heading 1."""
    found, result = False, []
    for block in blocks(document):
        is_heading = not isinstance(block, Table) and block.style.name == "Heading 1"
        if found and is_heading:
            break
        if found:
            result.append(block)
        found = found or (is_heading and block.text == heading)
    assert found, f"no heading {heading!r}"
    return result


def table_rows(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def annex_table(document, heading: str) -> Table:
    return next(block for block in after_heading(document, heading) if isinstance(block, Table))


def superscripts(cell) -> list[str]:
    return [
        run.text for paragraph in cell.paragraphs for run in paragraph.runs if run.font.superscript
    ]


def footnote_lines(document, heading: str) -> list[str]:
    return [
        block.text
        for block in after_heading(document, heading)
        if not isinstance(block, Table) and block.style.name == "NAP Voetnoot"
    ]


def header_text(document) -> str:
    return "\n".join(p.text for p in document.sections[0].header.paragraphs)


def test_every_activity_is_in_its_action_lines_table(published):
    document = read(published)

    line_1 = annex_table(
        document, "Actielijn 1: Er zijn gedeelde maatschappelijke waarden en normen"
    )
    assert table_rows(line_1) == [
        ANNEX_HEADER,
        [
            "Publiekscampagne",
            "→ Loopt",
            "Q1 en Q3 2024",
            "OCW, SZW en JenV",
            "De campagne liep in 20241.\nZij wordt geëvalueerd2.",
        ],
        ["Publieksmonitor", "○ Nog niet gestart", "2025-2026", "OCW", "De eerste meting volgt3."],
    ]
    # Footnote references are superscript numbers, numbered through the report as in the PDF.
    assert superscripts(line_1.rows[1].cells[4]) == ["1", "2"]
    assert superscripts(line_1.rows[2].cells[4]) == ["3"]
    line_2 = annex_table(document, "Actielijn 2: Wet- en regelgeving weerspiegelen de normen")
    assert table_rows(line_2)[1:] == [
        [
            "Act4Respect",
            "! Vertraagd",
            "Vanaf 2023",
            "JenV",
            "Het wetsvoorstel ligt bij de Raad van State.",
        ]
    ]
    assert "Intern overleg" not in "\n".join(p.text for p in document.paragraphs)


def test_footnotes_follow_their_action_lines_table_with_the_reports_numbers(published):
    document = read(published)

    assert footnote_lines(
        document, "Actielijn 1: Er zijn gedeelde maatschappelijke waarden en normen"
    ) == [
        "1\tKamerstukken II 2023/24, 34843, nr. 100",
        "2\tZie de evaluatie",
        "3\tKamerstukken II 2024/25, 34843, nr. 110",
    ]
    assert (
        footnote_lines(document, "Actielijn 2: Wet- en regelgeving weerspiegelen de normen") == []
    )


def test_a_footnotes_url_is_printed_once_and_links(nap, draft):
    Footnote.objects.filter(activity=nap["campaign"], number=1).update(
        text="Kamerstukken II, zie www.example.org/stuk/12.", url="https://www.example.org/stuk/12"
    )
    Footnote.objects.filter(activity=nap["campaign"], number=2).update(
        url="https://example.org/evaluatie"
    )
    publish_report(draft)

    document = read(draft)

    footnotes = [p for p in document.paragraphs if p.style.name == "NAP Voetnoot"]
    assert [p.text for p in footnotes[:2]] == [
        "1\tKamerstukken II, zie www.example.org/stuk/12.",
        "2\tZie de evaluatie https://example.org/evaluatie",
    ]
    assert [[link.url for link in p.hyperlinks] for p in footnotes[:2]] == [
        ["https://www.example.org/stuk/12"],
        ["https://example.org/evaluatie"],
    ]


def test_every_tables_header_row_repeats_on_each_page(published):
    document = read(published)

    assert len(document.tables) == 5  # status chart, summary, legend, two action lines
    for table in document.tables:
        header = table.rows[0]._tr
        assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr is None for row in table.rows[1:])  # only the first repeats


def test_the_document_is_built_on_named_styles(published):
    document = read(published)

    styled = [(p.style.name, p.text) for p in document.paragraphs if p.style.name != "Normal"]
    assert ("Title", "Voortgangsrapportage NAP 2025") in styled
    headings = [text for style, text in styled if style == "Heading 1"]
    assert headings == [
        "Inleiding",
        "Stand van zaken in beeld",
        "Samenvatting",
        "Statuslegenda",
        "Actielijn 1: Er zijn gedeelde maatschappelijke waarden en normen",
        "Actielijn 2: Wet- en regelgeving weerspiegelen de normen",
        "Bijlage: wat is er veranderd",
    ]
    assert {table.style.name for table in document.tables} == {"NAP Tabel"}
    # Without a template, the house style: its font and its dark blue headings.
    heading = document.styles["Heading 1"].font
    assert heading.name == "Liberation Sans"
    assert heading.color.rgb == RGBColor(0x15, 0x42, 0x73)


def test_the_page_is_a4_landscape_with_page_numbers(published):
    document = read(published)

    section = document.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (29.7, 21.0)
    fields = [i.text.strip() for i in section.footer._element.iter(qn("w:instrText"))]
    assert fields == ["PAGE", "NUMPAGES"]
    assert "Stand van zaken per" in header_text(document)


def test_a_draft_says_concept_on_every_page_and_a_published_report_does_not(nap, draft):
    document = read(draft)

    assert header_text(document).startswith("Concept – Voortgangsrapportage NAP 2025")
    assert "Concept" in [p.text for p in document.paragraphs]  # on the title page
    publish_report(draft)
    assert "Concept" not in header_text(read(draft))


def test_the_summary_and_legend_give_status_as_symbol_and_label_with_numbers(published):
    document = read(published)

    summary = table_rows(annex_table(document, "Samenvatting"))
    assert summary[0] == [
        "Actielijn",
        "○ Nog niet gestart",
        "→ Loopt",
        "! Vertraagd",
        "✓ Afgerond",
        "Totaal",
    ]
    assert summary[-1] == ["Totaal", "1", "1", "1", "0", "3"]
    legend = table_rows(annex_table(document, "Statuslegenda"))
    assert legend[1:] == [
        ["○ Nog niet gestart", "Definitie van nog-niet-gestart."],
        ["→ Loopt", "Definitie van loopt."],
        ["! Vertraagd", "Definitie van vertraagd."],
        ["✓ Afgerond", "Definitie van afgerond."],
    ]


def test_a_published_report_renders_from_its_frozen_snapshot(nap, published, statuses):
    campaign = nap["campaign"]
    campaign.title = "Publiekscampagne (nieuw)"
    campaign.status = statuses["afgerond"]
    campaign.timeframe_label = "2026"
    campaign.explanation = "Helemaal herschreven."
    campaign.save()

    document = read(published)

    row = table_rows(
        annex_table(document, "Actielijn 1: Er zijn gedeelde maatschappelijke waarden en normen")
    )[1]
    assert row[:4] == ["Publiekscampagne", "→ Loopt", "Q1 en Q3 2024", "OCW, SZW en JenV"]
    assert row[4].startswith("De campagne liep in 2024")


def test_the_changes_annex_lists_what_changed_since_the_previous_report(nap, published, statuses):
    campaign = nap["campaign"]
    campaign.status = statuses["afgerond"]
    campaign.explanation = "De campagne is afgerond[^1]."
    campaign.save()
    make_activity(action_line=campaign.action_line, status=statuses["loopt"], title="Nieuwe aanpak")
    later = ProgressReport.objects.create(
        title="Voortgangsrapportage NAP 2026",
        slug="voortgangsrapportage-nap-2026",
        reference_date=datetime.date.today(),
    )

    annex = after_heading(read(later), "Bijlage: wat is er veranderd")

    headings = [b.text for b in annex if not isinstance(b, Table) and b.style.name == "Heading 2"]
    assert headings == [
        "Statuswijzigingen",
        "Wanneer: opnieuw gepland",
        "Wie: andere verantwoordelijken",
        "Afwijking van de planning",
        "Nieuwe titels",
        "Herschreven toelichtingen",
        "Voetnoten toegevoegd of vervallen",
        "Nieuwe activiteiten",
        "Niet meer opgenomen",
    ]
    tables = [table_rows(b) for b in annex if isinstance(b, Table)]
    assert tables[0] == [
        ["Activiteit", "Actielijn", "Was", "Is nu"],
        ["Publiekscampagne", "1", "→ Loopt", "✓ Afgerond"],
    ]
    assert tables[1] == [["Activiteit", "Actielijn", "Status"], ["Nieuwe aanpak", "1", "→ Loopt"]]
    diff = next(b for b in annex if not isinstance(b, Table) and "afgerond" in b.text)
    assert next(run.text for run in diff.runs if run.font.strike).startswith("liep in 2024")
    assert [run.text for run in diff.runs if run.font.underline] == ["is afgerond[1]."]


def test_control_and_xml_special_characters_do_not_break_the_document(nap, draft, statuses):
    make_activity(
        action_line=nap["campaign"].action_line,
        status=statuses["loopt"],
        title="A & B <c>\x01 \"d\" 'e'\x0b",
        timeframe_label="2024\x1f",
        explanation="Tekst\x02 met ]]> en &amp;\ufffe[^1].",
        footnotes=("Bron\x07 <b>",),
    )
    draft.title = "Rapportage\x0c <2025>"
    draft.save()

    document = read(draft)

    text = "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert "A & B <c> \"d\" 'e'" in text
    assert "Tekst met ]]> en &amp;4." in text
    assert "4\tBron <b>" in [p.text for p in document.paragraphs]
    assert "Rapportage <2025>" in header_text(document)


def test_a_configured_template_supplies_the_styles(nap, draft, tmp_path, settings):
    template = Document()
    template.styles["Heading 1"].font.name = "Sjabloonletter"
    template.add_paragraph("Voorbeeldtekst van het sjabloon")
    template.save(tmp_path / "sjabloon.docx")
    settings.NAP_REPORT_DOCX_TEMPLATE = str(tmp_path / "sjabloon.docx")

    document = read(draft)

    assert document.styles["Heading 1"].font.name == "Sjabloonletter"
    assert "Voorbeeldtekst van het sjabloon" not in [p.text for p in document.paragraphs]
    assert {table.style.name for table in document.tables} == {"NAP Tabel"}


def test_a_template_that_is_no_word_file_gets_a_clear_error(nap, draft, tmp_path, settings):
    (tmp_path / "sjabloon.docx").write_text("geen Word-bestand")
    settings.NAP_REPORT_DOCX_TEMPLATE = str(tmp_path / "sjabloon.docx")

    with pytest.raises(ImproperlyConfigured, match=r"sjabloon\.docx .* geen leesbaar"):
        render_docx(draft)


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    pixels = zlib.compress(b"".join(b"\x00" + b"\x15\x42\x73" * width for _ in range(height)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_the_house_style_names_the_organisation_and_shows_its_logo(nap, draft, tmp_path, settings):
    (tmp_path / "logo.png").write_bytes(png(4, 2))
    settings.NAP_HOUSE_LOGO = str(tmp_path / "logo.png")
    settings.NAP_HOUSE_ORGANISATION = "Programmateam NAP"
    settings.NAP_HOUSE_PRIMARY_COLOUR = "#336699"

    document = read(draft)

    assert "Programmateam NAP" in [p.text for p in document.paragraphs]
    assert len(document.inline_shapes) == 1
    assert round(document.inline_shapes[0].height.cm, 1) == round(Cm(2.5).cm, 1)
    assert document.styles["Heading 1"].font.color.rgb == RGBColor(0x33, 0x66, 0x99)
    assert document.core_properties.author == "Programmateam NAP"


def test_the_report_workbook_prints_landscape_on_one_page_width_with_repeated_headers(
    client, published
):
    run_queued_jobs(["xlsx"])
    response = client.get(f"/rapportages/{published.slug}.xlsx")

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    for name in ("Bijlage", "Samenvatting", "Statussen"):
        sheet = workbook[name]
        assert sheet.page_setup.orientation == "landscape", name
        assert sheet.print_title_rows == "$1:$1", name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0), name


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NAP_HOUSE_PRIMARY_COLOUR", "donkerblauw", "is not a colour like #154273"),
        ("NAP_HOUSE_LOGO", "/bestaat/niet/logo.png", "is not a readable file"),
        ("NAP_REPORT_DOCX_TEMPLATE", "/bestaat/niet/sjabloon.docx", "is not a readable file"),
    ],
)
def test_a_malformed_house_style_stops_the_start_with_a_clear_message(name, value, message):
    result = run_python(
        "-c", "import django; django.setup()", DJANGO_SECRET_KEY="k" * 50, **{name: value}
    )

    assert result.returncode != 0
    assert f"{name}={value!r} {message}" in result.stderr
