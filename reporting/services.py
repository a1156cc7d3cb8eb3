"""Writing reports: publishing freezes the snapshot and what changed since the previous one."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from measures.selectors import reference_date

from .models import ProgressReport, ReportEntry, ReportSection, ReportState, ReportStatus
from .selectors import build_snapshot, compare_contents, report_contents

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
    return report


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
