"""seed_synthetic: realistic, clearly marked activities for load tests, and their removal."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from measures.models import Activity, Footnote
from measures.selectors import status_history
from measures.templatetags.explanations import render_explanation
from tests.factories import make_activity


@override_settings(DEBUG=True)
def test_it_adds_marked_activities_that_the_public_pages_can_show(db, client):
    call_command("seed_synthetic", activities=60, stdout=io.StringIO())

    activities = Activity.objects.with_related()
    assert activities.count() == 60
    assert all(a.slug.startswith("synthetisch-") for a in activities)
    assert all(a.title.startswith("Synthetisch: ") for a in activities)
    assert all(a.ordered_actors for a in activities)
    # Footnote markers match the footnotes, so every marker becomes a link.
    for activity in activities:
        html = render_explanation(activity.explanation, activity.footnotes.all())
        assert html.count('href="#voetnoot-') == activity.explanation.count("[^")
    assert Footnote.objects.exists()
    assert any(len(status_history(a)) > 1 for a in activities)
    assert client.get(activities[0].get_absolute_url()).status_code == 200


@override_settings(DEBUG=True)
def test_it_adds_to_what_is_there_and_removes_only_its_own(db, action_line, status):
    real = make_activity(action_line=action_line, status=status, position=1)
    call_command("seed_synthetic", activities=5, stdout=io.StringIO())
    call_command("seed_synthetic", activities=5, stdout=io.StringIO())

    assert Activity.objects.filter(slug__startswith="synthetisch-").count() == 10

    call_command("seed_synthetic", remove=True, stdout=io.StringIO())

    assert list(Activity.objects.all()) == [real]


@override_settings(DEBUG=False)
def test_it_refuses_to_run_in_production_unless_asked(db):
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("seed_synthetic", activities=5)

    call_command("seed_synthetic", activities=2, allow_without_debug=True, stdout=io.StringIO())
    assert Activity.objects.count() == 2


@override_settings(DEBUG=True)
@pytest.mark.parametrize("count", [0, -1, 100_001])
def test_it_refuses_a_silly_number(db, count):
    with pytest.raises(CommandError, match="--activities"):
        call_command("seed_synthetic", activities=count)
