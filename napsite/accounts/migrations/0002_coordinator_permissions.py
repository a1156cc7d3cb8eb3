"""Coordinators see who signed in how, and who changed whose rights."""

from django.db import migrations

from measures.roles import COORDINATOR, grant_permissions

COORDINATOR_PERMISSIONS = ["accounts.view_signin", "accounts.view_accesschange"]


def grant_account_permissions(apps, schema_editor):
    grant_permissions(apps, COORDINATOR, COORDINATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("measures", "0003_editor_roles"),
    ]

    operations = [migrations.RunPython(grant_account_permissions, migrations.RunPython.noop)]
