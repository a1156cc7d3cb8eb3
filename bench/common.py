"""What the benchmark scripts share: progress lines, manage.py, and counting queries."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# Every request arrives as from the TLS proxy, so the production HTTPS settings stay on.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def step(message: str) -> None:
    print(f"--- {message}", flush=True)


def manage(env: dict, *command: str, root: Path = ROOT) -> None:
    """manage.py of the checkout at ``root`` (another checkout: see bench_pages --baseline)."""
    subprocess.run([PYTHON, "manage.py", *command], cwd=root, env=env, check=True, timeout=900)


def production_env(database_url: str, port: int, cache_dir: Path) -> dict:
    """README "In productie", on loopback behind an imagined TLS proxy."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NAP_", "GUNI"))}
    return {
        **keep,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Requests arrive as from one proxy that terminated TLS (X-Forwarded-Proto: https).
        "DJANGO_PROXY_COUNT": "1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "NAP_SHARED_CACHE_DIR": str(cache_dir),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_LOG_LEVEL": "warning",
    }


def configure_in_process() -> None:
    """Settings for a benchmark that calls the app in its own process with the test client.

    There is no TLS proxy in front, so the HTTPS redirect is off; everything else is production.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "napsite.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + secrets.token_urlsafe(30))
    os.environ.setdefault("DJANGO_MANIFEST_STATIC", "0")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "ERROR")


class QueryCounter:
    """Count every query on the default connection inside a ``with`` block.

    Unlike CaptureQueriesContext it keeps no list (which stops at 9,000 queries), so it also
    counts the stock export's tens of thousands.
    """

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> "QueryCounter":
        from django.db import connection

        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._wrapper.__exit__(*exc)
