"""The report as a Word document (python-docx): the annex as a ministry would send it.

Built only on named styles (Title, Subtitle, Heading 1/2, Normal, List Bullet and the table
style "NAP Tabel", plus "NAP Voetnoot"), so a ministry can restyle the whole document by
configuring a template (NAP_REPORT_DOCX_TEMPLATE): its styles are used, its body is dropped.
Without a template the house style (reporting.house_style) is applied to python-docx's default
document. The contents come from the same selectors as the HTML and PDF report, so footnote
numbers, statuses and the frozen snapshot of a published report are exactly theirs.
"""

import io
import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from django.utils.formats import date_format
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.image.exceptions import UnrecognizedImageError
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt, RGBColor

from measures.models import FOOTNOTE_MARKER

# The explanation's small Markdown subset, parsed exactly as the HTML report parses it.
from measures.templatetags.explanations import _BLANK_LINES, _blocks

from ..house_style import HouseStyle, house_style
from ..models import ProgressReport
from ..selectors import ReportChanges, ReportContents
from ..templatetags.report_tags import dutch_list, status_chart
from . import contents_and_changes

TABLE_STYLE = "NAP Tabel"
FOOTNOTE_STYLE = "NAP Voetnoot"
ANNEX_HEADERS = ("Activiteit", "Status", "Wanneer", "Wie", "Toelichting")
# A4 landscape less 2 cm margins: 25.7 cm, shared out over the annex's columns.
PAGE_WIDTH = Cm(25.7)
ANNEX_WIDTHS = (Cm(5.5), Cm(3.2), Cm(2.6), Cm(3.4), Cm(11.0))

# Characters XML 1.0 cannot hold: python-docx raises on them. They carry no meaning in a report.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text) -> str:
    """Every piece of text goes into the document through here."""
    return _NOT_XML.sub("", str(text))


def render_docx(report: ProgressReport) -> bytes:
    """The report (frozen if published, else as a draft) as a .docx file's bytes."""
    contents, changes = contents_and_changes(report)
    style = house_style()
    with translation.override("nl"):
        document = _new_document(style)
        _page_setup(document, report, style)
        _title_page(document, report, contents, style)
        if report.introduction:
            _heading(document, "Inleiding", 1)
            for paragraph in _BLANK_LINES.split(report.introduction.strip()):
                _text(document.add_paragraph(), " ".join(paragraph.split("\n")))
        _status_charts(document, contents, changes)
        _summary(document, contents)
        _legend(document, contents)
        for section in contents.sections:
            _section(document, section)
        _changes(document, changes)
    document.core_properties.title = clean(report.title)
    document.core_properties.author = clean(style.organisation)
    document.core_properties.language = "nl-NL"
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def _date(value) -> str:
    return date_format(value, "j F Y")


# -- the document, its styles and pages ------------------------------------------------------


def _new_document(style: HouseStyle):
    template = settings.NAP_REPORT_DOCX_TEMPLATE
    if not template:
        document = Document()
        _ensure_styles(document)
        _apply_house_style(document, style)
    else:
        try:
            document = Document(template)
        except (PackageNotFoundError, KeyError, ValueError) as error:
            raise ImproperlyConfigured(
                f"Het Word-sjabloon {Path(template).name} (NAP_REPORT_DOCX_TEMPLATE) is geen "
                "leesbaar .docx-bestand."
            ) from error
        body = document.element.body
        for child in list(body):
            if child.tag != qn("w:sectPr"):  # keep the page set-up, drop the sample text
                body.remove(child)
        _ensure_styles(document)
    _set_language(document.styles["Normal"], "nl-NL")
    return document


