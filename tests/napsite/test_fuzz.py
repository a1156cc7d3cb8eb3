"""Bad input never breaks the site: property-based fuzzing with hypothesis.

Every public address gets random query parameters (valid values, junk, NUL characters, huge
numbers, broken percent-encoding, very long text); the answer is never a server error. The
update round's import gets random files (random bytes, wrong encodings, huge and formula
cells, missing and extra columns); the answer is never a server error, and a rejected file
writes nothing at all.

The suite runs a few examples per property (deterministically, to keep CI stable and quick);
``bench/fuzz.py`` runs the same properties with many random examples (NAP_FUZZ_SCALE).
"""

import datetime
import os
import string
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from measures.models import Activity, Footnote
from reporting.models import ProgressReport
from reporting.rounds.spreadsheet import COLUMNS
from reporting.services import publish_report
from tests.factories import make_action_line, make_activity, make_actor, make_status
from tests.measures.editors import csv_file, make_staff_member, page_text, upload, xlsx_file
from tests.reporting.documents import run_queued_jobs

SCALE = float(os.environ.get("NAP_FUZZ_SCALE", "1"))


def fuzz(examples: int):
    """Hypothesis settings for a fuzz test: ``examples`` in the suite, more in bench/fuzz.py."""
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,  # speed is measured in bench/, never asserted in tests
        derandomize=SCALE == 1,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None if SCALE == 1 else settings.default.database,
    )


# -- a small NAP to fuzz against ----------------------------------------------------------------


@pytest.fixture
def nap(db):
    norms = make_action_line(1, title="Gedeelde normen")
    laws = make_action_line(2, title="Wet- en regelgeving")
    loopt = make_status("loopt", label="Loopt")
    done = make_status("afgerond", label="Afgerond", is_closed=True)
    ocw = make_actor("OCW")
    szw = make_actor("SZW")
    campaign = make_activity(
        action_line=norms,
        status=loopt,
        actors=(ocw, szw),
        slug="campagne",
        title="Publiekscampagne",
        explanation="De campagne loopt[^1].",
        footnotes=("Kamerstukken II 2023/24, 34843, nr. 100",),
    )
    make_activity(action_line=laws, status=done, actors=(ocw,), slug="wet", timeframe_label="")
    report = ProgressReport.objects.create(
        title="Voortgangsrapportage", slug="rapportage-2025", reference_date=datetime.date.today()
    )
    publish_report(report)
    return {"activity": campaign, "report": report}


# -- strategies ---------------------------------------------------------------------------------

PARAMETERS = ["actielijn", "status", "wie", "jaar", "q", "sort", "page"]
VALID_VALUES = ["1", "2", "loopt", "afgerond", "OCW", "SZW", "2025", "relevantie", "titel", "2"]

parameter_values = st.one_of(
    st.sampled_from(VALID_VALUES),
    st.text(max_size=30),  # any unicode, NUL and control characters included
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "\x00", "%00", "0x10", "1e9", "１２", "٣", "-1", "NaN", "[]", "{}"]),
    st.text(alphabet=string.printable, min_size=190, max_size=220),  # around q's limit
    st.builds(
        lambda text, times: text * times, st.text(min_size=1, max_size=5), st.integers(1, 4000)
    ),
)
parameter_names = st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=10))


@st.composite
def query_strings(draw) -> str:
    pairs = draw(st.lists(st.tuples(parameter_names, parameter_values), max_size=8))
    query = urlencode(pairs)
    if draw(st.booleans()):
        # Raw junk a browser would never send: broken escapes, bytes that are not UTF-8.
        junk = draw(st.lists(st.sampled_from(["%", "%zz", "%ff", "%c3", "&&", "=", ";", "+"])))
        raw = draw(st.binary(max_size=20))
        query += "&" + "".join(junk) + quote(raw, safe="")
    return query


slugs = st.one_of(
    st.sampled_from(["campagne", "wet", "bestaat-niet"]),
    st.from_regex(r"[-a-zA-Z0-9_]{1,200}", fullmatch=True),
)


@st.composite
def public_addresses(draw) -> str:
    path = draw(
        st.one_of(
            st.just("/"),
            st.integers(min_value=0, max_value=10**25).map(lambda n: f"/actielijnen/{n}/"),
            st.just("/activiteiten/"),
            slugs.map(lambda slug: f"/activiteiten/{slug}/"),
            st.sampled_from(
                [
                    "/activiteiten/export.csv",
                    "/activiteiten/export.xlsx",
                    "/activiteiten/export.json",
                    "/statussen/",
                    "/open-data/",
                    "/rapportages/",
                ]
            ),
            st.sampled_from(["rapportage-2025", "bestaat-niet"]).flatmap(
                lambda slug: st.sampled_from(
                    [
                        f"/rapportages/{slug}/",
                        f"/rapportages/{slug}/wijzigingen/",
                        f"/rapportages/{slug}.xlsx",
                    ]
                )
            ),
        )
    )
    return f"{path}?{draw(query_strings())}"


