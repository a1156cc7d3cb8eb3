"""How fast is the spreadsheet update round at scale? Not a test: a measurement.

A coordinator downloads the template of all activities, changes the status in every row,
uploads it (preview) and confirms. Prints time and number of SQL queries for each step.

    .venv/bin/python bench/update_round.py --activities 10000

Runs against a throwaway test database: SQLite by default, PostgreSQL with DATABASE_URL.
"""

import argparse
import sys
import time
from pathlib import Path

from common import QueryCounter, configure_in_process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
configure_in_process()

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from tests.measures.editors import (  # noqa: E402
    CSV,
    XLSX,
    confirm,
    download_template,
    make_coordinator,
    upload,
    xlsx_file,
    xlsx_rows,
)


def populate(count: int) -> None:
    from actionlines.models import ActionLine
    from measures.models import Activity, ActivityActor, Actor, ActorKind, Status

    lines = [
        ActionLine.objects.create(number=n, title=f"Actielijn {n}", slug=f"actielijn-{n}")
        for n in range(1, 6)
    ]
    running = Status.objects.create(code="loopt", label="Loopt", definition="Loopt.")
    Status.objects.create(code="afgerond", label="Afgerond", definition="Klaar.", is_closed=True)
    actors = [
        Actor.objects.create(code=code, name=code, kind=ActorKind.MINISTRY)
        for code in ("OCW", "SZW", "JenV", "VWS", "BZK")
    ]
    activities = Activity.objects.bulk_create(
        Activity(
            action_line=lines[i % 5],
            position=i,
            title=f"Activiteit {i}",
            slug=f"activiteit-{i}",
            status=running,
            timeframe_label="2023-2026",
            start_year=2023,
            end_year=2026,
            explanation=f"Toelichting bij activiteit {i}.\n\n- eerste stap\n- tweede stap",
        )
        for i in range(count)
    )
    ActivityActor.objects.bulk_create(
        ActivityActor(activity=activity, actor=actors[i % 5], position=0)
        for i, activity in enumerate(activities)
    )


def measure(label: str, step):
    with QueryCounter() as queries:
        started = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - started
    print(f"{label:<38} {seconds:8.2f} s {queries.count:8d} queries")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--skip-confirm", action="store_true", help="stop after the preview")
    arguments = parser.parse_args()

    setup_test_environment()
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        populate(arguments.activities)
        client = Client()
        client.force_login(make_coordinator())
        print(f"{arguments.activities} activities on {connection.vendor}")

        template = measure("export XLSX", lambda: download_template(client, XLSX))
        measure("export CSV", lambda: download_template(client, CSV))
        headers, *rows = xlsx_rows(template)
        status = headers.index("Status")
        filled_in = xlsx_file(
            [headers, *([*row[:status], "Afgerond", *row[status + 1 :]] for row in rows)]
        )
        preview = measure("import preview (every row changed)", lambda: upload(client, filled_in))
        assert len(preview.context["result"].changed_rows()) == arguments.activities
        if not arguments.skip_confirm:
            response = measure("import confirm (every row saved)", lambda: confirm(client, preview))
            assert response.status_code == 302, response.status_code
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
