"""The public list of activities: filters, search, chips, sorting, paging, and junk input."""

import re
from html import unescape

import pytest
from django.db import connection

from tests.factories import make_action_line, make_activity, make_actor
from tests.public_site import make_public_site


@pytest.fixture
def site(db):
    return make_public_site(activities=0)


def titles(response) -> list[str]:
    html = response.content.decode()
    return [
        unescape(t) for t in re.findall(r'activity-card__title"><a href="[^"]*">([^<]*)<', html)
    ]


def test_the_list_shows_every_public_activity_with_a_live_count(client, site):
    site.add_activities(3)
    make_activity(
        action_line=site.action_lines[0],
        status=site.statuses["loopt"],
        title="Geheim concept",
        is_public=False,
    )

    response = client.get("/activiteiten/")

    assert response.status_code == 200
    assert titles(response) == [
        "Maatregelen nummer 0",
        "Maatregelen nummer 1",
        "Maatregelen nummer 2",
    ]
    assert "<title>3 activiteiten – Activiteiten" in response.text
    heading = '<h2 id="resultaten-kop" class="results-count" tabindex="-1">3 activiteiten</h2>'
    assert heading in response.text


def test_one_result_is_counted_in_the_singular(client, site):
    site.add_activities(1)

    assert ">1 activiteit</h2>" in client.get("/activiteiten/").text


def test_filters_combine_and_each_shows_as_a_removable_chip(client, site):
    ocw = site.actors[0]
    wanted = make_activity(
        action_line=site.action_lines[1],
        status=site.statuses["loopt"],
        actors=(ocw,),
        timeframe_label="2024-2025",
        title="Gezocht",
    )
    make_activity(
        action_line=site.action_lines[1],
        status=site.statuses["afgerond"],
        actors=(ocw,),
        timeframe_label="2024-2025",
        title="Andere status",
    )
    make_activity(
        action_line=site.action_lines[0],
        status=site.statuses["loopt"],
        actors=(ocw,),
        timeframe_label="2024-2025",
        title="Andere actielijn",
    )

    response = client.get("/activiteiten/?actielijn=2&status=loopt&wie=OCW&jaar=2024")

    assert titles(response) == [wanted.title]
    chips = response.context["active_filters"]
    assert [(chip.label, chip.value) for chip in chips] == [
        ("Actielijn", "2. Wet- en regelgeving weerspiegelen de normen"),
        ("Status", "Loopt"),
        ("Wie", "OCW – Ministerie van Onderwijs, Cultuur en Wetenschap"),
        ("Jaar", "2024"),
    ]
    # Removing a chip keeps every other filter (in the page's normalised, alphabetical order).
    assert chips[1].remove_query == "actielijn=2&jaar=2024&wie=OCW"
    assert 'href="/activiteiten/">Wis alle filters</a>' in response.text


def test_removing_one_of_two_values_keeps_the_other(client, site):
    response = client.get("/activiteiten/?status=loopt&status=afgerond&page=2")

    chips = response.context["active_filters"]

    assert [chip.remove_query for chip in chips] == ["status=afgerond", "status=loopt"]


def test_the_form_shows_the_chosen_filters_so_the_state_survives_a_reload(client, site):
    response = client.get("/activiteiten/?status=vertraagd&jaar=2025&q=monitor")
    html = response.text

    assert re.search(r'<input type="checkbox" name="status" value="vertraagd"[^>]*checked', html)
    assert 'name="jaar" id="id_jaar" value="2025"' in html
    assert 'name="q" id="id_q" value="monitor"' in html


def test_a_search_is_ranked_and_the_sort_menu_says_so(client, site):
    line, status = site.action_lines[0], site.statuses["loopt"]
    make_activity(
        action_line=line, status=status, title="Monitor", explanation="Over een campagne."
    )
    make_activity(action_line=line, status=status, title="Campagne", explanation="Landelijk.")

    response = client.get("/activiteiten/?q=campagne")

    assert titles(response) == ["Campagne", "Monitor"]  # title matches rank first
    assert '<option value="relevantie" selected>' in response.text


