"""The worker switches off unused accounts every night (napsite.accounts.jobs)."""

from datetime import datetime, time, timedelta

from django.db import migrations
from django.utils import timezone

DEACTIVATION = "Dagelijks: ongebruikte accounts uitzetten"


def plan_deactivation(apps, schema_editor):
    """Every night at 03:15. Looked up by name, so it is never planned twice."""
    Schedule = apps.get_model("django_q", "Schedule")
    tomorrow = timezone.localdate() + timedelta(days=1)
    Schedule.objects.get_or_create(
        name=DEACTIVATION,
        defaults={
            "func": "napsite.accounts.jobs.deactivate_inactive_accounts",
            "schedule_type": "D",  # Schedule.DAILY
            "repeats": -1,  # for ever
            "next_run": timezone.make_aware(datetime.combine(tomorrow, time(3, 15))),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_coordinator_permissions"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    # Reversing keeps the schedule: it does no harm without this migration.
    operations = [migrations.RunPython(plan_deactivation, migrations.RunPython.noop)]
