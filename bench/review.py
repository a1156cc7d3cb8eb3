"""How fast is the review of proposals at scale? Not a test: a measurement.

Synthetic activities (seed_synthetic); a ministry employee who works for every actor proposes
a new status and explanation for each; a coordinator approves them all at once with the admin's
bulk action ("Geselecteerde voorstellen goedkeuren", every proposal selected). Prints time and
SQL queries, in total and per proposal, for each step.

    .venv/bin/python bench/review.py --activities 10000

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

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from tests.measures.editors import make_coordinator, make_staff_member  # noqa: E402


def measure(label: str, count: int, step):
    with QueryCounter() as queries:
        started = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - started
    print(
        f"{label:<34} {seconds:8.2f} s {queries.count:8d} queries"
        f"   per proposal: {1000 * seconds / count:6.2f} ms {queries.count / count:6.2f} queries"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    arguments = parser.parse_args()

    setup_test_environment()
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        from measures import services
        from measures.models import Activity, Actor, Proposal, ProposalState, Status

        call_command(
            "seed_synthetic", activities=arguments.activities, allow_without_debug=True, verbosity=0
        )
        count = Activity.objects.count()
        print(f"{count} activities on {connection.vendor}")
        staff = make_staff_member(*Actor.objects.all())
        statuses = list(Status.objects.order_by("code"))

        def propose_all():
            for activity in Activity.objects.select_related("status"):
                new = next(status for status in statuses if status.pk != activity.status_id)
                services.propose_changes(
                    activity,
                    user=staff,
                    base_version=activity.version,
                    changes={"status": new, "explanation": activity.explanation + " Bijgewerkt."},
                    source="spreadsheet",
                )

        measure("propose (one per activity)", count, propose_all)
        assert Proposal.objects.pending().count() == count

        client = Client()
        client.force_login(make_coordinator())
        changelist = reverse("admin:measures_proposal_changelist")
        measure("review list (first page)", count, lambda: client.get(changelist))
        selected = list(Proposal.objects.values_list("pk", flat=True)[:100])
        response = measure(
            "bulk approve (all selected)",
            count,
            lambda: client.post(
                changelist,
                {
                    "action": "approve_selected",
                    "select_across": "1",
                    "index": "0",
                    "_selected_action": selected,
                },
            ),
        )
        assert response.status_code == 302, response.status_code
        approved = Proposal.objects.filter(state=ProposalState.APPROVED).count()
        assert approved == count, approved
        assert not Activity.objects.filter(version=1).exists()
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
