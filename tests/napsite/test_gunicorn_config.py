"""The gunicorn configuration in the repository reads its values from the environment."""

import http.client
import os
import subprocess

from tests.napsite.processes import GUNICORN, PROJECT_DIR, gunicorn_serving, run_python


def print_config(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GUNICORN_")}
    return subprocess.run(  # noqa: S603 - the venv's gunicorn, arguments written here
        [str(GUNICORN), "-c", "napsite/gunicorn.conf.py", "--print-config"],
        cwd=PROJECT_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def settings_of(result: subprocess.CompletedProcess) -> dict[str, str]:
    assert result.returncode == 0, result.stderr
    pairs = (line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_defaults_serve_the_app_on_loopback_with_logs_on_stdout():
    config = settings_of(print_config())

    assert config["wsgi_app"] == "napsite.wsgi:application"
    assert config["bind"] == "['127.0.0.1:8000']"
    assert config["accesslog"] == "-"
    assert config["timeout"] == "30"
    assert config["graceful_timeout"] == "30"
    assert "%(h)s" not in config["access_log_format"]  # no client addresses in the log


def test_workers_threads_and_timeouts_come_from_the_environment():
    config = settings_of(
        print_config(
            GUNICORN_BIND="0.0.0.0:8000",
            GUNICORN_WORKERS="3",
            GUNICORN_THREADS="4",
            GUNICORN_TIMEOUT="60",
            GUNICORN_GRACEFUL_TIMEOUT="20",
            GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.2,10.0.0.3",
        )
    )

    assert config["bind"] == "['0.0.0.0:8000']"
    assert (config["workers"], config["threads"]) == ("3", "4")
    assert (config["timeout"], config["graceful_timeout"]) == ("60", "20")
    assert config["forwarded_allow_ips"] == "['10.0.0.2', '10.0.0.3']"


def test_a_malformed_value_stops_gunicorn_with_a_clear_message():
    result = print_config(GUNICORN_WORKERS="veel")

    assert result.returncode != 0
    assert "GUNICORN_WORKERS='veel' is not a whole number" in result.stderr


def test_long_addresses_reach_the_app_instead_of_gunicorns_own_error():
    config = settings_of(print_config())

    assert config["limit_request_line"] == "8190"  # gunicorn's maximum


def test_a_five_thousand_character_query_gets_the_apps_dutch_answer(tmp_path):
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SECRET_KEY": "test-only-" + "x" * 50,
        "DJANGO_MANIFEST_STATIC": "0",  # no collectstatic here
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback
        "NAP_SHARED_CACHE_DIR": str(tmp_path / "cache"),
    }
    migrated = run_python("manage.py", "migrate", "--no-input", **env)
    assert migrated.returncode == 0, migrated.stderr
    query = "q=" + "x" * 4998

    with gunicorn_serving(**env) as address:
        connection = http.client.HTTPConnection(address, timeout=30)
        connection.request("GET", f"/activiteiten/?{query}", headers={"Host": "localhost"})
        response = connection.getresponse()
        html = response.read().decode()
        connection.close()

    # The list page itself refuses the over-long search, in Dutch, keeping its filter form.
    assert response.status == 400
    assert '<html lang="nl">' in html
    assert "De filters kloppen niet" in html
    assert "Zoeken: " in html