def test_sorting_by_title(client, site):
    line, status = site.action_lines[0], site.statuses["loopt"]
    make_activity(action_line=line, status=status, title="Zorg")
    make_activity(action_line=line, status=status, title="Aanpak")

    assert titles(client.get("/activiteiten/?sort=titel")) == ["Aanpak", "Zorg"]
    assert titles(client.get("/activiteiten/")) == ["Zorg", "Aanpak"]  # report order


def test_the_list_is_paged_and_keeps_the_filters_in_the_page_links(client, site):
    site.add_activities(30)

    first = client.get(
        "/activiteiten/?status=loopt&status=vertraagd&status=afgerond"
        "&status=doorlopend&status=nog-niet-gestart&status=niet-voortgezet"
    )
    second = client.get("/activiteiten/?page=2")

    assert len(titles(first)) == 25
    assert 'href="?status=loopt&amp;status=vertraagd' in first.text
    assert "page=2" in first.text
    assert len(titles(second)) == 5
    assert ">30 activiteiten</h2>" in second.text


def test_the_download_links_point_at_the_exports_with_the_same_filters(client, site):
    response = client.get("/activiteiten/?status=loopt&q=zorg&page=2")

    for extension in ("csv", "xlsx", "json"):
        assert f'href="/activiteiten/export.{extension}?q=zorg&amp;status=loopt"' in response.text


def test_an_empty_result_says_so_and_offers_a_way_back(client, site):
    site.add_activities(2)

    response = client.get("/activiteiten/?q=onvindbaarwoord")

    assert ">0 activiteiten</h2>" in response.text
    assert "Geen activiteiten gevonden met deze filters." in response.text


def test_invalid_filters_answer_400_with_dutch_errors_naming_each_value(client, site):
    site.add_activities(2)

    response = client.get(
        "/activiteiten/?jaar=abc&status=nope&actielijn=9&wie=XYZ&sort=pk&q=" + "x" * 201
    )

    assert response.status_code == 400
    assert "De filters kloppen niet" in response.text
    assert titles(response) == []
    summary = re.findall(r'<li><a href="(#[^"]+)">([^<]*)</a></li>', unescape(response.text))
    assert summary == [
        (
            "#id_actielijn_0",
            "Actielijn: „9” is geen bekende actielijn. Kies een actielijn uit de lijst.",
        ),
        ("#id_status_0", "Status: „nope” is geen bekende status. Kies een status uit de lijst."),
        (
            "#id_wie_0",
            "Wie: „XYZ” is geen bekend ministerie of bekende organisatie. "
            "Kies er een uit de lijst.",
        ),
        ("#id_jaar", "Jaar: „abc” is geen jaartal. Vul een jaar in, bijvoorbeeld 2025."),
        ("#id_q", "Zoeken: De zoektekst is te lang (201 tekens). Gebruik er hoogstens 200."),
        (
            "#id_sort",
            "Sorteren op: „pk” is geen manier van sorteren. Kies een volgorde uit de lijst.",
        ),
    ]
    assert "geldige keuze" not in response.text
    # The filter form is still there, with every choice, to put it right.
    assert '<form id="filters"' in response.text
    assert re.search(r'<input type="checkbox" name="status" value="loopt"', response.text)
    assert 'name="jaar" id="id_jaar" value="abc"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "<title>Fout in de filters – Activiteiten" in response.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("jaar=1999", "Jaar: 1999 ligt te ver terug. Kies 2000 of later."),
        ("jaar=2101", "Jaar: 2101 ligt te ver vooruit. Kies 2100 of eerder."),
        (
            "actielijn=x",
            "Actielijn: „x” is geen bekende actielijn. Kies een actielijn uit de lijst.",
        ),
    ],
)
def test_out_of_range_filters_say_what_is_allowed(client, site, query, message):
    response = client.get(f"/activiteiten/?{query}")

    assert response.status_code == 400
    assert message in unescape(response.text)


