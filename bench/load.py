"""Mixed public traffic against the production stack: gunicorn + PostgreSQL, 10,000 activities.

What it does, on this machine only (127.0.0.1), bounded in time:

1. creates a PostgreSQL database (default ``nap_bench8``; dropped at the end unless
   ``--keep-db``, reused with ``--reuse-db``), migrates it and adds ``--activities`` synthetic
   activities (``manage.py seed_synthetic``);
2. collects the static files and starts gunicorn with ``napsite/gunicorn.conf.py`` and the
   production settings of README "In productie": ``DJANGO_DEBUG=0``, a freshly generated
   secret key, ``DJANGO_ALLOWED_HOSTS=127.0.0.1``, and ``DJANGO_PROXY_COUNT=1`` with every
   request carrying ``X-Forwarded-Proto: https``, as the TLS-terminating proxy sends it. So
   the HTTPS redirect, HSTS and secure cookies stay on, exactly as in production;
3. runs ``wrk`` for ``--seconds`` at ``--connections`` concurrent connections. Every request
   picks a random address from a fixed mix (the overview, action lines, the activity list and
   its pages, filtered lists, searches, detail pages, filtered CSV/JSON exports), so some
   addresses repeat (the page cache answers) and many do not (Django renders them);
4. prints requests/second, p50/p90/p99 latency, errors and 5xx responses (counted by wrk and,
   independently, from gunicorn's access log), writes them to bench/results/, and fails if
   there was any error or 5xx.

Run from the project root (``wrk`` comes from Debian: ``apt-get install wrk``):

    .venv/bin/python bench/load.py                    # 10,000 activities, 60 s, 50 connections

bench/fault.py reuses this module to restart PostgreSQL in the middle of the same load.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pages import analyse, drop_database, fetch, recreate_database
from common import PROXY_HEADERS, manage, production_env, step

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/nap_bench8"
MIX_SIZE = 3_000  # distinct addresses in the traffic mix

STATUS_CODES = ["nog-niet-gestart", "loopt", "vertraagd", "afgerond", "doorlopend"]
ACTOR_CODES = ["OCW", "SZW", "JenV", "VWS", "BZK", "NLA"]
SEARCHES = [
    "campagne", "onderwijs", "sport", "slachtofferhulp", "sextortion", "werkvloer",
    "vertrouwenspersonen", "meldpunten", "online misbruik", "daderaanpak", "femicide",
    "tweede kamer", "evaluatie", "jongeren", "politie", "zorg", "straatintimidatie",
]  # fmt: skip
SORTS = ["actielijn", "titel", "status", "eind"]


# -- the traffic mix ----------------------------------------------------------------------------


def traffic_mix(activities: int, rng: random.Random) -> list[str]:
    """MIX_SIZE addresses in the proportions of a busy day on the public site.

    As on any site, popular addresses repeat: most visitors see the first pages of a list
    (page numbers follow a Zipf distribution) and filtered selections come from a pool of
    shared links. Detail pages are spread evenly over all activities (the long tail).
    """

    def query(**params) -> str:
        return "?" + urlencode(params, doseq=True) if params else ""

    def page(last: int) -> int:
        return min(last, int(rng.paretovariate(1.2)))

    def filtered() -> dict:
        params = {}
        if rng.random() < 0.6:
            params["actielijn"] = rng.sample(range(1, 6), rng.randint(1, 2))
        if rng.random() < 0.5:
            params["status"] = rng.sample(STATUS_CODES, rng.randint(1, 2))
        if rng.random() < 0.4:
            params["wie"] = rng.sample(ACTOR_CODES, rng.randint(1, 2))
        if rng.random() < 0.4:
            params["jaar"] = rng.randint(2022, 2027)
        if rng.random() < 0.3:
            params["sort"] = rng.choice(SORTS)
        return params

    shared_selections = [filtered() for _ in range(200)]

    kinds = [
        # (share, how to make one address)
        (0.10, lambda: "/"),
        (0.08, lambda: f"/actielijnen/{rng.randint(1, 5)}/" + query(page=page(80))),
        (0.12, lambda: "/activiteiten/" + query(page=page(activities // 25))),
        (0.25, lambda: "/activiteiten/" + query(**rng.choice(shared_selections), page=page(20))),
        (0.15, lambda: "/activiteiten/" + query(q=rng.choice(SEARCHES), page=page(3))),
        (0.27, lambda: f"/activiteiten/synthetisch-{rng.randint(1, activities)}/"),
        # Downloads of one action line and status: a few hundred rows each.
        (
            0.03,
            lambda: (
                "/activiteiten/export."
                + rng.choice(["csv", "json", "xlsx"])
                + query(actielijn=rng.randint(1, 5), status=rng.choice(STATUS_CODES))
            ),
        ),
    ]
    shares = [share for share, _ in kinds]
    return [rng.choices(kinds, shares)[0][1]() for _ in range(MIX_SIZE)]


WRK_SCRIPT = """
-- Written by bench/load.py: random addresses from the mix, statuses counted per thread.
local paths = {%(paths)s}
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(id * 7919 + os.time())
  statuses = {}
