"""nginx as a caching reverse proxy in front of gunicorn: how much of a day's traffic the proxy
answers by itself, and how soon an edit shows through it.

What it does, on this machine only (127.0.0.1, high ports), bounded in time:

1. prepares a PostgreSQL database with ``--activities`` synthetic activities, as
   bench_pages.py does (``--reuse-db`` keeps one that is already seeded);
2. starts gunicorn (production settings; ``NAP_HTTP_MAX_AGE`` and
   ``NAP_HTTP_STALE_WHILE_REVALIDATE`` from ``--max-age`` and ``--stale``; the page cache in
   Redis with ``--cache-url``) and nginx (Debian's package: ``apt-get install nginx``) with a
   configuration generated into a temporary folder: ``proxy_cache`` in that folder,
   revalidation with the app's validators, stale pages served while one request updates them;
3. sends the mix of bench/load.py (popular addresses repeat, as on any site; a quarter of it
   is detail pages spread over all activities, the long tail; every client sends
   ``Accept-Encoding: gzip``) through nginx for ``--seconds`` to warm it up, then again for
   ``--seconds`` counting nginx's ``X-Cache-Status`` per response;
4. edits an activity's title as the admin would (``save()``), then asks for its page through
   nginx every quarter second until the new title shows, and checks that it took no longer
   than the max-age (plus one request to let nginx fetch it);
5. restores the title, stops nginx and gunicorn, and removes the temporary folder.

    .venv/bin/python bench/proxy.py --reuse-db --keep-db \\
        --database-url postgres://postgres@127.0.0.1:5432/nap_bench_fast \\
        --cache-url redis://127.0.0.1:6379/13
"""

import argparse
import multiprocessing
import random
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from bench_pages import PYTHON, ROOT, Server, prepare_database, request
from common import manage, production_env, step
from load import traffic_mix

