from django.contrib import admin
from django.urls import include, path

from napsite import views

admin.site.site_header = "NAP Voortgangsmonitor – beheer"
admin.site.site_title = "NAP Voortgangsmonitor"
admin.site.index_title = "Beheer"

handler400 = views.bad_request

urlpatterns = [
    path("", include("actionlines.urls")),
    path("", include("measures.urls")),
    path("admin/", admin.site.urls),
    # Normally answered by napsite.middleware.HealthCheckMiddleware before the host check;
    # the route gives the endpoint its name.
    path("healthz", views.healthz, name="healthz"),
]
