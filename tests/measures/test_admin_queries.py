"""Every admin page and export the editors use costs the same queries at 10 and at 60 rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures.models import Activity
from tests.factories import make_activity
from tests.measures.editors import (
    CHANGELIST_URL,
    CSV,
    EXPORT_URL,
    XLSX,
    download_template,
    make_coordinator,
    make_staff_member,
    upload,
    xlsx_file,
    xlsx_rows,
)


def add_activities(count, action_line, status, actors):
    for _ in range(count):
        make_activity(action_line=action_line, status=status, actors=actors, footnotes=("x",))


def every_row_filled_in(client):
    rows = xlsx_rows(download_template(client))
    status_column = rows[0].index("Status")
    return xlsx_file(
        [
            rows[0],
            *([*row[:status_column], "Afgerond", *row[status_column + 1 :]] for row in rows[1:]),
        ]
    )


def import_preview(client):
    content = every_row_filled_in(client)  # prepared outside the counted request
    return lambda: upload(client, content)


def download_overview(client):
    # "Select all N": the admin still posts the ticked box of the page's first row.
    first = Activity.objects.order_by("pk").first()
    response = client.post(
        CHANGELIST_URL,
        {
            "action": "download_overview",
            "select_across": "1",
            "index": "0",
            "_selected_action": first.pk,
        },
    )
    b"".join(response.streaming_content)  # the rows are read while the file streams
    return response


# Each prepares, for a logged-in client, the request whose queries are counted.
REQUESTS = {
    "changelist": lambda client: lambda: client.get(CHANGELIST_URL),
    "filtered changelist": lambda client: (
        lambda: client.get(CHANGELIST_URL, {"aandacht": "verouderd"})
    ),
    "start page": lambda client: lambda: client.get(reverse("admin:index")),
    "export xlsx": lambda client: (
        lambda: client.post(EXPORT_URL, {"format": XLSX, "resource": "0"})
    ),
    "export csv": lambda client: lambda: client.post(EXPORT_URL, {"format": CSV, "resource": "0"}),
    "import preview": import_preview,
    "overview download": lambda client: lambda: download_overview(client),
}


# django-import-export wraps every imported row in a savepoint, also in the preview (which
# writes nothing). Those statements are transaction bookkeeping, not reads, so not counted.
SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def queries_for(client, prepare):
    make_request = prepare(client)
    with CaptureQueriesContext(connection) as queries:
        response = make_request()
    assert response.status_code == 200
    return len([query for query in queries if not query["sql"].startswith(SAVEPOINTS)])


@pytest.mark.parametrize("role", ["staff", "coordinator"])
@pytest.mark.parametrize("page", REQUESTS.keys())
def test_queries_do_not_grow_with_the_number_of_activities(
    client, action_line, status, closed_status, ocw, szw, role, page
):
    user = make_staff_member(ocw) if role == "staff" else make_coordinator()
    client.force_login(user)
    add_activities(10, action_line, status, (ocw, szw))
    add_activities(3, action_line, status, (szw,))
    prepare = REQUESTS[page]
    queries_for(client, prepare)  # warm caches such as content types

    with_10 = queries_for(client, prepare)
    add_activities(50, action_line, status, (ocw, szw))
    with_60 = queries_for(client, prepare)

    assert with_60 == with_10
