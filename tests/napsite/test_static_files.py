"""Static files as production serves them: hashed names, compressed, cached for a year."""

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import Client, override_settings

A_YEAR_OR_MORE = "max-age=315360000, public, immutable"


MANIFEST_STORAGE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """collectstatic as the Dockerfile runs it (once: compressing every file takes seconds)."""
    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(
        STATIC_ROOT=root, STORAGES={**settings.STORAGES, "staticfiles": MANIFEST_STORAGE}
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


@pytest.fixture
def collected(settings, static_root):
    settings.STATIC_ROOT = static_root
    settings.STORAGES = {**settings.STORAGES, "staticfiles": MANIFEST_STORAGE}
    return Client()  # a new client loads WhiteNoise with the collected files


def test_hashed_files_are_cached_for_good_and_served_compressed(collected):
    url = staticfiles_storage.url("css/site.css")

    plain = collected.get(url)
    compressed = collected.get(url, HTTP_ACCEPT_ENCODING="br, gzip")

    assert url.startswith("/static/css/site.") and url != "/static/css/site.css"
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == A_YEAR_OR_MORE
    assert compressed.headers["Content-Encoding"] in {"br", "gzip"}
    assert int(compressed.headers["Content-Length"]) < int(plain.headers["Content-Length"])


def test_unhashed_names_are_cached_only_briefly(collected):
    response = collected.get("/static/css/site.css")

    assert response.status_code == 200
    assert "immutable" not in response.headers["Cache-Control"]
