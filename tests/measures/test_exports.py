import csv
import datetime
import io
import json

import pytest
from django.db import connection
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from openpyxl import load_workbook

from measures.models import Activity
from measures.selectors import filter_public_activities, reference_date
from tests.factories import make_action_line, make_activity
from tests.measures.editors import CHANGELIST_URL, make_coordinator, make_staff_member

HEADERS = [
    "actielijn nummer",
    "actielijn",
    "activiteit",
    "status",
    "wanneer",
    "start",
    "eind",
    "wie (codes)",
    "wie (namen)",
    "toelichting",
    "voetnoten",
    "afwijking van planning",
    "planning verstreken",
    "laatst bijgewerkt",
    "URL",
]
JSON_KEYS = [
    "actielijn_nummer",
    "actielijn",
    "activiteit",
    "status",
    "wanneer",
    "start",
    "eind",
    "wie_codes",
    "wie_namen",
    "toelichting",
    "voetnoten",
    "afwijking_van_planning",
    "planning_verstreken",
    "laatst_bijgewerkt",
    "url",
]


@pytest.fixture
def activities(action_line, status, closed_status, ocw, szw):
    make_action_line(3)
    second_line = make_action_line(2, title="Wet- en regelgeving")
    return {
        "campaign": make_activity(
            action_line=action_line,
            status=status,
            actors=(ocw, szw),
            title="Publiekscampagne",
            timeframe_label="Q1 en Q3 2024",
            explanation="De campagne is geëvalueerd[^1].\n\n- eerste ronde\n- tweede ronde",
            footnotes=("Kamerstukken II 2023/24, 34843, nr. 100",),
        ),
        "monitor": make_activity(
            action_line=action_line,
            status=closed_status,
            actors=(ocw,),
            title="Publieksmonitor",
            timeframe_label="Vanaf 2023",
            deviates_from_plan=True,
        ),
        "law": make_activity(
            action_line=second_line,
            status=status,
            actors=(szw,),
            title="Wettelijke verplichting gedragscode",
            explanation="Het wetsvoorstel gaat naar de Raad van State.",
            timeframe_label="2025",
        ),
        "hidden": make_activity(
            action_line=second_line,
            status=status,
            title="Nog geheim",
            actors=(szw,),
            is_public=False,
        ),
    }


def download(client, fmt: str, query: str = ""):
    response = client.get(f"/activiteiten/export.{fmt}" + (f"?{query}" if query else ""))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def xlsx_rows(body: bytes, sheet: str = "Activiteiten") -> list[list]:
    workbook = load_workbook(io.BytesIO(body))
    return [list(row) for row in workbook[sheet].iter_rows(values_only=True)]


def json_document(body: bytes) -> dict:
    return json.loads(body.decode("utf-8"))


def expected_titles(query: str) -> list[str]:
    _filterset, rows = filter_public_activities(QueryDict(query))
    return [activity.title for activity in rows]


FILTERS = [
    "",
    "actielijn=2",
    "status=afgerond",
    "wie=OCW",
    "wie=OCW&wie=SZW&sort=titel",
    "jaar=2025",
    "q=publieks&status=loopt",
    "sort=status",
    "sort=eind&actielijn=1&actielijn=2",
    "utm_source=nieuwsbrief",
]


@pytest.mark.parametrize("query", FILTERS)
def test_every_format_has_exactly_the_rows_of_the_filtered_list(client, activities, query):
    expected = expected_titles(query)
    assert "Nog geheim" not in expected

    _response, body = download(client, "csv", query)
    assert [row[2] for row in csv_rows(body)[1:]] == expected

    _response, body = download(client, "xlsx", query)
    assert [row[2] for row in xlsx_rows(body)[1:]] == expected

    _response, body = download(client, "json", query)
    assert [record["activiteit"] for record in json_document(body)["activiteiten"]] == expected


def test_the_export_urls_are_not_taken_for_activity_slugs(db):
    for fmt in ("csv", "xlsx", "json"):
        assert resolve(f"/activiteiten/export.{fmt}").view_name == f"exports:activities-{fmt}"
    assert resolve("/activiteiten/export/").view_name == "measures:activity-detail"


