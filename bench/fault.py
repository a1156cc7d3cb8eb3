"""PostgreSQL stops and starts again in the middle of the load; the app recovers by itself.

What it does, on this machine only (127.0.0.1), bounded in time:

1. prepares the database and starts gunicorn exactly as bench/load.py does (production
   settings, 10,000 synthetic activities; database ``nap_bench8``, reused with ``--reuse-db``);
2. for ``--seconds`` runs, side by side:
   - ``wrk`` with bench/load.py's traffic mix at ``--connections`` connections;
   - probes: a few clients that request pages the page cache cannot answer (an ignored,
     unique parameter per request), so every request needs the database, and record when
     each request ended and how;
   - a writer that edits one activity after another through the same service the admin and
     the import use (``measures.services.save_activity``, a transaction per edit) and
     records every edit that was acknowledged, i.e. whose save returned;
3. after ``--stop-after`` seconds stops PostgreSQL (``pg_ctlcluster --skip-systemctl-redirect
   15 main stop``, fast mode: open connections are cut), waits ``--down`` seconds, and starts
   it again. gunicorn is not touched;
4. reports: errors before the stop (must be 0), errors while PostgreSQL was down, how long
   after PostgreSQL was back the first request succeeded and the last one failed, and checks
   that every acknowledged edit is in the database (version and text, in the history).

PostgreSQL is started again whatever happens (also after an error or Ctrl-C).

    .venv/bin/python bench/fault.py --reuse-db       # needs root or the postgres user
"""

import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load
from common import manage, step

ROOT = load.ROOT
PG_CLUSTER = ["15", "main"]


@dataclass
class Outcome:
    started: float
    ended: float
    ok: bool
    detail: str


class Clock:
    """Seconds since the start of the run, shared by every thread."""

    def __init__(self):
        self.origin = time.monotonic()

    def __call__(self) -> float:
        return time.monotonic() - self.origin


def pg_ctl(action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, action],
        check=True,
        timeout=60,
    )


def database_accepts(database_url: str) -> bool:
    try:
        with psycopg.connect(database_url, connect_timeout=2) as connection:
            connection.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def ensure_postgresql_running(database_url: str) -> None:
    if database_accepts(database_url):
        return
    step("Starting PostgreSQL again")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, "start"],
        check=False,
        timeout=60,
    )
    for _ in range(60):
        if database_accepts(database_url):
            return
        time.sleep(0.5)
    raise SystemExit("PostgreSQL did not come back: start it by hand!")


# -- the clients during the fault ----------------------------------------------------------------


def probe(port: int, activities: int, number: int, clock: Clock, until: float, out: list):
    rng = random.Random(number)
    sent = 0
    while clock() < until and sent < 20_000:
        sent += 1
        bust = f"probe={number}-{sent}"
        path = rng.choice(
            [
                f"/activiteiten/?page={rng.randint(1, activities // 25)}&{bust}",
                f"/activiteiten/synthetisch-{rng.randint(1, activities)}/?{bust}",
                f"/activiteiten/?q=onderwijs&{bust}",
                f"/?{bust}",
            ]
        )
        started = clock()
        try:
            status = load.fetch_via_proxy(port, path, timeout=15)
            out.append(Outcome(started, clock(), status == 200, str(status)))
        except OSError as error:
            out.append(Outcome(started, clock(), False, type(error).__name__))
        time.sleep(0.05)


def writer(activities: int, clock: Clock, until: float, acknowledged: list, out: list) -> None:
    """Edit activities one by one; an edit is acknowledged once save_activity returned."""
    from django.db import DatabaseError, close_old_connections

    from measures import services
    from measures.models import Activity

    rng = random.Random(7)
    attempt = 0
    while clock() < until and attempt < 5_000:
        attempt += 1
        close_old_connections()  # what Django does around every request: health checks
        started = clock()
        text = f"Synthetisch: bewerking {attempt} tijdens de storingstest."
        try:
            activity = Activity.objects.get(slug=f"synthetisch-{rng.randint(1, activities)}")
            activity.explanation = text
            saved = services.save_activity(
                activity, user=None, base_version=activity.version, reason="Storingstest"
            )
            acknowledged.append((saved.pk, saved.version, text, clock()))
            out.append(Outcome(started, clock(), True, "saved"))
        except DatabaseError as error:
            out.append(Outcome(started, clock(), False, type(error).__name__))
        time.sleep(0.2)


