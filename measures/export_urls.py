"""Downloads of the overview. Included before ``measures.urls`` so that ``activiteiten/<slug>/``
can never swallow ``activiteiten/export.csv``."""

from dataclasses import replace

from django.urls import path

from . import exports
from .page_cache import validate_public_download
from .views import LIST_PARAMETERS

# The same selection as the list, without its page number.
EXPORT_PARAMETERS = replace(LIST_PARAMETERS, single=LIST_PARAMETERS.single - {"page"})


def public_download(view):
    return validate_public_download(view, parameters=EXPORT_PARAMETERS)


app_name = "exports"

urlpatterns = [
    path("activiteiten/export.csv", public_download(exports.activities_csv), name="activities-csv"),
    path(
        "activiteiten/export.xlsx", public_download(exports.activities_xlsx), name="activities-xlsx"
    ),
    path(
        "activiteiten/export.json", public_download(exports.activities_json), name="activities-json"
    ),
    path("open-data/", exports.open_data, name="open-data"),
]
