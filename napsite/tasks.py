"""Background jobs: queue them with ``enqueue``; the worker (``manage.py qcluster``) runs them.

The queue is django-q2 with its ORM broker: a queued job is a row in the site's own database,
so it survives restarts of the site and the worker, commits or rolls back with the transaction
that queued it, and is taken by exactly one worker however many run (a worker claims a row by
moving its lock forward with a conditional UPDATE; only one UPDATE can match).

What the library lacks is back-off: it retries a failed job at a fixed interval. So failed jobs
leave the queue at once (``ack_failures``) and ``run_attempt`` queues the next attempt itself,
hidden from the workers until its time has come: 1, 2, 4 ... times
``NAP_TASK_RETRY_BASE_SECONDS`` later, at most an hour, until ``NAP_TASK_MAX_ATTEMPTS``.
Each attempt appears in the admin ("Achtergrondtaken") as a task of its own, failed ones with
their error. A job that runs past ``NAP_TASK_TIMEOUT`` is stopped and not retried: it would
most likely be stopped again.

Jobs may run more than once (a worker that dies mid-job leaves it to be taken again after the
lock expires), so a job must give the same outcome when repeated.
"""

from datetime import datetime, timedelta
from importlib import import_module

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.brokers.orm import ORM
from django_q.models import Task
from django_q.tasks import async_task

MAX_RETRY_DELAY = timedelta(hours=1)


def enqueue(
    func: str,
    *args,
    label: str = "",
    max_attempts: int | None = None,
    on_failure: str = "",
    **kwargs,
) -> str:
    """Queue ``func(*args, **kwargs)`` for the worker and return the first attempt's task id.

    ``func`` is a dotted path; ``label`` names the job in the admin (default: the function's
    name). Arguments are pickled: pass ids and plain values, not model instances.
    ``on_failure`` (a dotted path) is called as ``on_failure(error, *args, **kwargs)`` once the
    last attempt failed: to tell the job's users that nothing more will come.
    """
    for path in (func, on_failure or func):
        import_string(path)  # a wrong path fails here, where it was written, not in the worker
    return _queue_attempt(
        func,
        args,
        kwargs,
        attempt=1,
        max_attempts=max_attempts or settings.NAP_TASK_MAX_ATTEMPTS,
        label=label or func.rsplit(".", 1)[-1],
        on_failure=on_failure,
    )


def overdue_since() -> datetime:
    """A job started before this moment and still marked as running was stopped by the worker
    at ``NAP_TASK_TIMEOUT`` (with a minute's grace) and will not be retried: whatever waits for
    it must be told it failed."""
    return timezone.now() - timedelta(seconds=settings.NAP_TASK_TIMEOUT + 60)


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed attempt number ``attempt`` (1-based)."""
    delay = timedelta(seconds=settings.NAP_TASK_RETRY_BASE_SECONDS * 2 ** (attempt - 1))
    return min(delay, MAX_RETRY_DELAY)


def run_attempt(func, args, kwargs, attempt, max_attempts, label, on_failure=""):
    """The job as the worker runs it: on an error, queue the next attempt (or after the last
    one, call ``on_failure``), then fail this one."""
    try:
        return import_string(func)(*args, **kwargs)
    except Exception as error:
        if attempt < max_attempts:
            _queue_attempt(
                func,
                args,
                kwargs,
                attempt=attempt + 1,
                max_attempts=max_attempts,
                label=label,
                on_failure=on_failure,
                not_before=timezone.now() + retry_delay(attempt),
            )
        elif on_failure:
            import_string(on_failure)(error, *args, **kwargs)
        raise


class _DelayedBroker(ORM):
    """The ORM broker, but the job stays hidden from workers until ``not_before``.

    Workers take only rows whose lock lies in the past; that is how the broker hides a job a
    worker has taken, and here how it hides one that must wait.
    """

    def __init__(self, not_before: datetime):
        super().__init__()
        self.not_before = not_before

    def enqueue(self, task):
        queued = self.get_connection().create(key=self.list_key, payload=task, lock=self.not_before)
        return queued.pk


def _queue_attempt(
    func, args, kwargs, *, attempt, max_attempts, label, on_failure, not_before=None
) -> str:
    return async_task(
        "napsite.tasks.run_attempt",
        func,
        args,
        kwargs,
        attempt,
        max_attempts,
        label,
        on_failure,
        task_name=f"{label} (poging {attempt} van {max_attempts})"[:100],
        # Every attempt of one job in one group: the admin filters on it.
        group=label[:100],
        **({"broker": _DelayedBroker(not_before)} if not_before else {}),
    )


def clean_up() -> str:
    """Daily (schedule from napsite/migrations/0001): drop what is no longer needed.

    Expired sessions; finished jobs older than ``NAP_TASK_KEEP_DAYS``; django-axes' records of
    logins (with IP addresses) older than ``NAP_LOGIN_LOG_DAYS``.
    """
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    cutoff = timezone.now() - timedelta(days=settings.NAP_TASK_KEEP_DAYS)
    tasks, _ = Task.objects.filter(stopped__lt=cutoff).delete()
    logins = AxesProxyHandler.reset_logs(age_days=settings.NAP_LOGIN_LOG_DAYS)
    return f"Opgeruimd: {tasks} afgeronde taken, {logins} inlogregistraties."
