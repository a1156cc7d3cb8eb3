"""/healthz tells a load balancer whether this instance can serve: process up, database there."""

import json
import os
import wsgiref.util

import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.urls import reverse

from tests.napsite.processes import run_python


def test_healthz_reports_ok_when_the_database_answers(client, db, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.headers["Content-Type"] == "application/json"
    assert "no-store" in response.headers["Cache-Control"]


def test_healthz_answers_a_host_that_is_not_allowed(client, db):
    """Load balancers probe each instance by its own address, not by the site's name."""
    probe = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    page = client.get("/", HTTP_HOST="10.1.2.3:8000")

    assert probe.status_code == 200
    assert page.status_code == 400


def test_healthz_is_not_redirected_to_https(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True

    probe = client.get("/healthz")
    page = client.get("/")

    assert probe.status_code == 200
    assert page.status_code == 301


def test_healthz_reports_503_when_the_database_is_unreachable():
    """A real unreachable PostgreSQL (nothing listens on port 1), in a separate process."""
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(json.dumps([r.status_code, r.json()]))"
    )
    result = run_python(
        "-c",
        code,
        DJANGO_SECRET_KEY="test-only-insecure-key",
        DATABASE_URL="postgres://nap:geheim-wachtwoord@127.0.0.1:1/nap",
    )

    assert result.returncode == 0, result.stderr
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body == {"status": "error", "database": "unreachable"}
    assert "geheim-wachtwoord" not in result.stdout + result.stderr


def serve(path: str) -> tuple[str, bytes]:
    """One request through Django's real WSGI handler, as gunicorn would make it.

    Unlike the test client, this fires request_started/finished with the connection checks
    that persistent connections rely on.
    """
    environ = {"PATH_INFO": path, "HTTP_HOST": "localhost"}
    wsgiref.util.setup_testing_defaults(environ)
    started = {}

    def start_response(status, headers):
        started["status"] = status

    result = WSGIHandler()(environ, start_response)
    body = b"".join(result)
    result.close()
    return started["status"], body


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL to kill a server connection",
)
def test_a_killed_database_connection_is_replaced_without_an_error(transactional_db, settings):
    """PostgreSQL restarted or a connection dropped: the next request reconnects by itself."""
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    status, _ = serve("/healthz")
    assert status == "200 OK"
    persistent_pid = connection.connection.info.backend_pid

    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as admin_connection:
        admin_connection.execute("SELECT pg_terminate_backend(%s)", [persistent_pid])

    status, body = serve("/healthz")

    assert status == "200 OK", body
    assert connection.connection.info.backend_pid != persistent_pid
