"""gunicorn configuration: `gunicorn -c napsite/gunicorn.conf.py` (see README "In productie").

Every value comes from the environment, read with the same strict helpers as the settings.
"""

import os

from napsite.env import env_int, env_list

wsgi_app = "napsite.wsgi:application"

# Inside a container bind to 0.0.0.0 (the Dockerfile does); on a plain host stay on loopback
# behind the proxy.
bind = env_list("GUNICORN_BIND", ["127.0.0.1:8000"])

# Workers times threads is the number of requests served at once, and also the number of
# database connections one instance may hold (persistent, one per thread).
workers = env_int("GUNICORN_WORKERS", 2 * len(os.sched_getaffinity(0)) + 1, minimum=1)
threads = env_int("GUNICORN_THREADS", 2, minimum=1)
# A request that takes longer is cut off and its worker replaced.
timeout = env_int("GUNICORN_TIMEOUT", 30, minimum=1)
# On SIGTERM (deploys, scaling down) running requests get this long to finish.
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
# Longer than the load balancer's idle timeout would leave it reusing closed connections.
keepalive = env_int("GUNICORN_KEEPALIVE", 5, minimum=0)
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 2000, minimum=0)
max_requests_jitter = max_requests // 10

# The longest request line gunicorn accepts (its maximum). Its default of 4094 answered a long
# shared filter address with a raw English error before the app could explain it in Dutch.
limit_request_line = 8190

# Only these addresses may tell gunicorn the original scheme (X-Forwarded-Proto); set it to
# the proxy's address. Django itself trusts the header only with DJANGO_PROXY_COUNT > 0.
forwarded_allow_ips = ",".join(env_list("GUNICORN_FORWARDED_ALLOW_IPS", ["127.0.0.1", "::1"]))

# Both logs to stdout/stderr for the container runtime or journald. The access log leaves out
# the client address, user agent and referrer: personal data that the app does not need.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(t)s "%(r)s" %(s)s %(B)s %(M)sms'

# Worker heartbeats in memory rather than on a possibly slow container filesystem (gunicorn
# creates its files there with mkstemp, so a shared directory is safe).
SHARED_MEMORY = "/dev/shm"  # noqa: S108
if os.path.isdir(SHARED_MEMORY):
    worker_tmp_dir = SHARED_MEMORY

# gunicorn 27's control socket (under $HOME) is not used, and the image's user cannot write
# there; older gunicorn versions ignore this name.
control_socket_disable = True
