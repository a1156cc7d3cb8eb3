"""napsite.tasks without a worker: what enqueue and a failed attempt put in the queue, and the
daily clean-up's schedule."""

import importlib
from datetime import time, timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from napsite.tasks import enqueue, run_attempt

tasks_migration = importlib.import_module("napsite.migrations.0001_background_tasks")


def queued():
    return [(row.name(), row.lock) for row in OrmQ.objects.order_by("id")]


def test_a_job_is_queued_in_the_database_under_its_label(db):
    enqueue("napsite.tasks.clean_up", label="Opruimen", max_attempts=3)

    [(name, lock)] = queued()
    assert name == "Opruimen (poging 1 van 3)"
    assert lock <= timezone.now()  # a worker may take it at once


def test_an_unknown_job_is_refused_when_queued_not_later_in_the_worker(db):
    with pytest.raises(ImportError):
        enqueue("napsite.tasks.bestaat_niet")

    assert not OrmQ.objects.exists()


@pytest.mark.parametrize(
    ("failed_attempt", "wait"),
    [(1, timedelta(seconds=60)), (2, timedelta(seconds=120)), (3, timedelta(seconds=240))],
)
def test_a_failed_attempt_queues_the_next_one_twice_as_late_each_time(
    db, settings, failed_attempt, wait
):
    settings.NAP_TASK_RETRY_BASE_SECONDS = 60
    before = timezone.now()

    with pytest.raises(ValueError):
        run_attempt("json.loads", ("kapot",), {}, failed_attempt, 9, "Rapport")

    [(name, lock)] = queued()
    assert name == f"Rapport (poging {failed_attempt + 1} van 9)"
    assert before + wait <= lock <= timezone.now() + wait


def test_retries_wait_at_most_an_hour(db, settings):
    settings.NAP_TASK_RETRY_BASE_SECONDS = 60
    with pytest.raises(ValueError):
        run_attempt("json.loads", ("kapot",), {}, 7, 9, "Rapport")  # 64 minutes by doubling

    [(_, lock)] = queued()
    assert lock <= timezone.now() + timedelta(hours=1)


def test_the_last_attempt_queues_nothing(db):
    with pytest.raises(ValueError):
        run_attempt("json.loads", ("kapot",), {}, 3, 3, "Rapport")

    assert not OrmQ.objects.exists()


def test_the_daily_clean_up_is_planned_once_however_often_the_migration_runs(db):
    Schedule.objects.filter(name=tasks_migration.CLEAN_UP).delete()

    tasks_migration.plan_clean_up(apps, schema_editor=None)
    tasks_migration.plan_clean_up(apps, schema_editor=None)

    [schedule] = Schedule.objects.filter(func="napsite.tasks.clean_up")
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.repeats == -1
    assert timezone.localtime(schedule.next_run).time() == time(4, 0)
    assert schedule.next_run > timezone.now()
