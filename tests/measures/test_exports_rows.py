"""What each row of the overview downloads holds, now that rows are built from plain values with
the actors and footnotes of a chunk of activities read in one query each and joined by id."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from measures import resources
from measures.models import Activity, Footnote
from tests.factories import make_activity, make_actor
from tests.measures.test_exports import HEADERS, csv_rows, download, json_document, xlsx_rows


def csv_records(client, query: str = "") -> list[dict]:
    _response, body = download(client, "csv", query)
    header, *rows = csv_rows(body)
    return [dict(zip(header, row, strict=True)) for row in rows]


def xlsx_records(client, query: str = "") -> list[dict]:
    _response, body = download(client, "xlsx", query)
    header, *rows = xlsx_rows(body)
    return [dict(zip(header, row, strict=True)) for row in rows]


def json_records(client, query: str = "") -> list[dict]:
    _response, body = download(client, "json", query)
    return json_document(body)["activiteiten"]


def test_actors_and_footnotes_keep_the_report_order_in_every_format(
    client, action_line, status, ocw, szw
):
    vws = make_actor("VWS", name="Ministerie van VWS")
    activity = make_activity(action_line=action_line, status=status, actors=(vws, ocw, szw))
    # Printed second but numbered first: the order is the position, not the number.
    Footnote.objects.create(activity=activity, number=7, position=2, text="Tweede", url="")
    Footnote.objects.create(
        activity=activity, number=3, position=1, text="Eerste", url="https://example.nl/a"
    )

    [row] = csv_records(client)
    assert row["wie (codes)"] == "VWS; OCW; SZW"
    assert row["wie (namen)"] == (
        "Ministerie van VWS; Ministerie van Onderwijs, Cultuur en Wetenschap; "
        "Ministerie van Sociale Zaken en Werkgelegenheid"
    )
    assert row["voetnoten"] == "[3] Eerste https://example.nl/a\n[7] Tweede"

    [row] = xlsx_records(client)
    assert (row["wie (codes)"], row["voetnoten"]) == (
        "VWS; OCW; SZW",
        "[3] Eerste https://example.nl/a\n[7] Tweede",
    )

    [record] = json_records(client)
    assert record["wie_codes"] == ["VWS", "OCW", "SZW"]
    assert [footnote["nummer"] for footnote in record["voetnoten"]] == [3, 7]


def test_each_row_keeps_its_own_actors_and_footnotes_across_chunks(
    client, action_line, status, monkeypatch
):
    # Chunks of two: the related rows of every chunk are read and joined separately.
    monkeypatch.setattr(resources, "EXPORT_CHUNK_SIZE", 2)
    for number in range(1, 7):
        make_activity(
            action_line=action_line,
            status=status,
            title=f"Activiteit {number}",
            actors=(make_actor(f"P{number}"),) if number != 4 else (),
            footnotes=(f"Noot bij {number}",) if number != 2 else (),
            is_public=number != 3,
        )

    expected = {
        "Activiteit 1": ("P1", "[1] Noot bij 1"),
        "Activiteit 2": ("P2", ""),
        "Activiteit 4": ("", "[1] Noot bij 4"),
        "Activiteit 5": ("P5", "[1] Noot bij 5"),
        "Activiteit 6": ("P6", "[1] Noot bij 6"),
    }
    for records in (csv_records(client), xlsx_records(client)):
        found = {
            row["activiteit"]: (row["wie (codes)"] or "", row["voetnoten"] or "") for row in records
        }
        assert found == expected
    records = json_records(client)
    assert [record["activiteit"] for record in records] == list(expected)
    assert [record["wie_codes"] for record in records] == [["P1"], ["P2"], [], ["P5"], ["P6"]]


def test_last_updated_is_the_date_in_the_netherlands(client, action_line, status):
    activity = make_activity(action_line=action_line, status=status)
    # 00:30 on 1 April in Amsterdam (summer time), still 31 March in UTC.
    late = datetime.datetime(2024, 3, 31, 22, 30, tzinfo=datetime.UTC)
    Activity.objects.filter(pk=activity.pk).update(updated_at=late)

    assert csv_records(client)[0]["laatst bijgewerkt"] == "2024-04-01"
    assert xlsx_records(client)[0]["laatst bijgewerkt"] == datetime.datetime(2024, 4, 1)
    assert json_records(client)[0]["laatst_bijgewerkt"] == "2024-04-01"


def test_control_characters_and_formulas_in_actors_and_footnotes_never_reach_a_sheet(
    client, action_line, status, ocw
):
    municipalities = make_actor("VNG", name="@Gemeenten\x07")
    ocw.name = "OCW"
    ocw.save()
    make_activity(
        action_line=action_line,
        status=status,
        title="\x01=1+1",
        actors=(municipalities, ocw),
        footnotes=("Kamer\x02stuk\x0b nr. 5",),
    )

    for row in (csv_records(client)[0], xlsx_records(client)[0]):
        assert row["activiteit"] == "'=1+1"
        assert row["wie (namen)"] == "'@Gemeenten; OCW"
        assert row["voetnoten"] == "[1] Kamerstuk nr. 5"
    _response, body = download(client, "xlsx")
    assert load_workbook(io.BytesIO(body))["Activiteiten"]["C2"].data_type == "s"

    record = json_records(client)[0]
    assert record["wie_namen"] == ["@Gemeenten\x07", "OCW"]
    assert record["voetnoten"][0]["tekst"] == "Kamer\x02stuk\x0b nr. 5"


@pytest.mark.parametrize("query", ["", "actielijn=1"])
def test_every_row_of_the_workbook_has_its_columns_layout_and_types(
    client, action_line, status, query
):
    for number in range(4):
        make_activity(
            action_line=action_line,
            status=status,
            # Open ends ("Vanaf") between closed ones: an empty cell between two dates.
            timeframe_label="Vanaf 2023" if number % 2 else "Q2 2024",
        )

    _response, body = download(client, "xlsx", query)

    sheet = load_workbook(io.BytesIO(body))["Activiteiten"]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 4
    for number, row in enumerate(rows):
        cells = dict(zip(HEADERS, row, strict=True))
        assert cells["toelichting"].alignment.wrap_text
        assert cells["toelichting"].alignment.vertical == "top"
        assert not cells["actielijn nummer"].alignment.wrap_text
        assert cells["actielijn nummer"].alignment.vertical == "top"
        assert cells["actielijn nummer"].value == 1
        assert cells["start"].is_date
        assert cells["laatst bijgewerkt"].is_date
        if number % 2:
            assert cells["eind"].value is None
            # Formatted as what it holds (nothing), not as the date above it.
            assert cells["eind"].number_format == "General"
        else:
            assert cells["eind"].value == datetime.datetime(2024, 6, 30)
            assert cells["eind"].is_date
        assert cells["afwijking van planning"].value == "nee"
