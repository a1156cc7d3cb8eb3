"""The report as PDF with WeasyPrint.

Imported only where a PDF is made: WeasyPrint is a heavy import and needs Debian's Pango and
HarfBuzz libraries (libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0) and fonts.
Stylesheets are read from disk: fetching them over HTTP from the same (possibly single-worker)
server that is busy rendering this PDF would hang.
"""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..models import ProgressReport
from . import contents_and_changes, site_url


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
    # Tagged PDF: headings, tables and reading order for screen readers.
    return document.write_pdf(pdf_tags=True)


def render_pdf(report: ProgressReport) -> bytes:
    contents, changes = contents_and_changes(report)
    html = render_to_string(
        "reporting/report_pdf.html",
        {
            "report": report,
            "contents": contents,
            "changes": changes,
            "SITE_NAME": settings.NAP_SITE_NAME,
        },
    )
    return html_to_pdf(html, base_url=site_url())
