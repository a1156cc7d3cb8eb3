"""A file longer than NAP_IMPORT_BACKGROUND_ROWS is imported by the worker: the confirmation
shows the job's page, which follows it (rows done of the total) until it says how it ended.
The queued job runs here as the worker would run it (tests/reporting/documents.py does the
same for the report's documents; tests/napsite/test_tasks_worker.py runs a real worker)."""

import datetime
import io
import os
import time

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import OrmQ

import reporting.tasks
from measures import services
from measures.models import Activity, Proposal
from reporting.rounds import import_jobs, spreadsheet
from reporting.rounds.models import ImportJob
from tests.factories import make_activity
from tests.measures.editors import (
    IMPORT_URL,
    PROCESS_IMPORT_URL,
    confirm,
    download_template,
    edit_xlsx,
    make_coordinator,
    make_staff_member,
    page_text,
    upload,
)


@pytest.fixture(autouse=True)
def short_requests(settings):
    settings.NAP_IMPORT_BACKGROUND_ROWS = 2


@pytest.fixture
def activities(action_line, status, ocw):
    return [
        make_activity(action_line=action_line, status=status, actors=(ocw,), slug=slug)
        for slug in ("eerste", "tweede", "derde")
    ]


@pytest.fixture
def fatima(ocw):
    return make_staff_member(ocw, username="fatima")


def queued_imports() -> list[OrmQ]:
    return [
        job
        for job in OrmQ.objects.order_by("id")
        if job.task["args"][0] == "reporting.rounds.import_jobs.run_import"
    ]


def run_queued_import(django_capture_on_commit_callbacks) -> None:
    """The queued import, run and committed as the worker runs it."""
    [job] = queued_imports()
    job.delete()
    with django_capture_on_commit_callbacks(execute=True):
        import_string(job.task["func"])(*job.task["args"], **job.task["kwargs"])


def confirmed_in_the_background(client, user, closed_status):
    client.force_login(user)
    filled_in = edit_xlsx(
        download_template(client),
        {("eerste", "Status"): "Afgerond", ("derde", "Toelichting"): "Nieuwe toelichting."},
    )
    preview = upload(client, filled_in, "ronde-ocw.xlsx")
    assert len(preview.context["result"].changed_rows()) == 2
    return confirm(client, preview)


