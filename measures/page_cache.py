"""Whole-page caching for the public site, invalidated at once by any change to the data.

A page is stored in Django's default cache under its full path and the current data version.
The version is a token in the database (``PublicDataVersion``): every worker and every host
reads the same one, at the cost of one tiny query per request. ``measures.signals`` replaces
it after each committed change to activities, their actors and footnotes, statuses, actors and
action lines — so an edit in the admin shows on the next request, and old pages are simply
never looked up again.

Why the order is safe: a request reads the version *before* the data, and the version changes
only *after* the data is committed. A page built from old data is therefore always stored
under an old version.
"""

import functools
import hashlib
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse

from .models import PublicDataVersion

# Pages change only with the data; this merely bounds how long unused pages take up memory.
PAGE_TIMEOUT_SECONDS = 60 * 60
_VERSION_ROW = 1


def data_version() -> str:
    token = PublicDataVersion.objects.filter(pk=_VERSION_ROW).values_list("token", flat=True)
    return token.first() or ""


def bump_data_version() -> None:
    """Give the data a new version, so that every cached page is out of date."""
    PublicDataVersion.objects.update_or_create(
        pk=_VERSION_ROW, defaults={"token": uuid.uuid4().hex}
    )


def _cache_key(version: str, request: HttpRequest) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"public-page:{version}:{path}"


def cache_public_page(view):
    """Serve a public GET page from the cache while the data has not changed."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # Inside a transaction a page may show data that is not committed (or never will be):
        # such a page is never stored nor served from the cache.
        if request.method not in ("GET", "HEAD") or connection.in_atomic_block:
            return view(request, *args, **kwargs)
        key = _cache_key(data_version(), request)
        cached = cache.get(key)
        if cached is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if isinstance(response, SimpleTemplateResponse):
            response.render()
        if response.status_code == 200 and not response.streaming and not response.cookies:
            cache.set(key, (response.content, response["Content-Type"]), PAGE_TIMEOUT_SECONDS)
        return response

    return wrapper
