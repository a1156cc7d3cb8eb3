from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from .models import ProgressReport

# Registered on import: the update rounds' pages, and the spreadsheet round-trip on the
# activities' changelist.
from .rounds import activity_admin as _activity_admin  # noqa: F401
from .rounds import admin as _rounds_admin  # noqa: F401
from .services import publish_report


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
    ]
    readonly_fields = ["state", "published_at", "published_by", "compared_with"]
    actions = ["publish"]

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
