from django.conf import settings


def site(request):
    """Values every page shows: the site name and whether we run in debug mode."""
    return {"SITE_NAME": settings.NAP_SITE_NAME, "DEBUG": settings.DEBUG}
