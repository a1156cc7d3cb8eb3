"""The overview and the action line pages."""

import re

import pytest

from measures.selectors import progress_overview
from tests.factories import make_activity
from tests.public_site import make_public_site


@pytest.fixture
def site(db):
    site = make_public_site()
    line, other = site.action_lines[0], site.action_lines[1]
    for code in ["loopt", "loopt", "afgerond"]:
        make_activity(action_line=line, status=site.statuses[code])
    make_activity(action_line=other, status=site.statuses["vertraagd"])
    make_activity(action_line=other, status=site.statuses["loopt"], is_public=False)
    return site


def test_the_overview_counts_public_activities_per_status_and_per_line(site):
    overview = progress_overview()

    totals = {row.status.code: row.count for row in overview.totals.counts}
    assert overview.totals.total == 4
    assert totals == {
        "nog-niet-gestart": 0,
        "loopt": 2,
        "vertraagd": 1,
        "afgerond": 1,
        "doorlopend": 0,
        "niet-voortgezet": 0,
    }
    first = overview.action_lines[0].breakdown
    assert [(row.count, round(row.share, 1), round(row.offset, 1)) for row in first.counts] == [
        (0, 0.0, 0.0),
        (2, 66.7, 0.0),
        (0, 0.0, 66.7),
        (1, 33.3, 66.7),
        (0, 0.0, 100.0),
        (0, 0.0, 100.0),
    ]
    assert overview.action_lines[2].breakdown.total == 0


def test_the_overview_page_says_what_the_nap_is_and_how_far_it_is(client, site):
    html = client.get("/").text

    assert "<h1>Voortgang van het Nationaal Actieprogramma</h1>" in html
    assert "Alle activiteiten: 4</h2>" in html
    # The numbers as text, each linking to the filtered list...
    assert 'href="/activiteiten/?status=loopt">Loopt: <strong>2</strong></a>' in html
    assert (
        'href="/activiteiten/?actielijn=1&amp;status=afgerond">Afgerond: <strong>1</strong>' in html
    )
    # ...and the bar itself is hidden from screen readers, which get the text and the table.
    assert '<svg class="breakdown__bar" aria-hidden="true"' in html
    assert 'width="66.66666666666667"' in html  # never a decimal comma in SVG


def test_the_overview_has_a_table_equivalent_of_the_charts(client, site):
    html = client.get("/").text
    table = html[html.index("<table") : html.index("</table>")]

    assert "<caption" in table
    assert table.count('<th scope="col"') == 8  # action line, six statuses, total
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", table, re.S)
    assert len(rows) == 4  # three lines and the total
    assert re.findall(r'<td class="numeric">(\d+)</td>', rows[0]) == [
        "0",
        "2",
        "0",
        "1",
        "0",
        "0",
        "3",
    ]


def test_the_overview_offers_a_search(client, site):
    html = client.get("/").text

    assert re.search(
        r'<form class="search-form" role="search" method="get" action="/activiteiten/"', html
    )


def test_an_action_line_page_shows_its_breakdown_and_its_activities(client, site):
    response = client.get("/actielijnen/2/")
    html = response.text

    assert response.status_code == 200
    assert "Actielijn 2</span> Wet- en regelgeving weerspiegelen de normen</h1>" in html
    assert "Activiteiten (1)</h2>" in html
    assert 'href="/activiteiten/?actielijn=2">Filter of doorzoek deze activiteiten</a>' in html
    assert response.context["breakdown"].total == 1


def test_an_action_line_without_activities_says_so(client, site):
    html = client.get("/actielijnen/3/").text

    assert "Onder deze actielijn zijn nog geen activiteiten gepubliceerd." in html


def test_an_unknown_action_line_is_not_found(client, site):
    response = client.get("/actielijnen/9/")

    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.text
