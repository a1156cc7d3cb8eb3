"""Reads for the round pages: how complete a round is, and a user's own requests."""

import dataclasses

from django.db.models import Count, Q
from django.utils import timezone

from .models import AWAITING_ANSWER, RequestState, UpdateRequest, UpdateRound


@dataclasses.dataclass(frozen=True)
class Progress:
    """One line of a round's completeness: a ministry, an action line, or the whole round."""

    key: int | None
    name: str
    total: int
    answered: int
    submitted: int
    approved: int
    returned: int
    late: int

    @property
    def awaiting(self) -> int:
        return self.total - self.answered


def _counts():
    return {
        "total": Count("pk"),
        "answered": Count("pk", filter=~Q(state__in=AWAITING_ANSWER)),
        "submitted": Count("pk", filter=Q(state=RequestState.SUBMITTED)),
        "approved": Count("pk", filter=Q(state=RequestState.APPROVED)),
        "returned": Count("pk", filter=Q(state=RequestState.RETURNED)),
    }


def _progress(row, key, name, late: bool) -> Progress:
    awaiting = row["total"] - row["answered"]
    return Progress(
        key=key,
        name=name,
        total=row["total"],
        answered=row["answered"],
        submitted=row["submitted"],
        approved=row["approved"],
        returned=row["returned"],
        late=awaiting if late else 0,
    )


@dataclasses.dataclass(frozen=True)
class RoundProgress:
    overall: Progress
    per_actor: list[Progress]
    per_action_line: list[Progress]


def round_progress(update_round: UpdateRound, today=None) -> RoundProgress:
    """Answered / total per ministry (an activity with two actors counts for both) and per
    action line; "late" counts the requests still awaiting an answer past the deadline.
    Three queries, whatever the size of the round."""
    late = update_round.is_late(today or timezone.localdate())
    requests = UpdateRequest.objects.filter(round=update_round).order_by()
    overall = requests.aggregate(**_counts())
    actor = "activity__actor_links__actor"
    per_actor = [
        _progress(row, row[f"{actor}__pk"], row[f"{actor}__code"] or "(zonder actor)", late)
        for row in requests.values(f"{actor}__pk", f"{actor}__code")
        .annotate(**_counts())
        .order_by(f"{actor}__code")
    ]
    line = "activity__action_line"
    per_line = [
        _progress(
            row, row[f"{line}__pk"], f"{row[f'{line}__number']}. {row[f'{line}__title']}", late
        )
        for row in requests.values(f"{line}__pk", f"{line}__number", f"{line}__title")
        .annotate(**_counts())
        .order_by(f"{line}__number")
    ]
    return RoundProgress(_progress(overall, None, "Totaal", late), per_actor, per_line)


def requests_of(update_round: UpdateRound, user):
    """The requests of this round that this user answers, with what their rows show."""
    return (
        UpdateRequest.objects.filter(round=update_round)
        .for_user(user)
        .select_related("activity", "activity__action_line", "activity__status", "proposal")
    )