def verify(acknowledged: list) -> tuple[int, list]:
    """Every acknowledged edit is in the history with its version and text."""
    from django.db import close_old_connections

    from measures.models import Activity

    close_old_connections()
    recorded = set(
        Activity.history.filter(
            id__in={pk for pk, *_ in acknowledged}, history_change_reason="Storingstest"
        ).values_list("id", "version", "explanation")
    )
    current = dict(
        Activity.objects.filter(pk__in={pk for pk, *_ in acknowledged}).values_list("pk", "version")
    )
    missing = [
        edit
        for edit in acknowledged
        if (edit[0], edit[1], edit[2]) not in recorded or current.get(edit[0], -1) < edit[1]
    ]
    return len(acknowledged) - len(missing), missing


# -- main -------------------------------------------------------------------------------------


def setup_django(env: dict) -> None:
    os.environ.update({k: v for k, v in env.items() if k.startswith(("DJANGO_", "NAP_"))})
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "napsite.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def main() -> None:
    parser = load.parse_args(__doc__.split("\n")[0], default_port=8802)
    parser.add_argument("--stop-after", type=float, default=15.0)
    parser.add_argument("--down", type=float, default=5.0, help="seconds PostgreSQL stays down")
    parser.add_argument("--probes", type=int, default=4)
    parser.set_defaults(seconds=45)
    args = parser.parse_args()
    load.check_args(parser, args)
    if args.stop_after + args.down + 10 > args.seconds:
        parser.error("--seconds must leave at least 10 s after PostgreSQL is back")

    import tempfile

    work = Path(tempfile.mkdtemp(prefix="nap-fault-"))
    env = load.production_env(args.database_url, args.port, work / "cache")
    try:
        load.prepare_database(env, args.activities, args.reuse_db)
        manage(env, "collectstatic", "--noinput", "-v0")
        setup_django(env)
        paths = load.traffic_mix(args.activities, random.Random(2025))
        script = load.write_wrk_script(paths, work)
        with load.Gunicorn(env, args.port, work / "gunicorn.log") as server:
            server.warm_up(paths)
            result = run_fault(args, script)
        result["access_log_statuses"] = dict(server.access_log_statuses())
        # Before the database is dropped: the edits are read back from it.
        ensure_postgresql_running(args.database_url)
        result["edits_verified"], missing = verify(result.pop("acknowledged"))
        result["edits_missing"] = [list(edit) for edit in missing]
    finally:
        ensure_postgresql_running(args.database_url)
        if not (args.keep_db or args.reuse_db):
            load.drop_database(args.database_url)
    report(result, args)


