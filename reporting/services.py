"""Writing reports: publishing freezes the snapshot and what changed since the previous one,
and queues the report's documents."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from measures.selectors import reference_date
from napsite.tasks import enqueue

from .models import (
    DocumentKind,
    DocumentState,
    ProgressReport,
    ReportDocument,
    ReportEntry,
    ReportSection,
    ReportState,
    ReportStatus,
)
from .selectors import build_snapshot, compare_contents, report_contents

logger = logging.getLogger(__name__)

NAP_2025 = {
    "slug": "voortgangsrapportage-nap-2025",
    "title": "Voortgangsrapportage NAP 2025",
    "introduction": (
        "Deze voortgangsrapportage beschrijft de stand van zaken van het Nationaal "
        "Actieprogramma aanpak seksueel grensoverschrijdend gedrag en seksueel geweld (NAP).\n\n"
        "Per actielijn staat in een tabel welke activiteiten er zijn, wat hun status is, wanneer "
        "ze plaatsvinden, wie ervoor verantwoordelijk is en wat er is gebeurd. De betekenis van "
        "elke status staat in de statuslegenda.\n\n"
        "De gegevens in deze rapportage zijn vastgelegd op het moment van publicatie en "
        "veranderen daarna niet meer. De actuele stand van zaken staat op deze site."
    ),
}


@transaction.atomic
def publish_report(
    report: ProgressReport, *, user=None, now: datetime.datetime | None = None
) -> ProgressReport:
    """Freeze every public activity, the action lines and the status legend into the report.

    Refuses (ValidationError, in Dutch) a report that is already published or would be empty.
    """
    # Lock the row, then read it: a second coordinator publishing at the same moment waits
    # here and then finds the report already published. The caller's object is updated too.
    ProgressReport.objects.select_for_update().filter(pk=report.pk).exists()
    report.refresh_from_db()
    if report.is_published:
        raise ValidationError(f"“{report}” is al gepubliceerd.", code="already-published")
    contents = build_snapshot(report)
    if not contents.entries:
        raise ValidationError(
            f"“{report}” kan niet worden gepubliceerd: er zijn geen openbare activiteiten.",
            code="empty",
        )
    ReportStatus.objects.bulk_create(contents.statuses)
    ReportSection.objects.bulk_create(contents.sections)
    ReportEntry.objects.bulk_create(contents.entries, batch_size=500)
    report.compared_with = report.previous_published()
    baseline = report.compared_with and report_contents(report.compared_with)
    report.changes = compare_contents(baseline, contents).stored()
    report.state = ReportState.PUBLISHED
    report.published_at = now or timezone.now()
    report.published_by = user if user is not None and user.is_authenticated else None
    report.save(update_fields=["state", "published_at", "published_by", "compared_with", "changes"])
    request_documents(report, user=report.published_by)
    return report


@transaction.atomic
def request_documents(
    report: ProgressReport, kinds=tuple(DocumentKind), *, user=None
) -> list[ReportDocument]:
    """Queue the worker to make the report's documents of these kinds; returns those queued.

    The job is a row in this same transaction (the queue's ORM broker): it exists exactly when
    the publication (or request) does. A newer request replaces an older one (see
    reporting.tasks). A published report's document that is ready stays as it is: it shows
    frozen data, so making it again would give the same file.
    """
    user = user if user is not None and user.is_authenticated else None
    existing = ReportDocument.objects.select_for_update().filter(report=report).by_kind()
    queued = []
    for kind in kinds:
        document = existing.get(kind) or ReportDocument(report=report, kind=kind)
        if report.is_published and document.is_ready:
            continue
        _request(document, user)
        queued.append(document)
    return queued


def published_document(report: ProgressReport, kind: str) -> ReportDocument:
    """A published report's document of this kind, queued now if it never was: a report
    published before documents were stored gets them on first download."""
    document = ReportDocument.objects.filter(report=report, kind=kind).first()
    if document is None:
        with transaction.atomic():
            document, created = ReportDocument.objects.get_or_create(report=report, kind=kind)
            if created:
                _queue(document)
    return document


@transaction.atomic
def document_lost(document: ReportDocument) -> None:
    """A ready document whose file is gone from storage (a restored database, an emptied
    bucket): make it again rather than fail every download."""
    logger.error("Stored file %s of %s is missing; making it again", document.file.name, document)
    _request(document, user=None)


def _request(document: ReportDocument, user) -> None:
    document.state = DocumentState.WAITING
    document.requested_at = timezone.now()
    document.requested_by = user
    document.started_at = document.finished_at = None
    document.attempts = 0
    document.error = ""
    document.save()
    _queue(document)


def _queue(document: ReportDocument) -> None:
    enqueue(
        "reporting.tasks.make_document",
        document.pk,
        document.requested_at,
        label=f"{document.get_kind_display()} van {document.report.slug}",
        on_failure="reporting.tasks.document_failed",
    )


def publish_nap_2025_report() -> tuple[ProgressReport | None, str]:
    """Ship the 2025 report, published from whatever activities are loaded. Idempotent: an
    existing published report is left alone; without public activities nothing is made."""
    report = ProgressReport.objects.filter(slug=NAP_2025["slug"]).first()
    if report is not None and report.is_published:
        return report, f"“{report}” was al gepubliceerd."
    peildatum = reference_date()
    if peildatum is None:
        return None, "Geen openbare activiteiten geladen; de rapportage 2025 is niet gemaakt."
    if report is None:
        report = ProgressReport.objects.create(reference_date=peildatum, **NAP_2025)
    publish_report(report)
    return report, f"“{report}” gepubliceerd met peildatum {report.reference_date:%d-%m-%Y}."
