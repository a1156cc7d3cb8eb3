"""Benchmark the overview exports and the progress report on PostgreSQL, optionally side by side
with older commits.

    .venv/bin/python bench/bench_exports.py                  # database nap_bench6_10000
    .venv/bin/python bench/bench_exports.py --activities 2000 --skip-pdf
    .venv/bin/python bench/bench_exports.py --activities 1000 10000 --baseline 2de670e \\
        --baseline main --database postgres://postgres@127.0.0.1:5432/nap_exports_bench

Measures wall time, CPU time (the process's user + system time), peak memory and SQL queries of
the CSV, XLSX and JSON exports (all rows, three action lines and one, to show memory does not
grow with the rows), of the HTML report (draft from live data and published from the frozen
snapshot), of its PDF and workbook, and, for comparison, of a stock django-import-export
``ModelResource`` with the same columns declared the ordinary way and no prefetching.

With ``--baseline REV`` (repeatable) each REV is checked out into a temporary git worktree
(removed afterwards) and the same measurements run there, in the same way and on the same
database, interleaved with this checkout's so that both see the same load; only the exports
are measured then (all rows and three action lines, each format). Compare CPU time on a busy
machine: wall time includes waiting for the processor.

Every measurement runs in its own Python process, --repeat times (the fastest counts). "Peak
memory" is how far that process's resident memory rose above what it used just before the
request (Django and the libraries are already loaded), read from Linux's VmHWM after resetting
it. Each process has a time limit; a measurement over it is reported, not waited for. The data
is made once per number of activities (bulk inserts, in database ``<--database>_<number>``) and
reused; --rebuild makes it again. The PDF is measured on a second database of --pdf-activities
activities (1,000 by default), beside the HTML of that same report. Results go to
bench/results/.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import QueryCounter, configure_in_process

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/nap_bench6"
REPORT_SLUG = "bench-rapportage"
PREVIOUS_SLUG = "bench-vorige"

SIX_THOUSAND = "actielijn=1&actielijn=2&actielijn=3"
SCENARIOS = {
    # name: (kind, argument). One action line holds a fifth of the activities.
    "csv (alle rijen)": ("view", "/activiteiten/export.csv"),
    "csv (3 actielijnen, 60%)": ("view", f"/activiteiten/export.csv?{SIX_THOUSAND}"),
    "csv (1 actielijn, 20%)": ("view", "/activiteiten/export.csv?actielijn=1"),
    "xlsx (alle rijen)": ("view", "/activiteiten/export.xlsx"),
    "xlsx (3 actielijnen, 60%)": ("view", f"/activiteiten/export.xlsx?{SIX_THOUSAND}"),
    "xlsx (1 actielijn, 20%)": ("view", "/activiteiten/export.xlsx?actielijn=1"),
    "json (alle rijen)": ("view", "/activiteiten/export.json"),
    "json (3 actielijnen, 60%)": ("view", f"/activiteiten/export.json?{SIX_THOUSAND}"),
    "json (1 actielijn, 20%)": ("view", "/activiteiten/export.json?actielijn=1"),
    "stock csv": ("stock", "csv"),
    "stock xlsx": ("stock", "xlsx"),
    "stock json": ("stock", "json"),
    "rapportage html (concept, live)": ("view", f"/rapportages/{REPORT_SLUG}/"),
    "rapportage html (gepubliceerd)": ("view", f"/rapportages/{PREVIOUS_SLUG}/"),
    "rapportage wijzigingen (concept)": ("view", f"/rapportages/{REPORT_SLUG}/wijzigingen/"),
    "rapportage xlsx (gepubliceerd)": ("view", f"/rapportages/{PREVIOUS_SLUG}.xlsx"),
    "rapportage pdf (gepubliceerd)": ("view", f"/rapportages/{PREVIOUS_SLUG}.pdf"),
}
# What --baseline compares: each format, unfiltered (built into the stored file) and filtered.
BASELINE_SCENARIOS = [
    "csv (alle rijen)",
    "csv (3 actielijnen, 60%)",
    "json (alle rijen)",
    "json (3 actielijnen, 60%)",
    "xlsx (alle rijen)",
    "xlsx (3 actielijnen, 60%)",
]
COMPARISONS = [
    ("csv (alle rijen)", "stock csv"),
    ("xlsx (alle rijen)", "stock xlsx"),
    ("json (alle rijen)", "stock json"),
]


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    # A fresh folder for the stored unfiltered exports: every measurement builds its file
    # (the cost of the first request after a change), none is served from an earlier run's.
    os.environ["NAP_EXPORT_DIR"] = tempfile.mkdtemp(prefix="nap-bench-exports-")
    configure_in_process()
    import django

    django.setup()


def ensure_database(database_url: str) -> None:
    import psycopg
    from django.db.backends.postgresql.psycopg_any import sql

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        query = "SELECT 1 FROM pg_database WHERE datname = %s"
        if not connection.execute(query, [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# -- data ----------------------------------------------------------------------------------

EXPLANATION = (
    "In {year} is de aanpak verder uitgewerkt met gemeenten, onderwijsinstellingen en "
    "werkgevers. De eerste resultaten zijn besproken met de betrokken organisaties[^1] en de "
    "evaluatie volgt in het najaar.\n\n"
    "- een landelijke bijeenkomst met professionals\n"
    "- een handreiking voor werkgevers en leidinggevenden\n\n"
    "Over de voortgang is de Tweede Kamer geïnformeerd[^2]."
)


def build_data(count: int, rebuild: bool = False) -> None:
    from django.core.management import call_command
    from django.db import transaction

    from actionlines.models import ActionLine
    from measures.models import Activity, ActivityActor, Actor, ActorKind, Footnote, Status
    from reporting.models import ProgressReport
    from reporting.services import publish_report

    call_command("migrate", verbosity=0)
    if not rebuild and Activity.objects.count() == count and ProgressReport.objects.count() == 2:
        return
    print(f"Gegevens maken: {count} activiteiten ...", flush=True)
    with transaction.atomic():
        ProgressReport.objects.all().delete()
        Activity.objects.all().delete()
        Activity.history.all().delete()
        Footnote.history.all().delete()
        Status.objects.all().delete()
        Actor.objects.all().delete()
        ActionLine.objects.all().delete()
        lines = ActionLine.objects.bulk_create(
            ActionLine(number=n, title=f"Actielijn {n} van het NAP", slug=f"actielijn-{n}")
            for n in range(1, 6)
        )
        statuses = Status.objects.bulk_create(
            Status(code=code, label=label, definition=f"De activiteit {label.lower()}.", position=p)
            for p, (code, label) in enumerate(
                [
                    ("nog-niet-gestart", "Nog niet gestart"),
                    ("loopt", "Loopt"),
                    ("vertraagd", "Vertraagd"),
                    ("afgerond", "Afgerond"),
                    ("doorlopend", "Doorlopend"),
                    ("niet-voortgezet", "Niet voortgezet"),
                ]
            )
        )
        actors = Actor.objects.bulk_create(
            Actor(code=code, name=f"Ministerie van {code}", kind=ActorKind.MINISTRY)
            for code in ["OCW", "SZW", "JenV", "VWS", "BZK", "DEF", "EZK", "IenW"]
        )
        now = datetime.datetime.now(datetime.UTC)
        activities = Activity.objects.bulk_create(
            Activity(
                action_line=lines[n % 5],
                position=n,
                title=f"Activiteit {n}: aanpak van grensoverschrijdend gedrag in sector {n % 37}",
                slug=f"activiteit-{n}",
                status=statuses[n % 6],
                timeframe_label="2023-2026",
                start_year=2023,
                end_year=2026,
                explanation=EXPLANATION.format(year=2023 + n % 3),
                updated_at=now,
            )
            for n in range(count)
        )
        ActivityActor.objects.bulk_create(
            ActivityActor(activity=activity, actor=actors[(n + k) % 8], position=k)
            for n, activity in enumerate(activities)
            for k in range(1 + n % 3)
        )
        Footnote.objects.bulk_create(
            Footnote(
                activity=activity,
                number=k,
                position=k,
                text=f"Kamerstukken II 2024/25, 34843, nr. {n % 200 + k}",
                url="https://www.tweedekamer.nl/kamerstukken",
            )
            for n, activity in enumerate(activities)
            for k in (1, 2)
        )
    today = datetime.date.today()
    previous = ProgressReport.objects.create(
        title="Bench: gepubliceerd", slug=PREVIOUS_SLUG, reference_date=today
    )
    publish_report(previous)
    # A tenth of the activities change status, so the report's changes annex has content.
    for activity in Activity.objects.filter(position__lt=count // 10):
        Activity.objects.filter(pk=activity.pk).update(status=statuses[(activity.position + 1) % 6])
    ProgressReport.objects.create(
        title="Bench: concept", slug=REPORT_SLUG, reference_date=today + datetime.timedelta(days=1)
    )


# -- one measurement (in its own process) ---------------------------------------------------


class StockResourceFactory:
    """The same columns, declared the way the django-import-export documentation shows."""

    @staticmethod
    def build():
        from import_export import resources, widgets
        from import_export.fields import Field

        from measures.models import Activity, Actor

        class StockActivityResource(resources.ModelResource):
            action_line_number = Field(
                attribute="action_line__number", column_name="actielijn nummer"
            )
            action_line = Field(attribute="action_line__title", column_name="actielijn")
            title = Field(attribute="title", column_name="activiteit")
            status = Field(attribute="status__label", column_name="status")
            timeframe_label = Field(attribute="timeframe_label", column_name="wanneer")
            start_year = Field(attribute="start_year", column_name="start")
            end_year = Field(attribute="end_year", column_name="eind")
            actor_codes = Field(
                attribute="actors",
                column_name="wie (codes)",
                widget=widgets.ManyToManyWidget(Actor, field="code", separator="; "),
            )
            actor_names = Field(
                attribute="actors",
                column_name="wie (namen)",
                widget=widgets.ManyToManyWidget(Actor, field="name", separator="; "),
            )
            explanation = Field(attribute="explanation", column_name="toelichting")
            footnotes = Field(column_name="voetnoten")
            deviates_from_plan = Field(attribute="deviates_from_plan", column_name="afwijking")
            updated_at = Field(attribute="updated_at", column_name="laatst bijgewerkt")
            url = Field(column_name="URL")

            class Meta:
                model = Activity
                fields = (
                    "action_line_number",
                    "action_line",
                    "title",
                    "status",
                    "timeframe_label",
                    "start_year",
                    "end_year",
                    "actor_codes",
                    "actor_names",
                    "explanation",
                    "footnotes",
                    "deviates_from_plan",
                    "updated_at",
                    "url",
                )
                export_order = fields

            def dehydrate_footnotes(self, activity):
                return "\n".join(f"[{f.number}] {f.text} {f.url}" for f in activity.footnotes.all())

            def dehydrate_url(self, activity):
                return activity.get_absolute_url()

        return StockActivityResource()


def memory_kib(field: str) -> int:
    """VmRSS (resident now) or VmHWM (peak resident since the last reset), in KiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak_memory() -> None:
    """Linux: writing 5 to clear_refs resets VmHWM to the current RSS."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")


def measure(kind: str, argument: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from measures.models import Activity

    client = Client(HTTP_HOST="localhost")
    # Drafts are only for staff; a superuser sees everything.
    user, _created = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client.force_login(user)
    if kind == "view" and ".pdf" in argument:
        import weasyprint  # noqa: F401 - load the library before measuring, like a warm worker
    # Warm up templates, URL resolver and imports on a tiny request.
    client.get("/open-data/")
    reset_peak_memory()
    baseline = memory_kib("VmRSS")
    with QueryCounter() as queries:
        started = time.perf_counter()
        cpu_started = time.process_time()
        if kind == "view":
            response = client.get(argument)
            assert response.status_code == 200, (argument, response.status_code)
            size = 0
            if response.streaming:
                for chunk in response.streaming_content:
                    size += len(chunk)
            else:
                size = len(response.content)
        else:
            dataset = StockResourceFactory.build().export(Activity.objects.published())
            size = len(dataset.export(argument))
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
    peak = memory_kib("VmHWM")
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu_seconds, 3),
        "peak_mib": round((peak - baseline) / 1024, 1),
        "queries": queries.count,
        "bytes": size,
    }


# -- orchestration --------------------------------------------------------------------------


def run_in_process(database_url: str, arguments: list[str], timeout: int, code: Path = ROOT):
    """This script in a new process, importing the application from the checkout ``code``."""
    command = [sys.executable, __file__, "--database", database_url, "--code", str(code)]
    return subprocess.run(
        [*command, *arguments], capture_output=True, text=True, timeout=timeout, check=False
    )


def run_scenario(name: str, database_url: str, timeout: int, repeat: int, code: Path) -> dict:
    """The best of ``repeat`` runs: on a shared machine the fastest run is the least disturbed."""
    kind, argument = SCENARIOS[name]
    runs = []
    for _ in range(repeat):
        try:
            finished = run_in_process(database_url, ["--measure", kind, argument], timeout, code)
        except subprocess.TimeoutExpired:
            return {"error": f"langer dan {timeout} s"}
        if finished.returncode != 0:
            return {"error": finished.stderr.strip().splitlines()[-1:]}
        runs.append(json.loads(finished.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda run: run["seconds"])
    return {
        **best,
        "cpu_seconds": min(run["cpu_seconds"] for run in runs),
        "peak_mib": min(run["peak_mib"] for run in runs),
        "runs": runs,
    }


def prepare(database_url: str, activities: int, rebuild: bool) -> None:
    ensure_database(database_url)
    arguments = ["--build-only", "--activities", str(activities)]
    finished = run_in_process(database_url, arguments + (["--rebuild"] if rebuild else []), 3600)
    if finished.returncode != 0:
        sys.exit("\n".join(finished.stderr.strip().splitlines()[-5:])[:2000])
    print(finished.stdout, end="")


HEADER = (
    f"{'meting':38} {'code':>10} {'tijd (s)':>9} {'cpu (s)':>8} {'piek (MiB)':>11} "
    f"{'queries':>8} {'bytes':>12}"
)


def print_result(name: str, result: dict, code: str = "") -> None:
    if "error" in result:
        print(f"{name:38} {code:>10} {result['error']}", flush=True)
        return
    print(
        f"{name:38} {code:>10} {result['seconds']:9.2f} {result['cpu_seconds']:8.2f} "
        f"{result['peak_mib']:11.1f} {result['queries']:8d} {result['bytes']:12,d}",
        flush=True,
    )


def measure_size(options, activities: int, checkouts: list[tuple[str, Path]]) -> dict:
    """Every scenario at one number of activities, each checkout right after the other."""
    database = f"{options.database}_{activities}"
    prepare(database, activities, options.rebuild)
    names = BASELINE_SCENARIOS if options.baseline else SCENARIOS
    print(f"\n{activities:,} activiteiten\n{HEADER}")
    results = {}
    for name in names:
        if name.endswith("pdf (gepubliceerd)"):
            continue
        for label, code in checkouts:
            result = run_scenario(name, database, options.timeout, options.repeat, code)
            results.setdefault(name, {})[label] = result
            print_result(name, result, label)
    return results


def print_pdf(options) -> dict:
    pdf_database = f"{options.database}_pdf{options.pdf_activities}"
    prepare(pdf_database, options.pdf_activities, options.rebuild)
    print(f"\n{options.pdf_activities:,} activiteiten (PDF)\n{HEADER}")
    results = {"activities": options.pdf_activities}
    for name in ("rapportage html (gepubliceerd)", "rapportage pdf (gepubliceerd)"):
        results[name] = run_scenario(name, pdf_database, options.timeout, options.repeat, ROOT)
        print_result(name, results[name])
    return results


def print_stock_comparison(results: dict) -> None:
    print("Tegen een standaard ModelResource (zonder prefetch):")
    for name, stock_name in COMPARISONS:
        ours = results.get(name, {}).get("dit werk", {})
        stock = results.get(stock_name, {}).get("dit werk", {})
        if "cpu_seconds" in ours and "cpu_seconds" in stock:
            speed = stock["cpu_seconds"] / max(ours["cpu_seconds"], 0.001)
            memory = stock["peak_mib"] / max(ours["peak_mib"], 0.1)
            print(
                f"  {name:20} {speed:5.1f}x zo snel (cpu), {memory:5.1f}x zo weinig geheugen, "
                f"{ours['queries']} tegen {stock['queries']} queries"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default=DEFAULT_DATABASE,
        help="basis van de databasenamen: <database>_<aantal activiteiten>",
    )
    parser.add_argument("--activities", type=int, nargs="+", default=[10_000])
    parser.add_argument(
        "--baseline",
        metavar="REV",
        action="append",
        default=[],
        help="meet ook deze commit (herhaalbaar), bv. main; alleen de exports",
    )
    parser.add_argument(
        "--pdf-activities",
        type=int,
        default=1_000,
        help="PDF in een eigen database van deze omvang (WeasyPrint kost ongeveer 40 ms en "
        "0,7 MiB per activiteit; 10.000 kan, maar duurt minuten en vraagt gigabytes)",
    )
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--timeout", type=int, default=900, help="seconden per meting")
    parser.add_argument(
        "--repeat", type=int, default=3, help="metingen per scenario (de snelste telt)"
    )
    parser.add_argument("--code", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "ARGUMENT"), help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.build_only or options.measure:
        sys.path.insert(0, str(options.code))
        setup_django(options.database)
        if options.build_only:
            build_data(options.activities[0], options.rebuild)
        else:
            print(json.dumps(measure(*options.measure)))
        return

    from bench_pages import add_worktree, remove_worktree

    results: dict = {"activities": options.activities}
    scratch = Path(tempfile.mkdtemp(prefix="nap-bench-exports-baseline-"))
    checkouts = [("dit werk", ROOT)]
    try:
        for number, revision in enumerate(options.baseline):
            checkouts.append((revision, add_worktree(revision, scratch / f"baseline-{number}")))
        for activities in options.activities:
            results[str(activities)] = measure_size(options, activities, checkouts)
    finally:
        for _label, code in checkouts[1:]:
            remove_worktree(code)
    if not options.baseline:
        if not options.skip_pdf:
            results["pdf"] = print_pdf(options)
        for activities in options.activities:
            print(f"\n{activities:,} activiteiten.", end=" ")
            print_stock_comparison(results[str(activities)])

    output = ROOT / "bench" / "results"
    output.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    sizes = "-".join(str(activities) for activities in options.activities)
    path = output / f"exports-{sizes}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\nResultaten: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
