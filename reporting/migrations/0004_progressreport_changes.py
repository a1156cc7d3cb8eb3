"""Published reports store what changed, computed once at publication.

Until now the changes annex was computed on every request, so a change in the comparison code
rewrote the annex of every report already published. Reports published before this migration
get their changes computed once here, from their own frozen snapshot and their baseline's.
"""

from django.db import migrations, models

from reporting.changes import compare_snapshots, entry_record


def store_changes(apps, schema_editor):
    ProgressReport = apps.get_model("reporting", "ProgressReport")
    ReportEntry = apps.get_model("reporting", "ReportEntry")

    def records(report_id):
        entries = (
            ReportEntry.objects.filter(report_id=report_id)
            .select_related("section", "status")
            .order_by("position")
        )
        return [entry_record(entry) for entry in entries]

    for report in ProgressReport.objects.filter(state="gepubliceerd"):
        if report.compared_with_id is None:
            report.changes = []
        else:
            report.changes = compare_snapshots(
                records(report.compared_with_id), records(report.pk)
            )
        report.save(update_fields=["changes"])


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_progressreport_compared_with"),
    ]

    operations = [
        migrations.AddField(
            model_name="progressreport",
            name="changes",
            field=models.JSONField(
                blank=True, editable=False, null=True, verbose_name="wijzigingen"
            ),
        ),
        migrations.RunPython(store_changes, migrations.RunPython.noop),
    ]
