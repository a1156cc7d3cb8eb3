"""Requests per second of the public pages, against the static-file ceiling of the same stack.

What it does, bounded in time and requests, on this machine only (127.0.0.1):

1. creates a separate PostgreSQL database (default ``nap_bench4``; dropped again at the end
   unless ``--keep-db``), migrates it and adds ``--activities`` synthetic activities;
2. collects the static files and serves the site with gunicorn, production settings
   (DEBUG off, hashed static files through WhiteNoise);
3. writes a static file of the same size as the activity list into the collected files: the
   ceiling, i.e. what the same stack does when Django does no work;
4. measures each page twice: *cached* (the same address again and again, so the page cache
   answers) and *uncached* (a unique, ignored parameter per request, so every request renders
   the page: the page cache keys on the full address);
5. prints requests/second and the ratio to the ceiling, and writes them to bench/results/.

Run from the project root:

    .venv/bin/python bench/bench_pages.py            # 10,000 activities, ~3 minutes

The load generator runs on the same machine and takes CPU from the server, for the static file
and the pages alike; compare the ratios, not the absolute numbers, between machines.
"""

import argparse
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from common import PROXY_HEADERS, manage, production_env, step

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
CEILING_PATH = "bench-ceiling.html"  # inside STATIC_ROOT, removed afterwards
MAX_REQUESTS_PER_RUN = 50_000


@dataclass
class Result:
    name: str
    path: str
    size: int
    cached_rps: float
    uncached_rps: float | None
    errors: int