@pytest.fixture
def distinct_activities(site):
    """Activities that every filter tells apart: each filter below excludes at least one."""
    ocw, szw, jenv = site.actors
    line_1, line_2, _ = site.action_lines
    make_activity(
        action_line=line_1,
        status=site.statuses["loopt"],
        actors=(ocw,),
        timeframe_label="2023-2024",
        title="Voorlichtingscampagne",
        explanation="Een campagne op scholen.",
    )
    make_activity(
        action_line=line_2,
        status=site.statuses["afgerond"],
        actors=(szw,),
        timeframe_label="2025-2026",
        title="Wetsvoorstel",
        explanation="Naar de Raad van State.",
    )
    make_activity(
        action_line=line_1,
        status=site.statuses["vertraagd"],
        actors=(ocw, jenv),
        timeframe_label="2026",
        title="Monitor",
        explanation="Een jaarlijkse meting.",
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Voorlichtingscampagne", "Monitor", "Wetsvoorstel"]),
        ("actielijn=2", ["Wetsvoorstel"]),
        ("actielijn=1", ["Voorlichtingscampagne", "Monitor"]),
        ("status=loopt", ["Voorlichtingscampagne"]),
        ("status=loopt&status=vertraagd", ["Voorlichtingscampagne", "Monitor"]),
        ("wie=JenV", ["Monitor"]),
        ("wie=OCW", ["Voorlichtingscampagne", "Monitor"]),
        ("jaar=2024", ["Voorlichtingscampagne"]),
        ("jaar=2026", ["Monitor", "Wetsvoorstel"]),
        ("q=raad van state", ["Wetsvoorstel"]),
        ("q=campagne", ["Voorlichtingscampagne"]),
        ("actielijn=1&jaar=2026", ["Monitor"]),
        ("wie=OCW&status=vertraagd&jaar=2026&q=meting", ["Monitor"]),
        # An empty value chooses nothing: the other filters still apply.
        ("status=&jaar=2024", ["Voorlichtingscampagne"]),
    ],
)
def test_the_list_page_shows_exactly_the_rows_each_filter_selects(
    client, distinct_activities, query, expected
):
    response = client.get(f"/activiteiten/?{query}")

    assert response.status_code == 200
    assert titles(response) == expected
    count = len(expected)
    assert f">{count} activiteit{'' if count == 1 else 'en'}</h2>" in response.text


# Malformed filters are refused with 400 and the error summary.
INVALID_QUERIES = [
    "jaar=abc",
    "jaar=-1",
    "jaar=99999999999999999999999",
    "jaar=2024.5",
    "jaar=%00",
    "status=nope",
    "actielijn=99999999999999999999999",
    "actielijn=-1",
    "actielijn=1e3",
    "wie=%27%20OR%201%3D1--",
    "sort=pk",
    "sort=-title",
    "q=" + "x" * 5000,
    "q=%00",
    "q=" + "%C3%A9" * 300,
    # Nothing to search for: said so, rather than every activity as if it matched.
    "q=%ff%fe%fd",
    "q=%E2%80%AE%E2%80%8B",
    "q=!!%26%26||::*()",
    "q=:*",
    "q=%22%22%22",
    "q=-",
    "q=%25%5F%5C",
]
# Odd but harmless input: a normal page.
ODD_QUERIES = [
    "status=",
    "page=999999",
    "page=-5",
    "page=abc",
    "page=99999999999999999999999999",
    "page=1.5",
    "q=<script>alert(1)</script>",
    "q=a%26b|c!d",
    "status=loopt&status=loopt",
    "actielijn[]=1",
    "%ff=%ff",
]


@pytest.mark.parametrize(
    ("query", "status"),
    [(query, 400) for query in INVALID_QUERIES]
    + [(query, 200) for query in ODD_QUERIES]
    # Only stop words: PostgreSQL's Dutch search ignores "de"; the SQLite fallback has none.
    + [("q=de", 400 if connection.vendor == "postgresql" else 200)],
)
def test_junk_parameters_give_a_friendly_page_never_an_error(client, site, query, status):
    site.add_activities(3)

    response = client.get(f"/activiteiten/?{query}")

    assert response.status_code == status
    assert "<h1>Activiteiten</h1>" in response.text
    assert ("De filters kloppen niet" in response.text) == (status == 400)
    assert "<script>alert" not in response.text