def test_a_long_file_is_imported_by_the_worker_and_its_page_follows_it(
    client, activities, fatima, closed_status, import_uploads, monkeypatch,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    response = confirmed_in_the_background(client, fatima, closed_status)

    # Queued, not imported: the page says it waits, and the upload waits for the worker.
    assert response.status_code == 302
    page = client.get(response.url)
    assert "Wacht op verwerking." in page_text(page)
    assert '<meta http-equiv="refresh" content="5">' in page_text(page)
    assert not Proposal.objects.exists()
    assert len(list(import_uploads.iterdir())) == 1

    # While the worker is at it, the page says how far it got.
    monkeypatch.setattr(spreadsheet.UpdateRoundResource, "PROGRESS_EVERY", 1)
    seen = []
    import_row = spreadsheet.UpdateRoundResource.import_row

    def looking_meanwhile(resource, row, instance_loader, **kwargs):
        row_result = import_row(resource, row, instance_loader, **kwargs)
        if kwargs["row_number"] == 2:
            seen.append(page_text(client.get(response.url)))
        return row_result

    monkeypatch.setattr(spreadsheet.UpdateRoundResource, "import_row", looking_meanwhile)
    run_queued_import(django_capture_on_commit_callbacks)

    assert "Bezig: 2 van 3 rijen." in seen[0]
    done = page_text(client.get(response.url))
    assert (
        "Bijwerkronde verwerkt: wijzigingen voor 2 activiteit(en) ingediend; die wachten op "
        "beoordeling door een coördinator. 1 ongewijzigd."
    ) in done
    assert "http-equiv" not in done
    assert Proposal.objects.filter(proposed_by=fatima, source="spreadsheet").count() == 2
    assert Proposal.objects.get(activity=activities[0]).note == (
        "Bijwerkronde, bestand ronde-ocw.xlsx"
    )
    assert list(import_uploads.iterdir()) == []  # read, imported, then cleaned up
    # Taken twice by the worker, the job imports nothing again.
    assert import_jobs.run_import(ImportJob.objects.get().pk) == "Was al verwerkt."
    assert Proposal.objects.count() == 2


def test_a_long_coordinators_file_is_applied_by_the_worker(
    client, activities, closed_status, django_capture_on_commit_callbacks
):
    coordinator = make_coordinator()
    response = confirmed_in_the_background(client, coordinator, closed_status)
    run_queued_import(django_capture_on_commit_callbacks)

    assert "Bijwerkronde verwerkt: 2 activiteit(en) bijgewerkt, 1 ongewijzigd." in page_text(
        client.get(response.url)
    )
    first = Activity.objects.get(slug="eerste")
    assert (first.status, first.version, first.updated_by) == (closed_status, 2, coordinator)
    assert first.history.latest().history_change_reason == "Bijwerkronde, bestand ronde-ocw.xlsx"


def test_a_long_file_with_a_row_changed_meanwhile_writes_nothing_and_says_why(
    client, activities, fatima, closed_status, import_uploads, django_capture_on_commit_callbacks
):
    response = confirmed_in_the_background(client, fatima, closed_status)
    # Before the worker takes the job, a coordinator saves the third activity.
    third = Activity.objects.get(slug="derde")
    third.explanation = "Intussen door de coördinator."
    services.save_activity(third, user=make_coordinator(), base_version=1)

    run_queued_import(django_capture_on_commit_callbacks)

    page = page_text(client.get(response.url))
    assert "Er is niets geïmporteerd" in page
    assert "Rij 4, Versie: Deze activiteit is gewijzigd sinds uw export" in page
    assert not Proposal.objects.exists()
    assert Activity.objects.get(slug="derde").explanation == "Intussen door de coördinator."
    assert list(import_uploads.iterdir()) == []


def test_only_who_imported_the_file_sees_its_page(client, activities, fatima, closed_status, ocw):
    response = confirmed_in_the_background(client, fatima, closed_status)
    client.force_login(make_staff_member(ocw))

    assert client.get(response.url).status_code == 404


def test_a_short_file_is_still_imported_in_the_request(
    client, activities, fatima, closed_status, settings
):
    settings.NAP_IMPORT_BACKGROUND_ROWS = 3
    client.force_login(fatima)
    filled_in = edit_xlsx(download_template(client), {("eerste", "Status"): "Afgerond"})

    response = confirm(client, upload(client, filled_in))

    assert response.url != IMPORT_URL
    [message] = get_messages(response.wsgi_request)
    assert str(message).startswith("Bijwerkronde verwerkt")
    assert Proposal.objects.count() == 1
    assert not queued_imports()


def test_confirming_a_short_file_twice_says_it_was_done_and_changes_nothing_more(
    client, settings, activities, fatima, closed_status, django_capture_on_commit_callbacks
):
    settings.NAP_IMPORT_BACKGROUND_ROWS = 1000
    client.force_login(fatima)
    filled_in = edit_xlsx(download_template(client), {("eerste", "Status"): "Afgerond"})
    preview = upload(client, filled_in, "ronde-ocw.xlsx")
    with django_capture_on_commit_callbacks(execute=True):  # the upload is removed on commit
        assert confirm(client, preview).status_code == 302

    # A double click, or Back and confirm again: the upload is gone.
    again = confirm(client, preview)

    assert again.status_code == 302
    assert again.url == IMPORT_URL
    *_first_confirmation, message = [str(m) for m in get_messages(again.wsgi_request)]
    assert message.startswith("Dit bestand is al verwerkt of verlopen.")
    assert Proposal.objects.count() == 1


def test_a_hand_made_long_file_name_on_the_confirmation_is_cut_not_an_error(
    client, activities, fatima, closed_status
):
    client.force_login(fatima)
    filled_in = edit_xlsx(
        download_template(client),
        {("eerste", "Status"): "Afgerond", ("derde", "Toelichting"): "Nieuwe toelichting."},
    )
    preview = upload(client, filled_in, "ronde-ocw.xlsx")
    form = preview.context["confirm_form"]
    data = {field.html_name: field.value() for field in form}
    data["original_file_name"] = "x" * 300 + ".xlsx"

    response = client.post(PROCESS_IMPORT_URL, data)

    assert response.status_code == 302
    [job] = ImportJob.objects.all()
    assert job.file_name == "x" * 255


def test_an_import_stopped_at_the_time_limit_says_so_instead_of_busy_for_ever(
    client, settings, activities, fatima, closed_status, import_uploads,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.NAP_TASK_TIMEOUT = 600
    response = confirmed_in_the_background(client, fatima, closed_status)
    job = ImportJob.objects.get()
    # The worker took it up eleven minutes ago and stopped it at its ten-minute limit.
    ImportJob.objects.filter(pk=job.pk).update(
        state="bezig", started_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    with django_capture_on_commit_callbacks(execute=True):
        reporting.tasks.fail_overdue_jobs()  # every five minutes, by the worker

    page = page_text(client.get(response.url))
    assert "De import duurde langer dan 10 minuten en is gestopt; er is niets gewijzigd." in page
    assert "http-equiv" not in page  # it no longer refreshes itself
    assert list(import_uploads.iterdir()) == []
    assert not Proposal.objects.exists()


def test_an_import_still_within_the_time_limit_stays_busy(
    client, settings, activities, fatima, closed_status
):
    settings.NAP_TASK_TIMEOUT = 600
    response = confirmed_in_the_background(client, fatima, closed_status)
    ImportJob.objects.update(
        state="bezig", started_at=timezone.now() - datetime.timedelta(minutes=5)
    )

    reporting.tasks.fail_overdue_jobs()

    assert "Bezig:" in page_text(client.get(response.url))


def test_a_queued_upload_outlives_its_lifetime_until_the_worker_has_read_it(
    client, settings, activities, fatima, closed_status, import_uploads,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.NAP_IMPORT_UPLOAD_HOURS = 24
    confirmed_in_the_background(client, fatima, closed_status)
    [waiting] = import_uploads.iterdir()
    # Previewed 25 hours ago, confirmed just in time; the queue has been slow since.
    then = time.time() - 25 * 3600
    os.utime(waiting, (then, then))

    call_command("clean_import_uploads", stdout=io.StringIO())

    assert list(import_uploads.iterdir()) == [waiting]
    run_queued_import(django_capture_on_commit_callbacks)
    assert ImportJob.objects.get().state == "klaar"
    assert Proposal.objects.count() == 2
