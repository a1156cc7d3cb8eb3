"""Planning verstreken: derived from the Wanneer, the status and the site's peildatum, the same
on the list page, the activity page, the overview and every export."""

import csv
import datetime
import io
import json

import pytest

from reporting.rounds.models import RoundState, UpdateRound
from tests.factories import make_action_line, make_activity, make_status

EXPIRED = "Planning verstreken"


def close_round_on(peildatum: datetime.date) -> UpdateRound:
    return UpdateRound.objects.create(
        title=f"Uitvraag {peildatum}",
        reference_date=peildatum,
        deadline=peildatum + datetime.timedelta(days=14),
        state=RoundState.CLOSED,
    )


@pytest.fixture
def statuses(db):
    return {
        "loopt": make_status("loopt", label="Loopt"),
        "doorlopend": make_status("doorlopend", label="Doorlopend"),
        "afgerond": make_status("afgerond", label="Afgerond", is_closed=True),
        "niet-voortgezet": make_status("niet-voortgezet", label="Niet voortgezet", is_closed=True),
    }


@pytest.fixture
def line(db):
    return make_action_line(1)


def add(line, statuses, title: str, wanneer: str, status: str = "loopt"):
    return make_activity(
        action_line=line, status=statuses[status], timeframe_label=wanneer, title=title
    )


def expired_on_list_page(client, query: str = "") -> dict[str, bool]:
    """Per card on the list page: its title and whether it says Planning verstreken."""
    page = client.get("/activiteiten/" + query).text
    cards = page.split('<li class="activity-card">')[1:]
    result = {}
    for card in cards:
        title = card.split('">', 2)[2].split("</a>", 1)[0]
        result[title] = EXPIRED in card
    return result


def csv_expired(client, query: str = "") -> dict[str, str]:
    body = b"".join(client.get("/activiteiten/export.csv" + query).streaming_content)
    header, *rows = csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
    title, expired = header.index("activiteit"), header.index("planning verstreken")
    return {row[title]: row[expired] for row in rows}


@pytest.mark.parametrize(
    ("peildatum", "wanneer", "expired"),
    [
        # A quarter ends on its last day.
        (datetime.date(2025, 3, 31), "Q1 2025", False),
        (datetime.date(2025, 4, 1), "Q1 2025", True),
        (datetime.date(2025, 4, 15), "Q1 en Q2 2025", False),
        # A year ends on 31 December.
        (datetime.date(2024, 12, 31), "2023-2024", False),
        (datetime.date(2025, 1, 1), "2023-2024", True),
        (datetime.date(2025, 1, 1), "2024", True),
        # An open end, or no end at all, never ends.
        (datetime.date(2030, 1, 1), "Vanaf 2022", False),
        (datetime.date(2030, 1, 1), "2023-", False),
        (datetime.date(2030, 1, 1), "", False),
        (datetime.date(2030, 1, 1), "doorlopend", False),
    ],
)
def test_planning_expires_after_the_last_day_of_the_wanneer(
    client, line, statuses, peildatum, wanneer, expired
):
    add(line, statuses, "De activiteit", wanneer)
    close_round_on(peildatum)

    assert expired_on_list_page(client) == {"De activiteit": expired}
    assert csv_expired(client) == {"De activiteit": "ja" if expired else "nee"}


def test_closed_and_standing_work_never_expires(client, line, statuses):
    add(line, statuses, "Loopt nog", "2023-2024")
    add(line, statuses, "Afgerond", "2023-2024", status="afgerond")
    add(line, statuses, "Gestopt", "2023-2024", status="niet-voortgezet")
    add(line, statuses, "Doorlopend", "2023-2024", status="doorlopend")
    close_round_on(datetime.date(2025, 4, 15))

    expected = {"Loopt nog": True, "Afgerond": False, "Gestopt": False, "Doorlopend": False}
    assert expired_on_list_page(client) == expected
    assert csv_expired(client) == {
        title: "ja" if value else "nee" for title, value in expected.items()
    }


def test_the_filter_gives_the_same_rows_on_the_list_and_in_every_export(client, line, statuses):
    add(line, statuses, "Te laat", "2024")
    add(line, statuses, "Op tijd", "2025-2026")
    add(line, statuses, "Klaar", "2024", status="afgerond")
    close_round_on(datetime.date(2025, 4, 15))

    assert expired_on_list_page(client, "?planning=verstreken") == {"Te laat": True}
    assert csv_expired(client, "?planning=verstreken") == {"Te laat": "ja"}
    response = client.get("/activiteiten/export.json?planning=verstreken")
    document = json.loads(b"".join(response.streaming_content))
    assert [
        (row["activiteit"], row["planning_verstreken"]) for row in document["activiteiten"]
    ] == [("Te laat", True)]
    assert document["filters"] == {"planning": "verstreken"}


def test_an_unknown_planning_value_is_a_dutch_error_not_everything(client, line, statuses):
    add(line, statuses, "Te laat", "2024")

    response = client.get("/activiteiten/?planning=te-laat")

    assert response.status_code == 400
    assert "„te-laat” is geen bekende keuze" in response.text
    assert client.get("/activiteiten/export.csv?planning=te-laat").status_code == 400


def test_the_activity_page_and_the_overview_show_it_with_the_peildatum(client, line, statuses):
    late = add(line, statuses, "Te laat", "2024")
    add(line, statuses, "Op tijd", "2025-2026")
    close_round_on(datetime.date(2025, 4, 15))

    detail = client.get(late.get_absolute_url()).text
    assert "Planning verstreken</a>: de periode was vóór 15 april 2025 voorbij" in detail
    overview = client.get("/").text
    assert "1 met planning verstreken" in overview
    statuses_page = client.get("/statussen/").text
    assert 'id="planning-verstreken"' in statuses_page
    assert "1 activiteit met planning verstreken" in statuses_page


def test_the_report_summary_counts_it_at_the_reports_peildatum(client, line, statuses):
    from reporting.models import ProgressReport
    from reporting.services import publish_report

    add(line, statuses, "Te laat", "2023-2024")
    add(line, statuses, "Ook te laat", "Q1 2024")
    add(line, statuses, "Op tijd", "2023-2099")
    add(line, statuses, "Klaar", "2024", status="afgerond")
    add(line, statuses, "Doorlopend", "2024", status="doorlopend")
    report = ProgressReport.objects.create(
        title="Rapportage", slug="rapportage", reference_date=datetime.date.today()
    )
    publish_report(report)

    page = client.get(report.get_absolute_url()).text
    summary = page.split('id="samenvatting"', 1)[1].split("</table>", 1)[0]
    assert "Planning verstreken op de peildatum</th>" in summary
    row = summary.split('<th scope="row"><a href="#actielijn-1">Actielijn 1</a></th>', 1)[1]
    cells = row.split("</tr>", 1)[0].split("<td>")[1:]
    # The statuses' counts, the total, then the planning column.
    assert [cell.split("</td>")[0] for cell in cells][-2:] == ["5", "2"]
