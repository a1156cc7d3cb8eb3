"""The draft report made from a closed round shows every answer the round approved, also those
approved after its peildatum (the normal case: asked as of 1 October, approved in November)."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from docx import Document
from openpyxl import load_workbook

from measures import services as measures_services
from measures.models import Activity, Footnote
from reporting.models import ProgressReport
from reporting.rounds import services
from tests.reporting.rounds.conftest import visible_text

TODAY = timezone.localdate()
PEILDATUM = TODAY - datetime.timedelta(days=45)


@pytest.fixture
def loaded_before_the_peildatum(world):
    """The activities and their history date from well before the peildatum."""
    long_ago = timezone.now() - datetime.timedelta(days=100)
    Activity.objects.update(created_at=long_ago)
    Activity.history.update(history_date=long_ago)
    Footnote.history.update(history_date=long_ago)
    return world


def answer_the_round(world, closed_status, capture):
    """Jan proposes a new status and text, the coordinator approves it (today, after the
    peildatum); Fatima answers "ongewijzigd" for hers. Then the round is closed."""
    update_round = services.open_round(
        user=world["coordinator"],
        title="Uitvraag najaar",
        reference_date=PEILDATUM,
        deadline=TODAY + datetime.timedelta(days=5),
    )
    activity = world["szw_activity"]
    with capture(execute=True):
        proposal = measures_services.propose_changes(
            activity,
            user=world["jan"],
            base_version=activity.version,
            changes={"status": closed_status, "explanation": "Het toezicht is ingericht."},
        )
        measures_services.approve_proposal(proposal, user=world["coordinator"])
    services.answer_unchanged(update_round.requests.all(), user=world["fatima"])
    services.close_round(update_round, user=world["coordinator"])
    return update_round


def annex_rows(client, report) -> list[tuple]:
    """The workbook's annex: activity, status, explanation."""
    response = client.get(reverse("reporting:xlsx", kwargs={"slug": report.slug}))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [(row[2], row[3], row[6]) for row in workbook["Bijlage"].iter_rows(values_only=True)][1:]


def test_the_draft_of_a_closed_round_shows_every_answer_approved_after_the_peildatum(
    client, loaded_before_the_peildatum, closed_status, django_capture_on_commit_callbacks
):
    world = loaded_before_the_peildatum
    update_round = answer_the_round(world, closed_status, django_capture_on_commit_callbacks)
    client.force_login(world["coordinator"])

    client.post(reverse("admin:reporting_updateround_draft", args=[update_round.pk]))

    [report] = ProgressReport.objects.all()
    assert report.reference_date == PEILDATUM
    page = visible_text(client.get(report.get_absolute_url()))
    assert "Het toezicht is ingericht." in page
    rows = annex_rows(client, report)
    assert ("Toezicht", closed_status.label, "Het toezicht is ingericht.") in rows
    assert {row[0] for row in rows} == {"Lesmateriaal", "Toezicht", "Campagne"}


def test_a_plain_draft_with_a_past_peildatum_still_reads_the_history_as_of_that_date(
    client, loaded_before_the_peildatum, status, closed_status, django_capture_on_commit_callbacks
):
    world = loaded_before_the_peildatum
    before = world["szw_activity"].explanation
    answer_the_round(world, closed_status, django_capture_on_commit_callbacks)
    report = ProgressReport.objects.create(
        title="Tussenstand", slug="tussenstand", reference_date=PEILDATUM
    )
    client.force_login(world["coordinator"])

    page = visible_text(client.get(report.get_absolute_url()))

    assert "Het toezicht is ingericht." not in page
    assert "zoals ze aan het eind van de peildatum waren, gelezen uit de historie" in page
    assert ("Toezicht", status.label, before) in annex_rows(client, report)


def docx_text(client, report) -> str:
    response = client.get(reverse("reporting:docx", kwargs={"slug": report.slug}))
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return "\n".join(p.text for p in Document(io.BytesIO(content)).paragraphs)


def test_a_round_draft_read_from_the_history_says_it_shows_the_rounds_close(
    client, loaded_before_the_peildatum, closed_status, django_capture_on_commit_callbacks
):
    world = loaded_before_the_peildatum
    update_round = answer_the_round(world, closed_status, django_capture_on_commit_callbacks)
    client.force_login(world["coordinator"])
    client.post(reverse("admin:reporting_updateround_draft", args=[update_round.pk]))
    [report] = ProgressReport.objects.all()
    # After the close, someone edits another activity: the draft reads the round's close from
    # the history, and must say so (not "the end of the peildatum").
    lesson = world["ocw_activity"]
    lesson.explanation = "Na de uitvraag bijgewerkt."
    measures_services.save_activity(lesson, user=world["coordinator"], base_version=lesson.version)
    closed_on = date_format(timezone.localtime(update_round.closed_at), "j F Y")
    as_of = f"zoals ze bij het sluiten van de uitvraag ‘Uitvraag najaar’ op {closed_on} waren"

    page = visible_text(client.get(report.get_absolute_url()))
    document = docx_text(client, report)

    for text in (page, document):
        assert f"{as_of}, gelezen uit de historie" in text
        assert "eind van de peildatum" not in text
    assert "Na de uitvraag bijgewerkt." not in page
    assert "Het toezicht is ingericht." in page
