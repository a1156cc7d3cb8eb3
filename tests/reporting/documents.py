"""Making a report's documents in a test without a worker process: the queued jobs run here,
exactly as the worker would run them (tests/reporting/test_documents_worker.py uses a real one).
"""

import contextlib

from django.utils.module_loading import import_string
from django_q.models import OrmQ


def run_queued_jobs() -> int:
    """Run every job in the queue, including retries queued meanwhile (whatever their wait),
    until none is left; returns how many ran. A failing attempt fails here as in the worker."""
    ran = 0
    while job := OrmQ.objects.order_by("id").first():
        job.delete()
        task = job.task
        # A failure is recorded by the job itself; the test looks at the outcome.
        with contextlib.suppress(Exception):
            import_string(task["func"])(*task["args"], **task["kwargs"])
        ran += 1
    return ran