def main() -> None:
    args = parse_args()
    database_url = args.database_url
    env = production_env(database_url, args.port, Path(tempfile.mkdtemp(prefix="nap-bench-")))
    started = time.monotonic()
    recreate_database(database_url)
    try:
        step(f"Migrating and adding {args.activities} synthetic activities")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_synthetic", f"--activities={args.activities}", "--allow-without-debug")
        analyse(database_url)  # what autovacuum does soon after a bulk load in real life
        manage(env, "collectstatic", "--noinput", "-v0")
        static_root = ROOT / "staticfiles"
        detail = f"/activiteiten/synthetisch-{args.activities // 2}/"
        pages = [
            ("overview", "/"),
            ("activity list", "/activiteiten/"),
            ("filtered list", "/activiteiten/?actielijn=2&status=loopt&jaar=2025"),
            ("search", "/activiteiten/?q=maatregelen"),
            ("activity", detail),
        ]
        with Server(env, args.port, args.workers) as server:
            sizes = {path: len(server.get(path)) for _, path in pages}
        size = sizes["/activiteiten/"]
        (static_root / CEILING_PATH).write_bytes(b"<!-- static ceiling -->\n".ljust(size, b"x"))
        try:
            results = measure(env, args, pages, sizes)
        finally:
            (static_root / CEILING_PATH).unlink(missing_ok=True)
    finally:
        if not args.keep_db:
            drop_database(database_url)
    report(results, args, time.monotonic() - started)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/nap_bench4")
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes")
    parser.add_argument("--seconds", type=float, default=6.0, help="per measurement")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    args = parser.parse_args()
    if urlsplit(args.database_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("benchmarks run against a local database only")
    if not 1 <= args.seconds <= 60 or not 1 <= args.clients <= 32:
        parser.error("--seconds must be 1-60 and --clients 1-32")
    return args


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.startswith("nap_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the benchmark database must be nap_bench*")
    return urlunsplit(parts._replace(path="/postgres")), name


def recreate_database(database_url: str) -> None:
    admin, name = _admin_url(database_url)
    step(f"Creating database {name}")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def analyse(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def drop_database(database_url: str) -> None:
    admin, name = _admin_url(database_url)
    step(f"Dropping database {name}")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """gunicorn on 127.0.0.1, started and stopped around a block."""

    def __init__(self, env: dict, port: int, workers: int):
        self.env, self.port, self.workers = env, port, workers

    def __enter__(self) -> "Server":
        command = [
            GUNICORN,
            "napsite.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            "--worker-class=sync",
            "--log-level=warning",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                try:
                    self.get("/toegankelijkheid/")
                    return self
                except OSError:
                    time.sleep(0.2)
            raise SystemExit("gunicorn did not start within 30 seconds")
        except BaseException:
            # Never leave a server behind on the port: the next run would measure it instead.
            self.__exit__()
            raise

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def get(self, path: str) -> bytes:
        status, body = fetch(self.port, path)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        return body


def fetch(port: int, path: str) -> tuple[int, bytes]:
    """One HTTP/1.0 GET on a fresh connection (gunicorn's sync workers close it anyway)."""
    headers = "".join(f"{name}: {value}\r\n" for name, value in PROXY_HEADERS.items())
    request = f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def _client(port: int, path: str, bust: bool, seconds: float, offset: int, queue) -> None:
    done = errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and done < MAX_REQUESTS_PER_RUN:
        target = path
        if bust:  # an ignored parameter that makes every address, so every cache key, new
            target += ("&" if "?" in path else "?") + f"bench={offset}-{done}"
        try:
            status, _ = fetch(port, target)
            errors += status != 200
        except OSError:
            errors += 1
        done += 1
    queue.put((done, errors))


def load(port: int, path: str, clients: int, seconds: float, bust: bool) -> tuple[float, int]:
    queue = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_client, args=(port, path, bust, seconds, n, queue))
        for n in range(clients)
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    outcomes = [queue.get(timeout=seconds + 60) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
    elapsed = time.monotonic() - started
    return sum(done for done, _ in outcomes) / elapsed, sum(errors for _, errors in outcomes)


def measure(env: dict, args, pages, sizes) -> list[Result]:
    results = []
    with Server(env, args.port, args.workers):
        ceiling = f"/static/{CEILING_PATH}"
        for name, path, bust_too in [("static ceiling", ceiling, False)] + [
            (name, path, True) for name, path in pages
        ]:
            for _ in range(20):  # warm up: imports, connections, the page cache
                fetch(args.port, path)
            step(f"{name}: {path}")
            cached, errors = load(args.port, path, args.clients, args.seconds, bust=False)
            uncached = None
            if bust_too:
                uncached, more_errors = load(args.port, path, args.clients, args.seconds, True)
                errors += more_errors
            size = sizes.get(path) or len(fetch(args.port, path)[1])
            results.append(Result(name, path, size, cached, uncached, errors))
    return results


WIDTHS = [16, 7, 11, 6, 13, 6]


def _row(cells: list) -> str:
    first, *rest = cells
    widths = WIDTHS[1 : len(cells)]
    return " ".join(
        [f"{first:<{WIDTHS[0]}}"] + [f"{c!s:>{w}}" for c, w in zip(rest, widths, strict=True)]
    )


def report(results: list[Result], args, elapsed: float) -> None:
    ceiling = results[0].cached_rps
    print()
    print(
        f"{args.activities} activities, gunicorn {args.workers} sync workers, "
        f"{args.clients} clients, {args.seconds:g}s per run, {os.cpu_count()} CPUs"
    )
    header = _row(["page", "bytes", "cached r/s", "ratio", "uncached r/s", "ratio"])
    print(header)
    print("-" * len(header))
    for r in results:
        cells = [r.name, r.size, f"{r.cached_rps:.0f}", f"{r.cached_rps / ceiling:.2f}"]
        if r.uncached_rps is not None:
            cells += [f"{r.uncached_rps:.0f}", f"{r.uncached_rps / ceiling:.2f}"]
        print(_row(cells))
    errors = sum(r.errors for r in results)
    ratios = [r.cached_rps / ceiling for r in results[1:]]
    print(f"\nlowest cached ratio {min(ratios):.2f}, median {statistics.median(ratios):.2f}; ")
    print(f"errors: {errors}; took {elapsed:.0f}s")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    data = {"args": vars(args), "results": [asdict(r) for r in results]}
    (out / f"bench_pages-{stamp}.json").write_text(json.dumps(data, indent=2))
    if errors:
        raise SystemExit(f"{errors} requests failed")


if __name__ == "__main__":
    if shutil.which(GUNICORN) is None:
        raise SystemExit(f"gunicorn not found at {GUNICORN}; install the project first")
    main()
