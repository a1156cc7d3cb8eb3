import datetime
import json

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from actionlines.models import ActionLine
from measures.models import Activity, ActivityActor, Footnote, Status
from tests.factories import make_activity


def test_strings_name_what_a_person_sees(action_line, status, ocw):
    activity = make_activity(action_line=action_line, status=status, title="Publiekscommunicatie")

    assert str(activity) == "Publiekscommunicatie"
    assert str(status) == "Loopt"
    assert str(ocw) == "OCW"
    assert str(action_line).startswith("Actielijn 1: ")


def test_two_activities_cannot_share_a_place_in_one_action_line(action_line, status):
    make_activity(action_line=action_line, status=status, position=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_activity(action_line=action_line, status=status, position=1)


def test_a_timeframe_cannot_end_before_it_starts(action_line, status):
    activity = make_activity(action_line=action_line, status=status, timeframe_label="2024")
    activity.start_year, activity.end_year = 2025, 2024

    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


def test_within_one_year_the_quarters_must_be_in_order(action_line, status):
    activity = make_activity(action_line=action_line, status=status, timeframe_label="Q1 2024")
    activity.start_quarter, activity.end_quarter = 3, 1

    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


def test_quarters_run_from_one_to_four(action_line, status):
    activity = make_activity(action_line=action_line, status=status)
    activity.start_quarter = 5

    with pytest.raises(IntegrityError), transaction.atomic():
        activity.save()


def test_status_colour_must_be_a_hex_colour(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Status.objects.create(code="x", label="X", definition="x", colour="red")


def test_the_printed_label_sets_the_structured_timeframe(action_line, status):
    activity = make_activity(
        action_line=action_line, status=status, timeframe_label="Q4 2024 en Q1 2025"
    )

    assert (activity.start_year, activity.start_quarter) == (2024, 4)
    assert (activity.end_year, activity.end_quarter) == (2025, 1)


def test_actors_keep_their_printed_order(action_line, status, ocw, szw):
    activity = make_activity(action_line=action_line, status=status, actors=(szw, ocw))

    fetched = Activity.objects.with_related().get(pk=activity.pk)

    assert fetched.ordered_actors == [szw, ocw]


def test_covering_year_includes_open_ended_and_excludes_unparsed(action_line, status):
    running = make_activity(action_line=action_line, status=status, timeframe_label="2023-2026")
    open_ended = make_activity(action_line=action_line, status=status, timeframe_label="Vanaf 2022")
    make_activity(action_line=action_line, status=status, timeframe_label="2022")
    make_activity(action_line=action_line, status=status, timeframe_label="onbekend")

    assert set(Activity.objects.covering_year(2024)) == {running, open_ended}


def test_overdue_means_ended_and_not_closed(action_line, status, closed_status):
    today = datetime.date(2025, 5, 1)  # Q2 2025
    late = make_activity(action_line=action_line, status=status, timeframe_label="2024")
    late_quarter = make_activity(action_line=action_line, status=status, timeframe_label="Q1 2025")
    make_activity(action_line=action_line, status=closed_status, timeframe_label="2024")
    make_activity(action_line=action_line, status=status, timeframe_label="2025")
    make_activity(action_line=action_line, status=status, timeframe_label="Vanaf 2022")

    assert set(Activity.objects.overdue(today)) == {late, late_quarter}


def test_published_hides_activities_that_are_not_public(action_line, status):
    public = make_activity(action_line=action_line, status=status)
    make_activity(action_line=action_line, status=status, is_public=False)

    assert list(Activity.objects.published()) == [public]


def test_every_change_is_kept_in_the_history_with_its_actors(
    action_line, status, closed_status, ocw, szw
):
    activity = make_activity(action_line=action_line, status=status, actors=(ocw,))
    activity.status = closed_status
    activity.save()
    ActivityActor.objects.create(activity=activity, actor=szw, position=1)
    activity.save()

    history = list(activity.history.order_by("history_date"))

    assert [h.status_id for h in history] == [status.pk, closed_status.pk, closed_status.pk]
    assert history[0].history_type == "+"
    assert "status" in history[1].diff_against(history[0]).changed_fields
    assert history[2].diff_against(history[1]).changed_fields == ["actors"]
    assert {link.actor_id for link in history[-1].actors.all()} == {ocw.pk, szw.pk}


def test_natural_keys_survive_a_dump_and_load(action_line, status, ocw, szw, tmp_path):
    make_activity(
        action_line=action_line,
        status=status,
        actors=(szw, ocw),
        footnotes=("Kamerstukken II 2023/24, 34843, nr. 100.",),
        slug="publiekscommunicatie",
    )
    dump = tmp_path / "dump.json"
    call_command(
        "dumpdata",
        "actionlines",
        "measures.actor",
        "measures.status",
        "measures.activity",
        "measures.activityactor",
        "measures.footnote",
        natural_foreign=True,
        natural_primary=True,
        output=str(dump),
    )
    rows = json.loads(dump.read_text())
    assert all("pk" not in row for row in rows)

    Footnote.objects.all().delete()
    ActivityActor.objects.all().delete()
    Activity.objects.all().delete()
    ActionLine.objects.all().delete()
    call_command("loaddata", str(dump), verbosity=0)

    loaded = Activity.objects.with_related().get(slug="publiekscommunicatie")
    assert [actor.code for actor in loaded.ordered_actors] == ["SZW", "OCW"]
    assert loaded.footnotes.get().text.startswith("Kamerstukken II")
    assert loaded.action_line.number == 1
