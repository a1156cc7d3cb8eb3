"""The spreadsheet round-trip on the activities' changelist: the update template to download
and the filled-in file to upload, with its preview.

Registered from reporting, so measures' admin knows nothing of rounds (imports run one way):
this admin replaces measures' ``ActivityAdmin`` by a subclass that adds django-import-export's
views. Everything else of the activity admin, its rights included, is inherited.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.timezone import localdate
from import_export.admin import ImportExportMixin

from measures.admin import ActivityAdmin
from measures.models import Activity

from . import import_jobs, spreadsheet
from .models import ImportJob


class SpreadsheetActivityAdmin(spreadsheet.UpdateRoundAdminMixin, ImportExportMixin, ActivityAdmin):
    resource_classes = [spreadsheet.UpdateRoundResource]
    import_formats = spreadsheet.UPDATE_ROUND_FORMATS
    export_formats = spreadsheet.UPDATE_ROUND_FORMATS
    import_form_class = spreadsheet.UpdateRoundImportForm
    export_form_class = spreadsheet.UpdateTemplateExportForm
    import_template_name = "admin/measures/activity/import.html"
    export_template_name = "admin/measures/activity/export.html"
    import_export_change_list_template = "admin/measures/activity/change_list.html"
    to_encoding = "utf-8-sig"  # a BOM, or Excel mangles accented letters in the CSV

    def get_urls(self):
        own = [
            path(
                "import/<int:pk>/",
                self.admin_site.admin_view(self.import_job_view),
                name="measures_activity_import_job",
            )
        ]
        return own + super().get_urls()

    def import_job_view(self, request, pk: int):
        """How far a file imported in the background has got, and how it ended."""
        job = get_object_or_404(ImportJob, pk=pk, requested_by=request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": "Bijwerkronde importeren",
            "opts": self.opts,
            "job": job,
            "rows_done": import_jobs.rows_done(job),
        }
        return TemplateResponse(request, "admin/measures/activity/import_job.html", context)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**super().get_resource_kwargs(request, *args, **kwargs), "user": request.user}

    def get_import_data_kwargs(self, **kwargs):
        # All or nothing: by default a confirmed import keeps the valid rows of a file that
        # has invalid ones (for instance a row someone changed since the preview).
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def get_export_filename(self, request, queryset, file_format):
        return f"bijwerksjabloon-activiteiten-{localdate():%Y-%m-%d}.{file_format.get_extension()}"

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error("import_file", spreadsheet.unreadable_file_message(e))

    def export_action(self, request):
        try:
            return super().export_action(request)
        except IncorrectLookupParameters:
            # A tampered filter in the address: do what the changelist does.
            return HttpResponseRedirect(reverse("admin:measures_activity_changelist") + "?e=1")

    def process_import(self, request, **kwargs):
        try:
            return super().process_import(request, **kwargs)
        except FileNotFoundError:
            # The uploaded file is removed once processed: a second click on "confirm".
            self.message_user(
                request,
                "Deze import is al verwerkt of verlopen. Upload het bestand opnieuw.",
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:measures_activity_import"))

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # Found only now (someone saved since the preview): everything was rolled back.
            self.message_user(
                request,
                "Er is niets geïmporteerd: bij het bevestigen bleken rijen niet (meer) in "
                "orde. Zie hieronder; pas het bestand aan en upload het opnieuw.",
                messages.ERROR,
            )
            form_class = self.get_import_form_class(request)
            form = form_class(self.get_import_formats(), self.get_import_resource_classes(request))
            context = {
                **self.get_import_context_data(),
                **self.admin_site.each_context(request),
                "title": "Bijwerkronde importeren",
                "form": form,
                "opts": self.opts,
                "result": result,
            }
            return TemplateResponse(request, [self.import_template_name], context)
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        self.message_user(request, spreadsheet.import_summary(result, request.user))

    def generate_log_entries(self, result, request):
        spreadsheet.log_import(result, request.user)


admin.site.unregister(Activity)
admin.site.register(Activity, SpreadsheetActivityAdmin)
