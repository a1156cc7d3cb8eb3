"""The report as PDF with WeasyPrint.

Imported only where a PDF is made: WeasyPrint is a heavy import and needs Debian's Pango and
HarfBuzz libraries (libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0) and fonts.
Stylesheets are read from disk: fetching them over HTTP from the same (possibly single-worker)
server that is busy rendering this PDF would hang.

Memory: WeasyPrint keeps the layout of every page until it writes the file (about 1 MB per
activity), so a large report is rendered in parts of at most ``PART_ROWS`` activities, each
written and dropped before the next; pypdf joins them, carrying over each part's bookmarks
and accessibility tags, and stamps "Pagina X van Y" once the total is known. The 2025 report
(83 activities) is one part.
"""

import base64
import gc
import io
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.safestring import mark_safe
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, NameObject, NumberObject
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..house_style import HouseStyle, house_style
from ..models import ProgressReport
from . import contents_and_changes, site_url

# Activities per rendered part: bounds the peak memory (see bench/report_pdf.py).
PART_ROWS = 150
PDF_VARIANT = "pdf/ua-1"  # tagged, with language, title and bookmarks


def static_file(url: str) -> Path | None:
    """The file on disk behind a /static/ URL: collected (hashed) files first, then the
    source directories, so it works with and without collectstatic."""
    path = urlsplit(url).path
    if not path.startswith(settings.STATIC_URL):
        return None
    name = unquote(path.removeprefix(settings.STATIC_URL))
    try:
        collected = Path(staticfiles_storage.path(name))
    except (SuspiciousFileOperation, NotImplementedError):
        return None
    if collected.is_file():
        return collected
    found = finders.find(name)
    return Path(found) if found else None


