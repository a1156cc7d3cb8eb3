"""Who is changing rights right now: the signed-in person of the current request, or a named
process (single sign-on, a management command)."""

import contextlib
import contextvars
from collections.abc import Iterator

from simple_history.models import HistoricalRecords

_via: contextvars.ContextVar[str | None] = contextvars.ContextVar("accounts_via", default=None)

VIA_ADMIN = "beheer"
VIA_SSO = "single sign-on"
VIA_OTHER = "zonder aanmelding"


@contextlib.contextmanager
def changes_via(name: str) -> Iterator[None]:
    token = _via.set(name)
    try:
        yield
    finally:
        _via.reset(token)


def current_request():
    # simple-history's HistoryRequestMiddleware already keeps the request for its own records.
    return getattr(HistoricalRecords.context, "request", None)


def current_actor():
    """(changed_by, via) for an access change happening now."""
    if via := _via.get():
        return None, via
    request = current_request()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user, VIA_ADMIN
    return None, VIA_OTHER


def current_session_key_of(user) -> str | None:
    """The current request's session key if that request is this user's own."""
    request = current_request()
    request_user = getattr(request, "user", None)
    if request_user is not None and request_user.is_authenticated and request_user.pk == user.pk:
        return request.session.session_key
    return None
