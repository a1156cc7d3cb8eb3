"""An uploaded template waits for its confirmation in a folder of its own; only the user who
uploaded it can confirm it, and unconfirmed uploads are cleaned up."""

import io
import os
import tempfile
import time
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command

from measures.models import Activity, Proposal
from reporting.rounds.spreadsheet import COLUMNS
from tests.factories import make_activity
from tests.measures.editors import (
    CSV,
    IMPORT_URL,
    PROCESS_IMPORT_URL,
    confirm,
    csv_file,
    download_template,
    edit_xlsx,
    make_staff_member,
    upload,
)

REFUSED = "Dit importbestand is verlopen of hoort niet bij uw upload. Upload het bestand opnieuw."


@pytest.fixture
def campaign(action_line, status, closed_status, ocw):
    return make_activity(
        action_line=action_line,
        status=status,
        actors=(ocw,),
        slug="campagne",
        explanation="De campagne loopt.",
    )


@pytest.fixture
def fatima(client, ocw, campaign):
    user = make_staff_member(ocw, username="fatima")
    client.force_login(user)
    return user


def last_message(response) -> str:
    return str(list(get_messages(response.wsgi_request))[-1])


def confirm_form_data(preview) -> dict:
    form = preview.context["confirm_form"]
    return {field.html_name: field.value() for field in form}


def database_state():
    activities = list(Activity.objects.values_list("pk", "status_id", "version"))
    return activities, list(Proposal.objects.values_list("pk", "activity_id"))


@pytest.fixture
def file_in_the_temp_dir(campaign):
    """A template someone else left directly in the server's temp directory."""
    content = csv_file(
        [COLUMNS, ["campagne", 1, "t", "OCW", "Afgerond", "2023", "Gestolen.", campaign.version]]
    )
    with tempfile.NamedTemporaryFile(dir=tempfile.gettempdir(), delete=False) as file:
        file.write(content)
    path = Path(file.name)
    yield path
    path.unlink(missing_ok=True)


@pytest.mark.parametrize("prefix", ["../", "", tempfile.gettempdir() + "/"])
def test_a_crafted_file_name_is_refused_and_the_file_left_alone(
    client, fatima, file_in_the_temp_dir, prefix
):
    before = database_state()

    response = client.post(
        PROCESS_IMPORT_URL,
        {
            "import_file_name": prefix + file_in_the_temp_dir.name,
            "original_file_name": "ronde.csv",
            "format": CSV,
            "resource": "0",
        },
    )

    assert response.status_code == 302
    assert response.url == IMPORT_URL
    assert last_message(response) == REFUSED
    assert file_in_the_temp_dir.exists()
    assert database_state() == before


def test_the_upload_waits_in_its_own_folder_under_a_signed_name(
    client, fatima, import_uploads, campaign
):
    preview = upload(
        client, edit_xlsx(download_template(client), {("campagne", "Status"): "Afgerond"})
    )

    [stored] = os.listdir(import_uploads)
    name = confirm_form_data(preview)["import_file_name"]
    assert name.startswith(stored + ":")  # the name, then its signature
    confirm(client, preview)
    assert os.listdir(import_uploads) == []


def test_another_users_upload_cannot_be_confirmed(client, fatima, ocw, campaign):
    preview = upload(
        client, edit_xlsx(download_template(client), {("campagne", "Status"): "Afgerond"})
    )
    fatimas_confirmation = confirm_form_data(preview)
    before = database_state()

    client.force_login(make_staff_member(ocw, username="jan"))
    response = client.post(PROCESS_IMPORT_URL, fatimas_confirmation)

    assert response.status_code == 302
    assert last_message(response) == REFUSED
    assert database_state() == before
    assert not campaign.proposals.exists()
    client.force_login(fatima)  # her own confirmation still works
    assert client.post(PROCESS_IMPORT_URL, fatimas_confirmation).status_code == 302
    assert campaign.proposals.pending().get().proposed_by == fatima


def make_stale(path: Path, hours: float):
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_unconfirmed_uploads_are_cleaned_up(client, fatima, import_uploads, settings):
    settings.NAP_IMPORT_UPLOAD_HOURS = 24
    template = download_template(client)
    upload(client, template)
    upload(client, template)
    old, recent = (import_uploads / name for name in sorted(os.listdir(import_uploads)))
    make_stale(old, hours=25)
    make_stale(recent, hours=23)

    call_command("clean_import_uploads", stdout=io.StringIO())

    assert sorted(os.listdir(import_uploads)) == [recent.name]

    make_stale(recent, hours=25)
    upload(client, template)  # a new upload clears what is stale as well
    assert recent.name not in os.listdir(import_uploads)
    assert len(os.listdir(import_uploads)) == 1
