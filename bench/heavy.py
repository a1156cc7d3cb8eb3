"""Heavy endpoints cannot take the site down: a flood of downloads beside ordinary visitors.

Against the production stack of bench/load.py (gunicorn with napsite/gunicorn.conf.py and the
production settings, PostgreSQL, ``--activities`` synthetic activities and a published report
of them), this script:

1. measures the latency (p50/p95) of the activity list and activity pages alone, from
   ``--visitors`` threads, for ``--seconds``; every request is a different page or activity,
   so the page cache rarely answers (the long tail);
2. does the same while ``--flood`` clients (each its own address, as the proxy reports it in
   X-Forwarded-For) keep asking for the unfiltered XLSX, the report page and the report's
   workbook, each client one request at a time, again and again;
3. checks that a client that goes away mid-download stops the work: it opens a large filtered
   CSV, reads 64 KiB, closes the connection, and reads how much CPU the gunicorn workers use
   in the seconds after (compared with what the whole download costs).

    .venv/bin/python bench/heavy.py                       # 10,000 activities, 50 clients
    .venv/bin/python bench/heavy.py --unbounded           # the same with the bounds lifted

``--unbounded`` sets NAP_HEAVY_MAX_CONCURRENT and NAP_HEAVY_MAX_PER_CLIENT to 1000: the
behaviour before the bounds (the unfiltered exports are still served from their file).
Results go to bench/results/.
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import struct
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import PROXY_HEADERS, manage, production_env, step
from load import Gunicorn, prepare_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/nap_bench_heavy"
REPORT_SLUG = "bench-zwaar"
FLOOD_PATHS = [
    "/activiteiten/export.xlsx",
    f"/rapportages/{REPORT_SLUG}/",
    f"/rapportages/{REPORT_SLUG}.xlsx",
]
LARGE_FILTERED_CSV = "/activiteiten/export.csv?status=loopt&status=afgerond&status=vertraagd"


def get(port: int, path: str, client: str, timeout: float = 120) -> tuple[int, float]:
    """One GET as the proxy forwards it for ``client``; returns the status and seconds."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Host": "127.0.0.1", "X-Forwarded-For": client, **PROXY_HEADERS}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def visitor_paths(activities: int, n: int) -> str:
    if n % 2:
        return f"/activiteiten/synthetisch-{(n * 7919) % activities + 1}/"
    pages = max(1, activities // 25)
    return f"/activiteiten/?page={(n * 104729) % pages + 1}"


def visitors(port: int, activities: int, threads: int, seconds: float) -> dict:
    """List and detail pages from ``threads`` visitors; latency per request."""
    latencies: list[float] = []
    statuses: Counter = Counter()
    counter = iter(range(10**9))
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(visitor: int) -> None:
        while time.monotonic() < deadline:
            with lock:
                n = next(counter)
            try:
                status, took = get(port, visitor_paths(activities, n), f"192.0.2.{visitor + 1}", 60)
            except OSError:  # no answer within 60 s: the site is down for this visitor
                status, took = "timeout", 60.0
            with lock:
                statuses[status] += 1
                latencies.append(took)

    workers = [threading.Thread(target=run, args=(v,)) for v in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return summary(latencies, statuses)


def summary(latencies: list[float], statuses: Counter) -> dict:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 1) if ordered else None,
        "max_ms": round(ordered[-1] * 1000, 1) if ordered else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
    }


def flood(port: int, clients: int, stop: threading.Event, results: dict) -> list[threading.Thread]:
    """``clients`` clients, each asking for a heavy download, one after another."""
    lock = threading.Lock()

    def run(client: int) -> None:
        n = client
        while not stop.is_set():
            path = FLOOD_PATHS[n % len(FLOOD_PATHS)]
            n += 1
            try:
                status, took = get(port, path, f"198.51.100.{client + 1}")
            except OSError:
                status, took = "error", 0.0
            with lock:
                entry = results.setdefault(path, {"statuses": Counter(), "seconds": []})
                entry["statuses"][status] += 1
                if status == 200:
                    entry["seconds"].append(took)
            if status in (429, 503):
                stop.wait(1.0)  # a polite client waits a little (not Retry-After's 30 s)

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in range(clients)]
    for thread in threads:
        thread.start()
    return threads


