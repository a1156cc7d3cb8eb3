from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "NAP Voortgangsmonitor – beheer"
admin.site.site_title = "NAP Voortgangsmonitor"
admin.site.index_title = "Beheer"

urlpatterns = [
    path("", include("actionlines.urls")),
    path("", include("measures.export_urls")),
    path("", include("measures.urls")),
    path("rapportages/", include("reporting.urls")),
    path("admin/", admin.site.urls),
]