def test_csv_opens_in_dutch_excel_and_keeps_accents(client, activities):
    response, body = download(client, "csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    peildatum = reference_date().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="nap-activiteiten-{peildatum}.csv"'
    )
    header, campaign, *_ = csv_rows(body)
    assert header == HEADERS
    row = dict(zip(header, campaign, strict=True))
    assert row["toelichting"] == (
        "De campagne is geëvalueerd[^1].\n\n- eerste ronde\n- tweede ronde"
    )
    assert row["wie (codes)"] == "OCW; SZW"
    assert row["start"] == "2024-01-01"
    assert row["eind"] == "2024-09-30"
    assert row["voetnoten"] == "[1] Kamerstukken II 2023/24, 34843, nr. 100"
    assert row["URL"] == f"http://testserver/activiteiten/{activities['campaign'].slug}/"


def test_csv_is_streamed(client, activities):
    response = client.get("/activiteiten/export.csv")

    assert response.streaming


def test_every_csv_row_has_every_column_even_with_line_breaks_in_cells(client, activities):
    _response, body = download(client, "csv")

    assert {len(row) for row in csv_rows(body)} == {len(HEADERS)}


def test_xlsx_has_a_frozen_bold_filtered_header_and_typed_cells(client, activities):
    response, body = download(client, "xlsx", "actielijn=1")

    assert response["Content-Disposition"].startswith(
        f'attachment; filename="nap-activiteiten-{reference_date().isoformat()}.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(body))["Activiteiten"]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:O3"
    assert sheet.column_dimensions["J"].width == 80
    campaign = {header: cell for header, cell in zip(HEADERS, sheet[2], strict=True)}
    assert campaign["toelichting"].alignment.wrap_text
    assert campaign["actielijn nummer"].value == 1
    assert campaign["start"].value == datetime.datetime(2024, 1, 1)
    assert campaign["start"].is_date
    assert campaign["laatst bijgewerkt"].is_date
    monitor = {header: cell.value for header, cell in zip(HEADERS, sheet[3], strict=True)}
    assert monitor["eind"] is None  # "Vanaf 2023" has an open end
    assert monitor["afwijking van planning"] == "ja"


def test_xlsx_says_where_the_data_comes_from_and_which_filters_were_applied(client, activities):
    _response, body = download(
        client, "xlsx", "status=afgerond&status=loopt&jaar=2024&q=campagne&wie=OCW&sort=titel"
    )

    about = dict(xlsx_rows(body, "Over dit bestand"))
    assert about["Bron"].startswith("NAP Voortgangsmonitor, http://testserver/activiteiten/")
    assert about["Stand van zaken per (peildatum)"].date() == reference_date()
    assert about["Filter: Status"] == "Loopt, Afgerond"
    assert about["Filter: Jaar"] == "2024"
    assert about["Filter: Zoeken"] == "campagne"
    assert about["Filter: Wie"] == "OCW"
    assert about["Filter: Sorteren op"] == "Titel (A-Z)"
    assert about["Licentie"].startswith("CC0 1.0")


def test_json_has_a_stable_documented_schema(client, activities):
    response, body = download(client, "json", "wie=OCW&jaar=2024")

    assert response["Content-Type"] == "application/json"
    document = json_document(body)
    assert list(document) == [
        "schema_versie",
        "bron",
        "url",
        "peildatum",
        "filters",
        "licentie",
        "licentie_url",
        "aangemaakt_op",
        "activiteiten",
    ]
    assert document["schema_versie"] == 1
    assert document["peildatum"] == reference_date().isoformat()
    assert document["filters"] == {"wie": ["OCW"], "jaar": 2024}
    campaign = document["activiteiten"][0]
    assert list(campaign) == JSON_KEYS
    assert campaign["actielijn_nummer"] == 1
    assert campaign["wie_codes"] == ["OCW", "SZW"]
    assert campaign["voetnoten"] == [
        {"nummer": 1, "tekst": "Kamerstukken II 2023/24, 34843, nr. 100", "url": ""}
    ]
    assert campaign["start"] == "2024-01-01"
    assert campaign["afwijking_van_planning"] is False


def test_the_open_data_page_and_readme_document_every_column(client, db, settings):
    page = client.get("/open-data/").text
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")

    for header, key in zip(HEADERS, JSON_KEYS, strict=True):
        assert f'<th scope="row">{header}</th>' in page
        assert f"<code>{key}</code>" in page
        assert f"`{key}`" in readme


@pytest.fixture
def dangerous(action_line, status):
    return make_activity(
        action_line=action_line,
        status=status,
        title='=HYPERLINK("http://evil.example","klik")',
        explanation="-5 procent minder meldingen <script>alert(1)</script>",
        timeframe_label="@2025",
    )


def test_formula_like_cells_are_made_inert_in_csv_and_xlsx(client, dangerous):
    _response, body = download(client, "csv")
    row = dict(zip(HEADERS, csv_rows(body)[1], strict=True))
    assert row["activiteit"] == '\'=HYPERLINK("http://evil.example","klik")'
    assert row["toelichting"].startswith("'-5 procent")
    assert row["wanneer"] == "'@2025"

    _response, body = download(client, "xlsx")
    cell = load_workbook(io.BytesIO(body))["Activiteiten"]["C2"]
    assert cell.data_type == "s"  # text, not a formula
    assert cell.value == '\'=HYPERLINK("http://evil.example","klik")'


def test_json_keeps_text_exactly_as_written_and_is_never_html(client, dangerous):
    response, body = download(client, "json")

    record = json_document(body)["activiteiten"][0]
    assert record["activiteit"] == '=HYPERLINK("http://evil.example","klik")'
    assert record["toelichting"] == "-5 procent minder meldingen <script>alert(1)</script>"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_html_in_the_data_is_plain_text_in_csv(client, dangerous):
    _response, body = download(client, "csv")

    assert "<script>alert(1)</script>" in body.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("query", ["jaar=abc", "status=bestaat-niet", "sort=pk"])
def test_invalid_filters_get_a_clear_dutch_error_instead_of_a_file(client, activities, fmt, query):
    response, body = download(client, fmt, query)

    assert response.status_code == 400
    assert "Download niet gemaakt" in body.decode()
    assert "Content-Disposition" not in response


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # The coordinator's selection includes the activity that is not public.
        ("coordinator", ["Publiekscampagne", "Publieksmonitor", "Wettelijke verplichting "
                         "gedragscode", "Nog geheim"]),
        # A medewerker of OCW selected everything, but gets only OCW's activities.
        ("medewerker", ["Publiekscampagne", "Publieksmonitor"]),
    ],
)  # fmt: skip
def test_the_admins_overview_download_has_the_selected_rows_the_user_may_see(
    client, activities, ocw, role, expected
):
    client.force_login(make_coordinator() if role == "coordinator" else make_staff_member(ocw))
    selected = [activity.pk for activity in activities.values()]

    response = client.post(
        CHANGELIST_URL, {"action": "download_overview", "_selected_action": selected}
    )

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    rows = xlsx_rows(body)
    assert rows[0] == HEADERS
    assert [row[2] for row in rows[1:]] == expected
    campaign = dict(zip(HEADERS, rows[1], strict=True))
    assert (campaign["wie (codes)"], campaign["wanneer"]) == ("OCW; SZW", "Q1 en Q3 2024")
    about = dict(xlsx_rows(body, "Over dit bestand"))
    assert about["Filter: Selectie"] == f"{len(expected)} activiteit(en) gekozen in het beheer"


