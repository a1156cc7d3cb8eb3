"""Background tasks: coordinators see the job queue in the admin; the daily clean-up is planned.

Lives in napsite, which owns the task queue's settings and jobs (napsite/tasks.py).
"""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

from measures.roles import COORDINATOR, grant_permissions

# Coordinators follow the background jobs (queued, done, failed, planned); they change nothing.
COORDINATOR_PERMISSIONS = [
    "django_q.view_ormq",
    "django_q.view_success",
    "django_q.view_failure",
    "django_q.view_schedule",
]

CLEAN_UP = "Dagelijks opruimen"


def grant_task_permissions(apps, schema_editor):
    grant_permissions(apps, COORDINATOR, COORDINATOR_PERMISSIONS)


def plan_clean_up(apps, schema_editor):
    """Every night at 04:00. Looked up by name, so it is never planned twice."""
    Schedule = apps.get_model("django_q", "Schedule")
    tomorrow = timezone.localdate() + timedelta(days=1)
    Schedule.objects.get_or_create(
        name=CLEAN_UP,
        defaults={
            "func": "napsite.tasks.clean_up",
            "schedule_type": "D",  # Schedule.DAILY
            "repeats": -1,  # for ever
            "next_run": timezone.make_aware(datetime.combine(tomorrow, time(4, 0))),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("measures", "0003_editor_roles"),
    ]

    # Reversing keeps both: the permissions and the schedule do no harm without this migration.
    operations = [
        migrations.RunPython(grant_task_permissions, migrations.RunPython.noop),
        migrations.RunPython(plan_clean_up, migrations.RunPython.noop),
    ]
