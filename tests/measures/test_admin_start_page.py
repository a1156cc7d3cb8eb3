"""The admin start page tells editors which of their activities need attention."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import Activity
from tests.factories import make_activity
from tests.measures.editors import CHANGELIST_URL, make_coordinator, make_staff_member

INDEX_URL = reverse("admin:index")


@pytest.fixture
def activities(action_line, status, closed_status, ocw, szw):
    long_ago = timezone.now() - datetime.timedelta(days=400)
    return {
        "overdue": make_activity(
            action_line=action_line, status=status, actors=(ocw,), timeframe_label="2020"
        ),
        "stale": make_activity(
            action_line=action_line,
            status=status,
            actors=(ocw,),
            timeframe_label="Vanaf 2024",  # open-ended: never overdue, whatever today is
            updated_at=long_ago,
        ),
        "closed": make_activity(
            action_line=action_line, status=closed_status, actors=(ocw,), timeframe_label="2020"
        ),
        "fine": make_activity(
            action_line=action_line, status=status, actors=(ocw,), timeframe_label="Vanaf 2024"
        ),
        "other": make_activity(
            action_line=action_line,
            status=status,
            actors=(szw,),
            timeframe_label="2019",
            updated_at=long_ago,
        ),
    }


def panel(response) -> str:
    html = response.content.decode()
    return re.search(r'<section class="module" id="mijn-activiteiten".*?</section>', html, re.S)[0]


def links(panel_html) -> dict[str, str]:
    return {
        re.sub(r"\s+", " ", text).strip(): href
        for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', panel_html)
    }


def test_staff_see_their_own_counts_each_linking_to_the_filtered_list(client, activities, ocw):
    client.force_login(make_staff_member(ocw))

    found = links(panel(client.get(INDEX_URL)))

    assert found["4 activiteiten"] == CHANGELIST_URL
    assert found["1 achterstallig"] == f"{CHANGELIST_URL}?aandacht=achterstallig"
    assert found["1 niet bijgewerkt"] == f"{CHANGELIST_URL}?aandacht=verouderd"
    assert "sjabloon downloaden" in found
    assert "ingevuld sjabloon importeren" in found


@pytest.mark.parametrize(
    ("filter_value", "expected"), [("achterstallig", "overdue"), ("verouderd", "stale")]
)
def test_following_a_count_shows_exactly_those_activities(
    client, activities, ocw, filter_value, expected
):
    client.force_login(make_staff_member(ocw))

    response = client.get(CHANGELIST_URL, {"aandacht": filter_value})

    shown = set(response.context["cl"].result_list)
    assert shown == {activities[expected]}


def test_coordinators_see_counts_for_all_activities(client, activities):
    client.force_login(make_coordinator())

    text = panel(client.get(INDEX_URL))

    assert "U mag alle activiteiten bijwerken." in text
    assert "5 activiteiten" in text
    assert "2 achterstallig" in text
    assert "2 niet bijgewerkt" in text


def test_the_stale_threshold_follows_the_setting(client, activities, ocw, settings):
    settings.NAP_STALE_AFTER_DAYS = 500
    client.force_login(make_staff_member(ocw))

    text = panel(client.get(INDEX_URL))

    assert "0 niet bijgewerkt" in text
    assert "500 dagen" in text
    assert Activity.objects.stale().count() == 0


def test_staff_without_a_ministry_are_told_whom_to_ask(client, activities):
    client.force_login(make_staff_member())

    text = panel(client.get(INDEX_URL))

    assert "Vraag een coördinator" in text
    assert "0 activiteiten" in text


def test_the_panel_names_the_ministries_the_user_works_for(client, activities, ocw, szw):
    client.force_login(make_staff_member(ocw, szw))

    text = panel(client.get(INDEX_URL))

    assert '<abbr title="Ministerie van Onderwijs, Cultuur en Wetenschap">OCW</abbr> en' in text
