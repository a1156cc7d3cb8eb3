"""Requests per second and cost of the public pages, against the static-file ceiling, and
side by side with another commit (``--baseline``).

What it does, bounded in time and requests, on this machine only (127.0.0.1):

1. creates a separate PostgreSQL database (default ``nap_bench4``; dropped again at the end
   unless ``--keep-db``; ``--reuse-db`` keeps one that is already seeded), migrates it and adds
   ``--activities`` synthetic activities;
2. with ``--baseline REV``, checks REV out into a temporary git worktree (removed afterwards)
   and measures it exactly like this checkout, on the same database, one after the other;
3. per checkout: the median *app* and *SQL* milliseconds of each page rendered without the
   page cache (bench/page_timings.py, in one process), then gunicorn with production
   settings (DEBUG off, hashed static files through WhiteNoise, the page cache in Redis when
   ``--cache-url`` is given) and, per page, requests/second *cached* (the same address again
   and again) and *busted* (a unique ``utm_source`` per request: a new address every time,
   which renders the page unless the cache ignores tracking parameters; clients accept gzip,
   as browsers do), and a *long-tail
   mix*: filtered lists, searches, detail and action-line pages from a space so large that
   nearly every address is new (the same addresses, in the same order, for each checkout);
   with ``--warm-up``, after that many seconds of other long-tail addresses, as on a site that
   has been serving for a while (what a checkout keeps per data version comes from those);
4. a static file of the same size as the activity list, through the same gunicorn, is the
   ceiling: what the stack does when Django does no work;
5. prints one table and writes it to bench/results/.

Run from the project root:

    .venv/bin/python bench/bench_pages.py --baseline main --reuse-db --keep-db \\
        --database-url postgres://postgres@127.0.0.1:5432/nap_bench_fast \\
        --cache-url redis://127.0.0.1:6379/13

The load generator runs on the same machine and takes CPU from the server, for the static file
and the pages alike; compare the ratios, not the absolute numbers, between machines.
"""

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
from common import PROXY_HEADERS, manage, production_env, step

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
CEILING_PATH = "bench-ceiling.html"  # inside STATIC_ROOT, removed afterwards
MAX_REQUESTS_PER_RUN = 50_000

STATUS_CODES = ["nog-niet-gestart", "loopt", "vertraagd", "afgerond", "doorlopend"]
ACTOR_CODES = ["OCW", "SZW", "JenV", "VWS", "BZK"]
SEARCHES = [
    "campagne", "onderwijs", "sport", "slachtofferhulp", "werkvloer", "meldpunten",
    "evaluatie", "jongeren", "politie", "zorg", "maatregelen", "voorlichting",
]  # fmt: skip


@dataclass
class PageResult:
    name: str
    path: str
    size: int
    cached_rps: float
    busted_rps: float | None = None
    app_ms: float | None = None
    sql_ms: float | None = None


@dataclass
class Side:
    """One checkout's figures."""

    label: str
    ceiling_rps: float = 0.0
    pages: list[PageResult] = field(default_factory=list)
    long_tail_rps: float = 0.0
    errors: int = 0


def main() -> None:
    args = parse_args()
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="nap-bench-"))
    baseline = None
    try:
        if args.baseline:
            baseline = add_worktree(args.baseline, scratch / "baseline")
        prepare_database(args)
        detail = f"/activiteiten/synthetisch-{args.activities // 2}/"
        pages = [
            ("overview", "/"),
            ("activity list", "/activiteiten/"),
            ("filtered list", "/activiteiten/?actielijn=2&status=loopt&jaar=2025"),
            ("search", "/activiteiten/?q=maatregelen"),
            ("action line", "/actielijnen/2/?page=3"),
            ("activity", detail),
        ]
        checkouts = [("this checkout", ROOT)]
        if baseline:
            checkouts.insert(0, (f"baseline {args.baseline}", baseline))
        sides = measure(checkouts, args, pages, scratch)
    finally:
        if baseline:
            remove_worktree(baseline)
        if not args.keep_db:
            drop_database(args.database_url)
        shutil.rmtree(scratch, ignore_errors=True)
    report(sides, args, time.monotonic() - started)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/nap_bench4")
    parser.add_argument("--cache-url", default="", help="CACHE_URL for this checkout (Redis)")
    parser.add_argument("--baseline", metavar="REV", help="also measure this commit, e.g. main")
    parser.add_argument("--port", type=int, default=8401)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client processes")
    parser.add_argument("--seconds", type=float, default=4.0, help="per measurement")
    parser.add_argument(
        "--warm-up",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before the long-tail mix, other long-tail addresses for this long (0: cold)",
    )
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--reuse-db", action="store_true", help="keep a seeded database")
    args = parser.parse_args()
    if urlsplit(args.database_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("benchmarks run against a local database only")
    if args.cache_url and urlsplit(args.cache_url).hostname not in ("127.0.0.1", "localhost"):
        parser.error("benchmarks use a local Redis only")
    if not 1 <= args.seconds <= 60 or not 1 <= args.clients <= 32:
        parser.error("--seconds must be 1-60 and --clients 1-32")
    if not 0 <= args.warm_up <= 120:
        parser.error("--warm-up must be 0-120 seconds")
    return args


# -- checkouts and the database -----------------------------------------------------------------


def add_worktree(revision: str, path: Path) -> Path:
    """The committed code of ``revision`` in a temporary worktree (never committed anywhere)."""
    step(f"Checking out {revision} into a temporary worktree")
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", str(path), revision], check=True)
    return path


def remove_worktree(path: Path) -> None:
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "remove", "--force", str(path)], check=False)


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name.startswith("nap_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the benchmark database must be nap_bench*")
    return urlunsplit(parts._replace(path="/postgres")), name


