"""Published reports keep the report their changes annex compares with.

Until now that report was worked out on every request, so publishing a report for an earlier
peildatum later on (or deleting one) rewrote the changes of reports already published. Existing
published reports get the baseline they were shown with until now, so nothing changes for them.
"""

import django.db.models.deletion
from django.db import migrations, models


def fix_baselines(apps, schema_editor):
    """The rule that applied before this migration: the latest published report with an earlier
    peildatum, or with the same peildatum and published earlier."""
    ProgressReport = apps.get_model("reporting", "ProgressReport")
    published = list(ProgressReport.objects.filter(state="gepubliceerd"))

    def moment(report):
        return (report.reference_date, report.published_at)

    for report in published:
        earlier = [other for other in published if moment(other) < moment(report)]
        if earlier:
            report.compared_with = max(earlier, key=moment)
            report.save(update_fields=["compared_with"])


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_coordinator_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="progressreport",
            name="compared_with",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="reporting.progressreport",
                verbose_name="vergeleken met",
            ),
        ),
        migrations.RunPython(fix_baselines, migrations.RunPython.noop),
    ]
