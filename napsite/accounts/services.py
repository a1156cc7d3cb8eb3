"""Account upkeep: accounts that are no longer used are switched off."""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from napsite.accounts import sessions
from napsite.accounts.models import AccessChange, AccessChangeKind

logger = logging.getLogger(__name__)

DEACTIVATION_SUBJECT = "Uw account voor de NAP Voortgangsmonitor is uitgezet"
DEACTIVATION_MESSAGE = """Beste {name},

U heeft {days} dagen niet ingelogd op het beheer van de NAP Voortgangsmonitor. Daarom is uw
account uitgezet; dat is de regel voor accounts die niet meer gebruikt worden.

Heeft u het account nog nodig, vraag dan het programmateam van het NAP om het weer aan te
zetten. Logt u in via uw organisatie (single sign-on), dan geldt hetzelfde.

Met vriendelijke groet,
Het programmateam van het NAP
"""


def inactive_accounts():
    """Active accounts whose last sign-in (or creation, if never used) is too long ago."""
    cutoff = timezone.now() - timedelta(days=settings.NAP_ACCOUNT_INACTIVE_DAYS)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(last_used=Coalesce("last_login", "date_joined"))
        .filter(last_used__lt=cutoff)
        .order_by("pk")
    )


def deactivate_inactive_accounts(via: str) -> tuple[int, int]:
    """Deactivate them, end their sessions, record it and tell them; (deactivated, mailed)."""
    deactivated = mailed = 0
    for user in inactive_accounts():
        with transaction.atomic():
            user.is_active = False
            user.save(update_fields=["is_active"])
            AccessChange.objects.create(user=user, kind=AccessChangeKind.DEACTIVATED, via=via)
            sessions.end_sessions(user)
        deactivated += 1
        if user.email and _send_notice(user):
            mailed += 1
    return deactivated, mailed


def _send_notice(user) -> bool:
    message = DEACTIVATION_MESSAGE.format(
        name=user.get_full_name() or user.get_username(),
        days=settings.NAP_ACCOUNT_INACTIVE_DAYS,
    )
    try:
        send_mail(DEACTIVATION_SUBJECT, message, None, [user.email])
    except OSError as exc:  # smtplib's errors are OSErrors too
        # The account is off either way; the log says that a notice failed, not to whom.
        logger.warning("Deactivation notice not sent: %s", type(exc).__name__)
        return False
    return True
