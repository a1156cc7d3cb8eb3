"""Run Django in a fresh process, with an environment the test controls completely."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]

# Variables that configure the project: the child sees only the ones a test passes in.
CONFIGURATION_PREFIXES = ("DJANGO_", "DATABASE_", "CACHE_", "NAP_", "GUNICORN_")


def run_python(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`python <args>` in the project directory, as a fresh deployment would run it."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(CONFIGURATION_PREFIXES)}
    return subprocess.run(  # noqa: S603 - our own interpreter, arguments written by the tests
        [sys.executable, *args],
        cwd=PROJECT_DIR,
        env={**inherited, "DJANGO_SETTINGS_MODULE": "napsite.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
