from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.template.loader import render_to_string
from django.urls import path

from .models import DocumentKind, ProgressReport

# Registered on import: the update rounds' pages, and the spreadsheet round-trip on the
# activities' changelist.
from .rounds import activity_admin as _activity_admin  # noqa: F401
from .rounds import admin as _rounds_admin  # noqa: F401
from .services import publish_report, request_documents


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["title", "reference_date", "state", "published_at", "published_by"]
    list_filter = ["state"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    fields = [
        "title",
        "slug",
        "reference_date",
        "introduction",
        "state",
        "published_at",
        "published_by",
        "compared_with",
        "documents",
    ]
    readonly_fields = ["state", "published_at", "published_by", "compared_with", "documents"]
    actions = ["publish", "make_documents", "make_pdf", "make_docx", "make_xlsx"]

    @admin.display(description="documenten")
    def documents(self, report: ProgressReport) -> str:
        """The report's PDF, Word and Excel files: how far the worker is, why one failed, and
        a download once ready. Made with the actions "Maak document" on the list of reports."""
        if report.pk is None:
            return "–"
        return render_to_string(
            "admin/reporting/progressreport/_documents.html",
            {"report": report, "documents": report.documents.all()},
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/document/<str:kind>/",
                self.admin_site.admin_view(self.document_view),
                name="reporting_progressreport_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request: HttpRequest, object_id: str, kind: str):
        """A stored document, draft or published, for whoever may view the report."""
        report = self.get_object(request, object_id)
        if report is None:
            raise Http404
        if not self.has_view_permission(request, report):
            raise PermissionDenied
        document = report.documents.filter(kind=kind).first()
        if document is None or not document.is_ready:
            raise Http404("Dit document is (nog) niet gemaakt.")
        try:
            stored = document.file.open("rb")
        except FileNotFoundError:
            raise Http404("Het bestand van dit document ontbreekt; maak het opnieuw.") from None
        response = FileResponse(
            stored,
            as_attachment=True,
            filename=document.download_name(),
            content_type=document.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        # A published report is what was sent to parliament: nothing about it changes.
        if obj is not None and obj.is_published:
            return self.fields
        return self.readonly_fields

    def get_prepopulated_fields(self, request: HttpRequest, obj=None):
        return {} if obj is not None and obj.is_published else self.prepopulated_fields

    def has_delete_permission(self, request: HttpRequest, obj=None):
        # A published report is a record of what parliament received: nobody deletes it, not
        # even a superuser. The bulk delete action asks this per object and refuses too.
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("reporting.publish_progressreport")

    @admin.action(description="Publiceren (legt de gegevens vast)", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset):
        for report in queryset.order_by("reference_date"):
            try:
                publish_report(report, user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                self.message_user(
                    request,
                    f"“{report}” is gepubliceerd; latere wijzigingen veranderen deze rapportage "
                    "niet meer.",
                    messages.SUCCESS,
                )

    def _make(self, request: HttpRequest, queryset, kinds) -> None:
        for report in queryset:
            queued = request_documents(report, kinds, user=request.user)
            if queued:
                names = ", ".join(document.get_kind_display() for document in queued)
                self.message_user(
                    request,
                    f"{names} van “{report}” staan klaar voor de worker. De stand ziet u onder "
                    "Documenten op de pagina van de rapportage.",
                    messages.SUCCESS,
                )
            else:
                self.message_user(
                    request,
                    f"De documenten van “{report}” zijn al gemaakt; een gepubliceerde rapportage "
                    "verandert niet meer.",
                    messages.INFO,
                )

    @admin.action(description="Maak document: PDF, Word en Excel", permissions=["change"])
    def make_documents(self, request: HttpRequest, queryset):
        self._make(request, queryset, list(DocumentKind))

    @admin.action(description="Maak document: alleen PDF", permissions=["change"])
    def make_pdf(self, request: HttpRequest, queryset):
        self._make(request, queryset, [DocumentKind.PDF])

    @admin.action(description="Maak document: alleen Word", permissions=["change"])
    def make_docx(self, request: HttpRequest, queryset):
        self._make(request, queryset, [DocumentKind.DOCX])

    @admin.action(description="Maak document: alleen Excel", permissions=["change"])
    def make_xlsx(self, request: HttpRequest, queryset):
        self._make(request, queryset, [DocumentKind.XLSX])
