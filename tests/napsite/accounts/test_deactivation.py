"""Accounts nobody used for NAP_ACCOUNT_INACTIVE_DAYS are switched off, with a notice."""

import importlib
import io
from datetime import time, timedelta

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule

from napsite.accounts.models import AccessChange

User = get_user_model()
planning = importlib.import_module("napsite.accounts.migrations.0003_plan_deactivation")


def make_user(username, *, last_login_days=None, joined_days=200, **fields):
    now = timezone.now()
    return User.objects.create_user(
        username,
        is_staff=True,
        date_joined=now - timedelta(days=joined_days),
        last_login=None if last_login_days is None else now - timedelta(days=last_login_days),
        **fields,
    )


def deactivate() -> str:
    output = io.StringIO()
    call_command("deactivate_inactive_accounts", stdout=output)
    return output.getvalue()


@pytest.fixture
def accounts(db):
    return {
        "gone": make_user("vertrokken", last_login_days=91, email="v@example.invalid"),
        "never": make_user("nooit-gebruikt", joined_days=100),
        "recent": make_user("actief", last_login_days=10, email="a@example.invalid"),
        "new": make_user("nieuw", joined_days=5),
        "off": make_user("al-uit", last_login_days=300, is_active=False, email="u@x.invalid"),
    }


def test_unused_accounts_are_deactivated_and_told(accounts):
    session = Client()
    session.force_login(accounts["gone"])  # a sign-in long ago, its session still open
    User.objects.filter(username="vertrokken").update(
        last_login=timezone.now() - timedelta(days=91)
    )

    output = deactivate()

    active = set(User.objects.filter(is_active=True).values_list("username", flat=True))
    assert active == {"actief", "nieuw"}
    assert "2 account(s) uitgezet" in output
    assert "1 bericht(en) verstuurd" in output
    [notice] = mail.outbox
    assert notice.to == ["v@example.invalid"]
    assert notice.subject == "Uw account voor de NAP Voortgangsmonitor is uitgezet"
    assert "90 dagen niet ingelogd" in notice.body
    assert session.get(reverse("admin:index")).status_code == 302  # its session ended too
    recorded = AccessChange.objects.filter(kind="deactivated")
    assert {change.user.username for change in recorded} == {"vertrokken", "nooit-gebruikt"}
    assert {change.via for change in recorded} == {"deactivate_inactive_accounts"}


def test_the_period_is_configurable_and_a_second_run_does_nothing_more(accounts, settings):
    settings.NAP_ACCOUNT_INACTIVE_DAYS = 7

    deactivate()
    again = deactivate()

    active = set(User.objects.filter(is_active=True).values_list("username", flat=True))
    assert active == {"nieuw"}
    assert "0 account(s) uitgezet" in again
    assert len(mail.outbox) == 2


def test_a_failing_mail_server_still_deactivates_and_names_nobody_in_the_log(
    accounts, settings, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens there

    output = deactivate()

    assert "2 account(s) uitgezet" in output and "0 bericht(en) verstuurd" in output
    assert "Deactivation notice not sent" in caplog.text
    assert "vertrokken" not in caplog.text and "v@example.invalid" not in caplog.text


def test_the_worker_runs_the_deactivation_daily_planned_once_however_often_migrated(db):
    assert Schedule.objects.filter(name=planning.DEACTIVATION).count() == 1  # by migrating
    Schedule.objects.filter(name=planning.DEACTIVATION).delete()

    planning.plan_deactivation(apps, schema_editor=None)
    planning.plan_deactivation(apps, schema_editor=None)

    [schedule] = Schedule.objects.filter(name=planning.DEACTIVATION)
    assert (schedule.schedule_type, schedule.repeats) == (Schedule.DAILY, -1)
    assert timezone.localtime(schedule.next_run).time() == time(3, 15)
    assert schedule.next_run > timezone.now()


def test_the_planned_task_deactivates_unused_accounts_and_tells_them(accounts):
    [schedule] = Schedule.objects.filter(func__contains="deactivate_inactive_accounts")

    assert not (schedule.args or schedule.kwargs)  # the scheduler calls it as it is

    summary = import_string(schedule.func)()

    active = set(User.objects.filter(is_active=True).values_list("username", flat=True))
    assert active == {"actief", "nieuw"}
    assert summary == (
        "2 account(s) uitgezet die 90 dagen niet gebruikt zijn; 1 bericht(en) verstuurd."
    )
    [notice] = mail.outbox
    assert notice.to == ["v@example.invalid"]
    assert "90 dagen niet ingelogd" in notice.body
    assert set(AccessChange.objects.filter(kind="deactivated").values_list("via", flat=True)) == {
        "dagelijkse taak"
    }
