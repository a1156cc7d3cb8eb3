"""Whether a session has passed its second factor.

Password sign-ins need a confirmed TOTP device (or a recovery code); a single sign-on session
counts as verified by the identity provider, which does its own multi-factor authentication.
"""

from django.conf import settings
from django.http import HttpRequest

from napsite.accounts import sessions
from napsite.accounts.models import SignInMethod

# The accounts `manage.py setup_local` makes for a local trial. Only with DEBUG on (which
# setup_local requires, and production never has) they may skip the second factor.
DEBUG_DEMO_ACCOUNTS = frozenset({"admin", "coordinator", "medewerker-ocw"})


def is_satisfied(request: HttpRequest) -> bool:
    if request.session.get(sessions.METHOD) == SignInMethod.SSO:
        return True
    if request.user.is_verified():
        return True
    return settings.DEBUG and request.user.get_username() in DEBUG_DEMO_ACCOUNTS
