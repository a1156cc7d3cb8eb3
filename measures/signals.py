"""Keep the public page cache honest: any committed change to public data gives a new version.

Also the signals of the review of proposals, so that what builds on proposals (the update
rounds in ``reporting``) can follow them without ``measures`` importing it. Both are sent
after the commit, with ``proposal=`` the proposal in its new state:

- ``proposal_submitted``: a proposal was made (state "ingediend"), or a change was applied
  directly (state "toegepast": a coordinator's own, or any with review switched off);
- ``proposal_reviewed``: a coordinator approved ("goedgekeurd") or returned
  ("teruggestuurd") a proposal;
- ``proposal_withdrawn``: the proposer took a pending proposal back ("ingetrokken").

Changes made many at once (an update-round import, approving a selection) send one signal
for all of them instead, with ``proposals=`` the list, so that what follows them can do so in
a fixed number of queries:

- ``proposals_submitted``: as ``proposal_submitted``, for each of the proposals;
- ``proposals_approved``: as ``proposal_reviewed``, for proposals that were all approved.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from actionlines.models import ActionLine

from .models import Activity, ActivityActor, Actor, Footnote, Status
from .page_cache import bump_data_version

# Everything a public page shows comes from these models. (The change history is written in the
# same transaction as the activity it records.)
# Proposals are not public data: they never show on a public page.
PUBLIC_MODELS = (ActionLine, Activity, ActivityActor, Actor, Footnote, Status)

proposal_submitted = Signal()
proposal_reviewed = Signal()
proposal_withdrawn = Signal()
proposals_submitted = Signal()
proposals_approved = Signal()


def send_after_commit(signal: Signal, proposal) -> None:
    transaction.on_commit(lambda: signal.send(sender=type(proposal), proposal=proposal))


def send_many_after_commit(signal: Signal, proposals: list) -> None:
    if proposals:
        transaction.on_commit(lambda: signal.send(sender=type(proposals[0]), proposals=proposals))


def data_changed(sender, using=None, **kwargs) -> None:
    # After the commit, never before: see the module docstring of measures.page_cache.
    transaction.on_commit(bump_data_version, using=using)


def connect() -> None:
    for model in PUBLIC_MODELS:
        post_save.connect(data_changed, sender=model, dispatch_uid=f"public-data-{model.__name__}")
        post_delete.connect(
            data_changed, sender=model, dispatch_uid=f"public-data-del-{model.__name__}"
        )
    m2m_changed.connect(
        data_changed, sender=Activity.actors.through, dispatch_uid="public-data-actors"
    )