def _seeded(database_url: str, activities: int) -> bool:
    try:
        with psycopg.connect(database_url) as connection:
            row = connection.execute(
                "SELECT count(*) FROM measures_activity WHERE slug LIKE 'synthetisch-%%'"
            ).fetchone()
    except psycopg.Error:
        return False
    return row[0] >= activities


def prepare_database(args) -> None:
    if args.reuse_db and _seeded(args.database_url, args.activities):
        step("Reusing the seeded database")
        return
    recreate_database(args.database_url)
    env = production_env(args.database_url, args.port, Path(tempfile.mkdtemp()))
    step(f"Migrating and adding {args.activities} synthetic activities")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_synthetic", f"--activities={args.activities}", "--allow-without-debug")
    analyse(args.database_url)  # what autovacuum does soon after a bulk load in real life


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


# -- the server and the clients -----------------------------------------------------------------


class Server:
    """gunicorn on 127.0.0.1 serving the checkout at ``root``, started and stopped around a
    block."""

    def __init__(self, env: dict, port: int, workers: int, root: Path = ROOT):
        self.env, self.port, self.workers, self.root = env, port, workers, root

    def __enter__(self) -> "Server":
        command = [
            GUNICORN,
            "napsite.wsgi:application",
            f"--chdir={self.root}",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.workers}",
            "--worker-class=sync",
            "--log-level=warning",
        ]
        self.process = subprocess.Popen(command, cwd=self.root, env=self.env)
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


def request(port: int, path: str, extra: dict | None = None) -> tuple[int, dict, bytes]:
    """One HTTP/1.0 GET on a fresh connection: status, headers (lower-case names), body."""
    headers = {**PROXY_HEADERS, **(extra or {})}
    lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    message = f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{lines}\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(message)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return int(status_line.split(" ", 2)[1]), parsed, body


def fetch(port: int, path: str) -> tuple[int, bytes]:
    status, _, body = request(port, path)
    return status, body


def long_tail_address(rng: random.Random, activities: int) -> str:
    """An address from a space of millions: what a crawler or a busy day's long tail asks."""
    kind = rng.random()
    if kind < 0.25:
        return f"/activiteiten/synthetisch-{rng.randint(1, activities)}/"
    if kind < 0.35:
        return f"/actielijnen/{rng.randint(1, 5)}/?page={rng.randint(1, 80)}"
    params: dict = {}
    if kind < 0.55:
        params["q"] = rng.choice(SEARCHES)
    if rng.random() < 0.6:
        params["actielijn"] = rng.sample(range(1, 6), rng.randint(1, 2))
    if rng.random() < 0.5:
        params["status"] = rng.sample(STATUS_CODES, rng.randint(1, 2))
    if rng.random() < 0.3:
        params["wie"] = rng.sample(ACTOR_CODES, rng.randint(1, 2))
    if rng.random() < 0.5:
        params["jaar"] = rng.randint(2022, 2027)
    params["page"] = rng.randint(1, 4)
    return "/activiteiten/?" + urlencode(params, doseq=True)


def _client(port, path, mode, seconds, offset, activities, seed, queue) -> None:
    done = errors = 0
    # The same addresses, in the same order, for every checkout.
    rng = random.Random(seed * 1000 + offset)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and done < MAX_REQUESTS_PER_RUN:
        target = path
        if mode == "bust":  # an ignored parameter that makes every address new
            target += ("&" if "?" in path else "?") + f"utm_source=bench-{offset}-{done}"
        elif mode == "long-tail":
            target = long_tail_address(rng, activities)
        try:
            # Every browser accepts gzip (the baseline ignores it; this code sends less).
            status, _, _ = request(port, target, {"Accept-Encoding": "gzip"})
            errors += status != 200
        except OSError:
            errors += 1
        done += 1
    queue.put((done, errors))


def load(port, path, clients, seconds, mode="same", activities=0, seed=0) -> tuple[float, int]:
    queue = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(
            target=_client, args=(port, path, mode, seconds, n, activities, seed, queue)
        )
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


# -- measuring ----------------------------------------------------------------------------------