class StaticFileFetcher(URLFetcher):
    """Serves /static/ from disk and data: URLs inline; refuses everything else."""

    def __init__(self):
        super().__init__(allowed_protocols=["data"])

    def fetch(self, url: str, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = static_file(url)
        if path is None:
            raise ValueError(f"Alleen lokale statische bestanden worden gebruikt, niet {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


def html_to_pdf(html: str, base_url: str) -> bytes:
    document = HTML(string=html, base_url=base_url, url_fetcher=StaticFileFetcher())
    # PDF/UA-1: tagged (headings, tables, reading order), language and title for screen readers.
    return document.write_pdf(pdf_variant=PDF_VARIANT)


# -- house style and page furniture -------------------------------------------------------


def css_string(text: str) -> str:
    """Text as a quoted CSS string; nothing in it can end the string or the <style>."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<>&\n\r' else c for c in text)
    return f'"{escaped}"'


def css_font_family(style: HouseStyle) -> str:
    """The house font list, with the configured name quoted safely."""
    font = re.sub(r"[^\w \-]", "", style.font).strip() or "Liberation Sans"
    return ", ".join([css_string(font), "Arial", "Helvetica", '"DejaVu Sans"', "sans-serif"])


def page_css(report: ProgressReport, style: HouseStyle) -> str:
    """Furniture on every page and the house style. Page numbers are left out here: a report
    rendered in parts gets them stamped afterwards (see stamp_page_numbers)."""
    reference = formats.date_format(report.reference_date, "j F Y")
    draft = (
        ""
        if report.is_published
        else (
            f"@top-right {{ content: {css_string('Concept')}; font-size: 11pt; font-weight: 700;"
            f" color: {style.primary_colour}; letter-spacing: .1em; }}"
        )
    )
    font = css_font_family(style)
    return mark_safe(  # noqa: S308 - every value is escaped or validated above
        f"@page {{ font-family: {font};"
        f" @top-left {{ content: {css_string(f'Stand van zaken per {reference}')};"
        f" font-size: 8pt; color: #424242; }}"
        f" @bottom-left {{ content: {css_string(report.title)}; }}"
        f" @bottom-right {{ content: none; }} {draft} }}"
        f" body {{ font-family: {font}; }}"
        f" .report h1, .report h2, .house-organisation {{ color: {style.primary_colour}; }}"
        f" .report thead th {{ border-bottom: 1.5pt solid {style.primary_colour}; }}"
    )


def logo_uri(style: HouseStyle) -> str:
    """The configured logo inline: the fetcher reads nothing from disk outside /static/."""
    if style.logo is None:
        return ""
    content_type = mimetypes.guess_type(style.logo.name)[0] or "image/png"
    return f"data:{content_type};base64,{base64.b64encode(style.logo.read_bytes()).decode()}"


# -- parts ----------------------------------------------------------------------------------


def parts(contents, size: int) -> list[dict]:
    """The report cut into parts of at most ``size`` activities. Action lines run on within a
    part; one cut across parts goes on as "(vervolg)". The first part holds the front
    matter, the last the changes annex."""
    result = [{"slices": [], "rows": 0}]
    for section in contents.sections:
        rows = list(section.rows)
        start = 0
        while True:
            current = result[-1]
            room = size - current["rows"]
            if room <= 0 and rows[start:]:
                result.append({"slices": [], "rows": 0})
                continue
            taken = rows[start : start + room]
            current["slices"].append({"section": section, "rows": taken, "continued": start > 0})
            current["rows"] += len(taken)
            start += len(taken)
            if start >= len(rows):
                break
    result[0]["first"] = True
    result[-1]["last"] = True
    return result


# -- joining parts ----------------------------------------------------------------------------


class TaggedJoin:
    """Joins tagged PDFs into one: pages, bookmarks, and one structure tree.

    pypdf copies pages but drops their link to the structure tree (/StructParents), so each
    part's tags are moved under the first part's Document element here, with the parent-tree
    keys of its pages and links shifted past those already used.
    """

    def __init__(self, first: PdfReader):
        self.writer = PdfWriter(clone_from=first)
        root = self.writer.root_object["/StructTreeRoot"].get_object()
        self.document = root["/K"][0].get_object()
        self.nums = root["/ParentTree"].get_object()["/Nums"]
        self.next_key = max(int(key) for key in self.nums[::2]) + 1 if self.nums else 0

    def append(self, part: PdfReader) -> None:
        writer, offset = self.writer, self.next_key
        part_root = part.root_object["/StructTreeRoot"].get_object()
        part_document = part_root["/K"][0].get_object()
        del part_document["/P"]  # cloning it must not drag the part's tree root along
        first_page = len(writer.pages)
        for page in part.pages:
            added = writer.add_page(page)
            if "/StructParents" in page:
                added[NameObject("/StructParents")] = NumberObject(page["/StructParents"] + offset)
            for annotation in added.get("/Annots", []):
                annotation = annotation.get_object()
                if "/StructParent" in annotation:
                    key = annotation["/StructParent"] + offset
                    annotation[NameObject("/StructParent")] = NumberObject(key)
        # Pages first: the tags' /Pg then point at the pages just added, not at copies.
        document = part_document.clone(writer)
        for kid in document["/K"]:
            kid.get_object()[NameObject("/P")] = self.document.indirect_reference
            self.document["/K"].append(kid)
        part_nums = part_root["/ParentTree"].get_object()["/Nums"].clone(writer)
        for key, value in zip(part_nums[::2], part_nums[1::2], strict=True):
            self.nums.extend([NumberObject(key + offset), value])
            self.next_key = max(self.next_key, key + offset + 1)
        self._bookmarks(part, part.outline, first_page, parent=None)
        writer._id_translated.pop(id(part), None)  # the id may be reused by the next reader

    def _bookmarks(self, part: PdfReader, outline: list, first_page: int, parent) -> None:
        item = None
        for entry in outline:
            if isinstance(entry, list):
                self._bookmarks(part, entry, first_page, parent=item)
                continue
            page = first_page + part.get_destination_page_number(entry)
            item = self.writer.add_outline_item(title=entry.title, page_number=page, parent=parent)


def stamp_page_numbers(writer: PdfWriter, base_url: str) -> None:
    """ "Pagina X van Y" on every page, drawn by WeasyPrint on blank pages of the same size and
    laid over each page as an artifact (page furniture, not content, for screen readers)."""
    total = len(writer.pages)
    html = (
        "<html lang='nl'><head><style>"
        "@page { size: A4 landscape; margin: 14mm 12mm 16mm;"
        ' @bottom-right { content: "Pagina " counter(page) " van " counter(pages);'
        ' font-size: 8pt; font-family: "Liberation Sans", Arial, sans-serif; } }'
        "div { break-after: page; } div:last-child { break-after: auto; }"
        "</style></head><body>" + "<div></div>" * total + "</body></html>"
    )
    numbers = PdfWriter(clone_from=io.BytesIO(HTML(string=html, base_url=base_url).write_pdf()))
    for page, overlay in zip(writer.pages, numbers.pages, strict=True):
        content = ContentStream(overlay.get_contents(), numbers)
        content.operations = [
            ([NameObject("/Artifact")], b"BMC"),
            *content.operations,
            ([], b"EMC"),
        ]
        overlay.replace_contents(content)
        page.merge_page(overlay)


def render_pdf(report: ProgressReport) -> bytes:
    contents, changes = contents_and_changes(report)
    style = house_style()
    base_url = site_url()
    context = {
        "report": report,
        "contents": contents,
        "changes": changes,
        "house": style,
        "logo_uri": logo_uri(style),
        "page_css": page_css(report, style),
        "SITE_NAME": settings.NAP_SITE_NAME,
    }
    join = None
    for part in parts(contents, PART_ROWS):
        html = render_to_string("reporting/report_pdf.html", {**context, "part": part})
        reader = PdfReader(io.BytesIO(html_to_pdf(html, base_url)))
        if join is None:
            join = TaggedJoin(reader)
        else:
            join.append(reader)
        del html, reader
        gc.collect()  # WeasyPrint's layout is cyclic: free it before the next part
    stamp_page_numbers(join.writer, base_url)
    join.writer.add_metadata({"/Title": report.title, "/Author": style.organisation})
    output = io.BytesIO()
    join.writer.write(output)
    return output.getvalue()
