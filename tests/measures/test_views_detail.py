"""One activity's page, and its dated status history."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from measures.models import Footnote
from measures.selectors import status_history
from tests.factories import make_activity, make_status


@pytest.fixture
def delayed(db):
    return make_status("vertraagd", label="Vertraagd", icon="!", colour="#e17000")


@pytest.fixture
def activity(action_line, status, ocw, szw):
    activity = make_activity(
        action_line=action_line,
        status=status,
        actors=(szw, ocw),
        title="Publiekscampagne",
        timeframe_label="Q1 en Q3 2024",
        explanation="De campagne loopt.[^1]\n\n- op televisie\n- online[^2]",
        deviates_from_plan=True,
    )
    Footnote.objects.create(
        activity=activity,
        number=1,
        position=1,
        text="Kamerstukken II, nr. 1",
        url="https://example.org/kst-1",
    )
    Footnote.objects.create(activity=activity, number=2, position=2, text="Brief <b>van</b> OCW")
    activity.history.update(history_date=timezone.make_aware(datetime.datetime(2023, 1, 10)))
    return activity


def change_status(activity, status, when: datetime.datetime, user=None):
    activity.status = status
    activity._history_date = when
    activity._history_user = user
    activity.save()


def test_the_page_shows_what_the_report_prints(client, activity):
    response = client.get("/activiteiten/" + activity.slug + "/")
    html = response.text

    assert response.status_code == 200
    assert "<h1>Publiekscampagne</h1>" in html
    assert (
        'href="/actielijnen/1/">1. Er zijn gedeelde maatschappelijke waarden en normen</a>' in html
    )
    assert "Q1 en Q3 2024" in html
    assert "Wijkt af van de planning" in html
    assert "Definitie van loopt." in html  # the status definition, next to the badge
    # Actors in printed order, each linking to its own page.
    szw = html.index('href="/wie/SZW/"')
    ocw = html.index('href="/wie/OCW/"')
    assert szw < ocw


def test_the_status_badge_is_text_and_symbol_and_links_to_its_definition(client, activity):
    activity.status.icon = "▶"
    activity.status.save()

    html = client.get(activity.get_absolute_url()).text

    badge = re.search(r'<a class="status-badge" href="/statussen/#status-loopt">.*?</a>', html)
    assert badge
    assert '<span class="status-badge__icon" aria-hidden="true">▶</span>' in badge.group()
    assert '<span class="visually-hidden">Status: </span>Loopt' in badge.group()


def test_the_explanation_is_rendered_with_footnotes_linked_and_listed(client, activity):
    html = client.get(activity.get_absolute_url()).text

    assert "<p>De campagne loopt.<sup" in html
    assert "<ul><li>op televisie</li><li>online<sup" in html
    assert '<li id="voetnoot-1" value="1">' in html
    assert '<a class="footnote-link" href="https://example.org/kst-1">' in html
    assert "Brief &lt;b&gt;van&lt;/b&gt; OCW" in html


def test_the_last_update_is_shown(client, activity):
    activity.updated_at = timezone.make_aware(datetime.datetime(2025, 3, 12, 10, 0))
    activity.save()

    html = client.get(activity.get_absolute_url()).text

    assert '<time datetime="2025-03-12">12 maart 2025</time>' in html


def test_the_status_history_lists_dated_changes_and_no_names(client, activity, delayed, status):
    editor = get_user_model().objects.create_user("pietje.puk", first_name="Pietje")
    change_status(activity, delayed, timezone.make_aware(datetime.datetime(2024, 5, 1)), editor)
    activity.explanation = "Alleen de tekst verandert."
    activity._history_user = editor
    activity.save()  # no status change: no history entry
    change_status(activity, status, timezone.make_aware(datetime.datetime(2025, 2, 3)), editor)

    history = status_history(activity)
    html = client.get(activity.get_absolute_url()).text

    assert [(c.date, c.previous and c.previous.code, c.status.code) for c in history] == [
        (datetime.date(2023, 1, 10), None, "loopt"),
        (datetime.date(2024, 5, 1), "loopt", "vertraagd"),
        (datetime.date(2025, 2, 3), "vertraagd", "loopt"),
    ]
    section = html[html.index("Statusgeschiedenis") :]
    assert section.index("3 februari 2025") < section.index("1 mei 2024")  # newest first
    assert "pietje" not in html.lower()


def test_without_history_the_page_says_so(client, activity):
    activity.history.all().delete()

    html = client.get(activity.get_absolute_url()).text

    assert "Er zijn nog geen statuswijzigingen vastgelegd." in html


def test_the_history_takes_one_query_however_long_it_is(
    activity, delayed, status, django_assert_num_queries
):
    for day in range(1, 21):
        new = delayed if day % 2 else status
        change_status(activity, new, timezone.make_aware(datetime.datetime(2024, 1, day)))

    with django_assert_num_queries(1):
        changes = status_history(activity)
        labels = [change.status.label for change in changes]

    assert len(labels) == 21


def test_a_hidden_activity_is_not_found(client, activity):
    activity.is_public = False
    activity.save()

    response = client.get(activity.get_absolute_url())

    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.text
