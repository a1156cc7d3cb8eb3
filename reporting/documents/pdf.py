"""The report as PDF with WeasyPrint.

Imported only where a PDF is made: WeasyPrint is a heavy import and needs Debian's Pango and
HarfBuzz libraries (libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0) and fonts.
Stylesheets are read from disk: fetching them over HTTP from the same (possibly single-worker)
server that is busy rendering this PDF would hang.

Memory: WeasyPrint keeps the layout of every page until it writes the file (about 1 MB per
activity), and the memory it frees stays with the process (fragmented C and Python heaps). So
a report is rendered in parts of at most ``PART_ROWS`` activities, each by a short-lived child
process that writes its part to a temporary file and exits, handing all its memory back. Once
every part's pages are counted, "Pagina X van Y" is drawn per part (again in a child) and laid
over its pages, and pikepdf (qpdf) joins the part files with their bookmarks and accessibility
tags, copying the pages' contents from file to file. Rendering no longer grows with the
report; joining still does, by the tag tree qpdf holds in memory until it saves (about 0.23
MiB a page: see bench/report_pdf.py). The 2025 report (83 activities) is one part.
"""

import base64
import mimetypes
import os
import pickle
import re
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pikepdf
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import formats
from django.utils.safestring import mark_safe
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


# -- rendering in a child process ------------------------------------------------------------


def in_child(function, *args):
    """``function(*args)`` run in a forked child process, its result handed back pickled.

    WeasyPrint leaves the heap fragmented after each part (its layout is freed, but malloc
    keeps the pages), so rendering part after part in one process makes its memory grow with
    the report; a child returns everything to the system when it exits. os.fork rather than
    multiprocessing: django-q2's workers are daemonic, and multiprocessing refuses daemonic
    processes children. The child only renders and writes a file: it never touches the
    database connection it inherits, and leaves with os._exit so nothing of the parent's
    (connections, temporary folders) is closed or cleaned up from the child.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            try:
                outcome = (True, function(*args))
            except Exception as error:  # handed to the parent, which raises it
                outcome = (False, f"{type(error).__name__}: {error}")
            with os.fdopen(write, "wb") as pipe:
                pickle.dump(outcome, pipe)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    if not answer:
        raise RuntimeError("Het deel van de pdf is niet gemaakt: het proces stopte onverwacht.")
    done, value = pickle.loads(answer)  # noqa: S301 - written by our own child just now
    if not done:
        raise RuntimeError(f"Het deel van de pdf is niet gemaakt: {value}")
    return value


def render_part(html: str, base_url: str, path: Path) -> int:
    """One part of the report written to ``path``; the number of its pages."""
    document = HTML(string=html, base_url=base_url, url_fetcher=StaticFileFetcher())
    # PDF/UA-1: tagged (headings, tables, reading order), language and title for screen readers.
    rendered = document.render(pdf_variant=PDF_VARIANT)
    rendered.write_pdf(path, pdf_variant=PDF_VARIANT)
    return len(rendered.pages)


def render_page_numbers(first: int, count: int, total: int, base_url: str, path: Path) -> None:
    """ "Pagina X van Y" for pages ``first`` to ``first + count - 1``, drawn by WeasyPrint on
    blank pages the size of the report's, to be laid over a part's pages."""
    html = (
        "<html lang='nl'><head><style>"
        "@page { size: A4 landscape; margin: 14mm 12mm 16mm;"
        f' @bottom-right {{ content: "Pagina " counter(page) " van {total}";'
        ' font-size: 8pt; font-family: "Liberation Sans", Arial, sans-serif; } }'
        f"@page :first {{ counter-reset: page {first}; }}"
        "div { break-after: page; } div:last-child { break-after: auto; }"
        "</style></head><body>" + "<div></div>" * count + "</body></html>"
    )
    HTML(string=html, base_url=base_url).write_pdf(path)


# -- joining parts ----------------------------------------------------------------------------


class TaggedJoin:
    """Joins tagged PDF files into one: pages, bookmarks, page numbers and one structure tree.

    qpdf (through pikepdf) copies the pages' content streams from the part's file straight
    into the output when it is saved, so the pages' contents never sit in memory together;
    the copied objects (mostly tags, over a hundred a page) do, until the output is saved.
    Each part's tags are moved under the first part's Document element, with the parent-tree
    keys of its pages and links shifted past those already used.
    """

    def __init__(self, first: pikepdf.Pdf):
        self.pdf = first
        root = first.Root.StructTreeRoot
        self.document = root.K[0]
        self.nums = root.ParentTree.Nums
        keys = [int(key) for key in list(self.nums)[::2]]
        self.next_key = max(keys) + 1 if keys else 0
        self.bookmarks = []  # of the parts after the first, which has its own already

    def append(self, part: pikepdf.Pdf) -> None:
        offset, first_page = self.next_key, len(self.pdf.pages)
        part_root = part.Root.StructTreeRoot
        part_document = part_root.K[0]
        del part_document.P  # copying it must not drag the part's tree root along
        self.pdf.pages.extend(part.pages)
        for page in self.pdf.pages[first_page:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        # Pages first: the tags' /Pg then point at the pages just added, not at new copies.
        document = self.pdf.copy_foreign(part_document)
        for kid in document.K:
            kid.P = self.document
            self.document.K.append(kid)
        tree = part_root.ParentTree
        nums = list(
            self.pdf.copy_foreign(tree if tree.is_indirect else part.make_indirect(tree)).Nums
        )
        for key, value in zip(nums[::2], nums[1::2], strict=True):
            self.nums.append(int(key) + offset)
            self.nums.append(value)
            self.next_key = max(self.next_key, int(key) + offset + 1)
        self.bookmarks.extend(self._bookmarks(part, part.open_outline().root, first_page))

    def _bookmarks(self, part: pikepdf.Pdf, items: list, first_page: int) -> list:
        result = []
        for item in items:
            target, location, left, top = item.destination[:4]
            page = first_page + pikepdf.Page(target).index
            copy = pikepdf.OutlineItem(
                item.title, page, str(location)[1:], left=float(left), top=float(top)
            )
            copy.children = self._bookmarks(part, item.children, first_page)
            result.append(copy)
        return result

    def number_pages(self, numbers: pikepdf.Pdf, first_page: int) -> None:
        """Lays ``numbers``' pages over the pages from ``first_page`` on, as artifacts (page
        furniture, not content, for screen readers). The pages' own contents are left as they
        are (not parsed or joined), so they stay in their part's file until saved."""
        for offset, overlay in enumerate(numbers.pages):
            page = self.pdf.pages[first_page + offset]
            name = page.add_resource(
                self.pdf.copy_foreign(overlay.as_form_xobject()), pikepdf.Name.XObject
            )
            page.contents_add(b"q\n", prepend=True)
            page.contents_add(b"Q\n/Artifact BMC q " + bytes(name) + b" Do Q EMC\n")

    def save(self, path: Path, title: str, author: str) -> None:
        with self.pdf.open_outline() as outline:
            outline.root.extend(self.bookmarks)
        self.pdf.docinfo[pikepdf.Name.Title] = title
        self.pdf.docinfo[pikepdf.Name.Author] = author
        self.pdf.save(path)
        self.pdf.close()


