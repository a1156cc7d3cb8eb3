"""Progress reports (voortgangsrapportages) and the frozen snapshot a published report keeps.

A draft shows live data. Publishing copies every public activity, the action lines and the
status legend into the snapshot tables below, so later edits never change what was sent to
parliament. The snapshot rows are plain copies, not foreign keys to live data: an activity's
id is kept only to recognise it in the next report (see ``selectors.report_changes``).
"""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone


class ReportState(models.TextChoices):
    DRAFT = "concept", "Concept"
    PUBLISHED = "gepubliceerd", "Gepubliceerd"


class ProgressReportQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=ReportState.PUBLISHED)

    def visible_to(self, user):
        """The public sees published reports; staff who may view reports also see drafts."""
        if user.has_perm("reporting.view_progressreport"):
            return self
        return self.published()


class ProgressReportManager(models.Manager.from_queryset(ProgressReportQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class ProgressReport(models.Model):
    title = models.CharField(
        "titel", max_length=200, help_text="Bijvoorbeeld 'Voortgangsrapportage NAP 2025'."
    )
    slug = models.SlugField("slug", max_length=100, unique=True)
    reference_date = models.DateField(
        "peildatum",
        help_text=(
            "De stand van zaken per deze datum. Ligt die in het verleden, dan toont het concept "
            "de gegevens zoals ze toen waren (uit de historie)."
        ),
    )
    introduction = models.TextField(
        "inleiding", blank=True, help_text="Alinea's gescheiden door een lege regel."
    )
    state = models.CharField(
        "status", max_length=20, choices=ReportState.choices, default=ReportState.DRAFT
    )
    created_at = models.DateTimeField("aangemaakt", default=timezone.now, editable=False)
    published_at = models.DateTimeField("gepubliceerd op", null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="gepubliceerd door",
    )

    # The report the changes annex compares with, fixed at publication: what changed since the
    # previous report is part of what was published, so a report published later (for an
    # earlier peildatum) must not become its baseline. Protected: deleting the baseline would
    # rewrite this report's changes.
    compared_with = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="vergeleken met",
    )

    # What changed since ``compared_with``, computed and stored at publication (a list of
    # ``changes.Change.as_dict()``): the annex of a published report reads only this, so a
    # later change in the comparison never rewrites what was published. None for a draft.
    changes = models.JSONField("wijzigingen", null=True, blank=True, editable=False)

    # The update round this draft was made from: its data are those of the round's close, when
    # every answer it approved is in, however long after the peildatum (see
    # ``selectors.data_moment``). A deleted round leaves a plain draft.
    update_round = models.ForeignKey(
        "reporting.UpdateRound",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="reports",
        verbose_name="uitvraag",
    )

    objects = ProgressReportManager()

    class Meta:
        ordering = ["-reference_date", "-published_at"]
        verbose_name = "voortgangsrapportage"
        verbose_name_plural = "voortgangsrapportages"
        permissions = [("publish_progressreport", "Mag voortgangsrapportages publiceren")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state=ReportState.DRAFT, published_at__isnull=True)
                | Q(state=ReportState.PUBLISHED, published_at__isnull=False),
                name="progressreport_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reporting:detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    @property
    def is_published(self) -> bool:
        return self.state == ReportState.PUBLISHED

    def previous_published(self) -> "ProgressReport | None":
        """The latest published report up to this one's peildatum: what a draft compares with
        now, and what it will keep comparing with once published (``compared_with``)."""
        return (
            ProgressReport.objects.published()
            .exclude(pk=self.pk)
            .filter(reference_date__lte=self.reference_date)
            .order_by("-reference_date", "-published_at")
            .first()
        )

    def baseline(self) -> "ProgressReport | None":
        """The report this one is compared with: fixed once published, the latest for a draft."""
        return self.compared_with if self.is_published else self.previous_published()


class ReportSection(models.Model):
    """An action line as it stood when the report was published."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="sections")
    number = models.PositiveSmallIntegerField("nummer")
    title = models.CharField("titel", max_length=300)

    class Meta:
        ordering = ["report", "number"]
        verbose_name = "actielijn in rapportage"
        verbose_name_plural = "actielijnen in rapportage"
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="reportsection_unique"),
        ]

    def __str__(self) -> str:
        return f"Actielijn {self.number}: {self.title}"


class ReportStatus(models.Model):
    """A status of the legend, with its definition, as published."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="statuses")
    code = models.SlugField("code", max_length=40)
    label = models.CharField("naam", max_length=60)
    definition = models.TextField("definitie")
    icon = models.CharField("symbool", max_length=4, blank=True)
    position = models.PositiveSmallIntegerField("volgorde", default=0)

    class Meta:
        ordering = ["report", "position", "code"]
        verbose_name = "status in rapportage"
        verbose_name_plural = "statussen in rapportage"
        constraints = [
            models.UniqueConstraint(fields=["report", "code"], name="reportstatus_unique"),
        ]

    def __str__(self) -> str:
        return self.label


class ReportEntry(models.Model):
    """One row of the annex: an activity frozen at publication."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="entries")
    section = models.ForeignKey(ReportSection, on_delete=models.CASCADE, related_name="entries")
    # Statuses, sections and entries live and die with their report.
    status = models.ForeignKey(ReportStatus, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField("volgorde in de rapportage")
    # The live activity's id: identifies "the same activity" across reports, even after it was
    # renamed or deleted. Deliberately not a foreign key: the snapshot outlives the activity.
    activity_pk = models.BigIntegerField("activiteit-id", db_index=True)
    slug = models.SlugField("slug", max_length=120)
    title = models.CharField("activiteit", max_length=300)
    timeframe_label = models.CharField("wanneer", max_length=100, blank=True)
    # [{"code": "OCW", "name": "Ministerie van ..."}, ...] in printed order.
    actors = models.JSONField("wie", default=list, blank=True)
    explanation = models.TextField("toelichting")
    # [{"number": 12, "text": "Kamerstukken II ...", "url": "https://..."}, ...] in printed order.
    footnotes = models.JSONField("voetnoten", default=list, blank=True)
    deviates_from_plan = models.BooleanField("afwijking van de planning", default=False)

    class Meta:
        ordering = ["report", "position"]
        verbose_name = "activiteit in rapportage"
        verbose_name_plural = "activiteiten in rapportage"
        constraints = [
            models.UniqueConstraint(
                fields=["report", "activity_pk"], name="reportentry_activity_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def actor_codes(self) -> list[str]:
        return [actor["code"] for actor in self.actors]


def report_documents_storage():
    """STORAGES["report_documents"]: a local folder, or a bucket shared by several instances."""
    return storages["report_documents"]


class DocumentKind(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "Word"
    XLSX = "xlsx", "Excel"


class DocumentState(models.TextChoices):
    WAITING = "wacht", "Wacht op de worker"
    BUSY = "bezig", "Wordt gemaakt"
    READY = "klaar", "Klaar"
    FAILED = "mislukt", "Mislukt"


class ReportDocumentQuerySet(models.QuerySet):
    def by_kind(self) -> dict[str, "ReportDocument"]:
        return {document.kind: document for document in self}

    def for_downloads(self) -> list[tuple[DocumentKind, "ReportDocument | None"]]:
        """Every kind in the order a page offers them, with its document if there is one."""
        found = self.by_kind()
        return [(kind, found.get(kind)) for kind in DocumentKind]


class ReportDocument(models.Model):
    """A report's PDF, Word or Excel file, made once by the worker (reporting.tasks) and stored.

    One per report and kind: a new request for a draft's document replaces the previous one.
    A published report's documents show its frozen data and are never made in a request.
    """

    CONTENT_TYPES = {
        DocumentKind.PDF: "application/pdf",
        DocumentKind.DOCX: (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
        DocumentKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("soort", max_length=4, choices=DocumentKind.choices)
    state = models.CharField(
        "stand", max_length=10, choices=DocumentState.choices, default=DocumentState.WAITING
    )
    file = models.FileField("bestand", storage=report_documents_storage, max_length=255, blank=True)
    size = models.PositiveBigIntegerField("grootte in bytes", null=True, blank=True)
    error = models.TextField("foutmelding", blank=True)
    requested_at = models.DateTimeField("aangevraagd", default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="aangevraagd door",
    )
    started_at = models.DateTimeField("begonnen", null=True, blank=True)
    finished_at = models.DateTimeField("klaar op", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("pogingen", default=0)
    # A draft shows live data: the document holds the data as they were at this moment.
    data_as_of = models.DateTimeField("gegevens van", null=True, blank=True)

    objects = ReportDocumentQuerySet.as_manager()

    class Meta:
        ordering = ["report", "kind"]
        verbose_name = "document van een rapportage"
        verbose_name_plural = "documenten van rapportages"
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="reportdocument_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.report} ({self.get_kind_display()})"

    @property
    def is_ready(self) -> bool:
        return self.state == DocumentState.READY and bool(self.file)

    @property
    def content_type(self) -> str:
        return self.CONTENT_TYPES[self.kind]

    def download_name(self) -> str:
        """The file name a reader saves: the report's slug, and for a draft the data's moment."""
        if self.data_as_of is None:
            return f"{self.report.slug}.{self.kind}"
        moment = timezone.localtime(self.data_as_of)
        return f"{self.report.slug}-concept-{moment:%Y-%m-%d-%H%M}.{self.kind}"


@receiver(post_delete, sender=ReportDocument)
def _delete_stored_file(sender, instance: ReportDocument, **kwargs):
    """A deleted draft takes its documents' files with it, once the deletion is committed."""
    if instance.file:
        name, storage = instance.file.name, instance.file.storage
        transaction.on_commit(lambda: storage.delete(name))


# The update rounds live in their own sub-package; imported here so Django finds their models.
from .rounds.models import MailPreference, SentMail, UpdateRequest, UpdateRound  # noqa: E402, F401
