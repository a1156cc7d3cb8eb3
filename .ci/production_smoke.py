"""Production smoke test: the Dockerfile's steps outside Docker, then gunicorn on PostgreSQL.

Run by .ci/run with the interpreter of a virtualenv that holds only the runtime dependencies
(as the image does). Collects static files, runs `check --deploy` with a production
environment, migrates a fresh database, starts gunicorn with napsite/gunicorn.conf.py on
127.0.0.1, requests /healthz and / as a load balancer and a proxy would, kills the app's
database connections and checks that it recovers by itself, then stops gunicorn.

Environment: SMOKE_PORT (default 8731), SMOKE_DATABASE (default nap_ci_smoke).
"""

import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("SMOKE_PORT", "8731"))
DATABASE = os.environ.get("SMOKE_DATABASE", "nap_ci_smoke")
SERVER = "postgres://postgres@127.0.0.1:5432"
HOST = "nap.example.test"

ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "NAP_"))},
    # The production environment from README "In productie".
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": HOST,
    "DJANGO_CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
    "DJANGO_PROXY_COUNT": "1",
    "DATABASE_URL": f"{SERVER}/{DATABASE}",
    "GUNICORN_BIND": f"127.0.0.1:{PORT}",
    "GUNICORN_WORKERS": "2",
    "GUNICORN_THREADS": "2",
}


PASSED = []


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"FAILED: {what}\nsmoke: {len(PASSED)} passed, 1 failed")
    PASSED.append(what)
    print(f"ok: {what}")


def manage(*args: str) -> None:
    print(f"$ manage.py {' '.join(args)}", flush=True)
    command = [sys.executable, "manage.py", *args]
    subprocess.run(command, cwd=PROJECT_DIR, env=ENV, check=True)  # noqa: S603 - fixed commands


def get(path: str, **headers: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    connection.request("GET", path, headers={"Host": HOST, **headers})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def drop_database(*, create_again: bool = False) -> None:
    name = sql.Identifier(DATABASE)
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        if create_again:
            server.execute(sql.SQL("CREATE DATABASE {}").format(name))


def kill_app_connections() -> int:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as server:
        rows = server.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [DATABASE],
        ).fetchall()
    return len(rows)


def wait_until_serving(gunicorn: subprocess.Popen) -> None:
    for _ in range(60):
        if gunicorn.poll() is not None:
            sys.exit(f"FAILED: gunicorn exited with {gunicorn.returncode}")
        try:
            if get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit("FAILED: gunicorn did not answer /healthz within 30 seconds")


def smoke_test_requests(gunicorn: subprocess.Popen) -> None:
    probe = get("/healthz", Host="10.0.0.5:8000")
    check(probe.status == 200, "/healthz answers 200 for a load balancer's Host and plain http")
    check(json.loads(probe.body) == {"status": "ok", "database": "ok"}, "/healthz: database ok")

    home = get("/", **{"X-Forwarded-Proto": "https"})
    check(home.status == 200, "/ answers 200 over https behind the proxy")
    check("default-src 'self'" in home.getheader("Content-Security-Policy", ""), "CSP header")
    check(home.getheader("Strict-Transport-Security", "").startswith("max-age="), "HSTS header")
    check(home.getheader("X-Frame-Options") == "DENY", "frames denied")

    plain = get("/")
    check(plain.status == 301, "plain http is redirected")
    check(plain.getheader("Location") == f"https://{HOST}/", "...to https on the same host")
    check(get("/", Host="aanvaller.example").status == 400, "an unknown Host is refused")

    stylesheet = re.search(rb'href="(/static/css/site\.[0-9a-f]+\.css)"', home.body)
    check(stylesheet is not None, "/ links the hashed stylesheet")
    css = get(
        stylesheet.group(1).decode(), **{"X-Forwarded-Proto": "https", "Accept-Encoding": "gzip"}
    )
    check(css.status == 200, "whitenoise serves the hashed stylesheet")
    check("immutable" in css.getheader("Cache-Control", ""), "...cached for good")
    check(css.getheader("Content-Encoding") == "gzip", "...compressed")

    login = get("/admin/login/", **{"X-Forwarded-Proto": "https"})
    check(login.status == 200, "the admin login page answers over https")

    killed = kill_app_connections()
    check(killed > 0, f"killed the app's {killed} database connection(s)")
    statuses = [get("/healthz").status for _ in range(8)]  # reaches every worker and thread
    check(statuses == [200] * 8, f"recovered without restarting gunicorn: {statuses}")
    check(gunicorn.poll() is None, "gunicorn still runs")


def main() -> None:
    drop_database(create_again=True)
    try:
        manage("collectstatic", "--noinput", "--verbosity", "0")
        manage("check", "--deploy", "--fail-level", "WARNING")
        manage("migrate", "--noinput", "--verbosity", "0")
        gunicorn = subprocess.Popen(  # noqa: S603 - the runtime virtualenv's own gunicorn
            [str(Path(sys.executable).with_name("gunicorn")), "-c", "napsite/gunicorn.conf.py"],
            cwd=PROJECT_DIR,
            env=ENV,
        )
        try:
            wait_until_serving(gunicorn)
            smoke_test_requests(gunicorn)
        finally:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                code = gunicorn.wait(timeout=40)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
                sys.exit("FAILED: gunicorn did not stop within its graceful timeout")
        check(code == 0, "gunicorn stopped cleanly on SIGTERM")
    finally:
        drop_database()
    print(f"smoke: {len(PASSED)} passed, 0 failed")


if __name__ == "__main__":
    main()
