"""Site-wide endpoints and error pages: health check, rejected and refused requests, login
lockout."""

import logging

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when this process can reach the database, 503 when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        logger.warning("Health check: database unreachable (%s)", type(exc).__name__)
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def request_too_large(request: HttpRequest) -> HttpResponse:
    megabytes = settings.NAP_IMPORT_MAX_BYTES / (1024 * 1024)
    return render(
        request,
        "napsite/request_rejected.html",
        {
            "title": "Het verzoek is te groot",
            "message": (
                f"Wat u verstuurde is groter dan deze site aanneemt. Een importbestand mag "
                f"hoogstens {megabytes:.0f} MB zijn. Maak het bestand kleiner, bijvoorbeeld "
                f"door het in delen te importeren, en probeer het opnieuw."
            ),
        },
        status=413,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a Dutch page instead of Django's English one, 413 for oversized bodies."""
    if isinstance(exception, RequestDataTooBig):
        return request_too_large(request)
    return render(
        request,
        "napsite/request_rejected.html",
        {
            "title": "Dit verzoek kan niet worden verwerkt",
            "message": (
                "Het verzoek is onvolledig of onjuist opgebouwd. Ga terug naar de vorige "
                "pagina en probeer het opnieuw."
            ),
        },
        status=400,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's own page is English and its inline styles break our CSP."""
    return render(request, "403.html", {"csrf_failure": True}, status=403)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: the Dutch page, built on the same standalone error base as the others."""
    return render(request, "403.html", status=403)


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' lockout response: a Dutch page in the admin's look, 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        **admin.site.each_context(request),
        "title": "Tijdelijk geblokkeerd",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": minutes,
    }
    return render(request, "napsite/login_locked_out.html", context, status=429)


def admin_view_on_site(request: HttpRequest, content_type_id: int, object_id: str) -> HttpResponse:
    """The admin's "view on site" link, only to objects the admin lets this user view.

    Django's own shortcut checks no permissions: any staff user could learn the address (the
    slug) of any object, such as another ministry's hidden activity. Here the object's admin
    decides, exactly as for its change page.
    """
    model = get_object_or_404(ContentType, pk=content_type_id).model_class()
    if model is None or not admin.site.is_registered(model):
        raise Http404
    model_admin = admin.site.get_model_admin(model)
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None:
        raise Http404
    if not model_admin.has_view_or_change_permission(request, obj):
        raise PermissionDenied
    return shortcut(request, content_type_id, object_id)


def colofon(request: HttpRequest) -> HttpResponse:
    """Who runs the site (organisation and contact come from the context processor)."""
    return render(request, "napsite/colofon.html")


def privacy(request: HttpRequest) -> HttpResponse:
    """What the site records and for how long: the retention periods are the settings in force."""
    return render(
        request,
        "napsite/privacy.html",
        {
            "login_log_days": settings.NAP_LOGIN_LOG_DAYS,
            "task_keep_days": settings.NAP_TASK_KEEP_DAYS,
            "session_idle_minutes": settings.NAP_SESSION_IDLE_MINUTES,
            "session_max_hours": settings.NAP_SESSION_MAX_HOURS,
        },
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/accessibility.html",
        {"audit_date": settings.NAP_ACCESSIBILITY_AUDIT_DATE},
    )