def _ensure_styles(document) -> None:
    """Add the styles this document uses when the template lacks them (Word leaves unused
    built-in styles out of a file)."""
    styles = document.styles
    for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "List Bullet"):
        if name not in styles:
            added = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            added.base_style = styles["Normal"]
            added.font.bold = name.startswith(("Title", "Heading"))
    if FOOTNOTE_STYLE not in styles:
        footnote = styles.add_style(FOOTNOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        footnote.base_style = styles["Normal"]
        footnote.font.size = Pt(8)
        footnote.paragraph_format.space_after = Pt(2)
        footnote.paragraph_format.left_indent = Cm(0.6)
        footnote.paragraph_format.first_line_indent = Cm(-0.6)
    if TABLE_STYLE not in styles:
        table = styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
        table.element.append(_table_style_properties())


def _table_style_properties():
    """Thin grid lines and some room in the cells: sober, readable in print."""
    properties = OxmlElement("w:tblPr")
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        border = OxmlElement(f"w:{side}")
        border.set(qn("w:val"), "single")
        border.set(qn("w:sz"), "4")
        border.set(qn("w:space"), "0")
        border.set(qn("w:color"), "808080")
        borders.append(border)
    properties.append(borders)
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("top", "40"), ("left", "80"), ("bottom", "40"), ("right", "80")):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), twips)
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    properties.append(margins)
    return properties


def _apply_house_style(document, style: HouseStyle) -> None:
    colour = RGBColor(*style.primary_rgb)
    for name, size in (
        ("Normal", 10),
        ("Title", 26),
        ("Subtitle", 14),
        ("Heading 1", 16),
        ("Heading 2", 12),
    ):
        font = document.styles[name].font
        font.name = style.font
        _drop_theme_fonts(font.element.rPr)
        font.size = Pt(size)
        if name != "Normal":
            font.color.rgb = colour


def _drop_theme_fonts(run_properties) -> None:
    # A theme font wins over the named one: without this, headings stay in the theme's font.
    fonts = run_properties.find(qn("w:rFonts"))
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)


def _set_language(style, language: str) -> None:
    """Spelling and screen readers read the text as Dutch."""
    run_properties = style.element.get_or_add_rPr()
    lang = run_properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        run_properties.insert_element_before(lang, "w:eastAsianLayout", "w:specVanish", "w:oMath")
    lang.set(qn("w:val"), language)


def _page_setup(document, report: ProgressReport, style: HouseStyle) -> None:
    """A4 landscape; the report, its peildatum and (for a draft) "Concept" on every page's
    header; "Pagina X van Y" in the footer."""
    for section in document.sections:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
        section.left_margin = section.right_margin = Cm(2)
        section.top_margin = section.bottom_margin = Cm(1.8)
        header = _free_paragraph(section.header)
        if not report.is_published:
            _text(header, "Concept – ", bold=True, colour=RGBColor(*style.primary_rgb))
        _text(header, f"{report.title} · Stand van zaken per {_date(report.reference_date)}")
        footer = _free_paragraph(section.footer)
        _text(footer, "Pagina ")
        _field(footer, "PAGE")
        _text(footer, " van ")
        _field(footer, "NUMPAGES")


def _free_paragraph(part):
    """An empty paragraph in a header or footer: the template's own, or a new one after it."""
    part.is_linked_to_previous = False
    paragraphs = part.paragraphs
    if len(paragraphs) == 1 and not paragraphs[0].text and not paragraphs[0].runs:
        return paragraphs[0]
    return part.add_paragraph()


