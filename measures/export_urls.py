"""Downloads of the overview. Included before ``measures.urls`` so that ``activiteiten/<slug>/``
can never swallow ``activiteiten/export.csv``."""

from django.urls import path

from . import exports

app_name = "exports"

urlpatterns = [
    path("activiteiten/export.csv", exports.activities_csv, name="activities-csv"),
    path("activiteiten/export.xlsx", exports.activities_xlsx, name="activities-xlsx"),
    path("activiteiten/export.json", exports.activities_json, name="activities-json"),
    path("open-data/", exports.open_data, name="open-data"),
]
