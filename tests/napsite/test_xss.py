"""Script in any text field stays text: on every page, in every export, report and PDF.

An editor (or a compromised editor account) types markup into every text field there is. The
public pages and reports show it as text, the CSV and Excel downloads never turn it into a live
formula, the JSON keeps it exactly as data, and the PDF prints it without any script in the file.
"""

import csv
import datetime
import io
import json
import re

import pytest
from django.utils.html import escape
from openpyxl import load_workbook
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from measures.models import Footnote
from measures.spreadsheets import FORMULA_TRIGGERS
from reporting.models import ProgressReport
from reporting.services import publish_report
from tests.factories import make_action_line, make_activity, make_actor, make_status
from tests.reporting.documents import run_queued_jobs

PAYLOADS = {
    "script element": "<script>alert(1)</script>",
    "attribute breakout": '"><img src=x onerror=alert(1)>',
    "spreadsheet formula": '=HYPERLINK("http://example.invalid","<b>klik</b>")',
}
# Fields too short or too strict for the payloads above get what fits and is valid.
ACTOR_CODE = '"><svg onload=a()>'  # actor codes hold 20 characters
FOOTNOTE_URL = 'https://example.org/"><svg/onload=alert(1)>'  # a valid URL: no spaces
LIVE_MARKUP = re.compile(r"<(script>alert|img src=x|svg[ /]onload)", re.IGNORECASE)


@pytest.fixture(params=PAYLOADS.values(), ids=PAYLOADS.keys())
def payload(request):
    return request.param


@pytest.fixture
def hostile(db, payload):
    """The payload in every text field of an activity and of everything around it."""
    action_line = make_action_line(1, title=f"Actielijn {payload}", description=payload)
    status = make_status("loopt", label=payload[:60], definition=payload)
    actor = make_actor(ACTOR_CODE, name=payload)
    activity = make_activity(
        action_line=action_line,
        status=status,
        actors=(actor,),
        slug="vijandig",
        title="Eerst gewoon",
        timeframe_label="2024",
        explanation="Eerst gewoon.",
    )
    previous = ProgressReport.objects.create(
        title="Vorige rapportage", slug="vorige", reference_date=datetime.date.today()
    )
    publish_report(previous)

    activity.title = payload
    activity.timeframe_label = payload
    activity.explanation = f"{payload}[^1]\n\n- {payload}\n1. {payload}"
    activity.save()
    footnote = Footnote(activity=activity, number=1, position=1, text=payload, url=FOOTNOTE_URL)
    footnote.full_clean()  # the URL is one an editor could really enter
    footnote.save()
    report = ProgressReport.objects.create(
        title=payload,
        slug="rapportage",
        reference_date=datetime.date.today() + datetime.timedelta(days=1),
        introduction=f"{payload}\n\n{payload}",
    )
    publish_report(report)
    return report


PAGES = [
    "/",
    "/actielijnen/1/",
    "/activiteiten/",
    "/activiteiten/?q=alert",
    "/activiteiten/?actielijn=1&status=loopt",
    "/activiteiten/vijandig/",
    "/statussen/",
    "/rapportages/",
    "/rapportages/rapportage/",
    "/rapportages/rapportage/wijzigingen/",
]


@pytest.mark.parametrize("address", PAGES)
def test_every_page_shows_the_markup_as_text(client, hostile, payload, address):
    html = client.get(address).content.decode()

    assert escape(payload) in html  # the field is shown...
    assert payload not in html  # ...but never as markup
    assert not LIVE_MARKUP.search(html)


def test_the_actor_filter_and_the_footnote_link_stay_text(client, hostile):
    detail = client.get("/activiteiten/vijandig/").content.decode()
    filtered = client.get("/activiteiten/", {"wie": ACTOR_CODE}).content.decode()

    assert f'href="{escape(FOOTNOTE_URL)}"' in detail
    assert escape(ACTOR_CODE) in filtered
    for html in (detail, filtered):
        assert ACTOR_CODE not in html
        assert not LIVE_MARKUP.search(html)


def as_written(text: str) -> str:
    """What a spreadsheet cell must hold for this text: formula-like text gets an apostrophe."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def read(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_csv_holds_the_text_and_no_formula(client, hostile, payload):
    text = read(client.get("/activiteiten/export.csv")).decode("utf-8-sig")

    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]
    assert as_written(payload) in cells  # the title
    assert as_written(f"Actielijn {payload}") in cells
    assert not [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS)]


@pytest.mark.parametrize("address", ["/activiteiten/export.xlsx", "/rapportages/rapportage.xlsx"])
def test_the_workbooks_hold_the_text_and_no_formula(client, hostile, payload, address):
    run_queued_jobs(["xlsx"])
    workbook = load_workbook(io.BytesIO(read(client.get(address))))

    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert as_written(payload) in [cell.value for cell in cells]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert not [
        cell.value
        for cell in cells
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS)
    ]


def test_a_search_for_a_formula_is_no_formula_in_the_downloaded_workbook(client, db):
    formula = PAYLOADS["spreadsheet formula"]

    response = client.get("/activiteiten/export.xlsx", {"q": formula})

    about = load_workbook(io.BytesIO(read(response)))["Over dit bestand"]
    values = {row[0].value: row[1] for row in about.iter_rows()}
    assert values["Filter: Zoeken"].value == "'" + formula
    assert values["Filter: Zoeken"].data_type == "s"


def test_the_json_keeps_the_text_exactly_as_data(client, hostile, payload):
    response = client.get("/activiteiten/export.json")

    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    [activity] = json.loads(read(response))["activiteiten"]
    assert activity["activiteit"] == payload
    assert activity["actielijn"] == f"Actielijn {payload}"
    assert activity["status"] == payload[:60]
    assert activity["wanneer"] == payload
    assert activity["wie_codes"] == [ACTOR_CODE]
    assert activity["wie_namen"] == [payload]
    assert activity["voetnoten"] == [{"nummer": 1, "tekst": payload, "url": FOOTNOTE_URL}]


def pdf_objects(reader: PdfReader):
    """Every dictionary and array reachable from the document's trailer."""
    seen, stack = set(), [reader.trailer]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            yield item
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def test_the_pdf_prints_the_text_and_holds_no_script(client, hostile, payload):
    run_queued_jobs(["pdf"])
    content = read(client.get("/rapportages/rapportage.pdf"))
    reader = PdfReader(io.BytesIO(content))

    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    assert "".join(payload.split()) in text
    names = {str(key) for obj in pdf_objects(reader) for key in obj} | {
        str(obj.get("/S")) for obj in pdf_objects(reader)
    }
    assert not names & {"/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch"}
    assert (
        "/Names" not in reader.trailer["/Root"]
        or "/JavaScript" not in (reader.trailer["/Root"]["/Names"])
    )
