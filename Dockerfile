# Production image: slim Python, dependencies from pyproject.toml, static files collected at
# build time, gunicorn as a non-root user.
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# WeasyPrint (the progress report as PDF) needs Pango, HarfBuzz and fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        libharfbuzz-subset0 fonts-liberation fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md ./
COPY napsite ./napsite
COPY actionlines ./actionlines
COPY measures ./measures
COPY reporting ./reporting
RUN pip install .

COPY manage.py ./
COPY templates ./templates
COPY static ./static
COPY fixtures ./fixtures

# collectstatic needs settings to load; this key exists only during the build.
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput

RUN useradd --system --uid 10001 --home-dir /app nap && mkdir -p /app/var && chown nap /app/var
USER nap

EXPOSE 8000
CMD ["gunicorn", "napsite.wsgi:application", "--bind", "0.0.0.0:8000"]
