"""The README's local run command also makes two demo editors, one per role."""

import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from measures.models import Activity
from tests.factories import make_activity


def run_setup_local():
    output = io.StringIO()
    call_command("setup_local", stdout=output)
    return output.getvalue()


def log_in(username, password):
    # Login throttling (django-axes) needs the request that carries the attempt.
    return authenticate(
        RequestFactory().post("/admin/login/"), username=username, password=password
    )


def printed_password(output, username):
    return re.search(rf"gebruikersnaam {username}, wachtwoord (\S+)", output)[1]


def test_setup_local_prints_a_coordinator_and_an_ocw_employee_who_can_log_in(
    db, settings, action_line, status, ocw, szw
):
    settings.DEBUG = True
    of_ocw = make_activity(action_line=action_line, status=status, actors=(ocw,))
    make_activity(action_line=action_line, status=status, actors=(szw,))

    output = run_setup_local()

    coordinator = log_in("coordinator", printed_password(output, "coordinator"))
    employee = log_in("medewerker-ocw", printed_password(output, "medewerker-ocw"))
    assert coordinator.groups.get().name == "Coördinator"
    assert set(Activity.objects.editable_by(coordinator)) == set(Activity.objects.all())
    assert employee.groups.get().name == "Ministeriemedewerker"
    assert list(Activity.objects.editable_by(employee)) == [of_ocw]
    assert "Zolang DJANGO_DEBUG=1 aanstaat, vragen admin, coordinator en medewerker-ocw" in output


def test_running_it_again_keeps_the_accounts_and_shows_no_new_passwords(db, settings):
    settings.DEBUG = True
    first = run_setup_local()

    second = run_setup_local()

    assert "wachtwoord" in first
    assert "coordinator (bestond al" in second
    assert log_in("coordinator", printed_password(first, "coordinator"))


def test_it_refuses_to_run_outside_debug_mode(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="alleen voor lokaal gebruik"):
        run_setup_local()