def _field(paragraph, instruction: str) -> None:
    """A field Word and LibreOffice fill in when they lay out the page (PAGE, NUMPAGES)."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("", "1")):
        run = paragraph.add_run()
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            run._r.append(instr)
        elif kind:
            run._r.append(_fld_char(kind))
        else:
            run.text = text  # shown until the field is updated
    paragraph.add_run()._r.append(_fld_char("end"))


def _fld_char(kind: str):
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


# -- text ------------------------------------------------------------------------------------


def _text(
    paragraph, text, *, bold=False, colour=None, superscript=False, strike=False, underline=False
):
    run = paragraph.add_run(clean(text))
    run.bold = bold or None
    run.font.superscript = superscript or None
    run.font.strike = strike or None
    run.font.underline = underline or None
    if colour is not None:
        run.font.color.rgb = colour
    return run


def _heading(document, text: str, level: int):
    paragraph = document.add_paragraph(style=f"Heading {level}")
    _text(paragraph, text)
    return paragraph


def _with_footnote_markers(paragraph, text: str, numbers: dict[int, int]) -> None:
    """Text whose ``[^N]`` markers become superscript numbers, as the report numbers them."""
    start = 0
    for marker in FOOTNOTE_MARKER.finditer(text):
        _text(paragraph, text[start : marker.start()])
        number = int(marker.group("number"))
        _text(paragraph, str(numbers.get(number, number)), superscript=True)
        start = marker.end()
    _text(paragraph, text[start:])


def _explanation(cell, entry) -> None:
    """Paragraphs, bullets and numbered items, as the HTML report lays them out."""
    numbers = getattr(entry, "footnote_numbers", {})
    text = entry.explanation.replace("\r\n", "\n").replace("\r", "\n")
    first = True
    for block in _BLANK_LINES.split(text):
        for kind, items in _blocks(block.split("\n")):
            lines = [" ".join(t.strip() for _, t in items)] if kind == "p" else items
            for line in lines:
                if first:
                    paragraph, first = cell.paragraphs[0], False
                else:
                    paragraph = cell.add_paragraph()
                if kind == "ul":
                    paragraph.style = "List Bullet"
                    line = line[1]
                elif kind == "ol":
                    number, line = line
                    paragraph.paragraph_format.left_indent = Cm(0.5)
                    paragraph.paragraph_format.first_line_indent = Cm(-0.5)
                    _text(paragraph, f"{number}. ")
                _with_footnote_markers(paragraph, line.strip(), numbers)


def _hyperlink(paragraph, text: str, url: str) -> None:
    target = clean(url)
    relation = paragraph.part.relate_to(target, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relation)
    run = _text(paragraph, text, underline=True)
    link.append(run._r)  # moves the run into the link
    paragraph._p.append(link)


def _url_in_text(text: str, url: str) -> tuple[int, int] | None:
    """Where the footnote's text already prints its URL (with or without "https://", "www."
    or the trailing slash), so that the URL is printed once."""
    bare = re.sub(r"^https?://(www\.)?", "", url.strip()).rstrip("/")
    if not bare:
        return None
    found = text.lower().find(bare.lower())
    if found < 0:
        return None
    start = found
    for prefix in ("www.", "https://www.", "http://www.", "https://", "http://"):
        if text.lower()[:found].endswith(prefix):
            start = min(start, found - len(prefix))
    end = found + len(bare)
    if text[end : end + 1] == "/":
        end += 1
    return start, end


def _footnote(document, footnote) -> None:
    paragraph = document.add_paragraph(style=FOOTNOTE_STYLE)
    _text(paragraph, str(footnote.number), superscript=True)
    _text(paragraph, "\t")
    text, url = footnote.text, footnote.url
    span = _url_in_text(text, url) if url else None
    if span is None:
        _text(paragraph, text)
        if url:
            _text(paragraph, " ")
            _hyperlink(paragraph, url, url)
        return
    start, end = span
    _text(paragraph, text[:start])
    _hyperlink(paragraph, text[start:end], url)
    _text(paragraph, text[end:])


def _status(status) -> str:
    """Symbol and label: the status is never told by colour alone."""
    return f"{status.icon} {status.label}" if status.icon else status.label


# -- tables ----------------------------------------------------------------------------------


def _table(document, headers, widths=None):
    """A table in the named table style whose header row repeats on every page."""
    table = document.add_table(rows=1, cols=len(headers))
    table.style = TABLE_STYLE
    if widths:
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width
    header = table.rows[0]
    properties = header._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:tblHeader"))
    # Only the header row is kept whole: LibreOffice (7.4) drops the rest of a table whose
    # body rows may not split when its header row repeats.
    properties.append(OxmlElement("w:cantSplit"))
    for cell, title in zip(header.cells, headers, strict=True):
        _text(cell.paragraphs[0], title, bold=True)
    if widths:
        _widths(header.cells, widths)
    return table


def _widths(cells, widths) -> None:
    # Word reads each cell's width, LibreOffice the grid's: both are set.
    for cell, width in zip(cells, widths, strict=True):
        cell.width = width


def _row(table, values, *, bold=False, widths=None):
    row = table.add_row()
    cells = row.cells
    for cell, value in zip(cells, values, strict=False):
        _text(cell.paragraphs[0], value, bold=bold)
    if widths:
        _widths(cells, widths)


# -- the parts of the report -----------------------------------------------------------------


def _title_page(document, report: ProgressReport, contents: ReportContents, style) -> None:
    if style.logo is not None:
        try:
            document.add_picture(str(style.logo), height=Cm(2.5))
        except (UnrecognizedImageError, OSError) as error:
            raise ImproperlyConfigured(
                f"Het logo {style.logo.name} (NAP_HOUSE_LOGO) is geen afbeelding die Word kan "
                "tonen (PNG, JPEG of GIF)."
            ) from error
    _text(document.add_paragraph(), style.organisation)
    _text(document.add_paragraph(style="Title"), report.title)
    _text(
        document.add_paragraph(style="Subtitle"),
        f"Stand van zaken per {_date(report.reference_date)}",
    )
    if report.is_published:
        _text(document.add_paragraph(), f"Gepubliceerd op {_date(report.published_at)}.")
    else:
        concept = _text(document.add_paragraph(), "Concept", bold=True)
        concept.font.size = Pt(28)
        notice = (
            f"Deze rapportage toont de gegevens zoals ze {contents.as_of_in_words} waren, "
            "gelezen uit de historie."
            if contents.source == "historie"
            else "Deze rapportage toont de actuele gegevens."
        )
        _text(document.add_paragraph(), f"{notice} Pas bij publicatie worden ze vastgelegd.")
        if contents.missing_from_history:
            _text(
                document.add_paragraph(),
                f"Van {contents.missing_from_history} activiteit(en) is niet bekend hoe ze "
                f"{contents.as_of_in_words} waren; die ontbreken hier.",
            )
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _summary(document, contents: ReportContents) -> None:
    _heading(document, "Samenvatting", 1)
    _text(document.add_paragraph(), "Aantal activiteiten per actielijn en status.")
    columns = len(contents.statuses) + 1  # the statuses and the total
    count_width = Emu((PAGE_WIDTH - Cm(8)) // columns)
    widths = [Emu(PAGE_WIDTH - count_width * columns), *[count_width] * columns]
    headers = ["Actielijn", *map(_status, contents.statuses), "Totaal"]
    table = _table(document, headers, widths=widths)
    for section, counts, total in contents.summary:
        line = f"Actielijn {section.number}: {section.title}"
        _row(table, [line, *counts, total], widths=widths)
    counts, total = contents.summary_totals
    _row(table, ["Totaal", *counts, total], bold=True, widths=widths)


def _legend(document, contents: ReportContents) -> None:
    _heading(document, "Statuslegenda", 1)
    widths = (Cm(5), PAGE_WIDTH - Cm(5))
    table = _table(document, ["Status", "Betekenis"], widths=widths)
    for status in contents.statuses:
        _row(table, [_status(status), status.definition], widths=widths)


def _section(document, section) -> None:
    _heading(document, f"Actielijn {section.number}: {section.title}", 1)
    if not section.rows:
        _text(document.add_paragraph(), "Deze actielijn heeft geen activiteiten.")
        return
    table = _table(document, ANNEX_HEADERS, widths=ANNEX_WIDTHS)
    for entry in section.rows:
        row = table.add_row()
        activity, status, when, who, explanation = row.cells
        _text(activity.paragraphs[0], entry.title, bold=True)
        if entry.deviates_from_plan:
            _text(activity.add_paragraph(), "Wijkt af van de planning")
        _text(status.paragraphs[0], _status(entry.status))
        _text(when.paragraphs[0], entry.timeframe_label or "–")
        _text(who.paragraphs[0], dutch_list(entry.actor_codes))
        _explanation(explanation, entry)
        _widths(row.cells, ANNEX_WIDTHS)
    for footnote in section.numbered_footnotes:
        _footnote(document, footnote)


def _changes(document, changes: ReportChanges) -> None:
    _heading(document, "Bijlage: wat is er veranderd", 1)
    older = changes.older
    if older is None:
        _text(
            document.add_paragraph(),
            "Dit is de eerste gepubliceerde rapportage: er is geen eerdere rapportage om mee "
            "te vergelijken.",
        )
        return
    _text(
        document.add_paragraph(),
        f"Vergeleken met {older.title} (stand van zaken per {_date(older.reference_date)}).",
    )
    count = changes.activity_count
    _text(
        document.add_paragraph(),
        f"{count} activiteit{'en zijn' if count != 1 else ' is'} veranderd:"
        if count
        else "Er is niets veranderd.",
    )
    for group in changes.kinds:
        _text(
            document.add_paragraph(style="List Bullet"),
            f"{len(group.changes)} {group.count_label}",
        )
    for group in changes.kinds:
        _heading(document, group.kind.heading, 2)
        if not group.changes:
            _text(document.add_paragraph(), group.kind.none)
        elif group.kind.code == "toelichting":
            _rewrites(document, group.changes)
        else:
            _change_table(document, group)


def _change_value(change, side: str) -> str:
    if change.kind in ("status", "nieuw", "vervallen"):
        return _status(getattr(change, side))
    text = change.text(side)
    if change.kind == "wie" and side == "new":
        for label, codes in (("Erbij", change.actors_added), ("Eraf", change.actors_removed)):
            if codes:
                text += f"\n{label}: {', '.join(codes)}"
    return text


def _change_table(document, group) -> None:
    sides = [
        (side, header)
        for side, header in (("old", group.kind.old_header), ("new", group.kind.new_header))
        if header
    ]
    table = _table(document, ["Activiteit", "Actielijn", *(header for _, header in sides)])
    for change in group.changes:
        values = [change.title, change.section_number]
        _row(table, [*values, *(_change_value(change, side) for side, _ in sides)])


def _rewrites(document, rewrites) -> None:
    _text(
        document.add_paragraph(),
        "Doorgehaalde tekst is vervallen, onderstreepte tekst is nieuw.",
    )
    for change in rewrites:
        title = document.add_paragraph()
        _text(title, change.title, bold=True)
        _text(title, f" (actielijn {change.section_number})")
        diff = document.add_paragraph()
        for kind, text in change.diff:
            _text(diff, text, strike=kind == "removed", underline=kind == "added")
            _text(diff, " ")


# -- the status chart ------------------------------------------------------------------------
# Word cannot hold the HTML report's SVG: the same chart as a table whose bar is a row of
# shaded cells, as wide as their share, each with the status's symbol and number (the status
# is never told by colour alone).

BAR_WIDTH = Cm(18)
MIN_SEGMENT = Cm(1.1)  # room for "✓ 12"


def _shade(cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#").upper())
    cell._tc.get_or_add_tcPr().append(shading)


def _status_charts(document, contents: ReportContents, changes: ReportChanges) -> None:
    _heading(document, "Stand van zaken in beeld", 1)
    charts = [status_chart(contents, "statusgrafiek")]
    if changes.older_contents is not None:
        charts.append(status_chart(changes.older_contents, "statusgrafiek-eerder"))
    for index, chart in enumerate(charts):
        report = chart.contents.report
        _text(
            document.add_paragraph(),
            f"{'Ter vergelijking: a' if index else 'A'}ctiviteiten per actielijn en status in "
            f"{report.title} (stand van zaken per {_date(report.reference_date)})",
            bold=True,
        )
        widths = (Cm(3), BAR_WIDTH, PAGE_WIDTH - Cm(3) - BAR_WIDTH)
        table = _table(document, ["Actielijn", "Verdeling over de statussen", "Totaal"], widths)
        largest = max((row.total for row in chart.rows), default=0) or 1
        for row in chart.rows:
            cells = table.add_row().cells
            _text(cells[0].paragraphs[0], f"Actielijn {row.section.number}")
            _text(cells[2].paragraphs[0], row.total, bold=True)
            _widths(cells, widths)
            if row.segments:
                _bar(cells[1], row.segments, largest, len(chart.legend))
        legend = document.add_paragraph()
        _text(legend, "Legenda: ")
        _text(legend, "; ".join(_status(status) for status, _ in chart.legend))


def _bar(cell, segments, largest: int, statuses: int) -> None:
    """Each segment at least wide enough for its label, the rest of the bar shared out by
    count, so that the longest action line fills the bar and the others compare by length."""
    shared = BAR_WIDTH - MIN_SEGMENT * statuses
    widths = [Emu(MIN_SEGMENT + shared * segment.count // largest) for segment in segments]
    bar = cell.add_table(rows=1, cols=len(segments))
    bar.autofit = False
    for column, width in zip(bar.columns, widths, strict=True):
        column.width = width
    for part, segment, width in zip(bar.rows[0].cells, segments, widths, strict=True):
        part.width = width
        _shade(part, segment.colour)
        icon = segment.status.icon
        colour = RGBColor.from_string(segment.text_colour.lstrip("#").upper())
        label = f"{icon} {segment.count}" if icon else str(segment.count)
        _text(part.paragraphs[0], label, colour=colour).font.size = Pt(8)
