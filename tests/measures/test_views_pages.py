"""What every public page shares, the status definitions, and the error pages."""

import datetime
import re

import pytest
from django.test import Client, override_settings
from django.urls import path
from django.utils import timezone

from napsite.urls import urlpatterns as site_urlpatterns
from tests.public_site import make_public_site

PUBLIC_PAGES = [
    "/",
    "/actielijnen/1/",
    "/activiteiten/",
    "/activiteiten/?jaar=abc",
    "/activiteiten/{slug}/",
    "/statussen/",
    "/toegankelijkheid/",
    "/bestaat-niet/",
]


@pytest.fixture
def site(db):
    site = make_public_site(activities=4)
    latest = site.activities[-1]
    latest.updated_at = timezone.make_aware(datetime.datetime(2025, 3, 12, 9, 30))
    latest.save()
    for other in site.activities[:-1]:
        other.updated_at = timezone.make_aware(datetime.datetime(2024, 6, 1, 9, 30))
        other.save()
    return site


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_every_page_has_the_same_frame_and_the_reference_date(client, site, page):
    response = client.get(page.format(slug=site.activities[0].slug))
    html = response.text

    assert '<html lang="nl">' in html
    assert html.count("<h1") == 1
    assert '<a class="skip-link" href="#inhoud">' in html
    assert '<main id="inhoud"' in html
    assert 'Stand van zaken per <time datetime="2025-03-12">12 maart 2025</time>' in html
    assert '<a href="/rapportages/">Rapportages</a>' in html
    # Ready for a strict Content-Security-Policy: no inline styles or scripts.
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"<script(?![^>]* src=)", html)


def test_the_current_page_is_marked_in_the_navigation(client, site):
    html = client.get("/activiteiten/").text

    assert '<a href="/activiteiten/" aria-current="page">Activiteiten</a>' in html
    assert '<a href="/" aria-current' not in html
    # An activity belongs to the activities section; an action line to the overview.
    detail = client.get(site.activities[0].get_absolute_url()).text
    assert '<a href="/activiteiten/" aria-current="true">Activiteiten</a>' in detail
    assert '<a href="/" aria-current="true">Overzicht</a>' in client.get("/actielijnen/1/").text


def test_without_published_data_the_reference_date_says_so(client, db):
    html = client.get("/").text

    assert "Stand van zaken: er zijn nog geen gegevens gepubliceerd" in html


def test_the_status_page_defines_every_status_with_an_anchor_and_a_count(client, site):
    html = client.get("/statussen/").text

    codes = re.findall(r'<li class="status-definition" id="status-([a-z-]+)">', html)
    assert codes == list(site.statuses)
    assert "Definitie van loopt." in html
    assert 'href="/activiteiten/?status=loopt">2 activiteiten met de status loopt</a>' in html
    assert "Geen activiteiten met deze status." in html
    assert '<a class="status-badge"' not in html  # badges do not link to the page they are on


def test_the_accessibility_statement_exists(client, db):
    response = client.get("/toegankelijkheid/")

    assert response.status_code == 200
    assert "<h1>Toegankelijkheid</h1>" in response.text
    assert "WCAG" in response.text


def test_an_unknown_address_gets_the_dutch_404_page(client, db):
    response = client.get("/dit/bestaat/niet/")

    assert response.status_code == 404
    assert "<h1>Pagina niet gevonden</h1>" in response.text
    assert 'action="/activiteiten/"' in response.text  # a way on: search


def _broken_view(request):
    raise RuntimeError("kapot")


urlpatterns = [*site_urlpatterns, path("kapot/", _broken_view)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_gets_the_dutch_500_page_without_the_database(db, django_assert_num_queries):
    client = Client(raise_request_exception=False)

    with django_assert_num_queries(0):
        response = client.get("/kapot/")

    assert response.status_code == 500
    assert "<h1>Er ging iets mis</h1>" in response.text
    assert '<html lang="nl">' in response.text
