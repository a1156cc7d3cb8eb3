from urllib.parse import urlencode

from django.conf import settings

# Query parameters that only say where a visitor came from: never part of a page's address.
TRACKING_PREFIX = "utm_"
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "msclkid"})


def canonical_url(request) -> str:
    """The page's public address: NAP_SITE_URL, the path and its meaningful query parameters."""
    kept = [
        (name, value)
        for name, values in request.GET.lists()
        if not name.lower().startswith(TRACKING_PREFIX) and name.lower() not in TRACKING_PARAMETERS
        for value in values
    ]
    query = f"?{urlencode(kept)}" if kept else ""
    return settings.NAP_SITE_URL.rstrip("/") + request.path + query


def site(request):
    """Values every page shows: who runs the site, where to flee to, the page's own address."""
    return {
        "SITE_NAME": settings.NAP_SITE_NAME,
        "SITE_ORGANISATION": settings.NAP_HOUSE_ORGANISATION,
        "SITE_CONTACT_EMAIL": settings.NAP_SITE_CONTACT_EMAIL,
        "QUICK_EXIT_URL": settings.NAP_QUICK_EXIT_URL,
        "CANONICAL_URL": canonical_url(request),
        "DEBUG": settings.DEBUG,
    }
