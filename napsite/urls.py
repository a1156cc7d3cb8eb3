from django.contrib import admin
from django.urls import include, path

from measures.page_cache import cache_public_page
from napsite import views

admin.site.site_header = "NAP Voortgangsmonitor – beheer"
admin.site.site_title = "NAP Voortgangsmonitor"
admin.site.index_title = "Beheer"

handler400 = views.bad_request
handler403 = views.permission_denied

# Pages of fixed text. (Their "peildatum" still comes from the data, hence the cache.)
pages = (
    [
        path("toegankelijkheid/", cache_public_page(views.accessibility), name="accessibility"),
        path("colofon/", cache_public_page(views.colofon), name="colofon"),
        path("privacy/", cache_public_page(views.privacy), name="privacy"),
    ],
    "pages",
)

urlpatterns = [
    path("", include("actionlines.urls")),
    path("", include("measures.export_urls")),
    path("", include("measures.urls")),
    path("", include(pages)),
    path("rapportages/", include("reporting.urls")),
    # Ahead of the admin's own "view on site" route, which checks no permissions.
    path(
        "admin/r/<int:content_type_id>/<path:object_id>/",
        admin.site.admin_view(views.admin_view_on_site),
    ),
    # Second factor and single sign-on; ahead of the admin's catch-all.
    path("admin/", include("napsite.accounts.urls")),
    path("admin/", admin.site.urls),
    # Normally answered by napsite.middleware.HealthCheckMiddleware before the host check;
    # the route gives the endpoint its name.
    path("healthz", views.healthz, name="healthz"),
]

# Django's own handlers render templates/404.html and templates/500.html; the 500 page uses
# no database and no context, so it still shows when the database is down.
