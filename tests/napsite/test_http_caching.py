"""HTTP caching: validators from the data version, 304s without rendering, who may store what.

These tests commit for real (transactional_db): the data version changes only after a commit,
and nothing is cached inside a transaction.
"""

import datetime
import gzip

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures.models import Activity
from reporting.models import ProgressReport
from tests.public_site import make_public_site

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_caches")]

PUBLIC_PAGES = [
    "/",
    "/actielijnen/1/",
    "/activiteiten/",
    "/activiteiten/?status=loopt",
    "/activiteiten/{slug}/",
    "/statussen/",
    "/toegankelijkheid/",
]


@pytest.fixture
def site():
    return make_public_site(activities=3)


def get(client, url, **headers):
    """The response, the number of queries, and the templates rendered for it."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries), [template.name for template in response.templates]


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_public_pages_may_be_cached_by_anyone_and_carry_validators(client, site, page):
    response, _, _ = get(client, page.format(slug=site.activities[0].slug))

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30"
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert response["Last-Modified"].endswith(" GMT")
    assert "Accept-Encoding" in response["Vary"]
    assert "Cookie" not in response["Vary"]


def test_the_max_age_and_the_stale_time_are_settings(client, site, settings):
    settings.NAP_HTTP_MAX_AGE = 300
    settings.NAP_HTTP_STALE_WHILE_REVALIDATE = 7

    response, _, _ = get(client, "/activiteiten/")

    assert response["Cache-Control"] == "public, max-age=300, stale-while-revalidate=7"


def test_an_edit_changes_the_validators(client, site):
    url = site.activities[0].get_absolute_url()
    before, _, _ = get(client, url)

    activity = Activity.objects.get(pk=site.activities[0].pk)
    activity.title = "Een nieuwe titel"
    activity.save()
    after, _, _ = get(client, url)

    assert "Een nieuwe titel" in after.text
    assert after["ETag"] != before["ETag"]
    assert after["Last-Modified"] != before["Last-Modified"]
    # A browser holding the old page gets the new one, not a 304.
    again, _, _ = get(client, url, if_none_match=before["ETag"])
    assert again.status_code == 200


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_a_conditional_request_gets_a_304_without_rendering(client, site, page):
    url = page.format(slug=site.activities[0].slug)
    first, _, _ = get(client, url)

    response, queries, templates = get(client, url, if_none_match=first["ETag"])

    assert response.status_code == 304
    assert response.content == b""
    assert templates == []  # no view ran, no template was rendered
    assert queries == 0
    assert response["ETag"] == first["ETag"]
    assert response["Cache-Control"].startswith("public, ")


def test_if_modified_since_gets_a_304_until_the_next_change(client, site):
    first, _, _ = get(client, "/activiteiten/")

    unchanged, queries, templates = get(
        client, "/activiteiten/", if_modified_since=first["Last-Modified"]
    )
    Activity.objects.filter(pk=site.activities[0].pk).first().save()
    changed, _, _ = get(client, "/activiteiten/", if_modified_since=first["Last-Modified"])

    assert (unchanged.status_code, queries, templates) == (304, 0, [])
    assert changed.status_code == 200


def test_pages_go_out_gzipped_to_clients_that_accept_it(client, site):
    plain, _, _ = get(client, "/activiteiten/")
    packed, _, _ = get(client, "/activiteiten/", accept_encoding="gzip, deflate, br")

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    # Each representation has its own strong validator.
    assert packed["ETag"] != plain["ETag"]


@pytest.mark.parametrize(
    "tracking", ["utm_source=nieuwsbrief&utm_medium=email", "fbclid=IwAR0x", "gclid=abc"]
)
def test_tracking_parameters_share_the_page_of_the_address_without_them(client, site, tracking):
    plain, _, _ = get(client, "/activiteiten/?status=loopt")

    tracked, queries, templates = get(client, f"/activiteiten/?{tracking}&status=loopt")

    assert (queries, templates) == (0, [])  # one render served both
    assert tracked.content == plain.content
    assert "utm_" not in plain.text and "fbclid" not in plain.text


def test_tracking_parameters_never_reach_the_links_of_a_page(client, site):
    page, _, _ = get(client, "/activiteiten/?utm_source=x&status=loopt&page=1")

    assert page.status_code == 200
    assert "utm_source" not in page.text
    assert 'href="/activiteiten/export.csv?status=loopt"' in page.text


def test_the_order_of_the_parameters_does_not_matter(client, site):
    first, _, _ = get(client, "/activiteiten/?status=loopt&actielijn=2&status=afgerond&jaar=2024")

    second, queries, templates = get(
        client, "/activiteiten/?jaar=2024&status=afgerond&actielijn=2&status=loopt"
    )

    assert (queries, templates) == (0, [])
    assert second.content == first.content


def test_different_selections_are_different_pages(client, site):
    everything, _, _ = get(client, "/activiteiten/")
    filtered, queries, _ = get(client, "/activiteiten/?status=afgerond")
    last_value_counts, _, _ = get(client, "/activiteiten/?jaar=2023&jaar=2024")

    assert queries > 0
    assert everything.content != filtered.content
    assert 'value="2024"' in last_value_counts.text  # as QueryDict.get reads it


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/activiteiten/bestaat-niet/", 404),
        ("/activiteiten/?jaar=abc", 400),
        ("/actielijnen/99/", 404),
    ],
)
def test_error_pages_are_never_stored_by_a_shared_cache(client, site, url, status):
    response, _, _ = get(client, url)

    assert response.status_code == status
    assert response["Cache-Control"] == "private, no-store"
    assert not response.has_header("ETag")


def test_an_unpublished_activity_is_not_public_even_for_its_editors(admin_client, site):
    draft = site.activities[0]
    Activity.objects.filter(pk=draft.pk).update(is_public=False)

    response, _, _ = get(admin_client, draft.get_absolute_url())

    assert response.status_code == 404
    assert response["Cache-Control"] == "private, no-store"


def test_admin_pages_are_private(admin_client, site):
    response, _, _ = get(
        admin_client, reverse("admin:measures_activity_change", args=[site.activities[0].pk])
    )

    assert response.status_code == 200
    assert "public" not in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]


def test_a_logged_in_editor_gets_the_same_public_page(client, admin_client, site):
    anonymous, _, _ = get(client, "/activiteiten/")
    editor, _, _ = get(admin_client, "/activiteiten/")

    assert editor.content == anonymous.content
    assert editor["Cache-Control"].startswith("public, ")


def test_a_draft_report_seen_by_staff_is_private(admin_client, site):
    draft = ProgressReport.objects.create(
        title="Concept", slug="concept", reference_date=datetime.date.today()
    )

    response, _, _ = get(admin_client, f"/rapportages/{draft.slug}/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("extension", ["csv", "xlsx", "json"])
def test_downloads_are_public_and_answer_304_without_building_the_file(client, site, extension):
    url = f"/activiteiten/export.{extension}?status=loopt"
    first = client.get(url)
    b"".join(first.streaming_content) if first.streaming else first.content

    response, queries, _ = get(client, url + "&utm_source=x", if_none_match=first["ETag"])

    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')  # a file says when it was made: weak
    assert first["Cache-Control"].startswith("public, max-age=")
    assert first.has_header("Last-Modified")
    assert (response.status_code, queries) == (304, 0)


def test_a_download_of_new_data_has_a_new_validator(client, site):
    before = client.get("/activiteiten/export.csv")
    b"".join(before.streaming_content)
    Activity.objects.get(pk=site.activities[0].pk).save()

    after = client.get("/activiteiten/export.csv", headers={"if_none_match": before["ETag"]})

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