def read(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# -- public addresses ---------------------------------------------------------------------------


@fuzz(examples=60)
@given(address=public_addresses())
def test_no_public_address_fails_whatever_its_parameters(client, nap, address):
    response = client.get(address)
    read(response)  # streamed exports fail while streaming, if at all

    assert response.status_code < 500, address


@fuzz(examples=2)
@given(query=query_strings())
def test_the_report_pdf_never_fails_whatever_its_parameters(client, nap, query):
    run_queued_jobs(["pdf"])
    response = client.get(f"/rapportages/{nap['report'].slug}.pdf?{query}")

    assert response.status_code == 200
    assert read(response).startswith(b"%PDF-")


# -- the update round's import ------------------------------------------------------------------

ROUND_ACTIVITY = "campagne"

cell_values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["Loopt", "afgerond", "1", "2024", "Q1 en Q3 2024", "", "\x00"]),
    st.sampled_from(['=HYPERLINK("http://example.invalid","klik")', "=1+1", "@SUM(A1)", "-2+3"]),
    st.sampled_from(["+31 70 123 4567", "\t=cmd", "\r=cmd", "'=1+1"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.builds(
        lambda text, times: text * times, st.text(min_size=1, max_size=3), st.integers(1, 40_000)
    ),
)


@st.composite
def update_round_tables(draw) -> list[list]:
    """A template with columns missing, added, renamed or shuffled and random cells."""
    headers = draw(
        st.lists(
            st.one_of(st.sampled_from(COLUMNS), st.text(max_size=12)),
            min_size=0,
            max_size=len(COLUMNS) + 3,
        )
    )
    if draw(st.booleans()):
        headers = list(COLUMNS) + draw(st.lists(st.text(max_size=8), max_size=2))
    keys = st.one_of(st.just(ROUND_ACTIVITY), st.sampled_from(["wet", "bestaat-niet", ""]))
    rows = draw(
        st.lists(
            st.lists(cell_values, min_size=len(headers), max_size=len(headers)).flatmap(
                lambda row: keys.map(lambda key: [key, *row[1:]] if row else row)
            ),
            max_size=4,
        )
    )
    if draw(st.booleans()) and rows:  # a ragged row
        rows[-1] = rows[-1] + ["extra"]
    return [headers, *rows]


@st.composite
def update_round_files(draw) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["xlsx", "csv", "csv-latin-1", "csv-utf-16", "bytes", "zip"]))
    if kind == "bytes":
        return draw(st.sampled_from(["r.xlsx", "r.csv", "r.txt", "r"])), draw(st.binary())
    if kind == "zip":  # something that starts like a workbook
        return "r.xlsx", b"PK\x03\x04" + draw(st.binary(max_size=200))
    table = draw(update_round_tables())
    if kind == "xlsx":
        # Control characters cannot be stored in a workbook (nor typed into Excel).
        return "r.xlsx", xlsx_file(
            [
                [ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in row]
                for row in table
            ]
        )
    encoding = {"csv": "utf-8-sig", "csv-latin-1": "latin-1", "csv-utf-16": "utf-16"}[kind]
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    text_rows = [[str(cell) for cell in row] for row in table]
    try:
        return "r.csv", csv_file(text_rows, delimiter=delimiter, encoding=encoding)
    except UnicodeEncodeError:
        return "r.csv", csv_file(text_rows, delimiter=delimiter, encoding="utf-8")


def database_state():
    activities = Activity.objects.order_by("pk").values_list(
        "pk", "status_id", "timeframe_label", "explanation", "version", "updated_at"
    )
    return (
        list(activities),
        Activity.history.count(),
        Footnote.objects.count(),
        Footnote.history.count(),
    )


@pytest.fixture
def editor(client, nap):
    client.force_login(make_staff_member(nap["activity"].actors.get(code="OCW")))


@fuzz(examples=40)
@given(upload_file=update_round_files())
def test_no_uploaded_file_breaks_the_import_or_is_half_written(client, editor, upload_file):
    name, content = upload_file
    before = database_state()

    preview = upload(client, content, name)

    assert preview.status_code == 200, page_text(preview)
    assert database_state() == before  # the preview never writes, accepted or not


def test_a_ten_megabyte_file_is_refused_before_it_is_read(client, editor):
    before = database_state()
    ten_megabytes = csv_file(
        [COLUMNS, [ROUND_ACTIVITY, "1", "t", "OCW", "Loopt", "2024", "x" * 10_000_000, "1"]]
    )

    preview = upload(client, ten_megabytes, "groot.csv")

    assert preview.status_code == 413
    assert "Een importbestand mag hoogstens 5 MB zijn." in page_text(preview)
    assert database_state() == before
