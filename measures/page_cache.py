"""Whole-page caching for the public site, invalidated at once by any change to the data.

Rendered pages are kept per process (Django's ``default`` cache) under a key made of the page's
full address and the current *data version*. The data version is a random token in the
``shared`` cache, which every process of the site reads: by default a directory of files in
``var/``, shared by all gunicorn workers, the admin and management commands on one host (see
README, "Paginacache"). ``measures.signals`` replaces the token after every committed change to
activities, their actors and footnotes, statuses, actors and action lines, so an edit in the
admin shows on the next request, and old pages are never looked up again.

Why not the database: reading the token there costs a round trip per request, which halves the
throughput of a cached page. Why the order is safe: a request reads the version *before* the
data, and the version changes only *after* the data is committed, so a page built from old data
is always stored under an old version. A missing version becomes a new random token, never an
old one, so losing the shared cache loses cached pages, not correctness.
"""

import functools
import hashlib
import logging
import uuid

from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse

logger = logging.getLogger(__name__)

PAGES = "default"
SHARED = "shared"
VERSION_KEY = "public-data-version"
# Pages change only with the data; this bounds how long unused pages take memory, and how long
# a page could outlive a change that, against the rules above, never bumped the version.
PAGE_TIMEOUT_SECONDS = 10 * 60


def data_version() -> str | None:
    """The current data version, or None when the shared cache cannot be used."""
    shared = caches[SHARED]
    try:
        token = shared.get(VERSION_KEY)
        if token is None:
            shared.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            token = shared.get(VERSION_KEY)
    except OSError:
        logger.exception("The shared cache cannot be read; serving pages without the cache.")
        return None
    return token


def bump_data_version() -> None:
    """Give the data a new version, so that every cached page is out of date."""
    try:
        caches[SHARED].set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except OSError:
        logger.exception(
            "The shared cache cannot be written: cached public pages may be out of date for "
            "up to %s seconds.",
            PAGE_TIMEOUT_SECONDS,
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
        version = data_version()
        if version is None:
            return view(request, *args, **kwargs)
        pages = caches[PAGES]
        key = _cache_key(version, request)
        cached = pages.get(key)
        if cached is not None:
            content, content_type = cached
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if isinstance(response, SimpleTemplateResponse):
            response.render()
        if response.status_code == 200 and not response.streaming and not response.cookies:
            pages.set(key, (response.content, response["Content-Type"]), PAGE_TIMEOUT_SECONDS)
        return response

    return wrapper
