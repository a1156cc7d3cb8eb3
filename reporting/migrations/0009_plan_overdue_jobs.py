"""The worker marks documents and imports whose job was stopped at its time limit as failed
(reporting.tasks.fail_overdue_jobs)."""

from django.db import migrations
from django.utils import timezone

OVERDUE_JOBS = "Elke 5 minuten: vastgelopen documenten en imports als mislukt melden"


def plan_overdue_jobs(apps, schema_editor):
    """Every five minutes. Looked up by name, so it is never planned twice."""
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        name=OVERDUE_JOBS,
        defaults={
            "func": "reporting.tasks.fail_overdue_jobs",
            "schedule_type": "I",  # Schedule.MINUTES
            "minutes": 5,
            "repeats": -1,  # for ever
            "next_run": timezone.now(),
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0008_importjob"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    # Reversing keeps the schedule: it does no harm without this migration.
    operations = [migrations.RunPython(plan_overdue_jobs, migrations.RunPython.noop)]
