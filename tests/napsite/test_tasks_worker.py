"""The task worker as it runs in production: a real `manage.py qcluster` process, started
against the test database, taking jobs queued with napsite.tasks.enqueue."""

import time
import uuid
from datetime import timedelta

import pytest
from axes.models import AccessLog
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone
from django_q.models import Failure, OrmQ, Success, Task

from napsite.tasks import enqueue
from tests.measures.editors import make_coordinator, make_staff_member
from tests.napsite.processes import shared_database_url, start_python, stop

pytestmark = pytest.mark.slow

# Back-off in whole seconds, so the test sees three attempts within a few seconds.
RETRY_BASE_SECONDS = 1


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start `manage.py qcluster` (as many as asked) with the project's real settings."""
    started = []

    def start(name: str = "worker"):
        log = tmp_path / f"{name}.log"
        process = start_python(
            "manage.py",
            "qcluster",
            log=log,
            DJANGO_SECRET_KEY=settings.SECRET_KEY,  # jobs are signed with it
            DATABASE_URL=shared_database_url(),
            NAP_SHARED_CACHE_DIR=str(tmp_path / "cache"),
            NAP_TASK_RETRY_BASE_SECONDS=str(RETRY_BASE_SECONDS),
            WORKER_NAME=name,
        )
        started.append((process, log))
        return process

    start.logs = lambda: "\n".join(f"--- {log.name}\n{log.read_text()}" for _, log in started)
    start.running = lambda: all("running." in log.read_text() for _, log in started)
    yield start
    for process, _ in started:
        stop(process)


def wait_until(condition, workers, timeout: float = 60):
    """Poll until ``condition()``; the timeout is generous because CI machines can be busy."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Not done within {timeout} s. Worker output:\n{workers.logs()}")
        time.sleep(0.2)


def finished_task(stopped_days_ago: int) -> Task:
    stopped = timezone.now() - timedelta(days=stopped_days_ago)
    return Task.objects.create(
        id=uuid.uuid4().hex,
        name=f"klaar {stopped_days_ago} dagen geleden",
        func="napsite.tasks.clean_up",
        started=stopped,
        stopped=stopped,
        success=True,
    )


def test_a_job_queued_while_no_worker_runs_is_done_once_the_worker_starts(start_worker):
    expired, current = SessionStore(), SessionStore()
    expired.set_expiry(-1)
    for session in (expired, current):
        session["x"] = 1
        session.save()
    old_task, recent_task = finished_task(40), finished_task(2)
    old_login = AccessLog.objects.create(username="oud", ip_address="192.0.2.1", user_agent="")
    AccessLog.objects.filter(pk=old_login.pk).update(
        attempt_time=timezone.now() - timedelta(days=31)
    )
    recent_login = AccessLog.objects.create(username="nieuw", ip_address="192.0.2.2", user_agent="")

    task_id = enqueue("napsite.tasks.clean_up")
    assert OrmQ.objects.count() == 1  # waiting in the database, no worker yet
    start_worker()
    wait_until(lambda: Success.objects.filter(id=task_id).exists(), start_worker)

    assert Success.objects.get(id=task_id).result == (
        "Opgeruimd: 1 afgeronde taken, 1 inlogregistraties."
    )
    assert set(Session.objects.values_list("session_key", flat=True)) == {current.session_key}
    assert not Task.objects.filter(pk=old_task.pk).exists()
    assert Task.objects.filter(pk=recent_task.pk).exists()
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent_login.pk]
    assert not OrmQ.objects.exists()


def test_a_failing_job_is_retried_later_each_time_then_shown_as_failed(
    start_worker, tmp_path, client
):
    attempts = tmp_path / "attempts.txt"
    enqueue("tests.napsite.jobs.fail", str(attempts), label="Rapport maken", max_attempts=3)
    start_worker()
    # A next attempt is queued before the failed one is recorded and leaves the queue: an
    # empty queue after the third failure means there will be no fourth.
    wait_until(
        lambda: (
            Failure.objects.filter(group="Rapport maken").count() == 3 and not OrmQ.objects.exists()
        ),
        start_worker,
    )

    times = [float(line) for line in attempts.read_text().split()]
    assert len(times) == 3
    first_wait, second_wait = times[1] - times[0], times[2] - times[1]
    assert RETRY_BASE_SECONDS <= first_wait < 30
    assert 2 * RETRY_BASE_SECONDS <= second_wait < 30  # not the library's fixed `retry` (31 min)

    # Coordinators follow the jobs in the admin: every attempt, with its error.
    client.force_login(make_coordinator())
    index = client.get(reverse("admin:index"))
    failures = client.get(reverse("admin:django_q_failure_changelist"))
    last = Failure.objects.get(name="Rapport maken (poging 3 van 3)")
    detail = client.get(reverse("admin:django_q_failure_change", args=[last.pk]))

    assert "Achtergrondtaken" in index.text
    assert failures.status_code == 200
    for attempt in (1, 2, 3):
        assert f"Rapport maken (poging {attempt} van 3)" in failures.text
    assert "Het bestand kon niet worden gemaakt." in detail.text


def test_ministry_staff_do_not_see_the_jobs(transactional_db, client):
    client.force_login(make_staff_member())

    response = client.get(reverse("admin:django_q_failure_changelist"))

    assert response.status_code == 403


def test_two_workers_never_run_one_job_twice(start_worker, tmp_path):
    done = tmp_path / "done.txt"
    start_worker("a")
    start_worker("b")
    wait_until(start_worker.running, start_worker)  # both polling the queue before the jobs arrive
    jobs = [f"taak-{n}" for n in range(16)]
    for job in jobs:
        enqueue("tests.napsite.jobs.record", str(done), job, 0.4)

    def lines():
        return done.read_text().splitlines() if done.exists() else []

    wait_until(lambda: len(lines()) >= len(jobs), start_worker)
    time.sleep(1)  # room for a doubled job to show up

    ran = sorted(line.split()[0] for line in lines())
    by = {line.split()[1] for line in lines()}
    assert ran == sorted(jobs)
    assert by == {"a", "b"}  # both took jobs: they really competed for the same queue
    assert Success.objects.count() == len(jobs)
