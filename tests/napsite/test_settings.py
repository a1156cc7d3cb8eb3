"""Settings come from the environment and refuse what they cannot understand."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings"],
        cwd=PROJECT_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "napsite.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_without_a_secret_key_fails_at_start_up():
    result = load_settings(DJANGO_DEBUG="0")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_mode_runs_without_a_secret_key():
    assert load_settings(DJANGO_DEBUG="1").returncode == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_DEBUG", "maybe", "is not a boolean"),
        ("DATABASE_URL", "nonsense://x", "DATABASE_URL is not a valid database URL"),
        ("DJANGO_CONN_MAX_AGE", "forever", "is not a whole number"),
    ],
)
def test_malformed_values_are_refused_with_a_clear_message(name, value, message):
    result = load_settings(DJANGO_SECRET_KEY="k" * 50, **{name: value})

    assert result.returncode != 0
    assert message in result.stderr


def test_allowed_hosts_come_from_a_comma_separated_list():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.ALLOWED_HOSTS)",
        ],
        cwd=PROJECT_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "napsite.settings",
            "DJANGO_SECRET_KEY": "k" * 50,
            "DJANGO_ALLOWED_HOSTS": "nap.example.nl, www.nap.example.nl",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == "['nap.example.nl', 'www.nap.example.nl']"