end

function request()
  local path = paths[math.random(#paths)]
  return wrk.format("GET", path, {["Host"] = "127.0.0.1", ["X-Forwarded-Proto"] = "https"})
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(merged) do
    table.insert(parts, string.format('"%%d": %%d', status, count))
  end
  io.write(string.format(
    'WRK_RESULT {"requests": %%d, "duration_us": %%d, "bytes": %%d, ' ..
    '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, ' ..
    '"statuses": {%%s}}\\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout, table.concat(parts, ", ")))
end
"""


def write_wrk_script(paths: list[str], directory: Path) -> Path:
    script = directory / "mix.lua"
    script.write_text(WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths)})
    return script


def run_wrk(port: int, script: Path, seconds: float, connections: int, threads: int) -> dict:
    """Run wrk and return its summary (see WRK_SCRIPT's done())."""
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={int(seconds)}s",
        "--timeout=30s",  # gunicorn's own timeout: a slow answer is slow, not an error
        f"--script={script}",
        f"http://127.0.0.1:{port}",
    ]
    finished = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    match = re.search(r"^WRK_RESULT (.*)$", finished.stdout, re.MULTILINE)
    if finished.returncode != 0 or match is None:
        raise SystemExit(f"wrk failed:\n{finished.stdout}\n{finished.stderr}")
    result = json.loads(match.group(1))
    result["statuses"] = {int(k): v for k, v in result["statuses"].items()}
    return result


# -- database and server ------------------------------------------------------------------------


def synthetic_count(database_url: str) -> int:
    try:
        with psycopg.connect(database_url, connect_timeout=5) as connection:
            row = connection.execute(
                "SELECT count(*) FROM measures_activity WHERE slug LIKE 'synthetisch-%'"
            ).fetchone()
            return row[0]
    except psycopg.Error:
        return 0


def prepare_database(env: dict, activities: int, reuse: bool) -> None:
    database_url = env["DATABASE_URL"]
    if reuse and synthetic_count(database_url) == activities:
        step(f"Reusing the database with {activities} synthetic activities")
        manage(env, "migrate", "--noinput", "-v0")
        return
    recreate_database(database_url)
    step(f"Migrating and adding {activities} synthetic activities")
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_synthetic", f"--activities={activities}", "--allow-without-debug")
    analyse(database_url)  # what autovacuum does soon after a bulk load in real life


class Gunicorn:
    """gunicorn -c napsite/gunicorn.conf.py on 127.0.0.1, its access log in a file."""

    def __init__(self, env: dict, port: int, log: Path):
        self.env, self.port, self.log = env, port, log

    def __enter__(self) -> "Gunicorn":
        self.log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [GUNICORN, "-c", "napsite/gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log}")
            try:
                if fetch(self.port, "/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise SystemExit("gunicorn did not start within 30 seconds")

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()

    def access_log_statuses(self) -> Counter:
        """Statuses from gunicorn's access log ('... "GET /x HTTP/1.1" 200 1234 5ms')."""
        pattern = re.compile(r'" (\d{3}) ')
        return Counter(
            int(match.group(1))
            for line in self.log.read_text(errors="replace").splitlines()
            if (match := pattern.search(line))
        )

    def warm_up(self, paths: list[str]) -> None:
        for path in paths[:30]:
            fetch_via_proxy(self.port, path)


def fetch_via_proxy(port: int, path: str, timeout: float = 30) -> int:
    """One GET as the TLS proxy sends it; returns the status."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **PROXY_HEADERS})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def server_errors(statuses: dict) -> int:
    return sum(count for status, count in statuses.items() if status >= 500)


def summarise(result: dict) -> dict:
    seconds = result["duration_us"] / 1e6
    errors = sum(result["errors"].values())
    return {
        "requests": result["requests"],
        "seconds": round(seconds, 1),
        "rps": round(result["requests"] / seconds, 1),
        "p50_ms": round(result["p50_us"] / 1000, 1),
        "p90_ms": round(result["p90_us"] / 1000, 1),
        "p99_ms": round(result["p99_us"] / 1000, 1),
        "max_ms": round(result["max_us"] / 1000, 1),
        "errors": errors,
        "error_kinds": result["errors"],
        "statuses": result["statuses"],
        "server_errors": server_errors(result["statuses"]),
    }


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path


# -- main -------------------------------------------------------------------------------------


def parse_args(description: str, default_port: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--port", type=int, default=default_port)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--keep-db", action="store_true", help="do not drop the database")
    parser.add_argument("--reuse-db", action="store_true", help="reuse a seeded database")
    return parser


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if urlsplit(args.database_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("load tests run against a local database only")
    if not 5 <= args.seconds <= 300 or not 1 <= args.connections <= 200:
        parser.error("--seconds must be 5-300 and --connections 1-200")


def main() -> None:
    parser = parse_args(__doc__.split("\n")[0], default_port=8801)
    args = parser.parse_args()
    check_args(parser, args)
    work = Path(tempfile.mkdtemp(prefix="nap-load-"))
    env = production_env(args.database_url, args.port, work / "cache")
    started = time.monotonic()
    try:
        prepare_database(env, args.activities, args.reuse_db)
        manage(env, "collectstatic", "--noinput", "-v0")
        paths = traffic_mix(args.activities, random.Random(2025))
        script = write_wrk_script(paths, work)
        with Gunicorn(env, args.port, work / "gunicorn.log") as server:
            server.warm_up(paths)
            step(
                f"wrk: {args.seconds}s, {args.connections} connections, "
                f"{len(set(paths))} distinct addresses"
            )
            result = summarise(
                run_wrk(args.port, script, args.seconds, args.connections, args.wrk_threads)
            )
        result["access_log_statuses"] = dict(server.access_log_statuses())
        result["access_log_server_errors"] = server_errors(result["access_log_statuses"])
    finally:
        if not (args.keep_db or args.reuse_db):
            drop_database(args.database_url)
        shutil.rmtree(work, ignore_errors=True)
    report(result, args, time.monotonic() - started)


def report(result: dict, args, elapsed: float) -> None:
    print()
    print(
        f"{args.activities} activities, gunicorn napsite/gunicorn.conf.py defaults "
        f"({os.cpu_count()} CPUs), wrk {args.connections} connections for {args.seconds}s"
    )
    print(f"requests      {result['requests']} in {result['seconds']}s")
    print(f"requests/s    {result['rps']}")
    print(
        f"latency       p50 {result['p50_ms']} ms, p90 {result['p90_ms']} ms, "
        f"p99 {result['p99_ms']} ms, max {result['max_ms']} ms"
    )
    print(f"errors        {result['errors']} {result['error_kinds']}")
    print(f"statuses      {dict(sorted(result['statuses'].items()))}")
    print(
        f"5xx           {result['server_errors']} (wrk), "
        f"{result['access_log_server_errors']} (gunicorn access log)"
    )
    print(f"took {elapsed:.0f}s; saved {save('load', {'args': vars(args), **result})}")
    if result["errors"] or result["server_errors"] or result["access_log_server_errors"]:
        raise SystemExit("FAILED: errors or 5xx under load")


if __name__ == "__main__":
    if shutil.which(GUNICORN) is None or shutil.which("wrk") is None:
        raise SystemExit("needs gunicorn in the virtualenv and wrk (apt-get install wrk)")
    main()
