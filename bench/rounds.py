"""How fast does a round open, and does its page stay constant? Not a test: a measurement.

Opens an update round over every public activity (one request each, inserted in bulk), then
loads the coordinator's round page and a ministry employee's, and runs the opening mails'
job's selection. Prints time, queries and queries per 1,000 requests for each step, at two
sizes, so a count that grows with the round shows at once.

    .venv/bin/python bench/rounds.py --activities 10000

Runs against a throwaway test database: SQLite by default, PostgreSQL with DATABASE_URL.
"""

import argparse
import datetime
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
from django.urls import reverse  # noqa: E402
from update_round import populate  # noqa: E402

from measures.models import Activity, ActivityActor, Actor  # noqa: E402
from reporting.rounds import jobs, services  # noqa: E402
from reporting.rounds.models import UpdateRequest, UpdateRound  # noqa: E402
from tests.measures.editors import make_coordinator, make_staff_member  # noqa: E402


def measure(label: str, step, items: int):
    with QueryCounter() as queries:
        started = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - started
    per_thousand = queries.count * 1000 / max(items, 1)
    print(
        f"{label:<44} {items:>6} items {seconds:8.2f} s {queries.count:6d} queries "
        f"({per_thousand:.2f} per 1,000)"
    )
    return result


def round_of(coordinator, count: int) -> UpdateRound:
    scope = Activity.objects.filter(pk__in=Activity.objects.order_by("pk").values("pk")[:count])
    return services.open_round(
        user=coordinator,
        title=f"Uitvraag {count}",
        reference_date=datetime.date.today(),
        deadline=datetime.date.today() + datetime.timedelta(days=30),
        activities=scope,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    arguments = parser.parse_args()

    setup_test_environment()
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        populate(arguments.activities)
        coordinator = make_coordinator(email="coordinator@example.nl")
        staff = make_staff_member(Actor.objects.get(code="OCW"), email="ocw@example.nl")
        services.may_manage_rounds(coordinator)  # read the permissions once, as a request does
        print(f"{arguments.activities} activities on {connection.vendor}")
        client, employee = Client(), Client()
        client.force_login(coordinator)
        employee.force_login(staff)
        for count in (arguments.activities // 10, arguments.activities):
            opened = measure("open a round", lambda c=count: round_of(coordinator, c), count)
            assert UpdateRequest.objects.filter(round=opened).count() == count
            url = reverse("admin:reporting_updateround_change", args=[opened.pk])
            measure("round page, coordinator", lambda u=url: client.get(u), count)
            own = ActivityActor.objects.filter(activity__in=opened.requests.values("activity"))
            mine = own.filter(actor__code="OCW").count()
            measure("round page, medewerker (own requests)", lambda u=url: employee.get(u), mine)
            measure(
                "requests per recipient (opening mail)",
                lambda r=opened: jobs._requests_per_user(UpdateRequest.objects.filter(round=r)),
                count,
            )
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
