"""Reporting follows measures' proposals; measures knows nothing of rounds (imports run one way).

measures sends these signals after the proposal's transaction commits, whichever way the
proposal was made (the form, a bulk change, a spreadsheet).
"""

from measures.signals import (
    proposal_reviewed,
    proposal_submitted,
    proposal_withdrawn,
    proposals_approved,
    proposals_submitted,
)

from . import services


def proposal_was_submitted(sender, proposal, **kwargs) -> None:
    services.answer_with_proposal(proposal)


def proposals_were_submitted(sender, proposals, **kwargs) -> None:
    services.answer_with_proposals(proposals)


def proposals_were_approved(sender, proposals, **kwargs) -> None:
    services.follow_approvals(proposals)


def proposal_was_reviewed(sender, proposal, **kwargs) -> None:
    services.follow_review(proposal)


def connect() -> None:
    proposal_submitted.connect(proposal_was_submitted, dispatch_uid="rounds-proposal-submitted")
    proposal_reviewed.connect(proposal_was_reviewed, dispatch_uid="rounds-proposal-reviewed")
    proposal_withdrawn.connect(proposal_was_reviewed, dispatch_uid="rounds-proposal-withdrawn")
    proposals_submitted.connect(proposals_were_submitted, dispatch_uid="rounds-proposals-submitted")
    proposals_approved.connect(proposals_were_approved, dispatch_uid="rounds-proposals-approved")