def worker_cpu_seconds(master_pid: int) -> float:
    """User + system CPU time of gunicorn's worker processes (the master's children)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    ticks = 0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def disconnect_check(port: int, master_pid: int) -> dict:
    """Does the work stop when the client goes away? CPU after a hang-up vs. a full download."""
    before = worker_cpu_seconds(master_pid)
    status, full_seconds = get(port, LARGE_FILTERED_CSV, "203.0.113.1")
    full_cpu = worker_cpu_seconds(master_pid) - before

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": "127.0.0.1", "X-Forwarded-For": "203.0.113.2", **PROXY_HEADERS}
    connection.request("GET", LARGE_FILTERED_CSV, headers=headers)
    response = connection.getresponse()
    response.read(64 * 1024)
    # Close the socket with a reset, as a browser tab that is closed does.
    connection.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()
    hung_up = worker_cpu_seconds(master_pid)
    time.sleep(max(3.0, full_seconds))
    after_hang_up = worker_cpu_seconds(master_pid) - hung_up
    return {
        "full_download_status": status,
        "full_download_seconds": round(full_seconds, 2),
        "full_download_worker_cpu_s": round(full_cpu, 2),
        "worker_cpu_s_after_hang_up": round(after_hang_up, 2),
        "waited_s": round(max(3.0, full_seconds), 1),
    }


def make_report(env: dict) -> None:
    code = (
        "from reporting.models import ProgressReport\n"
        "from reporting.services import publish_report\n"
        "import datetime\n"
        f"if not ProgressReport.objects.filter(slug={REPORT_SLUG!r}).exists():\n"
        f"    r = ProgressReport.objects.create(title='Bench: zwaar', slug={REPORT_SLUG!r},\n"
        "        reference_date=datetime.date.today())\n"
        "    publish_report(r)\n"
    )
    manage(env, "shell", "-c", code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--seconds", type=float, default=30, help="per phase")
    parser.add_argument("--visitors", type=int, default=2)
    parser.add_argument("--flood", type=int, default=50)
    parser.add_argument("--unbounded", action="store_true")
    parser.add_argument("--reuse-db", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nap-heavy-"))
    env = production_env(args.database, args.port, work / "cache")
    env["NAP_EXPORT_DIR"] = str(work / "exports")
    if args.unbounded:
        env["NAP_HEAVY_MAX_CONCURRENT"] = env["NAP_HEAVY_MAX_PER_CLIENT"] = "1000"
    # The report page of 10,000 activities takes longer than gunicorn's default 30 s under load.
    env["GUNICORN_TIMEOUT"] = "120"
    prepare_database(env, args.activities, args.reuse_db)
    step("Publishing a report of every activity")
    make_report(env)
    manage(env, "collectstatic", "--noinput", "-v0")

    result: dict = {"activities": args.activities, "unbounded": args.unbounded}
    with Gunicorn(env, args.port, work / "gunicorn.log") as server:
        step("Warming up")
        for n in range(20):
            get(args.port, visitor_paths(args.activities, n), "192.0.2.200")
        step(f"List and detail pages alone, {args.visitors} visitors, {args.seconds:.0f} s")
        result["alone"] = visitors(args.port, args.activities, args.visitors, args.seconds)
        print(json.dumps(result["alone"]), flush=True)

        step(f"The same under a flood of {args.flood} clients asking for heavy downloads")
        stop = threading.Event()
        flood_results: dict = {}
        threads = flood(args.port, args.flood, stop, flood_results)
        time.sleep(2)  # let the flood fill the workers
        result["flooded"] = visitors(args.port, args.activities, args.visitors, args.seconds)
        stop.set()
        print(json.dumps(result["flooded"]), flush=True)
        for thread in threads:
            thread.join(timeout=180)
        result["flood"] = {
            path: {
                "statuses": {str(k): v for k, v in sorted(entry["statuses"].items(), key=str)},
                "median_200_s": round(statistics.median(entry["seconds"]), 2)
                if entry["seconds"]
                else None,
            }
            for path, entry in flood_results.items()
        }
        print(json.dumps(result["flood"]), flush=True)

        step("A client that hangs up halfway through a large filtered CSV")
        result["disconnect"] = disconnect_check(args.port, server.process.pid)
        print(json.dumps(result["disconnect"]), flush=True)

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = "heavy-unbounded" if args.unbounded else "heavy"
    path = RESULTS / f"{name}-{args.activities}-{stamp}.json"
    path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"Resultaten: {path.relative_to(ROOT)}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
