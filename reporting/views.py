import io
import logging

from django.core.validators import slug_re
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.module_loading import import_string

from napsite.throttle import limit_heavy

from .models import DocumentKind, DocumentState, ProgressReport, ReportDocument
from .selectors import compare_reports, report_changes, report_contents
from .services import document_lost, published_document
from .tasks import RENDERERS

logger = logging.getLogger(__name__)


def _report(request: HttpRequest, slug: str) -> ProgressReport:
    reports = ProgressReport.objects.visible_to(request.user).select_related("compared_with")
    return get_object_or_404(reports, slug=slug)


def _context(report: ProgressReport) -> dict:
    contents = report_contents(report)
    return {"report": report, "contents": contents, "changes": report_changes(contents)}


def report_list(request: HttpRequest) -> HttpResponse:
    reports = ProgressReport.objects.visible_to(request.user)
    return render(request, "reporting/report_list.html", {"reports": reports})


@limit_heavy
def report_detail(request: HttpRequest, slug: str) -> HttpResponse:
    report = _report(request, slug)
    others = ProgressReport.objects.published().exclude(pk=report.pk)
    context = _context(report) | {
        "other_reports": list(others),
        "downloads": report.documents.for_downloads(),
    }
    return render(request, "reporting/report_detail.html", context)


@limit_heavy
def report_compare(request: HttpRequest, slug: str, other: str) -> HttpResponse:
    first, second = _report(request, slug), _report(request, other)
    contents, changes = compare_reports(first, second)
    context = {
        "changes": changes,
        "contents": contents,
        # The address named them the other way round: say so, the page lists older to newer.
        "swapped": changes.older != first,
    }
    return render(request, "reporting/report_compare.html", context)


def report_compare_choice(request: HttpRequest, slug: str) -> HttpResponse:
    """The report page's "compare with" form (GET, works without JavaScript)."""
    report = _report(request, slug)
    chosen = request.GET.get("met", "")
    # Only a slug reaches the database: PostgreSQL refuses text with a NUL byte (an error 500).
    other = slug_re.match(chosen) and (
        ProgressReport.objects.visible_to(request.user).filter(slug=chosen).first()
    )
    if not other:
        raise Http404("Kies een rapportage om mee te vergelijken.")
    return redirect("reporting:compare", slug=report.slug, other=other.slug)


@limit_heavy
def report_changes_page(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "reporting/report_changes.html", _context(_report(request, slug)))


# A published report's documents never change; a day lets browsers and proxies keep them.
PUBLISHED_DOCUMENT_MAX_AGE = 24 * 60 * 60


def report_document(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """A report's PDF, Word or Excel file. A published report's file is the one the worker
    made and stored; while it is not ready, a page says so.

    That page offers a link to look again rather than reloading itself (meta refresh): a page
    that reloads on its own pulls screen-reader users back to its top (WCAG technique F41).
    """
    report = _report(request, slug)
    if not report.is_published:
        return _draft_document(request, report, kind)
    document = published_document(report, kind)
    if document.is_ready:
        try:
            stored = document.file.open("rb")
        except FileNotFoundError:
            document_lost(document)
        else:
            response = FileResponse(
                stored,
                as_attachment=kind != DocumentKind.PDF,
                filename=document.download_name(),
                content_type=document.content_type,
            )
            response["Cache-Control"] = f"public, max-age={PUBLISHED_DOCUMENT_MAX_AGE}"
            return response
    # 202 Accepted: the document is on its way; a failed one is unavailable (503), not an error
    # of the site. Neither may be kept by a cache: the next visit should find the file.
    failed = document.state == DocumentState.FAILED
    response = render(
        request,
        "reporting/document_pending.html",
        {"report": report, "document": document, "failed": failed},
        status=503 if failed else 202,
    )
    response["Cache-Control"] = "no-store"
    return response


@limit_heavy
def _draft_document(request: HttpRequest, report: ProgressReport, kind: str) -> HttpResponse:
    """A draft's document for the staff who may see it, made now from the live data.

    The stored version, labelled with the moment of its data, is made by "Maak document" in the
    admin; a draft too large to make in a request is made there.
    """
    try:
        content = import_string(RENDERERS[kind])(report)
    except (ImportError, OSError):  # WeasyPrint without Pango/HarfBuzz on the server
        logger.exception("No %s for %s; see README (PDF en systeempakketten)", kind, report.slug)
        return render(request, "reporting/pdf_unavailable.html", {"report": report}, status=503)
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=kind != DocumentKind.PDF,
        filename=f"{report.slug}.{kind}",
        content_type=ReportDocument.CONTENT_TYPES[kind],
    )
    response["Cache-Control"] = "private, no-store"
    return response
