"""How fast is the spreadsheet update round at scale? Not a test: a measurement.

A coordinator downloads the template of all activities, changes the status in every row,
uploads it (preview) and confirms (applied at once). Then a ministry employee who works for
every actor does the same (proposals), and the coordinator approves them all with the admin's
bulk action. Prints wall time, CPU time of this process and SQL queries for each step.

    .venv/bin/python bench/update_round.py --activities 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nap_imports_bench \\
        .venv/bin/python bench/update_round.py --activities 10000 --baseline 2de670e --baseline main

With ``--baseline REV`` (repeatable) each REV is checked out into a temporary git worktree and
measured the same way first, in a subprocess of its own, with this script and this virtualenv;
a step the old code does not have (the review, before proposals existed) shows as "-".
Runs against a throwaway test database: SQLite by default, PostgreSQL with DATABASE_URL (the
test database is named after it, e.g. test_nap_imports_bench). The confirmation is measured in
the request, so the move of large files to the task queue is switched off here.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, QueryCounter, configure_in_process, step

RESULT = "RESULT "
STEPS = [
    ("export", "export XLSX (coordinator)"),
    ("preview", "preview, every row changed (coordinator)"),
    ("apply", "confirm: applied at once (coordinator)"),
    ("propose_preview", "preview, every row changed (ministry)"),
    ("propose", "confirm: proposals (ministry)"),
    ("approve", "approve all proposals (bulk action)"),
]


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


def measure(results: dict, key: str, action):
    with QueryCounter() as queries:
        wall, cpu = time.perf_counter(), time.process_time()
        outcome = action()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    results[key] = {"wall": round(wall, 2), "cpu": round(cpu, 2), "queries": queries.count}
    print(f"  {key:<16} {wall:8.2f} s wall {cpu:8.2f} s CPU {queries.count:8d} queries", flush=True)
    return outcome


def run_here(count: int) -> dict:
    """Every step against the code at sys.path[0] (this checkout or a baseline's)."""
    import django

    django.setup()
    from django.apps import apps
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from tests.measures.editors import (
        XLSX,
        confirm,
        download_template,
        make_coordinator,
        make_staff_member,
        upload,
        xlsx_file,
        xlsx_rows,
    )

    def filled_in(client, status: str) -> bytes:
        headers, *rows = xlsx_rows(download_template(client, XLSX))
        column = headers.index("Status")
        return xlsx_file([headers, *([*r[:column], status, *r[column + 1 :]] for r in rows)])

    def import_all(client, status: str, preview_key: str, confirm_key: str) -> None:
        content = filled_in(client, status)
        preview = measure(results, preview_key, lambda: upload(client, content))
        assert len(preview.context["result"].changed_rows()) == count
        response = measure(results, confirm_key, lambda: confirm(client, preview))
        assert response.status_code == 302, response.status_code

    def signed_in(user) -> Client:
        client = Client()
        client.force_login(user)
        try:  # a second factor, in the checkouts that have one
            from tests.accounts import verify_second_factor
        except ImportError:
            return client
        verify_second_factor(client, user)
        return client

    results = {}
    setup_test_environment()
    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        populate(count)
        from measures.models import Activity, Actor

        reviewer = make_coordinator()
        coordinator = signed_in(reviewer)
        measure(results, "export", lambda: download_template(coordinator, XLSX))
        import_all(coordinator, "Afgerond", "preview", "apply")
        assert not Activity.objects.filter(version=1).exists()

        if apps.is_installed("measures") and "proposal" in apps.get_app_config("measures").models:
            from measures.models import Proposal

            staff = signed_in(make_staff_member(*Actor.objects.all()))
            import_all(staff, "Loopt", "propose_preview", "propose")
            assert Proposal.objects.filter(state="ingediend").count() == count
            # Signed in afresh: on old code the steps before can outlast the session.
            coordinator = signed_in(reviewer)
            changelist = reverse("admin:measures_proposal_changelist")
            first = list(Proposal.objects.values_list("pk", flat=True)[:100])
            response = measure(
                results,
                "approve",
                lambda: coordinator.post(
                    changelist,
                    {
                        "action": "approve_selected",
                        "select_across": "1",
                        "index": "0",
                        "_selected_action": first,
                    },
                ),
            )
            assert response.status_code == 302, response.status_code
            assert not Proposal.objects.filter(state="ingediend").exists()
            assert not Activity.objects.filter(version=2).exists()
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
    return results


def run_checkout(root: Path, count: int) -> dict:
    """This script in a subprocess against the checkout at ``root``."""
    env = {**os.environ, "NAP_IMPORT_BACKGROUND_ROWS": str(count + 1)}
    command = [sys.executable, str(Path(__file__).resolve()), "--activities", str(count)]
    completed = subprocess.run(
        [*command, "--root", str(root)], cwd=root, env=env, stdout=subprocess.PIPE, text=True
    )
    lines = completed.stdout.splitlines()
    print("\n".join(line for line in lines if not line.startswith(RESULT)), flush=True)
    if completed.returncode:
        raise SystemExit(f"the run against {root} failed ({completed.returncode})")
    return json.loads(next(line for line in lines if line.startswith(RESULT))[len(RESULT) :])


def report(count: int, vendor: str, sides: list[tuple[str, dict]]) -> None:
    print(f"\n{count} rows on {vendor}: wall s / CPU s / queries")
    print(f"{'':<44}" + "".join(f"{label[:26]:>28}" for label, _ in sides))
    for key, title in STEPS:
        cells = []
        for _, results in sides:
            r = results.get(key)
            cells.append(f"{r['wall']:.1f} / {r['cpu']:.1f} / {r['queries']}" if r else "-")
        print(f"{title:<44}" + "".join(f"{cell:>28}" for cell in cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument(
        "--baseline", metavar="REV", action="append", default=[], help="also measure REV"
    )
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)  # a run's checkout
    arguments = parser.parse_args()

    if arguments.root:
        sys.path.insert(0, str(arguments.root))
        configure_in_process()
        print(RESULT + json.dumps(run_here(arguments.activities)), flush=True)
        return

    vendor = "PostgreSQL" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    scratch = Path(tempfile.mkdtemp(prefix="nap-bench-round-"))
    sides = []
    try:
        for revision in arguments.baseline:
            path = scratch / revision.replace("/", "-")
            step(f"baseline {revision}: checking it out into a temporary worktree")
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), revision],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            try:
                step(f"baseline {revision}")
                sides.append((revision, run_checkout(path, arguments.activities)))
            finally:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)],
                    check=False,
                )
        step("this checkout")
        sides.append(("this checkout", run_checkout(ROOT, arguments.activities)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report(arguments.activities, vendor, sides)


if __name__ == "__main__":
    main()
