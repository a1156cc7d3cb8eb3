"""The rounds' e-mails: Dutch, plain text with an HTML alternative, each sent at most once.

Sent by the task queue's worker (``reporting.rounds.jobs``), never inside a web request.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from .models import SentMail


def site_url(path: str) -> str:
    """An absolute address for a link in a mail: a mail has no request to build one from."""
    return settings.NAP_SITE_URL.rstrip("/") + path


def admin_url(name: str, *args) -> str:
    return site_url(reverse(f"admin:{name}", args=args))


def send_once(*, key: str, kind: str, user, subject: str, template: str, context: dict, **about):
    """Send one mail to ``user`` unless a mail with this key was sent before.

    The record is inserted before sending, in one transaction: a second attempt (another
    worker, a restart, the job run twice) finds the key taken and sends nothing; a failed send
    rolls the record back, so the queue's retry sends it after all. Returns whether it sent.
    """
    if not user.email:
        return False
    context = {**context, "user": user, "name": user.get_full_name() or user.get_username()}
    text = render_to_string(f"reporting/rounds/mail/{template}.txt", context)
    html = render_to_string(f"reporting/rounds/mail/{template}.html", context)
    with transaction.atomic():
        try:
            with transaction.atomic():
                SentMail.objects.create(key=key, kind=kind, user=user, **about)
        except IntegrityError:
            return False
        message = EmailMultiAlternatives(
            subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[user.email]
        )
        message.attach_alternative(html, "text/html")
        message.send()
    return True
