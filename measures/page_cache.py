"""Whole-page caching for the public site, in the app and in any HTTP cache in front of it.

Rendered pages are kept in the ``pages`` cache (Redis when ``CACHE_URL`` is set, so one render
serves every worker and every instance; otherwise a folder shared by the processes on one
host), with a copy in the memory of each process that served them, under a key made of the
page's path, its *recognised* query parameters in a fixed order (tracking parameters such as
``utm_source`` or ``fbclid`` never force a render) and the current *data version*. The view
itself only ever sees those recognised parameters, so the page is the same whoever asked for
it, with or without tracking parameters.

The data version is a random token plus the time of the change, in the ``shared`` cache which
every process of the site reads. ``measures.signals`` replaces it after every committed
change to activities, their actors and footnotes, statuses, actors and action lines, so an
edit in the admin shows on the next request, and old pages are never looked up again.

Why not the database: reading the token there costs a round trip per request, which halves the
throughput of a cached page. Why the order is safe: a request reads the version *before* the
data, and the version changes only *after* the data is committed, so a page built from old data
is always stored under an old version. A missing version becomes a new random token, never an
old one, so losing the shared cache loses cached pages, not correctness.

HTTP: a cached page's ``ETag`` is derived from its key (so from the data version), its
``Last-Modified`` is the time of the latest change, and it says ``Cache-Control: public`` for
``NAP_HTTP_MAX_AGE`` seconds. A conditional request for a cached page is answered 304 before
the view runs. Pages are stored and sent gzipped (public pages carry no secrets, so
compressing them next to reflected input gives BREACH nothing to find).
"""

import contextvars
import functools
import gzip
import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.response import SimpleTemplateResponse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date

logger = logging.getLogger(__name__)

PAGES = "pages"
SHARED = "shared"
# Per process: small values that only change with the data (the peildatum, counts), and the
# pages this process served lately, so a popular page costs no round trip to the shared cache.
LOCAL = "default"
# Parts of pages that only change with the data (an activity's card), so that a page never
# rendered before is put together from parts that other pages rendered.
FRAGMENTS = "fragments"
VERSION_KEY = "public-data-version"
# Pages change only with the data; this bounds how long unused pages take memory, and how long
# a page could outlive a change that, against the rules above, never bumped the version.
PAGE_TIMEOUT_SECONDS = 10 * 60
# gzip level 6: within a few percent of 9 in size, at a third of the time.
GZIP_LEVEL = 6
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# The version a cached page is being built for: what it reads along the way is kept under the
# same version, at no second round trip to the shared cache.
_page_version: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "page_version", default=None
)


def data_version() -> str | None:
    """The current data version, or None when the shared cache cannot be used."""
    shared = caches[SHARED]
    try:
        token = shared.get(VERSION_KEY)
        if token is None:
            shared.add(VERSION_KEY, _new_version(), timeout=None)
            token = shared.get(VERSION_KEY)
    except OSError:
        logger.exception("The shared cache cannot be read; serving pages without the cache.")
        return None
    return token


def changed_at(version: str) -> int:
    """When the data of this version changed (seconds since the epoch, for Last-Modified)."""
    _token, _, seconds = version.rpartition("-")
    return int(seconds) if seconds.isdecimal() else int(time.time())


def _new_version(previous: str | None = None) -> str:
    # Last-Modified counts in whole seconds: a change never gets the second of the version it
    # replaces, or a client that asks "modified since" that second would miss it.
    seconds = int(time.time())
    if previous is not None:
        seconds = max(seconds, changed_at(previous) + 1)
    return f"{uuid.uuid4().hex}-{seconds}"


def bump_data_version() -> None:
    """Give the data a new version, so that every cached page is out of date."""
    shared = caches[SHARED]
    try:
        shared.set(VERSION_KEY, _new_version(shared.get(VERSION_KEY)), timeout=None)
    except OSError:
        logger.exception(
            "The shared cache cannot be written: cached public pages may be out of date for "
            "up to %s seconds.",
            PAGE_TIMEOUT_SECONDS,
        )


