"""Run Django in a fresh process, with an environment the test controls completely."""

import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from django.db import connection

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Variables that configure the project: the child sees only the ones a test passes in.
CONFIGURATION_PREFIXES = ("DJANGO_", "DATABASE_", "CACHE_", "NAP_", "GUNICORN_")


def _environment(env: dict[str, str]) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(CONFIGURATION_PREFIXES)}
    return {**inherited, "DJANGO_SETTINGS_MODULE": "napsite.settings", **env}


def run_python(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python <args>` in the project directory, as a fresh deployment would run it."""
    return subprocess.run(  # noqa: S603 - our own interpreter, arguments written by the tests
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env=_environment(env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def start_python(*args: str, log: Path, **env: str) -> subprocess.Popen:
    """Start `python <args>` in the background, its output going to ``log``; see ``stop``."""
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - our own interpreter, arguments written by the tests
            [sys.executable, *args],
            cwd=PROJECT_DIR,
            env=_environment(env),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ask the process to stop as a service manager would (SIGTERM); kill it if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def shared_database_url() -> str:
    """DATABASE_URL of the database this test runs on, for a child process to share it."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    return f"postgres://{quote(db['USER'], safe='')}{password}@{host}/{db['NAME']}"
