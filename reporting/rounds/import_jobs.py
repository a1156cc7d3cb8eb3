"""Update-round files too long to import in the request (over ``NAP_IMPORT_BACKGROUND_ROWS``
rows): the confirmation queues ``run_import`` for the worker (napsite.tasks) and shows the
job's page, which follows it until it is done.

The import is the one the request would make, all or nothing, and it is recorded in the same
transaction as its job's outcome: a job the worker takes twice (see napsite.tasks) finds its
outcome already there and imports nothing again. How far it got lives outside that transaction,
in the shared cache, so the page can show it while the import runs. The upload stays in
NAP_IMPORT_UPLOAD_DIR until the job has ended, then it is deleted.
"""

import logging

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from napsite.tasks import enqueue, overdue_since

from . import spreadsheet
from .models import FINISHED_IMPORT_STATES, ImportJob, ImportState

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 24 * 60 * 60


def _progress_key(job_id: int) -> str:
    return f"rounds:import-progress:{job_id}"


def rows_done(job: ImportJob) -> int:
    """How many of the job's rows have been checked so far."""
    if job.state in (ImportState.DONE, ImportState.REFUSED):
        return job.rows
    return caches["shared"].get(_progress_key(job.pk), 0)


def queue_import(*, user, upload: str, file_format: int, file_name: str, rows: int) -> ImportJob:
    """Queue the import of a confirmed upload for the worker; returns its job."""
    with transaction.atomic():
        job = ImportJob.objects.create(
            requested_by=user,
            upload=upload,
            file_format=file_format,
            file_name=file_name,
            rows=rows,
        )
        # A row in the same database: queued only if the job is committed.
        enqueue(
            "reporting.rounds.import_jobs.run_import",
            job.pk,
            label=f"Bijwerkronde importeren ({job.pk})",
            on_failure="reporting.rounds.import_jobs.import_failed",
        )
    return job


def run_import(job_id: int) -> str:
    job = ImportJob.objects.select_related("requested_by").get(pk=job_id)
    # A job may run twice (napsite.tasks): only an unfinished one is taken up, and its
    # outcome is written only while it is unfinished (see _finish).
    if not _unfinished(job_id).update(state=ImportState.BUSY, started_at=timezone.now()):
        return "Was al verwerkt."
    try:
        dataset = spreadsheet.read_upload(job.upload, job.file_format)
    except FileNotFoundError:
        return _finish(
            job,
            ImportState.FAILED,
            errors=["Het bestand is er niet meer (verlopen of al verwerkt). Upload het opnieuw."],
        )
    except Exception as error:  # as the preview read it; only a changed file fails here
        message = spreadsheet.unreadable_file_message(error)
        return _finish(job, ImportState.REFUSED, errors=[message])

    def progress(done: int) -> None:
        caches["shared"].set(_progress_key(job_id), done, PROGRESS_SECONDS)

    user = job.requested_by
    resource = spreadsheet.UpdateRoundResource(user=user, progress=progress)
    with transaction.atomic():
        # A second run of this job waits here until the first one has committed, then stops.
        if ImportJob.objects.select_for_update().get(pk=job_id).is_finished:
            return "Was al verwerkt."
        result = resource.import_data(
            dataset,
            dry_run=False,
            use_transactions=True,
            rollback_on_validation_errors=True,
            retain_instance_in_row_result=True,
            file_name=job.file_name,
            user=user,
        )
        if result.has_errors() or result.has_validation_errors():
            outcome = _finish(job, ImportState.REFUSED, errors=spreadsheet.import_errors(result))
        else:
            spreadsheet.log_import(result, user)
            summary = spreadsheet.import_summary(result, user)
            outcome = _finish(job, ImportState.DONE, summary=summary)
    return outcome


def _unfinished(job_id: int):
    return ImportJob.objects.filter(pk=job_id).exclude(state__in=FINISHED_IMPORT_STATES)


def _finish(job: ImportJob, state: str, *, summary: str = "", errors=()) -> str:
    job.state, job.summary, job.errors = state, summary, list(errors)
    job.finished_at = timezone.now()
    # Never over an outcome already written (by another run of the same job).
    _unfinished(job.pk).update(
        state=job.state, summary=job.summary, errors=job.errors, finished_at=job.finished_at
    )
    upload = spreadsheet.UploadStorage(name=job.upload)
    transaction.on_commit(upload.remove)
    return summary or "; ".join(job.errors)[:500]


def fail_overdue_imports() -> int:
    """Imports stopped at the worker's time limit (see napsite.tasks.overdue_since): their page
    would otherwise say "bezig" for ever. Nothing was imported: the import is one transaction."""
    minutes = max(1, round(settings.NAP_TASK_TIMEOUT / 60))
    overdue = ImportJob.objects.filter(state=ImportState.BUSY, started_at__lt=overdue_since())
    for job in overdue:
        _finish(
            job,
            ImportState.FAILED,
            errors=[
                f"De import duurde langer dan {minutes} minuten en is gestopt; er is niets "
                "gewijzigd. Splits het bestand (bijvoorbeeld per actielijn) en upload de delen "
                "apart, of vraag de beheerders van de site de tijdslimiet (NAP_TASK_TIMEOUT) "
                "te verhogen."
            ],
        )
        logger.error("Update-round import %s stopped at the time limit", job.pk)
    return len(overdue)


def import_failed(error: Exception, job_id: int) -> None:
    """After the last attempt (napsite.tasks calls this): the job's page says so."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return
    _finish(
        job,
        ImportState.FAILED,
        errors=[
            "De import is mislukt; er is niets gewijzigd. Upload het bestand opnieuw; blijft "
            "het mislukken, geef dan deze melding door aan de beheerders van de site: "
            f"{type(error).__name__}: {error}"[:500]
        ],
    )
    logger.error("Update-round import %s failed for good: %s", job_id, error)
