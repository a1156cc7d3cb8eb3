import io
import logging

from django.core.cache import cache
from django.core.validators import slug_re
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from measures.exports import XLSX_MIME_TYPE
from napsite.throttle import limit_heavy

from .documents.xlsx import render_xlsx
from .models import ProgressReport
from .selectors import compare_reports, report_changes, report_contents

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
    context = _context(report) | {"other_reports": list(others)}
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


def _pdf(report: ProgressReport) -> bytes:
    # WeasyPrint and its native libraries load only when a PDF is made.
    from .documents.pdf import render_pdf

    return render_pdf(report)


@limit_heavy
def report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    report = _report(request, slug)
    try:
        if report.is_published:
            # Frozen data gives the same PDF every time, and WeasyPrint takes seconds for a
            # real report: render it once per cache (a deploy with a fresh cache renders again).
            key = f"reporting:pdf:{report.pk}:{report.published_at.timestamp()}"
            pdf = cache.get(key)
            if pdf is None:
                pdf = _pdf(report)
                cache.set(key, pdf, timeout=None)
        else:
            pdf = _pdf(report)
    except (ImportError, OSError):  # WeasyPrint without Pango/HarfBuzz on the server
        logger.exception("No PDF for %s; see README (PDF en systeempakketten)", report.slug)
        return render(request, "reporting/pdf_unavailable.html", {"report": report}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.slug}.pdf"'
    return response


@limit_heavy
def report_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    report = _report(request, slug)
    return FileResponse(
        io.BytesIO(render_xlsx(report)),
        as_attachment=True,
        filename=f"{report.slug}.xlsx",
        content_type=XLSX_MIME_TYPE,
    )
