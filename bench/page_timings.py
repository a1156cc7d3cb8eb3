"""App and database time of uncached public pages, in one process (no HTTP, no gunicorn).

Run with the project to measure as the working directory (bench_pages.py runs it once against
this checkout and once against ``--baseline``), with DATABASE_URL pointing at a seeded database:

    .venv/bin/python bench/page_timings.py --seconds 3 /activiteiten/ "/activiteiten/?q=maatregelen"
    .venv/bin/python bench/page_timings.py --profile /activiteiten/    # cProfile, top 30

The page cache is switched off (a dummy cache under its alias), so every request renders;
caches keyed on the data version (the peildatum, counts) stay on, as on a busy site. Prints one
JSON object: per path the median CPU milliseconds of the app (its process; time waiting for
PostgreSQL or for a core does not count), the median wall-clock milliseconds of its SQL, and the
number of queries.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import configure_in_process


class SqlTimer:
    def __init__(self):
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--seconds", type=float, default=3.0, help="per path")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each path")
    parser.add_argument("--sort", default="cumulative", help="cProfile order, e.g. tottime")
    args = parser.parse_args()

    configure_in_process()
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    import django
    from django.conf import settings

    django.setup()
    from django.db import connection
    from django.test import Client

    from measures import page_cache

    # No page from a cache: the page store is a dummy and (in code that keeps a copy of pages
    # in the process) that copy is never found.
    settings.CACHES[page_cache.PAGES] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    if hasattr(page_cache, "LOCAL"):
        page_cache._get = lambda key: None
    client = Client()
    results = {}
    for path in args.paths:
        for _ in range(3):  # warm up: imports, templates, connection, version-keyed caches
            client.get(path)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(20):
                client.get(path)
            profiler.disable()
            print(f"=== {path}", file=sys.stderr)
            stats = pstats.Stats(profiler, stream=sys.stderr)
            stats.sort_stats(args.sort).print_stats(30)
            continue
        totals, sqls, queries = [], [], []
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline or len(totals) < 5:
            timer = SqlTimer()
            started = time.process_time()
            with connection.execute_wrapper(timer):
                response = client.get(path)
            # The app's own CPU time: on a busy machine, time spent waiting for a core (or for
            # PostgreSQL) does not count, so the figure stays comparable between runs.
            totals.append(time.process_time() - started)
            sqls.append(timer.seconds)
            queries.append(timer.count)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        results[path] = {
            "requests": len(totals),
            "bytes": len(response.content),
            "app_ms": round(1000 * statistics.median(totals), 2),
            "sql_ms": round(1000 * statistics.median(sqls), 2),
            "queries": statistics.median(queries),
        }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