def numbers_of(part: Path) -> Path:
    """Where the page numbers to lay over a part are written."""
    return part.with_suffix(".nummers.pdf")


def join_parts(files: list[Path], path: Path, title: str, author: str) -> None:
    """The numbered parts joined into one document at ``path``."""
    join, first_page = TaggedJoin(pikepdf.open(files[0])), 0
    for number, file in enumerate(files):
        # Each part is closed once copied: that frees the objects qpdf parsed from it (its
        # whole tag tree), while the copies still read their streams from its file on saving.
        if number:
            with pikepdf.open(file) as part:
                join.append(part)
        with pikepdf.open(numbers_of(file)) as numbers:
            join.number_pages(numbers, first_page)
        first_page = len(join.pdf.pages)
    join.save(path, title, author)


def render_pdf_to(report: ProgressReport, path: Path) -> None:
    """The report's PDF written to ``path``, in bounded memory whatever its size: each part is
    rendered to a file by a child process, then numbered and joined on disk."""
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
    with tempfile.TemporaryDirectory(prefix="nap-pdf-") as folder:
        files = []
        for number, part in enumerate(parts(contents, PART_ROWS)):
            html = render_to_string("reporting/report_pdf.html", {**context, "part": part})
            file = Path(folder) / f"deel-{number}.pdf"
            files.append((file, in_child(render_part, html, base_url, file)))
            del html
        # The total is known only now: the numbers are drawn per part, over its pages.
        total, first = sum(pages for _, pages in files), 1
        for file, pages in files:
            in_child(render_page_numbers, first, pages, total, base_url, numbers_of(file))
            first += pages
        # Joined in a child too, so a long-lived worker keeps none of qpdf's memory either.
        in_child(join_parts, [file for file, _ in files], path, report.title, style.organisation)


def render_pdf(report: ProgressReport) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nap-pdf-") as folder:
        path = Path(folder) / "rapportage.pdf"
        render_pdf_to(report, path)
        return path.read_bytes()
