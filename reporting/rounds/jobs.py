"""Background jobs of the rounds, run by the task queue's worker (napsite.tasks).

``send_round_opened`` and ``send_returned`` are queued when a round opens and when a proposal
is returned; ``daily`` is planned every morning (migration reporting/0005). Each may run more
than once: every mail is recorded under a key before it is sent (``mail.send_once``).
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from .mail import admin_url, send_once
from .models import MailKind, MailPreference, RoundState, UpdateRequest, UpdateRound

MEMBER = "activity__actor_links__actor__memberships__user"


def _requests_per_user(requests) -> dict:
    """{user: [request, ...]} for the staff of each request's actors: three queries."""
    pairs = list(requests.filter(**{f"{MEMBER}__isnull": False}).values_list("pk", MEMBER))
    found = {
        request.pk: request
        for request in UpdateRequest.objects.filter(pk__in={pk for pk, _ in pairs})
        .select_related("activity", "activity__action_line", "activity__status")
        .order_by("activity__action_line__number", "activity__position")
    }
    users = get_user_model().objects.filter(pk__in={user for _, user in pairs}, is_active=True)
    users = {user.pk: user for user in users}
    per_user = defaultdict(dict)
    for pk, user_id in pairs:
        if user_id in users:
            per_user[users[user_id]][pk] = found[pk]
    return {
        user: sorted(
            requests.values(), key=lambda r: (r.activity.action_line.number, r.activity.position)
        )
        for user, requests in per_user.items()
    }


def _items(requests) -> list[dict]:
    return [
        {
            "request": request,
            "activity": request.activity,
            "url": admin_url("measures_activity_change", request.activity_id),
        }
        for request in requests
    ]


def _round_context(update_round: UpdateRound) -> dict:
    return {
        "round": update_round,
        "deadline": date_format(update_round.deadline, "j F Y"),
        "reference_date": date_format(update_round.reference_date, "j F Y"),
        "round_url": admin_url("reporting_updateround_change", update_round.pk),
    }


def send_round_opened(round_id: int) -> str:
    update_round = UpdateRound.objects.get(pk=round_id)
    per_user = _requests_per_user(UpdateRequest.objects.filter(round=update_round))
    sent = 0
    for user, requests in per_user.items():
        sent += send_once(
            key=f"opened:{update_round.pk}:{user.pk}",
            kind=MailKind.OPENED,
            user=user,
            round=update_round,
            subject=f"Uitvraag ‘{update_round.title}’: uw antwoord vóór "
            f"{date_format(update_round.deadline, 'j F Y')}",
            template="opened",
            context={**_round_context(update_round), "items": _items(requests)},
        )
    return f"{sent} e-mail(s) verstuurd."


def send_returned(request_id: int, proposal_id: int) -> str:
    request = UpdateRequest.objects.select_related("round", "activity", "submitted_by").get(
        pk=request_id
    )
    if request.submitted_by is None:
        return "Geen indiener bekend."
    sent = send_once(
        key=f"returned:{request.pk}:{proposal_id}",
        kind=MailKind.RETURNED,
        user=request.submitted_by,
        round=request.round,
        request=request,
        subject=f"Teruggestuurd: {request.activity.title}"[:200],
        template="returned",
        context={
            **_round_context(request.round),
            "request": request,
            "activity": request.activity,
            "url": admin_url("measures_activity_change", request.activity_id),
        },
    )
    return f"{int(sent)} e-mail(s) verstuurd."


def _chase(update_round: UpdateRound, kind: str, template: str, subject: str) -> int:
    waiting = UpdateRequest.objects.filter(round=update_round).awaiting_answer()
    sent = 0
    for user, requests in _requests_per_user(waiting).items():
        sent += send_once(
            key=f"{kind}:{update_round.pk}:{user.pk}",
            kind=kind,
            user=user,
            round=update_round,
            subject=subject,
            template=template,
            context={**_round_context(update_round), "items": _items(requests)},
        )
    return sent


def send_reminders(today: datetime.date) -> int:
    """Once per round and user, from NAP_ROUND_REMINDER_DAYS before the deadline on, to those
    whose requests still await an answer."""
    first_day = today + datetime.timedelta(days=settings.NAP_ROUND_REMINDER_DAYS)
    sent = 0
    rounds = UpdateRound.objects.filter(
        state=RoundState.OPEN, deadline__gte=today, deadline__lte=first_day
    )
    for update_round in rounds:
        deadline = date_format(update_round.deadline, "j F Y")
        sent += _chase(
            update_round,
            MailKind.REMINDER,
            "reminder",
            f"Herinnering: uitvraag ‘{update_round.title}’ sluit op {deadline}",
        )
    return sent


def send_late_notices(today: datetime.date) -> int:
    """Once per round and user, after the deadline, to those who have not answered."""
    sent = 0
    for update_round in UpdateRound.objects.filter(state=RoundState.OPEN, deadline__lt=today):
        sent += _chase(
            update_round,
            MailKind.LATE,
            "late",
            f"Termijn verstreken: uitvraag ‘{update_round.title}’",
        )
    return sent


def coordinators():
    """Active users who run the rounds, with an address, who did not opt out of the digest."""
    runs_rounds = Q(groups__permissions__codename="change_updateround") | Q(
        user_permissions__codename="change_updateround"
    )
    opted_out = MailPreference.objects.filter(daily_digest=False).values("user")
    return (
        get_user_model()
        .objects.filter(runs_rounds | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .exclude(pk__in=opted_out)
        .distinct()
    )


def send_digest(today: datetime.date) -> int:
    """Yesterday's answers, to each coordinator who wants the digest; nothing if none."""
    day = today - datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    answers = list(
        UpdateRequest.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .select_related("round", "activity", "submitted_by")
        .order_by("round", "submitted_at")
    )
    if not answers:
        return 0
    items = [
        {
            "request": request,
            "activity": request.activity,
            "url": admin_url("reporting_updaterequest_change", request.pk),
        }
        for request in answers
    ]
    sent = 0
    for user in coordinators():
        sent += send_once(
            key=f"digest:{user.pk}:{day.isoformat()}",
            kind=MailKind.DIGEST,
            user=user,
            subject=f"Uitvraag: {len(answers)} nieuw(e) antwoord(en) op "
            f"{date_format(day, 'j F Y')}",
            template="digest",
            context={
                "items": items,
                "day": date_format(day, "j F Y"),
                "preference_url": admin_url("reporting_mailpreference_changelist"),
            },
        )
    return sent


def daily(today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    reminders = send_reminders(today)
    late = send_late_notices(today)
    digests = send_digest(today)
    return f"{reminders} herinnering(en), {late} termijnmelding(en), {digests} overzicht(en)."
