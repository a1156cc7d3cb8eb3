"""Small middleware for running in production: health check, admin CSP, request size."""

from collections.abc import Callable

from csp.decorators import csp_update
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from napsite.views import healthz, request_too_large

HEALTHZ_PATH = "/healthz"


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
