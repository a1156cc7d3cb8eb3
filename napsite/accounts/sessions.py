"""Staff sessions that end: after an idle period, after an absolute maximum, and when the
user's password or rights change (their other sessions)."""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase

from napsite.accounts.models import SignIn

SIGNED_IN_AT = "accounts_signed_in_at"
SEEN_AT = "accounts_seen_at"
METHOD = "accounts_method"
# The last activity is written at most this often (seconds): not a session save per request.
SEEN_RESOLUTION = 60


def start(session: SessionBase, method: str) -> None:
    now = int(time.time())
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    session[METHOD] = method


def has_expired(session: SessionBase) -> bool:
    """Idle too long, older than the maximum, or without the timestamps a sign-in sets."""
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return True
    now = time.time()
    return (
        now - seen_at > settings.NAP_SESSION_IDLE_MINUTES * 60
        or now - signed_in_at > settings.NAP_SESSION_MAX_HOURS * 3600
    )


def touch(session: SessionBase) -> None:
    now = int(time.time())
    if now - session[SEEN_AT] >= SEEN_RESOLUTION:
        session[SEEN_AT] = now


def end_sessions(user, keep_session_key: str | None = None) -> int:
    """End every session of this user except the one kept; returns how many were ended.

    Works through the session engine, so for database, cache and file sessions alike.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    sign_ins = SignIn.objects.filter(user=user).exclude(session_key="")
    if keep_session_key:
        sign_ins = sign_ins.exclude(session_key=keep_session_key)
    keys = list(sign_ins.values_list("session_key", flat=True))
    for key in keys:
        store.delete(key)
    SignIn.objects.filter(session_key__in=keys).update(session_key="")
    return len(keys)
