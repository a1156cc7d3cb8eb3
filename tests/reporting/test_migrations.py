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


@pytest.fixture
def back_to_latest():
    """Tests after these find the database fully migrated again."""
    yield
    executor = MigrationExecutor(connection)
    migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_published_reports_keep_the_baseline_they_were_shown_with(back_to_latest):
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


@pytest.mark.django_db(transaction=True)
def test_reports_published_before_get_their_changes_stored(back_to_latest, client):
    apps = migrate([("reporting", "0003_progressreport_compared_with")])
    ProgressReport = apps.get_model("reporting", "ProgressReport")
    published_at = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)

    def report(slug, days, compared_with=None, *, when, status):
        made = ProgressReport.objects.create(
            title=slug,
            slug=slug,
            reference_date=datetime.date(2025, 1, 1) + datetime.timedelta(days=days),
            state="gepubliceerd",
            published_at=published_at + datetime.timedelta(days=days),
            compared_with=compared_with,
        )
        section = made.sections.create(number=1, title="Normen")
        code, label = status
        frozen = made.statuses.create(code=code, label=label, definition="-", icon="→")
        made.entries.create(
            section=section,
            status=frozen,
            position=1,
            activity_pk=7,
            slug="campagne",
            title="Publiekscampagne",
            timeframe_label=when,
            actors=[{"code": "OCW", "name": "OCW"}],
            explanation="Tekst.",
        )
        return made

    first = report("eerste", 0, when="2024", status=("loopt", "Loopt"))
    report("tweede", 100, first, when="Q1 2025", status=("afgerond", "Afgerond"))

    migrate([("reporting", "0004_progressreport_changes")])
    stored = dict(CurrentProgressReport.objects.values_list("slug", "changes"))

    assert stored["eerste"] == []
    assert [(c["kind"], c["old"], c["new"]) for c in stored["tweede"]] == [
        (
            "status",
            {"code": "loopt", "label": "Loopt", "icon": "→"},
            {"code": "afgerond", "label": "Afgerond", "icon": "→"},
        ),
        ("wanneer", "2024", "Q1 2025"),
    ]
    # The page runs today's code, which reads columns added by later migrations.
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    page = client.get("/rapportages/tweede/wijzigingen/").text
    assert "<strong>1</strong> activiteit opnieuw gepland (Wanneer)" in page
