"""Writes of the update rounds: opening and closing a round, answering its requests, and
following the review of the proposals that answer them."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from measures import services as measures_services
from measures.models import Activity, ProposalState
from measures.page_cache import bump_data_version
from napsite.bulk import update_rows
from napsite.tasks import enqueue

from ..models import ProgressReport
from .models import Answer, RequestState, RoundState, UpdateRequest, UpdateRound

# How the state of a proposal carries over to the request it answers. A coordinator's own
# change is applied at once ("toegepast"): an approved answer. A withdrawn proposal leaves the
# request waiting for an answer again.
STATE_OF_PROPOSAL = {
    ProposalState.SUBMITTED: RequestState.SUBMITTED,
    ProposalState.APPLIED: RequestState.APPROVED,
    ProposalState.APPROVED: RequestState.APPROVED,
    ProposalState.RETURNED: RequestState.RETURNED,
    ProposalState.WITHDRAWN: RequestState.OPEN,
}


def may_manage_rounds(user) -> bool:
    return user.has_perm("reporting.add_updateround") and user.has_perm(
        "reporting.change_updateround"
    )


def open_round(
    *,
    user,
    title: str,
    reference_date: datetime.date,
    deadline: datetime.date,
    introduction: str = "",
    activities=None,
) -> UpdateRound:
    """Open a round with one request per activity in scope (default: every public one).

    A fixed number of queries however many activities: the requests are inserted in bulk.
    The mails go out from the task queue once the round is committed.
    """
    if not may_manage_rounds(user):
        raise PermissionDenied("Alleen coördinatoren openen een uitvraag.")
    if deadline < reference_date:
        raise ValidationError("De uiterste datum ligt vóór de peildatum.")
    scope = Activity.objects.published() if activities is None else activities
    with transaction.atomic():
        update_round = UpdateRound.objects.create(
            title=title,
            reference_date=reference_date,
            deadline=deadline,
            introduction=introduction,
            opened_by=user,
        )
        UpdateRequest.objects.bulk_create(
            UpdateRequest(round=update_round, activity_id=pk)
            for pk in scope.order_by().values_list("pk", flat=True).iterator(chunk_size=2000)
        )
        # A row in the same database: queued only if the round is committed.
        enqueue(
            "reporting.rounds.jobs.send_round_opened",
            update_round.pk,
            label=f"Uitvraag geopend: e-mails ({update_round.pk})",
        )
    return update_round


def close_round(update_round: UpdateRound, *, user) -> None:
    if not may_manage_rounds(user):
        raise PermissionDenied("Alleen coördinatoren sluiten een uitvraag.")
    UpdateRound.objects.filter(pk=update_round.pk, state=RoundState.OPEN).update(
        state=RoundState.CLOSED, closed_at=timezone.now(), closed_by=user
    )
    # Its peildatum may now date the whole site (update() sends no signal for the page cache).
    transaction.on_commit(bump_data_version)
    update_round.refresh_from_db()


def draft_report(update_round: UpdateRound, *, user) -> ProgressReport:
    """A draft progress report with the round's peildatum, linked to the round: it reads the
    data as of the round's close, so it shows every answer the round approved, also those
    approved after the peildatum."""
    if not user.has_perm("reporting.add_progressreport"):
        raise PermissionDenied("U mag geen rapportages maken.")
    if update_round.is_open:
        raise ValidationError("Sluit de uitvraag eerst; daarna kan er een concept van komen.")
    base = slugify(f"voortgangsrapportage-{update_round.title}")[:90] or "voortgangsrapportage"
    slug, number = base, 1
    while ProgressReport.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return ProgressReport.objects.create(
        title=f"Voortgangsrapportage ({update_round.title})",
        slug=slug,
        reference_date=update_round.reference_date,
        update_round=update_round,
    )


def answer_unchanged(requests, *, user) -> int:
    """Answer these requests with "ongewijzigd": confirmed, nothing to change, so nothing to
    review either. Only requests the user may answer, in open rounds, still awaiting an
    answer. Returns how many were answered."""
    with transaction.atomic():
        answerable = requests.for_user(user).in_open_rounds().awaiting_answer()
        pks = list(answerable.values_list("pk", flat=True))
        answered = UpdateRequest.objects.filter(pk__in=pks).update(
            state=RequestState.APPROVED,
            answer=Answer.UNCHANGED,
            proposal=None,
            submitted_at=timezone.now(),
            submitted_by=user,
            comment="",
        )
        # The ministry confirmed the status as it stands: the public sees that date.
        measures_services.confirm_unchanged(Activity.objects.filter(update_requests__pk__in=pks))
    return answered


def answer_with_proposal(proposal) -> None:
    """A new proposal for an activity answers its request in an open round, whichever way it
    was made (the form, a bulk change, a spreadsheet)."""
    UpdateRequest.objects.in_open_rounds().awaiting_answer().filter(
        activity_id=proposal.activity_id
    ).update(
        state=STATE_OF_PROPOSAL[proposal.state],
        answer=Answer.CHANGED,
        proposal=proposal,
        submitted_at=timezone.now(),
        submitted_by_id=proposal.proposed_by_id,
        comment="",
    )


def answer_with_proposals(proposals) -> None:
    """``answer_with_proposal`` for many new proposals at once (an import), in a fixed number
    of queries per batch."""
    for start in range(0, len(proposals), measures_services.BATCH_SIZE):
        batch = {p.activity_id: p for p in proposals[start : start + measures_services.BATCH_SIZE]}
        with transaction.atomic():
            # Read and written in one transaction, the requests locked: an answer given in
            # another request meanwhile waits, and is not overwritten by this one.
            requests = list(
                UpdateRequest.objects.in_open_rounds()
                .awaiting_answer()
                .filter(activity_id__in=batch)
                .select_for_update(of=("self",))
                .order_by("pk")
            )
            submitted_at = timezone.now()
            for request in requests:
                proposal = batch[request.activity_id]
                request.state = STATE_OF_PROPOSAL[proposal.state]
                request.answer = Answer.CHANGED
                request.proposal = proposal
                request.submitted_at = submitted_at
                request.submitted_by_id = proposal.proposed_by_id
                request.comment = ""
            update_rows(
                requests,
                ["state", "answer", "proposal", "submitted_at", "submitted_by", "comment"],
                batch_size=measures_services.BATCH_SIZE,
            )


def follow_approvals(proposals) -> None:
    """``follow_review`` for many approved proposals at once: their requests are approved."""
    for start in range(0, len(proposals), measures_services.BATCH_SIZE):
        batch = proposals[start : start + measures_services.BATCH_SIZE]
        UpdateRequest.objects.filter(proposal__in=batch).exclude(
            state=RequestState.APPROVED
        ).update(state=RequestState.APPROVED, comment="")


def follow_review(proposal) -> list[int]:
    """A coordinator approved or returned a proposal, or its proposer withdrew it: its
    requests follow. Returns the ids of requests that were returned (their submitters get a
    mail)."""
    state = STATE_OF_PROPOSAL[proposal.state]
    requests = UpdateRequest.objects.filter(proposal=proposal).exclude(state=state)
    returned = list(requests.values_list("pk", flat=True)) if state == RequestState.RETURNED else []
    if state == RequestState.OPEN:
        requests.update(state=state, answer="", proposal=None, submitted_at=None, submitted_by=None)
        return []
    requests.update(
        state=state,
        comment=proposal.review_comment if state == RequestState.RETURNED else "",
    )
    for pk in returned:
        enqueue(
            "reporting.rounds.jobs.send_returned",
            pk,
            proposal.pk,
            label=f"Teruggestuurd: e-mail ({pk})",
        )
    return returned
