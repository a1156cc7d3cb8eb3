"""The honest dates: the site's "Stand van zaken per" is the peildatum of the latest closed
update round or published report; "laatst gewijzigd op" the latest change; each activity shows
when its status was last confirmed."""

import datetime

import pytest
from django.utils import timezone

from measures import services
from reporting.models import ProgressReport, ReportState
from reporting.rounds import services as round_services
from reporting.rounds.models import RoundState, UpdateRequest, UpdateRound
from tests.factories import make_activity
from tests.measures.editors import make_coordinator

LONG_AGO = timezone.make_aware(datetime.datetime(2024, 1, 10, 12))


def make_round(peildatum: datetime.date, state: str) -> UpdateRound:
    return UpdateRound.objects.create(
        title=f"Uitvraag {peildatum}",
        reference_date=peildatum,
        deadline=peildatum + datetime.timedelta(days=14),
        state=state,
    )


def make_report(peildatum: datetime.date, state: str = ReportState.PUBLISHED) -> ProgressReport:
    return ProgressReport.objects.create(
        title=f"Rapportage {peildatum}",
        slug=f"rapportage-{peildatum}",
        reference_date=peildatum,
        state=state,
        published_at=timezone.now() if state == ReportState.PUBLISHED else None,
    )


def header(client) -> str:
    page = client.get("/activiteiten/").text
    return page.split('<div class="reference-date">', 1)[1].split("</p>", 1)[0]


@pytest.fixture
def activity(action_line, status):
    return make_activity(
        action_line=action_line, status=status, title="De activiteit", updated_at=LONG_AGO
    )


def test_a_closed_rounds_peildatum_wins_over_an_older_published_report(client, activity):
    make_report(datetime.date(2025, 1, 1))
    make_round(datetime.date(2025, 4, 15), RoundState.CLOSED)
    # Neither a round still open nor a draft report dates the data.
    make_round(datetime.date(2025, 10, 1), RoundState.OPEN)
    make_report(datetime.date(2025, 11, 1), state=ReportState.DRAFT)

    text = header(client)

    assert 'Stand van zaken per <time datetime="2025-04-15">15 april 2025</time>' in text
    assert 'laatst gewijzigd op <time datetime="2024-01-10">10 januari 2024</time>' in text


def test_a_later_published_report_wins_over_an_older_closed_round(client, activity):
    make_round(datetime.date(2025, 4, 15), RoundState.CLOSED)
    make_report(datetime.date(2025, 6, 30))

    assert 'Stand van zaken per <time datetime="2025-06-30">' in header(client)


def test_without_rounds_or_reports_the_latest_change_dates_the_data(client, activity):
    assert 'Stand van zaken per <time datetime="2024-01-10">' in header(client)


def test_both_dates_are_defined_on_the_statuses_page(client, activity):
    page = client.get("/statussen/").text

    definitions = page.split('id="data"', 1)[1]
    assert "<dt>Stand van zaken per</dt>" in definitions
    assert "<dt>Laatst gewijzigd op</dt>" in definitions
    assert "laatste gesloten uitvraag" in definitions


def confirmed_on_page(client, activity) -> str:
    page = client.get(activity.get_absolute_url()).text
    return page.split("<dt>Status bevestigd op</dt>", 1)[1].split("</time>", 1)[0]


def test_an_unchanged_answer_in_a_round_confirms_the_status_without_changing_it(client, activity):
    coordinator = make_coordinator()
    update_round = make_round(datetime.date(2025, 4, 15), RoundState.OPEN)
    UpdateRequest.objects.create(round=update_round, activity=activity)
    assert "10 januari 2024" in confirmed_on_page(client, activity)

    round_services.answer_unchanged(UpdateRequest.objects.all(), user=coordinator)

    today = timezone.localdate()
    assert f'<time datetime="{today:%Y-%m-%d}">' in confirmed_on_page(client, activity)
    activity.refresh_from_db()
    assert (activity.updated_at, activity.version) == (LONG_AGO, 1)  # nothing changed


def test_a_saved_update_confirms_the_status(client, activity):
    activity.explanation = "Nieuwe toelichting."
    services.save_activity(activity, user=make_coordinator(), base_version=activity.version)

    today = timezone.localdate()
    assert f'<time datetime="{today:%Y-%m-%d}">' in confirmed_on_page(client, activity)


def test_closing_a_round_or_publishing_a_report_refreshes_the_cached_pages(
    django_capture_on_commit_callbacks, activity
):
    from measures.page_cache import data_version

    coordinator = make_coordinator()
    update_round = make_round(datetime.date(2025, 4, 15), RoundState.OPEN)
    before = data_version()
    with django_capture_on_commit_callbacks(execute=True):
        round_services.close_round(update_round, user=coordinator)
    closed = data_version()
    with django_capture_on_commit_callbacks(execute=True):
        make_report(datetime.date(2025, 6, 30))

    assert before != closed != data_version()