def remember(name: str, compute: Callable[[], object]):
    """``compute()``, kept in this process until the data changes.

    Never inside a transaction: what it sees may not be committed (or never will be).
    """
    if connection.in_atomic_block:
        return compute()
    version = _page_version.get() or data_version()
    if version is None:
        return compute()
    local = caches[LOCAL]
    key = f"fragment:{version}:{name}"
    value = local.get(key)
    if value is None:
        value = compute()
        local.set(key, value, PAGE_TIMEOUT_SECONDS)
    return value


def remember_many(name: str, keys: list, compute: Callable[[list], dict]) -> dict:
    """``remember`` for many values at once, kept in the ``fragments`` cache (shared by the
    processes when it is Redis): ``{key: value}`` for every key, where ``compute(missing)``
    gives those not kept since the data last changed.

    Never inside a transaction (see ``remember``); a fragments cache that is down costs the
    values' computing, never the page.
    """
    version = None if connection.in_atomic_block else _page_version.get() or data_version()
    if version is None:
        return compute(list(keys))
    prefix = f"{name}:{version}:"
    fragments = caches[FRAGMENTS]
    try:
        kept = fragments.get_many([f"{prefix}{key}" for key in keys])
    except Exception:
        logger.exception("The fragments cache cannot be read.")
        kept = {}
    values = {key: kept[f"{prefix}{key}"] for key in keys if f"{prefix}{key}" in kept}
    missing = [key for key in keys if key not in values]
    if missing:
        computed = compute(missing)
        try:
            fragments.set_many(
                {f"{prefix}{key}": value for key, value in computed.items()},
                PAGE_TIMEOUT_SECONDS,
            )
        except Exception:
            logger.exception("The fragments cache cannot be written.")
        values.update(computed)
    return values


@dataclass(frozen=True)
class Parameters:
    """The query parameters a page understands; anything else is dropped before the view.

    ``repeatable``: a set of choices (order and duplicates mean nothing, so they are sorted).
    ``single``: one value, the last one given, as ``QueryDict.get`` reads it.
    """

    repeatable: frozenset[str] = frozenset()
    single: frozenset[str] = frozenset()

    def normalise(self, given: QueryDict) -> QueryDict:
        kept = QueryDict(mutable=True)
        for name in sorted(self.repeatable | self.single):
            values = [value for value in given.getlist(name) if value != ""]
            if not values:
                continue
            kept.setlist(name, sorted(set(values)) if name in self.repeatable else values[-1:])
        kept._mutable = False
        return kept


NO_PARAMETERS = Parameters()


@dataclass(frozen=True)
class CachedPage:
    body: bytes  # gzipped
    content_type: str
    etag: str
    last_modified: int


def _cache_key(version: str, request: HttpRequest, query: QueryDict | None = None) -> str:
    query = request.GET if query is None else query
    address = f"{request.path}?{query.urlencode()}"
    return f"public-page:{version}:{hashlib.sha256(address.encode()).hexdigest()}"


def _accepts_gzip(request: HttpRequest) -> bool:
    return bool(_ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))


def _etag(request: HttpRequest, page: CachedPage) -> str:
    # A strong validator names one representation: the gzipped one gets its own.
    return f'"{page.etag}-gz"' if _accepts_gzip(request) else f'"{page.etag}"'


