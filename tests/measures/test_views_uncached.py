"""What an uncached list page still asks the database, and that what it keeps per data version
follows every change.

These tests commit for real (transactional_db): values kept per data version are only kept
outside a transaction, and the version changes only after a commit.
"""

import re
from html import unescape

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures.models import Actor
from tests.factories import make_activity, make_status
from tests.public_site import make_public_site

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("empty_caches")]


@pytest.fixture
def site():
    return make_public_site(activities=30)


def get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, len(queries)


def checkboxes(response, name: str) -> list[tuple[str, bool, str]]:
    """Each checkbox of a filter as rendered: its value, whether it is checked, its label."""
    found = re.findall(
        rf'<input type="checkbox" name="{name}" value="([^"]*)" id="(id_{name}_\d+)"( checked)?>'
        r'<label for="(id_\w+)">([^<]*)</label>',
        response.content.decode(),
    )
    assert all(input_id == label_for for _, input_id, _, label_for, _ in found)
    return [(value, bool(checked), unescape(label)) for value, _, checked, _, label in found]


def card_titles(response) -> list[str]:
    return re.findall(r'activity-card__title"><a href="[^"]*">([^<]*)<', response.text)


def test_a_new_filtered_page_reads_only_the_rows_of_cards_not_shown_before(client, site):
    # The site's dates, the checkbox choices and the known filter values: once per version.
    get(client, "/activiteiten/?actielijn=2&status=vertraagd&wie=SZW")

    first, queries = get(client, "/activiteiten/?actielijn=1&status=loopt&wie=OCW&page=1")
    # The selection's count, its page's keys, and the rows and actors of its cards: no query
    # to check that actielijn 1, "loopt" and OCW exist.
    assert queries == 4
    assert "Maatregelen nummer 0" in card_titles(first)

    # The same activities in another order: a new address, and cards the first page rendered.
    again, queries = get(client, "/activiteiten/?actielijn=1&status=loopt&wie=OCW&sort=titel")
    assert queries == 2  # the count and the keys
    assert sorted(card_titles(again)) == sorted(card_titles(first))
    assert card_titles(again) != card_titles(first)


def test_a_search_adds_its_excerpts_to_cards_other_pages_rendered(client, site):
    listed, _ = get(client, "/activiteiten/")

    found, queries = get(client, "/activiteiten/?q=maatregel&sort=actielijn")

    # The count, and the keys with their excerpts (PostgreSQL first asks whether the words are
    # all stop words, see measures.models.only_stop_words).
    assert queries == 2 + (connection.vendor == "postgresql")
    assert card_titles(found) == card_titles(listed)
    excerpts = re.findall(r"<p class=\"activity-card__excerpt\">(.*?)</p>", found.text, re.S)
    assert len(excerpts) == len(card_titles(found))
    assert all("<mark>" in excerpt.lower() for excerpt in excerpts)
    assert "activity-card__excerpt" not in listed.text


def test_a_new_status_is_a_filter_choice_on_the_next_page(client, site):
    get(client, "/activiteiten/?status=loopt")
    assert client.get("/activiteiten/?status=gepauzeerd").status_code == 400

    paused = make_status("gepauzeerd", label="Gepauzeerd")
    make_activity(action_line=site.action_lines[0], status=paused, title="Even stil")

    response, _ = get(client, "/activiteiten/?status=gepauzeerd&page=1")
    assert card_titles(response) == ["Even stil"]
    assert ("gepauzeerd", True, "Gepauzeerd") in checkboxes(response, "status")


def test_a_renamed_actor_shows_in_the_form_chips_and_cards_on_the_next_page(client, site):
    before, _ = get(client, "/activiteiten/?wie=OCW")
    assert ("OCW", True, "OCW – Ministerie van Onderwijs, Cultuur en Wetenschap") in checkboxes(
        before, "wie"
    )

    Actor.objects.filter(code="OCW").update(name="Ministerie van OCW")
    ocw = Actor.objects.get(code="OCW")
    ocw.save()  # a committed change through the model: the data version changes

    after, _ = get(client, "/activiteiten/?wie=OCW&page=1")
    assert ("OCW", True, "OCW – Ministerie van OCW") in checkboxes(after, "wie")
    assert ("SZW", False, "SZW – Ministerie van Sociale Zaken en Werkgelegenheid") in (
        checkboxes(after, "wie")
    )
    assert '<span class="chip__label">Wie:</span> OCW – Ministerie van OCW<' in after.text
    assert '<abbr title="Ministerie van OCW">OCW</abbr>' in after.text


def test_a_fragments_cache_that_is_down_costs_a_render_never_the_page(client, site, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(caches["fragments"], "get_many", down)
    monkeypatch.setattr(caches["fragments"], "set_many", down)

    response, _ = get(client, "/activiteiten/?status=loopt")

    count = int(re.search(r'id="resultaten-kop"[^>]*>(\d+) activiteiten<', response.text)[1])
    assert 0 < count == len(card_titles(response))
    assert "Maatregelen nummer 1" in card_titles(response)


def test_the_header_kept_per_section_marks_each_page_in_the_menu(client, site, settings):
    def current(url) -> list[str]:
        response, _ = get(client, url)
        return re.findall(r'<li><a href="[^"]*" aria-current="(\w+)">(\w+)</a></li>', response.text)

    assert current("/activiteiten/") == [("page", "Activiteiten")]
    assert current("/statussen/") == [("page", "Statussen")]
    assert current(f"/activiteiten/{site.activities[0].slug}/") == [("true", "Activiteiten")]
    assert current("/activiteiten/?status=loopt") == [("page", "Activiteiten")]

    settings.NAP_SITE_CONTACT_EMAIL = "nap@example.org"
    response, _ = get(client, "/activiteiten/?status=afgerond")
    assert '<a href="mailto:nap@example.org">nap@example.org</a>' in response.text
