import logging

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string

from measures.exports import workbook_response

from .models import ProgressReport
from .selectors import report_changes, report_contents
from .workbooks import annex_tables, report_about

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


def report_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "reporting/report_detail.html", _context(_report(request, slug)))


def report_changes_page(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "reporting/report_changes.html", _context(_report(request, slug)))


def _pdf(request: HttpRequest, report: ProgressReport) -> bytes:
    from .pdf import html_to_pdf  # WeasyPrint and its native libraries load only when needed

    html = render_to_string("reporting/report_pdf.html", _context(report), request=request)
    return html_to_pdf(html, base_url=request.build_absolute_uri("/"))


def report_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    report = _report(request, slug)
    try:
        if report.is_published:
            # Frozen data gives the same PDF every time, and WeasyPrint takes seconds for a
            # real report: render it once per cache (a deploy with a fresh cache renders again).
            key = f"reporting:pdf:{report.pk}:{report.published_at.timestamp()}"
            pdf = cache.get(key)
            if pdf is None:
                pdf = _pdf(request, report)
                cache.set(key, pdf, timeout=None)
        else:
            pdf = _pdf(request, report)
    except (ImportError, OSError):  # WeasyPrint without Pango/HarfBuzz on the server
        logger.exception("No PDF for %s; see README (PDF en systeempakketten)", report.slug)
        return render(request, "reporting/pdf_unavailable.html", {"report": report}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{report.slug}.pdf"'
    return response


def report_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    report = _report(request, slug)
    context = _context(report)
    return workbook_response(
        annex_tables(context["contents"], context["changes"]),
        report_about(report, request.build_absolute_uri(report.get_absolute_url())),
        f"{report.slug}.xlsx",
    )