def _response(request: HttpRequest, page: CachedPage) -> HttpResponse:
    if _accepts_gzip(request):
        response = HttpResponse(page.body, content_type=page.content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(gzip.decompress(page.body), content_type=page.content_type)
    response["ETag"] = _etag(request, page)
    _public_headers(response, page.last_modified)
    return response


def _public_headers(response: HttpResponse, last_modified: int) -> None:
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = (
        f"public, max-age={settings.NAP_HTTP_MAX_AGE}, "
        f"stale-while-revalidate={settings.NAP_HTTP_STALE_WHILE_REVALIDATE}"
    )
    patch_vary_headers(response, ["Accept-Encoding"])


def _conditional(request: HttpRequest, page: CachedPage) -> HttpResponse | None:
    """304 (or 412) when the client's copy is this page, else None."""
    etag = _etag(request, page)
    response = get_conditional_response(request, etag=etag, last_modified=page.last_modified)
    if response is not None and response.status_code == 304:
        response["ETag"] = etag
        _public_headers(response, page.last_modified)
    return response


def cache_public_page(view=None, *, parameters: Parameters = NO_PARAMETERS):
    """Serve a public GET page from the shared cache while the data has not changed.

    The view sees only ``parameters`` of the query string, normalised (see ``Parameters``).
    Usable bare (``@cache_public_page``) or with ``@cache_public_page(parameters=...)``.
    """
    if view is None:
        return functools.partial(cache_public_page, parameters=parameters)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.GET = parameters.normalise(request.GET)
        # Inside a transaction a page may show data that is not committed (or never will be):
        # such a page is never stored nor served from the cache.
        if request.method not in ("GET", "HEAD") or connection.in_atomic_block:
            return view(request, *args, **kwargs)
        version = data_version()
        if version is None:
            return view(request, *args, **kwargs)
        key = _cache_key(version, request)
        page = _get(key)
        if page is not None:
            return _conditional(request, page) or _response(request, page)
        building = _page_version.set(version)
        try:
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
        finally:
            _page_version.reset(building)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        if response.has_header("Vary") and "cookie" in response["Vary"].lower():
            return response  # differs per visitor: not for a shared cache
        page = CachedPage(
            body=gzip.compress(response.content, compresslevel=GZIP_LEVEL, mtime=0),
            content_type=response["Content-Type"],
            etag=hashlib.sha256(key.encode()).hexdigest()[:32],
            last_modified=changed_at(version),
        )
        _set(key, page)
        return _conditional(request, page) or _response(request, page)

    return wrapper


def validate_public_download(view=None, *, parameters: Parameters = NO_PARAMETERS):
    """HTTP validators and public caching for a download that is not stored here.

    The ``ETag`` is weak: a file records when it was made, so two downloads of the same data
    differ in their bytes, though not in what they say. A conditional request from a client
    that has the file of the current data version gets a 304 before the view runs.
    """
    if view is None:
        return functools.partial(validate_public_download, parameters=parameters)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        version = None
        if request.method in ("GET", "HEAD") and not connection.in_atomic_block:
            version = data_version()
        if version is None:
            return view(request, *args, **kwargs)
        # The view still sees every parameter; only the validator ignores the unknown ones.
        key = _cache_key(version, request, parameters.normalise(request.GET))
        etag = f'W/"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
        modified = changed_at(version)
        response = get_conditional_response(request, etag=etag, last_modified=modified)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
        elif response.status_code != 304:
            return response
        response["ETag"] = etag
        _public_headers(response, modified)
        return response

    return wrapper


def _get(key: str) -> CachedPage | None:
    """The page from this process's memory, else from the shared cache (and then kept here)."""
    local = caches[LOCAL]
    page = local.get(key)
    if page is not None:
        return page
    try:
        page = caches[PAGES].get(key)
    except Exception:  # a page cache that is down costs a render, never the page
        logger.exception("The page cache cannot be read.")
        return None
    if page is not None:
        local.set(key, page, PAGE_TIMEOUT_SECONDS)
    return page


def _set(key: str, page: CachedPage) -> None:
    caches[LOCAL].set(key, page, PAGE_TIMEOUT_SECONDS)
    try:
        caches[PAGES].set(key, page, PAGE_TIMEOUT_SECONDS)
    except Exception:
        logger.exception("The page cache cannot be written.")