def page_timings(root: Path, env: dict, paths: list[str], seconds: float) -> dict:
    """Median app and SQL milliseconds per page, rendered without the page cache."""
    script = Path(__file__).resolve().parent / "page_timings.py"
    output = subprocess.run(
        [PYTHON, str(script), f"--seconds={seconds}", *paths],
        cwd=root,
        env={**env, "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_ALLOWED_HOSTS": "testserver"},
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def measure(checkouts: list[tuple[str, Path]], args, pages, scratch: Path) -> list[Side]:
    """Every checkout's figures. Their servers run side by side and each measurement runs for
    one checkout right after the other, so a busy machine slows them alike."""
    sides, servers = [], []
    for n, (label, root) in enumerate(checkouts):
        env = production_env(args.database_url, args.port + n, scratch / f"cache-{n}")
        if args.cache_url and root == ROOT:
            env["CACHE_URL"] = args.cache_url
        else:
            env.pop("CACHE_URL", None)
        manage(env, "collectstatic", "--noinput", "-v0", root=root)
        step(f"{label}: pages rendered without the page cache, in one process")
        timings = page_timings(root, env, [path for _, path in pages], min(args.seconds, 3))
        # The ceiling: a static file as large as the activity list (WhiteNoise indexes the
        # static files when it starts, so the file is there before the server).
        size = timings["/activiteiten/"]["bytes"]
        (root / "staticfiles" / CEILING_PATH).write_bytes(
            b"<!-- static ceiling -->\n".ljust(size, b"x")
        )
        side = Side(label)
        side.pages = [
            PageResult(name, path, timings[path]["bytes"], 0.0, None, **_ms(timings[path]))
            for name, path in pages
        ]
        sides.append(side)
        servers.append(Server(env, args.port + n, args.workers, root))

    def each(name: str, path: str, mode: str = "same") -> list[tuple[float, int]]:
        outcomes = []
        for side, server in zip(sides, servers, strict=True):
            if mode != "long-tail":
                for _ in range(20):  # warm up: imports, connections, the page cache
                    fetch(server.port, path)
            elif args.warm_up:
                # A site that has served a while: other addresses of the long tail first (what
                # each checkout keeps per data version, it keeps from these).
                step(f"{side.label}: {name}, warming up for {args.warm_up:g}s")
                load(server.port, path, args.clients, args.warm_up, mode, args.activities, seed=1)
            step(f"{side.label}: {name} ({mode})")
            outcomes.append(
                load(server.port, path, args.clients, args.seconds, mode, args.activities)
            )
        return outcomes

    with contextlib.ExitStack() as stack:
        for server in servers:
            stack.enter_context(server)
        ceilings = each("static ceiling", f"/static/{CEILING_PATH}")
        for side, (rps, errors) in zip(sides, ceilings, strict=True):
            side.ceiling_rps, side.errors = rps, errors
        for n, (name, path) in enumerate(pages):
            cached = each(name, path)
            busted = each(name, path, "bust")
            for side, (rps, errors), (busted_rps, more) in zip(sides, cached, busted, strict=True):
                side.pages[n].cached_rps, side.pages[n].busted_rps = rps, busted_rps
                side.errors += errors + more
        long_tail = each("long-tail mix", "", "long-tail")
        for side, (rps, errors) in zip(sides, long_tail, strict=True):
            side.long_tail_rps = rps
            side.errors += errors
    for _label, root in checkouts:
        (root / "staticfiles" / CEILING_PATH).unlink(missing_ok=True)
    return sides


def _ms(timing: dict) -> dict:
    return {"app_ms": timing["app_ms"], "sql_ms": timing["sql_ms"]}


# -- the table ----------------------------------------------------------------------------------


def report(sides: list[Side], args, elapsed: float) -> None:
    print()
    print(
        f"{args.activities} activities, gunicorn {args.workers} sync workers, "
        f"{args.clients} clients, {args.seconds:g}s per run, long tail after "
        f"{args.warm_up:g}s of warm-up, {os.cpu_count()} CPUs"
    )
    for side in sides:
        ceiling = side.ceiling_rps
        print(f"\n{side.label}: static ceiling {ceiling:.0f} r/s")
        header = (
            f"{'page':<14} {'bytes':>6} {'cached r/s':>10} {'ratio':>6} {'busted r/s':>10} "
            f"{'ratio':>6} {'app ms':>7} {'SQL ms':>7}"
        )
        print(header)
        print("-" * len(header))
        for r in side.pages:
            print(
                f"{r.name:<14} {r.size:>6} {r.cached_rps:>10.0f} {r.cached_rps / ceiling:>6.2f} "
                f"{r.busted_rps:>10.0f} {r.busted_rps / ceiling:>6.3f} {r.app_ms:>7.1f} "
                f"{r.sql_ms:>7.1f}"
            )
        print(f"{'long-tail mix':<14} {side.long_tail_rps:>6.1f} r/s")
    if len(sides) == 2:
        before, after = sides
        print(f"\nlong-tail mix: {after.long_tail_rps / before.long_tail_rps:.1f} x the baseline")
    errors = sum(side.errors for side in sides)
    print(f"errors: {errors}; took {elapsed:.0f}s")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    data = {"args": vars(args), "sides": [asdict(side) for side in sides]}
    (out / f"bench_pages-{stamp}.json").write_text(json.dumps(data, indent=2))
    if errors:
        raise SystemExit(f"{errors} requests failed")


if __name__ == "__main__":
    if shutil.which(GUNICORN) is None:
        raise SystemExit(f"gunicorn not found at {GUNICORN}; install the project first")
    main()
