"""The unfiltered downloads are built once per data version and then served from a file."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from measures.models import Activity
from tests.factories import make_activity
from tests.measures.test_exports import csv_rows, download, json_document, xlsx_rows

# The file is built only outside a transaction, after the data is committed, as in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def export_dir(settings, tmp_path):
    settings.NAP_EXPORT_DIR = str(tmp_path / "exports")
    return tmp_path / "exports"


def titles(fmt: str, body: bytes) -> list[str]:
    if fmt == "csv":
        return [row[2] for row in csv_rows(body)[1:]]
    if fmt == "xlsx":
        return [row[2] for row in xlsx_rows(body)[1:]]
    return [record["activiteit"] for record in json_document(body)["activiteiten"]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_the_second_unfiltered_download_is_the_stored_file(
    client, action_line, status, export_dir, fmt
):
    make_activity(action_line=action_line, status=status, title="Eerste activiteit")
    _response, first = download(client, fmt)
    [stored] = export_dir.iterdir()
    built_at = stored.stat().st_mtime_ns

    with CaptureQueriesContext(connection) as queries:
        response, second = download(client, fmt)

    assert response.status_code == 200
    assert len(queries) == 0
    assert second == first
    assert titles(fmt, second) == ["Eerste activiteit"]
    assert list(export_dir.iterdir()) == [stored]
    assert stored.stat().st_mtime_ns == built_at
    assert response["Content-Disposition"].endswith(f'.{fmt}"')


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_data_change_builds_the_file_again(client, action_line, status, export_dir, fmt):
    activity = make_activity(action_line=action_line, status=status, title="Oude titel")
    download(client, fmt)
    [old] = export_dir.iterdir()

    activity.title = "Nieuwe titel"
    activity.save()
    make_activity(action_line=action_line, status=status, title="Tweede activiteit")
    _response, body = download(client, fmt)

    assert titles(fmt, body) == ["Nieuwe titel", "Tweede activiteit"]
    [new] = export_dir.iterdir()  # the old version's file is gone
    assert new.name != old.name


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_filtered_downloads_stream_and_store_nothing(client, action_line, status, export_dir, fmt):
    make_activity(action_line=action_line, status=status, title="Gefilterd")
    response = client.get(f"/activiteiten/export.{fmt}?actielijn=1")

    assert response.streaming
    assert not hasattr(response, "file_to_stream")  # a generator, not a file
    assert titles(fmt, b"".join(response.streaming_content)) == ["Gefilterd"]
    assert not export_dir.exists() or not list(export_dir.iterdir())


def test_the_stored_file_has_only_public_activities(client, action_line, status, export_dir):
    make_activity(action_line=action_line, status=status, title="Openbaar")
    make_activity(action_line=action_line, status=status, title="Geheim", is_public=False)
    download(client, "csv")
    _response, body = download(client, "csv")

    assert titles("csv", body) == ["Openbaar"]
    assert Activity.objects.count() == 2
