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
over its pages, and the parts are joined by writing their objects one part after the other
to the output file (PdfJoin), carrying over bookmarks and accessibility tags. So the peak is
that of one part, whatever the report's size (bench/report_pdf.py). The 2025 report (83
activities) is one part.
"""

import base64
import mimetypes
import os
import pickle
import re
import tempfile
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
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

# An indirect reference "N G R" in qpdf's serialisation of an object, skipping over strings
# (literal, with escapes, and hexadecimal) whose text might look like one.
REFERENCE = re.compile(rb"\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>|(?<![\w.#/+-])(\d+) (\d+) R\b")
# Object numbers of what the joined document holds once, whatever the number of parts.
PAGES, STRUCTURE, PARENT_TREE, DOCUMENT, OUTLINES, CATALOG = range(1, 7)


@dataclass
class Bookmark:
    title: bytes
    destination: bytes
    children: list["Bookmark"]
    number: int = 0


def number_pages(part: pikepdf.Pdf, numbers: pikepdf.Pdf) -> None:
    """Lays ``numbers``' pages over ``part``'s as artifacts (page furniture, not content, for
    screen readers), leaving the pages' own contents as they are."""
    for page, overlay in zip(part.pages, numbers.pages, strict=True):
        name = page.add_resource(part.copy_foreign(overlay.as_form_xobject()), pikepdf.Name.XObject)
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(b"Q\n/Artifact BMC q " + bytes(name) + b" Do Q EMC\n")


def outline_objects(root: pikepdf.Dictionary) -> set[int]:
    """Object numbers of a document's bookmarks, which the join writes anew."""
    found, stack = set(), [root.Outlines] if "/Outlines" in root else []
    while stack:
        item = stack.pop()
        if item.objgen[0] not in found:
            found.add(item.objgen[0])
            stack.extend(item[key] for key in ("/First", "/Next") if key in item)
    return found


