# Production image: slim Python, the dependencies from requirements.lock (pinned, every file
# checked against its hash; .ci/lock makes it from pyproject.toml), static files collected
# (hashed and compressed) at build time, gunicorn with napsite/gunicorn.conf.py as a non-root
# user. .ci/run's production smoke test runs the same steps outside Docker.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint (the PDF of a progress report) renders with Pango and HarfBuzz and needs fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies in their own layer, rebuilt only when the lock changes. The app itself runs
# from /app, so only its dependencies are installed.
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

# Everything else; .dockerignore keeps out the virtualenv, databases, tests and any .env file.
COPY . .

# collectstatic needs the settings to load; this key exists only during the build.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --noinput \
    && python -m compileall -q napsite actionlines measures reporting

RUN useradd --system --uid 10001 --home-dir /app nap && mkdir -p /app/var/media/report-documents && chown -R nap /app/var
USER nap

ENV GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000

# urlopen raises on a 503, so an unreachable database marks the container unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["gunicorn", "-c", "napsite/gunicorn.conf.py"]
