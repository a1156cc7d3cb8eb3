"""Run Django (or gunicorn) in a fresh process, with an environment the test controls completely."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.db import connection

PROJECT_DIR = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn_serving(**env: str) -> Iterator[str]:
    """gunicorn with the repository's configuration on a free local port; yields its address."""
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(CONFIGURATION_PREFIXES)}
    server = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, arguments written here
        [str(GUNICORN), "-c", "napsite/gunicorn.conf.py"],
        cwd=PROJECT_DIR,
        env={
            **inherited,
            "DJANGO_SETTINGS_MODULE": "napsite.settings",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start: {server.stderr.read()}") from None
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.communicate(timeout=30)


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
