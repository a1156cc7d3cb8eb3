"""The two editor roles, as Django groups holding permissions.

Migration measures/0003 creates the groups with ``grant_permissions``, listing their rights.
The function only ever adds, so a later app extends a role with a data migration of its own,
for example the reports app giving coordinators its permissions::

    def grant_report_permissions(apps, schema_editor):
        grant_permissions(apps, COORDINATOR, ["reporting.view_progressreport"])

Which activities a user may change is not a group matter: that follows from the user's actor
memberships (see ``ActivityQuerySet.editable_by``), unless the user may manage all activities.
"""

from collections.abc import Iterable

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

MINISTRY_STAFF = "Ministeriemedewerker"
COORDINATOR = "Coördinator"


def grant_permissions(apps, group_name: str, permissions: Iterable[str]) -> None:
    """Create the group if needed and add these permissions ("app_label.codename").

    Safe to run again, and with more permissions. Meant for data migrations: pass the
    migration's ``apps``. Django creates permissions only after all migrations have run
    (post_migrate), too late for a fresh database, so they are created here first.
    """
    permissions = sorted(set(permissions))
    app_labels = {permission.split(".", 1)[0] for permission in permissions}
    for app_label in app_labels:
        create_permissions(global_apps.get_app_config(app_label), apps=apps, verbosity=0)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    found = []
    missing = []
    for permission in permissions:
        app_label, codename = permission.split(".", 1)
        match = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        (found if match else missing).append(match or permission)
    if missing:
        # A typo here would silently leave a role without a right it needs.
        raise LookupError(f"Unknown permissions for group {group_name!r}: {', '.join(missing)}")
    group.permissions.add(*found)
