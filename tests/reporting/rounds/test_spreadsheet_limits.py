"""Files that cost the server too much are refused early, in Dutch, and write nothing."""

import io
import re
import time
import zipfile

import pytest

from measures.models import Activity
from reporting.rounds.spreadsheet import COLUMNS
from tests.factories import make_activity
from tests.measures.editors import (
    csv_file,
    download_template,
    make_staff_member,
    page_text,
    upload,
    xlsx_file,
    xlsx_rows,
)

SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture
def campaign(action_line, status, ocw):
    return make_activity(
        action_line=action_line,
        status=status,
        actors=(ocw,),
        slug="campagne",
        explanation="De campagne loopt.",
    )


@pytest.fixture
def template(client, ocw, campaign):
    client.force_login(make_staff_member(ocw))
    return download_template(client)


def database_state():
    return list(Activity.objects.values_list("pk", "explanation", "version")), (
        Activity.history.count()
    )


def with_sheet(workbook: bytes, write_sheet) -> bytes:
    """The workbook with its first sheet's XML written anew by ``write_sheet(stream)``."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename == SHEET:
                with target.open(SHEET, "w", force_zip64=True) as stream:
                    write_sheet(stream)
            else:
                target.writestr(item, source.read(item.filename))
    return output.getvalue()


def one_huge_cell(megabytes: int):
    """A sheet whose second row holds one inline string of this many megabytes, written in
    chunks: the file stays small and so does the test's memory."""

    def write(stream):
        stream.write(
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxml'
            b'formats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr">'
            b'<is><t>Sleutel</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>'
        )
        for _ in range(megabytes):
            stream.write(b"A" * 1_000_000)
        stream.write(b"</t></is></c></row></sheetData></worksheet>")

    return write


@pytest.mark.parametrize("megabytes", [3, 200], ids=["too compressible", "too large"])
def test_a_zip_bomb_is_refused_before_it_is_unpacked(client, template, megabytes):
    bomb = with_sheet(template, one_huge_cell(megabytes))
    assert len(bomb) < 250_000
    before = database_state()

    started = time.perf_counter()
    preview = upload(client, bomb)
    seconds = time.perf_counter() - started

    assert "Dit Excel-bestand is uitgepakt te groot" in page_text(preview)
    assert preview.context.get("confirm_form") is None
    assert len(preview.content) < 100_000
    assert seconds < 3  # parsing it took 36 s
    assert database_state() == before


def test_a_cell_longer_than_any_field_is_a_row_error_and_is_not_echoed(client, template):
    rows = xlsx_rows(template)
    huge_key = "sleutel-" + "x" * 30_000
    rows[1][0] = huge_key
    before = database_state()

    preview = upload(client, xlsx_file(rows))

    text = page_text(preview)
    assert "Deze cel is te lang: 30.008 tekens; hoogstens 20.000." in text
    assert huge_key[:81] not in text
    assert "sleutel-" + "x" * 72 + "…" in text  # the key column shows its start only
    assert preview.context.get("confirm_form") is None
    assert database_state() == before


def test_an_unknown_key_is_quoted_shortened(client, template):
    rows = xlsx_rows(template)
    rows[1][0] = "onbekend-" + "y" * 200

    preview = upload(client, xlsx_file(rows))

    assert f"Er is geen activiteit met de sleutel ‘onbekend-{'y' * 71}…’." in page_text(preview)


def rows_then_broken(limit: int) -> list[list]:
    row = ["campagne", 1, "t", "OCW", "Loopt", "2023", "x", 1]
    return [COLUMNS, *([row] * (limit + 1))]


@pytest.mark.parametrize("dimension", [True, False], ids=["sized sheet", "unsized sheet"])
def test_an_xlsx_over_the_row_limit_is_refused_without_reading_the_rest(
    client, template, settings, dimension
):
    settings.NAP_IMPORT_MAX_ROWS = 5
    workbook = xlsx_file(rows_then_broken(5))
    xml = zipfile.ZipFile(io.BytesIO(workbook)).read(SHEET)
    if not dimension:  # openpyxl then reads the whole sheet before it yields a row
        xml = re.sub(rb"<dimension[^>]*/>", b"", xml)
    # Whatever follows the row after the limit is never parsed: here it is not even XML.
    broken = re.sub(rb"</sheetData>", b"<row><c>&broken;<<</sheetData>", xml)
    before = database_state()

    preview = upload(client, with_sheet(workbook, lambda stream: stream.write(broken)))

    assert "Het bestand heeft meer dan 5 rijen; er kunnen er hoogstens 5" in page_text(preview)
    assert database_state() == before


def test_a_csv_over_the_row_limit_is_refused_without_reading_the_rest(client, template, settings):
    settings.NAP_IMPORT_MAX_ROWS = 5
    # After the limit, a row with more cells than the header: an error if it were read.
    content = csv_file([*rows_then_broken(5), ["a"] * 20])
    before = database_state()

    preview = upload(client, content, "ronde.csv")

    assert "Het bestand heeft meer dan 5 rijen; er kunnen er hoogstens 5" in page_text(preview)
    assert database_state() == before


def test_a_csv_cell_too_long_to_read_is_explained(client, template):
    content = csv_file([COLUMNS, ["campagne", 1, "t", "OCW", "Loopt", "2023", "x" * 200_000, 1]])

    preview = upload(client, content, "ronde.csv")

    assert "Regel 2 van dit CSV-bestand kon niet worden gelezen" in page_text(preview)
