import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from reporting.models import ProgressReport as CurrentProgressReport

BEFORE = [("reporting", "0002_coordinator_permissions")]
AFTER = [("reporting", "0003_progressreport_compared_with")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_published_reports_keep_the_baseline_they_were_shown_with():
    apps = migrate(BEFORE)
    ProgressReport = apps.get_model("reporting", "ProgressReport")

    def report(slug, days, published_days=None):
        moment = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
        return ProgressReport.objects.create(
            title=slug,
            slug=slug,
            reference_date=datetime.date(2025, 1, 1) + datetime.timedelta(days=days),
            state="concept" if published_days is None else "gepubliceerd",
            published_at=None
            if published_days is None
            else moment + datetime.timedelta(days=published_days),
        )

    first = report("eerste", 0, published_days=1)
    same_day_later = report("zelfde-peildatum", 0, published_days=2)
    # Published last, but for the earliest peildatum: until now the baseline of nobody later.
    late = report("achteraf", -10, published_days=30)
    second = report("tweede", 100, published_days=101)
    report("concept", 200)

    migrate(AFTER)
    baselines = dict(CurrentProgressReport.objects.values_list("slug", "compared_with__slug"))

    assert baselines == {
        late.slug: None,
        first.slug: late.slug,
        same_day_later.slug: first.slug,
        second.slug: same_day_later.slug,
        "concept": None,
    }