def run_fault(args, script: Path) -> dict:
    clock = Clock()
    probes: list[Outcome] = []
    writes: list[Outcome] = []
    acknowledged: list = []
    wrk_result = {}

    def run_wrk():
        wrk_result.update(
            load.run_wrk(args.port, script, args.seconds, args.connections, args.wrk_threads)
        )

    until = args.seconds - 1
    threads = [threading.Thread(target=run_wrk)]
    threads += [
        threading.Thread(target=probe, args=(args.port, args.activities, n, clock, until, probes))
        for n in range(args.probes)
    ]
    threads.append(
        threading.Thread(target=writer, args=(args.activities, clock, until, acknowledged, writes))
    )
    step(f"Load for {args.seconds}s; PostgreSQL stops after {args.stop_after}s")
    for thread in threads:
        thread.start()
    try:
        time.sleep(args.stop_after)
        down_from = clock()
        pg_ctl("stop")
        step(f"PostgreSQL stopped at {clock():.1f}s")
        time.sleep(args.down)
        pg_ctl("start")
        while not database_accepts(args.database_url) and clock() < args.seconds:
            time.sleep(0.05)
        back_at = clock()
        step(f"PostgreSQL accepts connections again at {back_at:.1f}s")
    finally:
        ensure_postgresql_running(args.database_url)
    for thread in threads:
        thread.join(timeout=args.seconds + 90)

    def after_back(outcomes):
        first_ok = min((o.ended for o in outcomes if o.ok and o.started >= back_at), default=None)
        last_fail = max((o.ended for o in outcomes if not o.ok), default=None)
        return (
            None if first_ok is None else round(first_ok - back_at, 2),
            None if last_fail is None else round(last_fail - back_at, 2),
        )

    probe_first_ok, probe_last_fail = after_back(probes)
    write_first_ok, write_last_fail = after_back(writes)
    return {
        "down_from_s": round(down_from, 2),
        "back_at_s": round(back_at, 2),
        "down_seconds": round(back_at - down_from, 2),
        "probe_requests": len(probes),
        "probe_failures_before_stop": sum(not o.ok and o.ended < down_from for o in probes),
        "probe_failures_while_down": sum(
            not o.ok and down_from <= o.ended <= back_at for o in probes
        ),
        "probe_failures_after_back": sum(not o.ok and o.ended > back_at for o in probes),
        "probe_failure_kinds": sorted({o.detail for o in probes if not o.ok}),
        "first_success_after_back_s": probe_first_ok,
        "last_failure_after_back_s": probe_last_fail,
        "writes_attempted": len(writes),
        "writes_failed_before_stop": sum(not o.ok and o.ended < down_from for o in writes),
        "writes_failed": sum(not o.ok for o in writes),
        "write_first_success_after_back_s": write_first_ok,
        "write_last_failure_after_back_s": write_last_fail,
        "acknowledged": acknowledged,
        "wrk": load.summarise(wrk_result),
    }


def report(result: dict, args) -> None:
    wrk = result["wrk"]
    print()
    print(
        f"PostgreSQL down from {result['down_from_s']}s to {result['back_at_s']}s "
        f"({result['down_seconds']}s), during {args.seconds}s of load at "
        f"{args.connections} connections"
    )
    print(
        f"probes        {result['probe_requests']} requests that need the database: "
        f"{result['probe_failures_before_stop']} failed before the stop, "
        f"{result['probe_failures_while_down']} while down, "
        f"{result['probe_failures_after_back']} after PostgreSQL was back "
        f"{result['probe_failure_kinds']}"
    )
    print(
        f"recovery      first success {result['first_success_after_back_s']}s and last "
        f"failure {result['last_failure_after_back_s']}s after PostgreSQL was back"
    )
    print(
        f"writer        {result['writes_attempted']} edits tried, {result['writes_failed']} "
        f"failed (all while down: {result['writes_failed_before_stop'] == 0}); first success "
        f"{result['write_first_success_after_back_s']}s after PostgreSQL was back"
    )
    print(
        f"edits         {result['edits_verified']} acknowledged edits verified, "
        f"{len(result['edits_missing'])} missing"
    )
    print(
        f"wrk           {wrk['requests']} requests, {wrk['rps']} r/s, p50 {wrk['p50_ms']} ms, "
        f"p99 {wrk['p99_ms']} ms, errors {wrk['errors']}, statuses {wrk['statuses']}"
    )
    print(f"access log    {dict(sorted(result['access_log_statuses'].items()))}")
    print(f"saved {load.save('fault', {'args': vars(args), **result})}")
    noticed = result["probe_failures_while_down"] > 0  # else the stop proved nothing
    recovered = (result["last_failure_after_back_s"] or 0) <= 10
    clean_before = not (result["probe_failures_before_stop"] or result["writes_failed_before_stop"])
    if not (noticed and recovered and clean_before and not result["edits_missing"]):
        raise SystemExit("FAILED: see above")


if __name__ == "__main__":
    main()
