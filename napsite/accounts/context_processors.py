from django.conf import settings


def sign_in(request):
    """For the admin's login page: offer single sign-on, and say when it just failed."""
    return {
        "sso_enabled": settings.NAP_OIDC_ENABLED,
        "sso_failed": request.GET.get("sso") == "mislukt",
    }
