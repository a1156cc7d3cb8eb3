"""The report's documents, made by the worker (``manage.py qcluster``) and stored.

Publishing a report, or "Maak document" in the admin, queues ``make_document`` through
``reporting.services.request_documents``. A job may run twice (see napsite.tasks), and a new
request for the same document may arrive while an older job still runs: each job carries the
moment of its request and stores its file only while that request is still the current one and
not done yet. The file is written first, under a new name, and becomes the document in one
transaction; the file it replaces is deleted only after that commits. So a reader downloads
either the old file or the new one, never half of one.
"""

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from napsite.tasks import overdue_since

from .models import DocumentState, ReportDocument

logger = logging.getLogger(__name__)

# Dotted paths: WeasyPrint loads only in the process that makes a PDF.
RENDERERS = {
    "pdf": "reporting.documents.pdf.render_pdf",
    "docx": "reporting.documents.docx.render_docx",
    "xlsx": "reporting.documents.xlsx.render_xlsx",
}


def _current(document_id: int, requested_at):
    """The document, if this job's request is still the one to fulfil."""
    return ReportDocument.objects.filter(pk=document_id, requested_at=requested_at)


def make_document(document_id: int, requested_at) -> str:
    document = _current(document_id, requested_at).select_related("report").first()
    if document is None:
        return "Vervangen door een nieuwere aanvraag; niets gemaakt."
    if document.state == DocumentState.READY:
        return "Was al klaar."
    report = document.report
    # A draft shows live data: the document is labelled with the moment they were read.
    data_as_of = None if report.is_published else timezone.now()
    _current(document_id, requested_at).update(
        state=DocumentState.BUSY, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    try:
        content = import_string(RENDERERS[document.kind])(report)
        storage = document.file.storage
        suffix = "" if data_as_of is None else "-concept"
        name = storage.save(
            f"{report.pk}/{report.slug}{suffix}.{document.kind}",
            ContentFile(content),
            max_length=ReportDocument._meta.get_field("file").max_length,
        )
    except Exception as error:
        _current(document_id, requested_at).update(
            state=DocumentState.WAITING,
            error=f"Poging mislukt ({_technical(error)}); de worker probeert het later opnieuw.",
        )
        raise
    return _store(document_id, requested_at, name, len(content), data_as_of)


@transaction.atomic
def _store(document_id: int, requested_at, name: str, size: int, data_as_of) -> str:
    document = _current(document_id, requested_at).select_for_update().first()
    storage = ReportDocument._meta.get_field("file").storage
    if document is None or document.state == DocumentState.READY:
        # Another run of this job, or a newer request, came first: this file is not needed.
        transaction.on_commit(lambda: storage.delete(name))
        return "Een andere poging was eerder klaar; dit bestand is weggegooid."
    replaced = document.file.name
    document.file.name = name
    document.size = size
    document.state = DocumentState.READY
    document.error = ""
    document.finished_at = timezone.now()
    document.data_as_of = data_as_of
    document.save()
    if replaced and replaced != name:
        transaction.on_commit(lambda: storage.delete(replaced))
    return f"{document} opgeslagen als {name} ({size} bytes)."


def document_failed(error: Exception, document_id: int, requested_at) -> None:
    """After the last attempt (napsite.tasks calls this): coordinators read why in the admin."""
    document = _current(document_id, requested_at).first()
    if document is None or document.state == DocumentState.READY:
        return
    document.state = DocumentState.FAILED
    document.finished_at = timezone.now()
    document.error = (
        f"Het document kon niet worden gemaakt, ook niet na {document.attempts} "
        f"{'poging' if document.attempts == 1 else 'pogingen'}. Technische melding: "
        f"{_technical(error)}. Probeer het opnieuw met “Maak document”; blijft het mislukken, "
        "geef deze melding dan door aan de beheerders van de site."
    )
    document.save(update_fields=["state", "finished_at", "error"])
    logger.error("Report document %s failed for good: %s", document_id, _technical(error))


def fail_overdue_jobs() -> str:
    """Documents and update-round imports whose job ran past ``NAP_TASK_TIMEOUT``: the worker
    stopped that job and does not retry it (napsite.tasks), so nothing else would ever end
    their "bezig". The worker runs this every five minutes (schedule: migration 0009)."""
    from .rounds.import_jobs import fail_overdue_imports  # (which imports the rounds' models)

    documents, imports = fail_overdue_documents(), fail_overdue_imports()
    return f"Als mislukt gemeld: {documents} document(en), {imports} import(s)."


def fail_overdue_documents() -> int:
    minutes = max(1, round(settings.NAP_TASK_TIMEOUT / 60))
    overdue = ReportDocument.objects.filter(
        state=DocumentState.BUSY, started_at__lt=overdue_since()
    )
    error = (
        f"Het maken duurde langer dan {minutes} minuten en is gestopt. Probeer het opnieuw met "
        "“Maak document”; blijft het mislukken, geef dit dan door aan de beheerders van de site "
        "(de tijdslimiet is NAP_TASK_TIMEOUT)."
    )
    failed = 0
    for document in overdue:
        # Only while it is still this request's job, still "bezig": a new request or a file
        # stored meanwhile stays as it is.
        failed += (
            _current(document.pk, document.requested_at)
            .filter(state=DocumentState.BUSY)
            .update(state=DocumentState.FAILED, finished_at=timezone.now(), error=error)
        )
        logger.error("Report document %s stopped at the time limit", document.pk)
    return failed


def _technical(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]
