"""Small middleware for running in production: health check, admin CSP, request size, a 503
while the database is unreachable, and private caching unless a page says otherwise."""

import logging
from collections.abc import Callable

from csp.decorators import csp_update
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from napsite.views import healthz, request_too_large

HEALTHZ_PATH = "/healthz"
# How long a client (or a crawler) should wait before trying again while the database is down.
RETRY_AFTER_SECONDS = 30

logger = logging.getLogger(__name__)


class HealthCheckMiddleware:
    """Answer /healthz before the Host header is checked.

    Load balancers address each instance by its own IP, which is not in ALLOWED_HOSTS; any
    other path still gets the full host check from CommonMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == HEALTHZ_PATH:
            return healthz(request)
        return self.get_response(request)


class AdminContentSecurityPolicyMiddleware:
    """Add settings.NAP_ADMIN_CSP_UPDATE to the policy of admin pages only."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.get_admin_response = csp_update(settings.NAP_ADMIN_CSP_UPDATE)(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/admin/"):
            return self.get_admin_response(request)
        return self.get_response(request)


class PrivateByDefaultMiddleware:
    """Whatever does not say it may be shared is neither shared nor stored.

    Public pages say so themselves (measures.page_cache); everything else (the admin, drafts,
    error pages, anything that may differ per visitor) must never end up in a proxy or CDN
    that would show it to the next visitor. Static files (WhiteNoise, outside this
    middleware) keep their own long caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response


class RequestSizeLimitMiddleware:
    """Refuse a body larger than settings.NAP_MAX_REQUEST_BYTES before reading any of it.

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE leaves uploaded files out of its count, so without
    this a huge upload would be streamed to disk in full before the import could refuse it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django itself treats an unreadable length as an empty body.
        if length > settings.NAP_MAX_REQUEST_BYTES:
            return request_too_large(request)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """While the database cannot be reached, answer 503 with Retry-After instead of a 500.

    A restart of PostgreSQL takes seconds; a 503 tells visitors, crawlers and the load balancer
    that this is temporary. The page needs no database and no context processors.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database unavailable: %s", type(exception).__name__)
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
