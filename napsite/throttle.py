"""A bound on how many expensive requests (exports, report documents, big report pages) run at
once: per client and for the whole site, so a handful of clients cannot keep every worker busy.

A slot is a key in the ``shared`` cache, which every worker of the site sees. Taking one is
``cache.add`` (Redis: ``SET NX``, atomic) on one of N numbered keys; the key expires after
``NAP_HEAVY_SLOT_SECONDS``, so a worker that crashed or was killed mid-request never keeps a
slot taken for longer than that. With the file cache (one host, no Redis) ``add`` checks and
writes in two steps: two workers racing for the last slot may both get it, so the bound can be
exceeded by a request now and then, never by a flood.

A slot is given back when the response is closed — after the last byte of a streamed or file
response has gone out, or when the client went away (the server closes the response then too)
— or at once when the view raises.
"""

import functools
import logging
import uuid

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .security import client_ip_address

logger = logging.getLogger(__name__)

SHARED = "shared"
PREFIX = "heavy-slot"


def _take(cache, names: list[str], token: str) -> str | None:
    for name in names:
        if cache.add(name, token, timeout=settings.NAP_HEAVY_SLOT_SECONDS):
            return name
    return None


def _give_back(cache, name: str, token: str) -> None:
    # Only our own slot: after it expired, another request may hold the same key.
    try:
        if cache.get(name) == token:
            cache.delete(name)
    except OSError:
        logger.exception("A heavy-request slot could not be given back; it expires by itself.")


def _refusal(template: str, status: int) -> HttpResponse:
    response = HttpResponse(render_to_string(template), status=status)
    response["Retry-After"] = str(settings.NAP_HEAVY_RETRY_AFTER_SECONDS)
    return response


def limit_heavy(view):
    """Run ``view`` only with a free slot for this client and one overall; else 429 or 503."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        cache = caches[SHARED]
        token = uuid.uuid4().hex
        client = client_ip_address(request) or "unknown"
        per_client = [
            f"{PREFIX}:client:{client}:{n}" for n in range(settings.NAP_HEAVY_MAX_PER_CLIENT)
        ]
        overall = [f"{PREFIX}:all:{n}" for n in range(settings.NAP_HEAVY_MAX_CONCURRENT)]
        try:
            client_slot = _take(cache, per_client, token)
            if client_slot is None:
                return _refusal("429.html", 429)
            slot = _take(cache, overall, token)
            if slot is None:
                _give_back(cache, client_slot, token)
                return _refusal("503_busy.html", 503)
        except OSError:
            # The shared cache is unreadable: serving unbounded beats refusing everyone.
            logger.exception("The shared cache cannot be used; heavy requests are not bounded.")
            return view(request, *args, **kwargs)

        def give_back() -> None:
            _give_back(cache, slot, token)
            _give_back(cache, client_slot, token)

        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            give_back()
            raise
        # Django calls these closers when the server closes the response: after a streamed
        # body is sent, or when the client disconnected halfway.
        response._resource_closers.append(give_back)
        return response

    return wrapper
