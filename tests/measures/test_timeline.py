"""The timeline: every public activity's Wanneer per action line, with its status."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting.rounds.models import RoundState, UpdateRound
from tests.factories import make_action_line, make_activity
from tests.public_site import make_public_site


def rows(page: str) -> dict[str, str]:
    """Per table row: the activity's title and the row's visible text."""
    result = {}
    for row in page.split("<tbody>", 1)[1].split("<tr>")[1:] if "<tbody>" in page else []:
        title = re.search(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', row).group(1)
        result[title] = re.sub(r"<[^>]+>", " ", row)
    return result


@pytest.fixture
def timeline_data(action_line, status, closed_status):
    UpdateRound.objects.create(
        title="Uitvraag",
        reference_date=datetime.date(2025, 4, 15),
        deadline=datetime.date(2025, 5, 1),
        state=RoundState.CLOSED,
    )
    return [
        make_activity(
            action_line=action_line, status=status, title="Te laat", timeframe_label="2024"
        ),
        make_activity(
            action_line=action_line, status=closed_status, title="Klaar", timeframe_label="Q1 2024"
        ),
        make_activity(
            action_line=action_line, status=status, title="Open einde", timeframe_label="Vanaf 2023"
        ),
        make_activity(
            action_line=action_line, status=status, title="Onbekend", timeframe_label="ooit"
        ),
        make_activity(action_line=action_line, status=status, title="Geheim", is_public=False),
    ]


def test_the_timeline_shows_each_public_activity_with_its_status_and_wanneer(client, timeline_data):
    response = client.get("/tijdlijn/")

    assert response.status_code == 200
    page = response.text
    assert "<h1>Tijdlijn: wanneer loopt welke activiteit?</h1>" in page
    assert 'peildatum (<time datetime="2025-04-15">15 april 2025</time>)' in page
    table = page.split('<caption id="tijdlijn-1">', 1)[1]
    found = rows(table)
    assert list(found) == ["Te laat", "Klaar", "Open einde", "Onbekend"]
    assert "Status:  Loopt" in found["Te laat"] and "Planning verstreken" in found["Te laat"]
    assert "Status:  Afgerond" in found["Klaar"] and "Planning verstreken" not in found["Klaar"]
    assert "Vanaf 2023 (open einde)" in found["Open einde"]
    assert "ooit (niet op de tijdlijn te plaatsen)" in found["Onbekend"]
    # Each placed activity gets a bar in its status's colour; the unplaceable one none.
    assert page.count('<rect x="') == 3


def test_bars_run_from_the_first_to_the_last_quarter(client, action_line, status):
    make_activity(
        action_line=action_line, status=status, title="Kwartalen", timeframe_label="Q2 2024-Q3 2025"
    )
    make_activity(
        action_line=action_line, status=status, title="Jaren", timeframe_label="2024-2025"
    )
    today = datetime.date.today()
    quarters = (today.year - 2024 + 1) * 4  # from 2024 up to and including this year

    page = client.get("/tijdlijn/").text

    width = 1000 / quarters
    bars = re.findall(r'<rect x="([\d.]+)" y="4" width="([\d.]+)"', page)
    assert [(round(float(x), 3), round(float(w), 3)) for x, w in bars] == [
        (round(width, 3), round(6 * width, 3)),
        (0.0, round(8 * width, 3)),
    ]


def test_the_timeline_runs_the_same_queries_at_10_and_60_activities(client, db):
    site = make_public_site(activities=10)
    make_action_line(4)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/tijdlijn/").status_code == 200

    site.add_activities(50)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/tijdlijn/").status_code == 200

    assert len(many) == len(few)
