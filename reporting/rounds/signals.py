"""Reporting follows measures' proposals; measures knows nothing of rounds (imports run one way)."""

from django.db.models.signals import post_save

from measures.models import Proposal
from measures.signals import proposal_reviewed

from . import services


def proposal_saved(sender, instance, created, **kwargs) -> None:
    if created:
        services.answer_with_proposal(instance)


def proposal_was_reviewed(sender, proposal, **kwargs) -> None:
    services.follow_review(proposal)


def connect() -> None:
    post_save.connect(proposal_saved, sender=Proposal, dispatch_uid="rounds-proposal-saved")
    proposal_reviewed.connect(proposal_was_reviewed, dispatch_uid="rounds-proposal-reviewed")