def make_many(count: int, action_line, status, actors) -> None:
    for _ in range(count):
        make_activity(
            action_line=action_line, status=status, actors=actors, footnotes=("noot", "noot 2")
        )


def count_queries(client, fmt: str, query: str = "") -> int:
    with CaptureQueriesContext(connection) as queries:
        response, _body = download(client, fmt, query)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
@pytest.mark.parametrize("query", ["", "wie=OCW&status=loopt&jaar=2024&q=activiteit"])
def test_exports_run_the_same_number_of_queries_for_10_and_60_rows(
    client, action_line, status, ocw, szw, fmt, query
):
    make_many(10, action_line, status, (ocw, szw))
    small = count_queries(client, fmt, query)

    make_many(50, action_line, status, (ocw, szw))
    large = count_queries(client, fmt, query)

    assert Activity.objects.count() == 60
    assert small == large


def test_the_download_links_for_the_list_page_carry_its_filters(rf, db):
    request = rf.get(
        "/activiteiten/", {"status": ["loopt", "vertraagd"], "q": "school & werk", "page": "2"}
    )

    html = render_to_string("includes/_export_links.html", request=request)

    query = "status=loopt&amp;status=vertraagd&amp;q=school+%26+werk"
    for fmt in ("csv", "xlsx", "json"):
        assert f'href="/activiteiten/export.{fmt}?{query}"' in html
    assert "Download" in html