NGINX_CONF = """
# Written by bench/proxy.py; everything lives in {folder}.
worker_processes 1;
daemon off;
user root;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {folder}/client-body;
    proxy_temp_path {folder}/proxy-temp;
    fastcgi_temp_path {folder}/fastcgi-temp;
    uwsgi_temp_path {folder}/uwsgi-temp;
    scgi_temp_path {folder}/scgi-temp;
    proxy_cache_path {folder}/cache levels=1:2 keys_zone=nap:10m max_size=256m inactive=10m
                     use_temp_path=off;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Proto https;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_cache nap;
            # Only what the app marks public is stored, for as long as it says (no
            # proxy_cache_valid): admin, drafts and error pages pass through.
            proxy_cache_revalidate on;
            proxy_cache_use_stale updating error timeout;
            proxy_cache_background_update on;
            proxy_cache_lock on;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""


def main() -> None:
    args = parse_args()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit("nginx not found: apt-get update && apt-get install nginx")
    prepare_database(args)
    folder = Path(tempfile.mkdtemp(prefix="nap-proxy-"))
    env = production_env(args.database_url, args.app_port, folder / "app-cache")
    env |= {
        "NAP_HTTP_MAX_AGE": str(args.max_age),
        "NAP_HTTP_STALE_WHILE_REVALIDATE": str(args.stale),
        # Behind nginx: the app trusts one proxy's X-Forwarded-Proto.
        "DJANGO_PROXY_COUNT": "1",
    }
    if args.cache_url:
        env["CACHE_URL"] = args.cache_url
    manage(env, "collectstatic", "--noinput", "-v0")
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(folder=folder, port=args.port, app_port=args.app_port))
    slug = f"synthetisch-{args.activities // 3}"
    try:
        with Server(env, args.app_port, args.workers), Nginx(nginx, conf, folder, args.port):
            rng = random.Random(14)
            mix = traffic_mix(args.activities, rng)
            # A proxy in production has seen traffic before: the first round fills it.
            step(f"Warming nginx up with the mix for {args.seconds:g}s")
            run_mix(args.port, mix, args.clients, args.seconds)
            step(f"The mix through nginx for {args.seconds:g}s, {args.clients} clients")
            total, statuses, cache = run_mix(args.port, mix, args.clients, args.seconds)
            step(f"Editing {slug} and asking for it through nginx until the edit shows")
            seconds, old_title = edit_visible_after(env, args.port, slug)
            _set_title(env, slug, old_title)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(args, total, statuses, cache, seconds)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/nap_bench4")
    parser.add_argument("--cache-url", default="", help="CACHE_URL for the app (Redis)")
    parser.add_argument("--port", type=int, default=8441, help="nginx")
    parser.add_argument("--app-port", type=int, default=8442, help="gunicorn")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--max-age", type=int, default=20)
    parser.add_argument("--stale", type=int, default=10)
    parser.add_argument("--keep-db", action="store_true", help="accepted; never drops")
    parser.add_argument("--reuse-db", action="store_true", help="keep a seeded database")
    args = parser.parse_args()
    if urlsplit(args.database_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("benchmarks run against a local database only")
    if not all(1024 < port < 65536 for port in (args.port, args.app_port)):
        parser.error("use high ports")
    if not 1 <= args.seconds <= 60:
        parser.error("--seconds must be 1-60")
    return args


class Nginx:
    """nginx in the foreground (daemon off), as a child of this script, stopped on exit."""

    def __init__(self, binary: str, conf: Path, folder: Path, port: int):
        self.command = [binary, "-c", str(conf), "-p", str(folder)]
        self.port = port

    def __enter__(self) -> "Nginx":
        subprocess.run([*self.command, "-t", "-q"], check=True)
        self.process = subprocess.Popen(self.command)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                request(self.port, "/toegankelijkheid/")
                return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise SystemExit("nginx did not start within 10 seconds")

    def __exit__(self, *exc) -> None:
        self.process.terminate()  # SIGTERM: nginx's fast shutdown, workers included
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _client(port: int, mix: list[str], seconds: float, seed: int, queue) -> None:
    rng = random.Random(seed)
    statuses, cache = Counter(), Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status, headers, _ = request(port, rng.choice(mix), {"Accept-Encoding": "gzip"})
        except OSError:
            statuses["connection error"] += 1
            continue
        statuses[status] += 1
        cache[headers.get("x-cache-status", "-")] += 1
    queue.put((statuses, cache))


def run_mix(port: int, mix: list[str], clients: int, seconds: float):
    queue = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_client, args=(port, mix, seconds, n, queue))
        for n in range(clients)
    ]
    for worker in workers:
        worker.start()
    statuses, cache = Counter(), Counter()
    for _ in workers:
        more_statuses, more_cache = queue.get(timeout=seconds + 120)
        statuses.update(more_statuses)
        cache.update(more_cache)
    for worker in workers:
        worker.join(timeout=10)
    return sum(statuses.values()), statuses, cache


EDIT = """
import django, sys
django.setup()
from measures.models import Activity
activity = Activity.objects.get(slug=sys.argv[1])
print(activity.title)
activity.title = sys.argv[2]
activity.save()
"""


def _set_title(env: dict, slug: str, title: str) -> str:
    """Change the title as the admin would (save(), so the data version changes); the old one."""
    done = subprocess.run(
        [PYTHON, "-c", EDIT, slug, title],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "napsite.settings"},
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def edit_visible_after(env: dict, port: int, slug: str) -> tuple[float, str]:
    """Seconds until an edit shows through nginx, and the title it replaced."""
    path = f"/activiteiten/{slug}/"
    for _ in range(2):  # now in nginx's cache
        request(port, path)
    marker = f"Bewerkt {int(time.time())}"
    old_title = _set_title(env, slug, f"Synthetisch: {marker}")
    edited = time.monotonic()
    while time.monotonic() - edited < 120:
        _, _, body = request(port, path)
        if marker.encode() in body:
            return time.monotonic() - edited, old_title
        time.sleep(0.25)
    _set_title(env, slug, old_title)
    raise SystemExit("the edit did not show through nginx within two minutes")


def report(args, total: int, statuses: Counter, cache: Counter, seconds: float) -> None:
    from_proxy = cache["HIT"] + cache["STALE"] + cache["UPDATING"]
    print()
    print(f"{total} requests in {args.seconds:g}s ({total / args.seconds:.0f} r/s) via nginx")
    print("statuses:", dict(sorted(statuses.items(), key=str)))
    print("X-Cache-Status:", dict(cache.most_common()))
    print(f"answered by nginx alone: {from_proxy / total:.1%}")
    print(f"  ... or after a 304 from the app (REVALIDATED): {cache['REVALIDATED'] / total:.1%}")
    print(f"an edit showed through nginx after {seconds:.1f}s (max-age {args.max_age}s)")
    errors = sum(count for status, count in statuses.items() if status != 200)
    if errors:
        raise SystemExit(f"{errors} requests did not answer 200")
    if seconds > args.max_age + 1:
        raise SystemExit("the edit took longer than max-age to show")


if __name__ == "__main__":
    main()
