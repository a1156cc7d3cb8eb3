"""The report's documents, side by side: PDF, Excel (and Word), each made from the same contents.

Every renderer takes a report and returns the file's bytes without a request, so a background
worker can make them as well as a view. Links inside a document point at ``NAP_SITE_URL``.
"""

from django.conf import settings

from ..models import ProgressReport
from ..selectors import ReportChanges, ReportContents, report_changes, report_contents


def site_url(path: str = "/") -> str:
    """An absolute address on the public site, for links printed in a document."""
    return settings.NAP_SITE_URL.rstrip("/") + path


def contents_and_changes(report: ProgressReport) -> tuple[ReportContents, ReportChanges]:
    contents = report_contents(report)
    return contents, report_changes(contents)