class PdfJoin:
    """Writes tagged PDF parts one after the other into one document, in constant memory.

    qpdf (and pypdf) build the whole joined document in memory before writing it, tag tree
    and all: over a hundred objects a page, so their memory grows with the report. Here each
    part is opened on its own (pikepdf), numbered, and its objects are written straight to
    the output, renumbered past those of the parts before it; only what the document holds
    once is kept until the end and written then: the page tree, one structure tree (each
    part's tags go under the first part's Document element, its parent-tree keys shifted past
    those already used), the bookmarks, the catalogue and the cross-reference table.
    """

    def __init__(self, out: BinaryIO, title: str, author: str):
        self.out, self.title, self.author = out, title, author
        self.offsets = array("Q", [0] * (CATALOG + 1))  # where each object starts; 0: none
        self.pages: list[int] = []
        self.nums: list[bytes] = []
        self.kids: list[bytes] = []
        self.bookmarks: list[Bookmark] = []
        self.next_key = 0
        self.first: dict[str, bytes] = {}

    def write(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(b"%d 0 obj\n%s\n" % (number, body))
        if stream is not None:
            self.out.write(b"stream\n%s\nendstream\n" % stream)
        self.out.write(b"endobj\n")

    def allocate(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def append(self, part: pikepdf.Pdf, numbers: pikepdf.Pdf) -> None:
        if not self.first:
            self.out.write(b"%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n" % part.pdf_version.encode())
        number_pages(part, numbers)
        root = part.Root
        structure = root.StructTreeRoot
        document = structure.K[0] if isinstance(structure.K, pikepdf.Array) else structure.K
        tree = structure.ParentTree
        special = {
            root.objgen[0]: CATALOG,
            root.Pages.objgen[0]: PAGES,
            structure.objgen[0]: STRUCTURE,
            document.objgen[0]: DOCUMENT,
        }
        if tree.is_indirect:
            special[tree.objgen[0]] = PARENT_TREE
        if "/Outlines" in root:
            special[root.Outlines.objgen[0]] = OUTLINES
        skip = set(special) | outline_objects(root)
        base = len(self.offsets)
        self.offsets.extend([0] * (max(obj.objgen[0] for obj in part.objects) + 1))

        def number(obj: pikepdf.Object) -> int:
            return special.get(obj.objgen[0], base + obj.objgen[0])

        def reference(match: re.Match) -> bytes:
            if match[1] is None:
                return match[0]
            old = int(match[1])
            return b"%d 0 R" % special.get(old, base + old)

        def serialise(obj: pikepdf.Object) -> bytes:
            """The object itself (not a reference to it), referring to the new numbers."""
            return REFERENCE.sub(reference, obj.unparse(resolved=True))

        offset = self.next_key
        for page in part.pages:
            self.pages.append(number(page.obj))
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        nums = list(tree.Nums)
        for key, value in zip(nums[::2], nums[1::2], strict=True):
            if value.is_indirect:
                target = number(value)
            else:
                target = self.allocate()
                self.write(target, serialise(value))
            self.nums.append(b"%d %d 0 R" % (int(key) + offset, target))
            self.next_key = max(self.next_key, int(key) + offset + 1)
        for kid in document.K:
            self.kids.append(b"%d 0 R" % number(kid) if kid.is_indirect else serialise(kid))
        self.bookmarks.extend(self._bookmarks(part.open_outline().root, serialise))
        if not self.first:
            self._keep_first(part, serialise, number)
        for obj in part.objects:
            if obj.objgen[0] in skip:
                continue
            if isinstance(obj, pikepdf.Stream):
                if obj.get("/Type") in (pikepdf.Name.XRef, pikepdf.Name.ObjStm):
                    continue
                raw = obj.read_raw_bytes()
                header = pikepdf.Dictionary(obj.stream_dict)  # a copy: its /Length is ours
                header.Length = len(raw)
                self.write(number(obj), serialise(header), raw)
            else:
                self.write(number(obj), serialise(obj))

    def _keep_first(self, part: pikepdf.Pdf, serialise, number) -> None:
        """What the joined document takes over from its first part, without the entries
        that the join writes itself."""
        root = part.Root
        structure = root.StructTreeRoot
        document = structure.K[0] if isinstance(structure.K, pikepdf.Array) else structure.K
        part.docinfo[pikepdf.Name.Title] = self.title
        part.docinfo[pikepdf.Name.Author] = self.author
        for holder, keys in (
            (root, ("/Outlines",)),
            (root.Pages, ("/Kids", "/Count")),
            (structure, ("/K", "/ParentTree", "/ParentTreeNextKey", "/IDTree")),
            (document, ("/K",)),
        ):
            for key in keys:
                if key in holder:
                    del holder[key]
        self.first = {
            "catalog": serialise(root),
            "pages": serialise(root.Pages),
            "structure": serialise(structure),
            "document": serialise(document),
            "info": b"%d 0 R" % number(part.trailer.Info),
            "id": serialise(part.trailer.ID) if "/ID" in part.trailer else b"",
        }

    def _bookmarks(self, items: list, serialise) -> list[Bookmark]:
        return [
            Bookmark(
                title=pikepdf.String(item.title).unparse(),
                destination=serialise(item.destination),
                children=self._bookmarks(item.children, serialise),
            )
            for item in items
        ]

    def _write_bookmarks(self, items: list[Bookmark], parent: int) -> int:
        """Writes ``items`` (numbered already) under ``parent``; how many there are in all."""
        count = 0
        for index, item in enumerate(items):
            entries = [b"/Title " + item.title, b"/Parent %d 0 R" % parent]
            entries.append(b"/Dest " + item.destination)
            if index:
                entries.append(b"/Prev %d 0 R" % items[index - 1].number)
            if index + 1 < len(items):
                entries.append(b"/Next %d 0 R" % items[index + 1].number)
            if item.children:
                self._number_bookmarks(item.children)
                below = self._write_bookmarks(item.children, item.number)
                entries.append(
                    b"/First %d 0 R /Last %d 0 R /Count %d"
                    % (item.children[0].number, item.children[-1].number, below)
                )
                count += below
            self.write(item.number, b"<< " + b" ".join(entries) + b" >>")
            count += 1
        return count

    def _number_bookmarks(self, items: list[Bookmark]) -> None:
        for item in items:
            item.number = self.allocate()

    def finish(self) -> None:
        first, pages = self.first, b" ".join(b"%d 0 R" % number for number in self.pages)
        self.write(
            PAGES, first["pages"][:-2] + b" /Kids [%s] /Count %d >>" % (pages, len(self.pages))
        )
        self.write(
            STRUCTURE,
            first["structure"][:-2]
            + b" /K [%d 0 R] /ParentTree %d 0 R /ParentTreeNextKey %d >>"
            % (DOCUMENT, PARENT_TREE, self.next_key),
        )
        self.write(PARENT_TREE, b"<< /Nums [%s] >>" % b" ".join(self.nums))
        self.write(DOCUMENT, first["document"][:-2] + b" /K [%s] >>" % b" ".join(self.kids))
        self._number_bookmarks(self.bookmarks)
        count = self._write_bookmarks(self.bookmarks, OUTLINES)
        top = (self.bookmarks[0].number, self.bookmarks[-1].number) if self.bookmarks else None
        self.write(
            OUTLINES,
            b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (*top, count)
            if top
            else b"<< /Type /Outlines /Count 0 >>",
        )
        self.write(CATALOG, first["catalog"][:-2] + b" /Outlines %d 0 R >>" % OUTLINES)
        start = self.out.tell()
        self.out.write(b"xref\n0 %d\n0000000000 65535 f \n" % len(self.offsets))
        for position in self.offsets[1:]:
            self.out.write(b"%010d 00000 n \n" % position if position else b"0000000000 65535 f \n")
        identifier = b" /ID " + first["id"] if first["id"] else b""
        self.out.write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %s%s >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(self.offsets), CATALOG, first["info"], identifier, start)
        )


def numbers_of(part: Path) -> Path:
    """Where the page numbers to lay over a part are written."""
    return part.with_suffix(".nummers.pdf")


def join_parts(files: list[Path], path: Path, title: str, author: str) -> None:
    """The parts, numbered, joined into one document at ``path``."""
    with path.open("wb") as out:
        join = PdfJoin(out, title, author)
        for file in files:
            with pikepdf.open(file) as part, pikepdf.open(numbers_of(file)) as numbers:
                join.append(part, numbers)
        join.finish()


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
        # Joined in a child too, so a long-lived worker keeps none of pikepdf's memory either.
        in_child(join_parts, [file for file, _ in files], path, report.title, style.organisation)


def render_pdf(report: ProgressReport) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nap-pdf-") as folder:
        path = Path(folder) / "rapportage.pdf"
        render_pdf_to(report, path)
        return path.read_bytes()
