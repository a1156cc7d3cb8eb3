"""Create the two editor roles. Their rights are listed here, frozen like any migration."""

from django.db import migrations

from measures.roles import COORDINATOR, MINISTRY_STAFF, grant_permissions


def crud(app_label, model_name):
    return [f"{app_label}.{action}_{model_name}" for action in ("add", "change", "delete", "view")]


# Ministry staff update the status, timeframe, explanation and footnotes of their own actors'
# activities, one by one or in a spreadsheet round. They never create or delete activities.
MINISTRY_STAFF_PERMISSIONS = [
    "measures.view_activity",
    "measures.change_activity",
    "measures.import_activity",
    "measures.export_activity",
    *crud("measures", "footnote"),
]

# Coordinators run the programme: all activities and their reference data, and who works for
# which actor. User accounts stay with superusers.
COORDINATOR_PERMISSIONS = [
    *crud("measures", "activity"),
    "measures.import_activity",
    "measures.export_activity",
    "measures.manage_all_activities",
    *crud("measures", "activityactor"),
    *crud("measures", "footnote"),
    *crud("measures", "actor"),
    *crud("measures", "status"),
    *crud("measures", "actormembership"),
    *crud("actionlines", "actionline"),
]


def create_editor_roles(apps, schema_editor):
    grant_permissions(apps, MINISTRY_STAFF, MINISTRY_STAFF_PERMISSIONS)
    grant_permissions(apps, COORDINATOR, COORDINATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0002_actor_membership_and_permissions"),
        ("actionlines", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Reversing keeps the groups: deleting them would silently strip users of their role.
    operations = [migrations.RunPython(create_editor_roles, migrations.RunPython.noop)]
