"""Every error page is Dutch, built on the one error base, and shows nothing of its template."""

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.test import Client, override_settings
from django.urls import path, reverse

from napsite import urls as site_urls

MB = 1024 * 1024


def _refusing_view(request):
    raise PermissionDenied("alleen voor coördinatoren")


def _broken_view(request):
    raise RuntimeError("kapot")


def _database_down_view(request):
    raise OperationalError("connection refused")


urlpatterns = [
    *site_urls.urlpatterns,
    path("geweigerd/", _refusing_view),
    path("kapot/", _broken_view),
    path("database-weg/", _database_down_view),
]
# Django takes the error handlers from the root URLconf: these are the site's own.
handler400 = site_urls.handler400
handler403 = site_urls.handler403


def assert_is_a_clean_dutch_error_page(response, status: int, heading: str) -> None:
    html = response.text
    assert response.status_code == status
    assert '<html lang="nl">' in html
    assert f"<h1>{heading}</h1>" in html
    # No template comment leaks into the page.
    assert "{#" not in html and "#}" not in html and "{%" not in html
    assert "Standalone on purpose" not in html
    # Styled by the site's own stylesheet, which the Content-Security-Policy allows; no inline
    # styles, which it blocks.
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert "<style" not in html and " style=" not in html
    assert "style-src 'self'" in response.headers["Content-Security-Policy"]


def test_an_unknown_host_gets_a_clean_400_page(client, db):
    response = client.get("/", HTTP_HOST="aanvaller.example")

    assert_is_a_clean_dutch_error_page(response, 400, "Dit verzoek kan niet worden verwerkt")


def test_an_oversized_post_gets_a_clean_413_page(client, db):
    response = client.post(reverse("admin:login"), {"toelichting": "x" * (3 * MB)})

    assert_is_a_clean_dutch_error_page(response, 413, "Het verzoek is te groot")


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_gets_a_clean_500_page(db):
    response = Client(raise_request_exception=False).get("/kapot/")

    assert_is_a_clean_dutch_error_page(response, 500, "Er ging iets mis")


@override_settings(ROOT_URLCONF=__name__)
def test_an_unreachable_database_gets_a_clean_503_page(db):
    response = Client(raise_request_exception=False).get("/database-weg/")

    assert_is_a_clean_dutch_error_page(response, 503, "Even niet beschikbaar")


@pytest.mark.parametrize("url", ["/admin/login/", "/"])
def test_a_form_posted_without_its_csrf_token_gets_the_dutch_403(db, url):
    client = Client(enforce_csrf_checks=True)

    response = client.post(url, {"username": "ambtenaar", "password": "geheim"})

    assert_is_a_clean_dutch_error_page(response, 403, "Formulier niet verstuurd")
    assert "verstuur het formulier nog eens" in response.text
    assert "CSRF verification failed" not in response.text


@override_settings(ROOT_URLCONF=__name__)
def test_a_refusal_in_a_public_view_gets_the_dutch_403(client, db):
    response = client.get("/geweigerd/")

    assert_is_a_clean_dutch_error_page(response, 403, "Geen toegang")
    assert "U hebt geen toegang tot deze pagina." in response.text


def test_a_staff_member_without_rights_gets_the_dutch_403_in_the_admin(client, db):
    client.force_login(User.objects.create_user("stagiair", is_staff=True))

    response = client.get(reverse("admin:auth_user_changelist"))

    assert_is_a_clean_dutch_error_page(response, 403, "Geen toegang")
