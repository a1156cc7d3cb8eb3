"""Making a report's documents in a test without a worker process: the queued jobs run here,
exactly as the worker would run them (tests/reporting/test_documents_worker.py uses a real one).
"""

import contextlib

from django.utils.module_loading import import_string
from django_q.models import OrmQ

from reporting.models import ReportDocument


def run_queued_jobs(kinds=("pdf", "docx", "xlsx")) -> int:
    """Run the queued jobs that make documents of these kinds, including retries queued
    meanwhile (whatever their wait), until none is left; returns how many ran. Other jobs stay
    in the queue. A failing attempt fails here as it would in the worker."""
    ran = 0
    while job := _next_job(kinds):
        job.delete()
        task = job.task
        # A failure is recorded by the job itself; the test looks at the outcome.
        with contextlib.suppress(Exception):
            import_string(task["func"])(*task["args"], **task["kwargs"])
        ran += 1
    return ran


def _next_job(kinds) -> OrmQ | None:
    kind_of = dict(ReportDocument.objects.values_list("pk", "kind"))
    for job in OrmQ.objects.order_by("id"):
        func, args, *_ = job.task["args"]  # napsite.tasks.run_attempt(func, args, ...)
        if func == "reporting.tasks.make_document" and kind_of.get(args[0]) in kinds:
            return job
    return None
