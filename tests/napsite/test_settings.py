"""Settings come from the environment and refuse what they cannot understand."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.napsite.processes import run_python

PROJECT_DIR = Path(__file__).resolve().parents[2]


def load_settings(**env: str) -> subprocess.CompletedProcess:
    return run_python(
        "-c", "import django; django.setup(); from django.conf import settings", **env
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


# --- Production hardening (issue 7) -------------------------------------------------------


def secret_key() -> str:
    """A key as production would have one: long and random (check --deploy insists)."""
    return secrets.token_urlsafe(50)


# The production environment as the README's "In productie" documents it.
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "nap.example.nl",
    "DATABASE_URL": "postgres://nap:wachtwoord@db.internal:5432/nap",
    "DJANGO_PROXY_COUNT": "1",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://nap.example.nl",
}


def setting_values(names: str, **env: str) -> str:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        f"print([getattr(settings, name, None) for name in {names.split()!r}])"
    )
    result = run_python("-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_documented_production_environment_passes_check_deploy_without_warnings():
    result = run_python(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION_ENV,
        DJANGO_SECRET_KEY=secret_key(),
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_defaults_are_https_only():
    values = setting_values(
        "SECURE_SSL_REDIRECT SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE SESSION_COOKIE_HTTPONLY "
        "CSRF_COOKIE_HTTPONLY SECURE_HSTS_SECONDS SECURE_HSTS_INCLUDE_SUBDOMAINS "
        "SECURE_HSTS_PRELOAD X_FRAME_OPTIONS SECURE_REFERRER_POLICY SECURE_PROXY_SSL_HEADER",
        DJANGO_SECRET_KEY=secret_key(),
    )

    assert values == (
        "[True, True, True, True, True, 31536000, True, True, 'DENY', "
        "'strict-origin-when-cross-origin', None]"
    )


def test_local_development_works_over_plain_http():
    values = setting_values(
        "SECURE_SSL_REDIRECT SESSION_COOKIE_SECURE CSRF_COOKIE_SECURE SECURE_HSTS_SECONDS",
        DJANGO_DEBUG="1",
    )

    assert values == "[False, False, False, 0]"


def test_behind_a_proxy_the_forwarded_scheme_is_trusted():
    values = setting_values(
        "SECURE_PROXY_SSL_HEADER PROXY_COUNT",
        DJANGO_SECRET_KEY=secret_key(),
        DJANGO_PROXY_COUNT="2",
    )

    assert values == "[('HTTP_X_FORWARDED_PROTO', 'https'), 2]"


def test_hsts_and_upload_limits_are_configurable():
    values = setting_values(
        "SECURE_HSTS_SECONDS SECURE_HSTS_PRELOAD NAP_IMPORT_MAX_BYTES NAP_MAX_REQUEST_BYTES "
        "AXES_FAILURE_LIMIT AXES_COOLOFF_TIME CSRF_TRUSTED_ORIGINS",
        DJANGO_SECRET_KEY=secret_key(),
        DJANGO_HSTS_SECONDS="600",
        DJANGO_HSTS_PRELOAD="0",
        NAP_IMPORT_MAX_BYTES="1000",
        DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE="500",
        NAP_LOGIN_FAILURE_LIMIT="3",
        NAP_LOGIN_COOLOFF_MINUTES="30",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://nap.example.nl,https://www.nap.example.nl",
    )

    assert values == (
        "[600, False, 1000, 1500, 3, datetime.timedelta(seconds=1800), "
        "['https://nap.example.nl', 'https://www.nap.example.nl']]"
    )


def test_without_a_cache_url_the_processes_of_one_host_share_a_folder():
    values = setting_values(
        "CACHES", DJANGO_SECRET_KEY=secret_key(), NAP_SHARED_CACHE_DIR="/srv/nap-cache"
    )

    assert "'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'" in values
    assert (
        "'shared': {'BACKEND': 'django.core.cache.backends.filebased.FileBasedCache', "
        "'LOCATION': '/srv/nap-cache'}" in values
    )
    assert (
        "'pages': {'BACKEND': 'django.core.cache.backends.filebased.FileBasedCache', "
        "'LOCATION': '/srv/nap-cache/pages'" in values
    )
    # Cards of the lists: a file per card would cost more than rendering it.
    assert (
        "'fragments': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache', "
        "'LOCATION': 'fragments'" in values
    )


def test_a_cache_url_makes_the_shared_cache_redis():
    values = setting_values(
        "CACHES", DJANGO_SECRET_KEY=secret_key(), CACHE_URL="redis://cache.internal:6379/1"
    )

    assert "'default': {'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'" in values
    assert (
        "'shared': {'BACKEND': 'napsite.cache.SharedClientRedisCache', "
        "'LOCATION': 'redis://cache.internal:6379/1'}" in values
    )
    assert (
        "'pages': {'BACKEND': 'napsite.cache.SharedClientRedisCache', "
        "'LOCATION': 'redis://cache.internal:6379/1', 'KEY_PREFIX': 'pages'" in values
    )
    assert (
        "'fragments': {'BACKEND': 'napsite.cache.SharedClientRedisCache', "
        "'LOCATION': 'redis://cache.internal:6379/1', 'KEY_PREFIX': 'fragments'}" in values
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_HSTS_SECONDS", "a year", "is not a whole number"),
        ("DJANGO_HSTS_SECONDS", "-1", "is too small; the minimum is 0"),
        ("DJANGO_HSTS_PRELOAD", "perhaps", "is not a boolean"),
        ("DJANGO_SECURE_COOKIES", "sometimes", "is not a boolean"),
        ("DJANGO_PROXY_COUNT", "one", "is not a whole number"),
        ("NAP_IMPORT_MAX_BYTES", "5MB", "is not a whole number"),
        ("NAP_IMPORT_MAX_BYTES", "0", "is too small; the minimum is 1"),
        ("NAP_LOGIN_FAILURE_LIMIT", "0", "is too small; the minimum is 1"),
        ("DJANGO_CSRF_TRUSTED_ORIGINS", "nap.example.nl", "needs a scheme"),
        ("CACHE_URL", "memcached://cache:11211", "is not a Redis URL"),
    ],
)
def test_malformed_production_values_are_refused_with_a_clear_message(name, value, message):
    result = load_settings(DJANGO_SECRET_KEY=secret_key(), **{name: value})

    assert result.returncode != 0
    assert message in result.stderr