@pytest.mark.parametrize("path", ["/actielijnen/1/?page=abc", "/actielijnen/1/?page=99999"])
def test_junk_page_numbers_on_an_action_line_give_a_page_that_exists(client, site, path):
    site.add_activities(3)

    assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/actielijnen/99/",
        "/actielijnen/99999999999999999999999/",
        "/activiteiten/" + "a" * 500 + "/",
        "/activiteiten/%C3%A9t%C3%A9/",
        "/activiteiten/..%2F..%2Fetc/",
    ],
)
def test_unknown_addresses_give_the_dutch_not_found_page(client, site, path):
    response = client.get(path)

    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.text


def test_each_page_holds_the_next_rows_in_the_chosen_order(client, site):
    # Action line 6 is created after 7: report order follows the numbers, not the keys.
    seven, six = make_action_line(7), make_action_line(6)
    status = site.statuses["loopt"]
    for n in range(20):
        make_activity(action_line=seven, status=status, title=f"Zeven {n:02}")
    for n in range(20):
        make_activity(action_line=six, status=status, title=f"Zes {n:02}")
    report_order = [f"Zes {n:02}" for n in range(20)] + [f"Zeven {n:02}" for n in range(20)]

    pages = [titles(client.get(f"/activiteiten/?page={page}")) for page in (1, 2)]
    by_title = [titles(client.get(f"/activiteiten/?sort=titel&page={page}")) for page in (1, 2)]
    search = titles(client.get("/activiteiten/?q=zeven"))

    assert pages == [report_order[:25], report_order[25:]]
    assert by_title == [sorted(report_order)[:25], sorted(report_order)[25:]]
    assert search == report_order[20:]  # equally relevant: in report order


def test_a_card_shows_its_facts_escaped_and_linked(client, site):
    actor = make_actor("R&D", name='Raad "voor" <Diensten>')
    make_activity(
        action_line=site.action_lines[1],
        status=site.statuses["vertraagd"],
        actors=(actor, site.actors[1]),
        title="Aanpak <b>nu</b> & later",
        slug="aanpak-nu",
        timeframe_label="",
        deviates_from_plan=True,
    )
    make_activity(action_line=site.action_lines[0], status=site.statuses["loopt"], title="Kaal")

    page = client.get("/activiteiten/").text
    line_page = client.get("/actielijnen/2/").text

    cards = re.findall(
        r'<li class="activity-card">(.*?)</li>\s*(?=<li class="activity|</ul>)', page, re.S
    )
    assert len(cards) == 2
    card = " ".join(cards[1].split())
    assert (
        '<h3 class="activity-card__title"><a href="/activiteiten/aanpak-nu/">'
        "Aanpak &lt;b&gt;nu&lt;/b&gt; &amp; later</a></h3>"
    ) in card
    assert '<a class="status-badge" href="/statussen/#status-vertraagd">' in card
    assert '<span class="status-badge__icon" aria-hidden="true">!</span>' in card
    assert '<span class="visually-hidden">Status: </span>Vertraagd</a>' in card
    assert "<div><dt>Actielijn</dt><dd>2</dd></div>" in card
    assert "<div><dt>Wanneer</dt><dd>niet vermeld</dd></div>" in card
    assert (
        '<div><dt>Wie</dt><dd><a href="/wie/R&amp;D/"><abbr title="Raad &quot;voor&quot; '
        '&lt;Diensten&gt;">R&amp;D</abbr></a>, <a href="/wie/SZW/"><abbr title="Ministerie van '
        'Sociale Zaken en Werkgelegenheid">SZW</abbr></a></dd></div>'
    ) in card
    assert "Wijkt af van de planning</p>" in card
    assert "<div><dt>Wie</dt><dd>niet vermeld</dd></div>" in cards[0]
    assert "Wijkt af" not in cards[0]
    # The action line's own page leaves the action line out of its cards.
    assert "Aanpak &lt;b&gt;nu&lt;/b&gt;" in line_page
    assert "<dt>Actielijn</dt>" not in line_page
