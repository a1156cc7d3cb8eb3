"""A page per ministry or other actor: /wie/<code>/."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting.rounds.models import RoundState, UpdateRound
from tests.factories import make_activity, make_actor, make_status
from tests.public_site import make_public_site


@pytest.fixture
def ministry_data(action_line, status, closed_status, ocw, szw):
    UpdateRound.objects.create(
        title="Uitvraag",
        reference_date=datetime.date(2025, 4, 15),
        deadline=datetime.date(2025, 5, 1),
        state=RoundState.CLOSED,
    )
    delayed = make_status("vertraagd", label="Vertraagd", icon="!")
    return {
        "late": make_activity(
            action_line=action_line,
            status=status,
            actors=(ocw,),
            title="Te laat",
            timeframe_label="2024",
        ),
        "delayed": make_activity(
            action_line=action_line,
            status=delayed,
            actors=(szw, ocw),
            title="Later",
            timeframe_label="2025-2026",
        ),
        "done": make_activity(
            action_line=action_line,
            status=closed_status,
            actors=(ocw,),
            title="Klaar",
            timeframe_label="2024",
        ),
        "other": make_activity(
            action_line=action_line,
            status=status,
            actors=(szw,),
            title="Van SZW",
            timeframe_label="2024",
        ),
        "hidden": make_activity(
            action_line=action_line, status=status, actors=(ocw,), title="Geheim", is_public=False
        ),
    }


def test_the_actor_page_spells_out_the_name_and_counts_its_public_activities(client, ministry_data):
    response = client.get("/wie/OCW/")

    assert response.status_code == 200
    page = response.text
    assert '<abbr title="Ministerie van Onderwijs, Cultuur en Wetenschap">OCW</abbr>' in page
    assert "Ministerie van Onderwijs, Cultuur en Wetenschap</h1>" in page
    assert "Stand van zaken: 3 activiteiten" in page
    assert "Loopt: <strong>1</strong>" in page
    assert "Vertraagd: <strong>1</strong>" in page
    assert "Afgerond: <strong>1</strong>" in page
    assert "?wie=OCW&amp;status=loopt" in page  # the breakdown narrows to this actor
    assert "1 activiteit met planning verstreken" in page
    titles = [
        part.split("</a>")[0].rsplit(">", 1)[1]
        for part in page.split('class="activity-card__title"')[1:]
    ]
    assert titles == ["Te laat", "Later", "Klaar"]


def test_an_unknown_actor_is_a_dutch_404(client, db):
    response = client.get("/wie/XYZ/")

    assert response.status_code == 404
    assert "niet gevonden" in response.text.lower()


def test_actor_codes_link_to_their_page_and_are_spelled_out(client, ministry_data):
    late = ministry_data["late"]
    name = "Ministerie van Onderwijs, Cultuur en Wetenschap"
    spelled_out = f'<a href="/wie/OCW/"><abbr title="{name}">OCW</abbr></a>'

    assert spelled_out in client.get("/activiteiten/").text
    assert spelled_out in client.get("/actielijnen/1/").text
    assert '<a href="/wie/OCW/">Ministerie van Onderwijs, Cultuur en Wetenschap (OCW)</a>' in (
        client.get(late.get_absolute_url()).text
    )


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_actor_page_runs_the_same_queries_at_10_and_60_activities(client, db):
    site = make_public_site(activities=10)
    few = queries_for(client, "/wie/OCW/")

    site.add_activities(50)
    make_actor("STAR", name="Stichting van de Arbeid")

    assert queries_for(client, "/wie/OCW/") == few
