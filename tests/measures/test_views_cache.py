"""The public page cache: fast when nothing changed, and never stale after a change.

These tests commit for real (transactional_db): the data version changes only after a commit.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures.models import Footnote
from measures.page_cache import VERSION_KEY, data_version
from tests.factories import make_activity, make_status
from tests.public_site import make_public_site

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_caches")]


@pytest.fixture
def site():
    return make_public_site(activities=3)


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/actielijnen/1/",
        "/activiteiten/",
        "/activiteiten/?status=loopt",
        "/statussen/",
        "/toegankelijkheid/",
    ],
)
def test_a_repeated_request_is_served_from_the_cache_without_queries(client, site, url):
    first, first_queries = get(client, url)
    second, second_queries = get(client, url)

    assert first_queries >= 1  # every page shows the peildatum
    assert second_queries == 0
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == "text/html; charset=utf-8"


def test_the_query_string_is_part_of_the_key(client, site):
    everything, _ = get(client, "/activiteiten/")
    filtered, _ = get(client, "/activiteiten/?status=afgerond")

    assert everything.content != filtered.content


def test_an_admin_edit_shows_on_the_public_site_at_once(client, admin_client, site):
    activity = site.activities[1]
    delayed = site.statuses["vertraagd"]
    detail = activity.get_absolute_url()
    assert "Vertraagd" not in get(client, detail)[0].text.split("Statusgeschiedenis")[0]
    get(client, "/")  # cached too

    url = reverse("admin:measures_activity_change", args=[activity.pk])
    response = admin_client.post(url, admin_form_data(admin_client, url, status=delayed.pk))

    assert response.status_code == 302
    page, queries = get(client, detail)
    assert queries > 1  # rendered afresh
    assert '<span class="visually-hidden">Status: </span>Vertraagd' in page.text
    overview = get(client, "/")[0].text
    assert 'status=vertraagd">Vertraagd: <strong>2</strong>' in overview


def test_editing_a_status_definition_shows_at_once(client, site):
    get(client, "/statussen/")
    status = site.statuses["loopt"]

    status.definition = "Nieuwe uitleg van lopen."
    status.save()

    assert "Nieuwe uitleg van lopen." in get(client, "/statussen/")[0].text


def test_removing_a_footnote_or_an_actor_shows_at_once(client, site):
    activity = site.activities[2]
    url = activity.get_absolute_url()
    assert 'id="voetnoot-2"' in get(client, url)[0].text

    Footnote.objects.filter(activity=activity, number=2).delete()
    activity.actors.remove(site.actors[2])

    html = get(client, url)[0].text
    assert 'id="voetnoot-2"' not in html
    assert "?wie=JenV" not in html


def test_a_new_activity_appears_where_a_404_was_before(client, site):
    assert get(client, "/activiteiten/nieuw/")[0].status_code == 404

    make_activity(action_line=site.action_lines[0], status=site.statuses["loopt"], slug="nieuw")

    assert get(client, "/activiteiten/nieuw/")[0].status_code == 200


def test_the_version_changes_only_when_a_change_is_committed(site):
    before = data_version()

    with transaction.atomic():
        make_status("gepauzeerd")
        assert data_version() == before  # not yet: other requests cannot see the change
    assert data_version() != before

    committed = data_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_status("teruggedraaid")
        raise RuntimeError
    assert data_version() == committed


def test_every_process_sees_a_new_version_at_once(site):
    """gunicorn workers, the admin and management commands are separate processes."""
    before = data_version()
    bump = (
        "import django; django.setup(); from measures.page_cache import bump_data_version as b; b()"
    )

    subprocess.run(  # noqa: S603 - a fixed command: this Python, this project
        [sys.executable, "-c", bump],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "napsite.settings"},
        check=True,
    )

    assert data_version() != before


def test_a_page_rendered_by_one_process_is_served_to_the_others(client, site):
    """One render serves every gunicorn worker (and, with Redis, every instance)."""
    rendered, queries = get(client, "/activiteiten/?status=loopt")
    assert queries > 0
    # Counting with a wrapper, which (unlike CaptureQueriesContext) opens no connection: the
    # other process has no test database and must not need one.
    fetch = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "from django.test import Client\n"
        "queries = []\n"
        "def count(execute, *args): queries.append(args[0]); return execute(*args)\n"
        "with connection.execute_wrapper(count):\n"
        "    response = Client().get('/activiteiten/?utm_source=x&status=loopt')\n"
        "print(response.status_code, len(queries), len(response.content))"
    )

    other = subprocess.run(  # noqa: S603 - a fixed command: this Python, this project
        [sys.executable, "-c", fetch],
        cwd=Path(__file__).resolve().parents[2],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "napsite.settings",
            "DJANGO_ALLOWED_HOSTS": "testserver",
        },
        capture_output=True,
        text=True,
        check=True,
    )

    assert other.stdout.split() == ["200", "0", str(len(rendered.content))]


def test_a_lost_version_becomes_a_new_one_never_an_old_one(client, site):
    stale = get(client, "/statussen/")[0].content
    caches["shared"].delete(VERSION_KEY)
    site.statuses["loopt"].definition = "Gewijzigd terwijl de versie kwijt was."
    site.statuses["loopt"].save()
    caches["shared"].delete(VERSION_KEY)  # as if the change's bump was lost as well

    fresh = get(client, "/statussen/")[0].content

    assert fresh != stale
    assert b"Gewijzigd terwijl de versie kwijt was." in fresh


def test_pages_shown_inside_a_transaction_are_never_cached(client, site):
    with transaction.atomic():
        get(client, "/")
        _, queries = get(client, "/")

    assert queries > 1


def admin_form_data(admin_client, url, **changes) -> dict:
    """What the admin's change form would post back, with some fields changed."""
    response = admin_client.get(url)
    data = {}
    forms = [response.context["adminform"].form] + [
        form
        for formset in response.context["inline_admin_formsets"]
        for form in formset.formset.forms
    ]
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or getattr(field, "disabled", False):
                continue
            if isinstance(value, bool) and not value:
                continue
            data[form.add_prefix(name)] = value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    data.update(changes)
    return data
