"""Coordinators run the update round and publish the progress reports."""

from django.db import migrations

from measures.roles import COORDINATOR, grant_permissions

COORDINATOR_PERMISSIONS = [
    *(
        f"reporting.{action}_progressreport"
        for action in ("add", "change", "delete", "view", "publish")
    ),
]


def grant_report_permissions(apps, schema_editor):
    grant_permissions(apps, COORDINATOR, COORDINATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("measures", "0003_editor_roles"),
    ]

    operations = [migrations.RunPython(grant_report_permissions, migrations.RunPython.noop)]
