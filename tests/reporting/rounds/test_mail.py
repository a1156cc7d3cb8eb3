"""The rounds' mails as they arrive at a real SMTP server (aiosmtpd on 127.0.0.1)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from measures import services as measures_services
from reporting.rounds import jobs, services
from reporting.rounds.models import MailPreference, SentMail, UpdateRequest
from tests.measures.editors import make_coordinator
from tests.reporting.rounds.conftest import free_port, parts, run_queued

SITE = "https://nap.example.nl"
TODAY = timezone.localdate()


def open_a_round(world, deadline=TODAY + datetime.timedelta(days=30), **fields):
    return services.open_round(
        user=world["coordinator"],
        title="Uitvraag voorjaar",
        reference_date=TODAY - datetime.timedelta(days=60),
        deadline=deadline,
        introduction=fields.pop("introduction", "Graag vóór de zomer & zonder afkortingen."),
        **fields,
    )


def subject(message) -> str:
    # Django folds a non-ASCII subject onto the next line; mail clients show it without the
    # blank that parsing leaves in front.
    return str(message["Subject"]).strip()


def activity_link(activity) -> str:
    return SITE + reverse("admin:measures_activity_change", args=[activity.pk])


def round_link(update_round) -> str:
    return SITE + reverse("admin:reporting_updateround_change", args=[update_round.pk])


def test_opening_mails_each_ministrys_staff_their_own_list(smtp, world):
    update_round = open_a_round(world)
    assert smtp.messages == []  # nothing is sent while the round is opened

    run_queued()

    assert sorted(recipients[0] for recipients, _ in smtp.messages) == [
        "fatima@ocw.example.nl",
        "jan@szw.example.nl",
    ]
    [to_jan] = smtp.to("jan@szw.example.nl")
    assert to_jan["From"] == "nap@example.nl"
    assert subject(to_jan).startswith("Uitvraag ‘Uitvraag voorjaar’: uw antwoord vóór ")
    text, html = parts(to_jan)
    assert "Beste jan," in text
    assert "Graag vóór de zomer & zonder afkortingen." in text  # plain text is not escaped
    assert "Graag vóór de zomer &amp; zonder afkortingen." in html
    assert "voor 2 activiteit(en)" in text
    for activity in (world["szw_activity"], world["shared_activity"]):
        assert activity.title in text
        assert activity_link(activity) in text
        assert f'href="{activity_link(activity)}"' in html
    assert world["ocw_activity"].title not in text
    assert round_link(update_round) in text
    assert f'href="{round_link(update_round)}"' in html
    [to_fatima] = smtp.to("fatima@ocw.example.nl")
    assert "voor 2 activiteit(en)" in parts(to_fatima)[0]
    assert world["hidden_activity"].title not in parts(to_fatima)[0]  # not public: not asked


def test_the_reminder_goes_once_to_those_with_open_requests_however_often_the_job_runs(
    smtp, world, settings
):
    settings.NAP_ROUND_REMINDER_DAYS = 3
    update_round = open_a_round(world, deadline=TODAY + datetime.timedelta(days=3))
    services.answer_unchanged(UpdateRequest.objects.all(), user=world["fatima"])
    services.answer_unchanged(
        UpdateRequest.objects.filter(activity=world["szw_activity"]), user=world["jan"]
    )
    UpdateRequest.objects.filter(activity=world["shared_activity"]).update(state="open")

    jobs.daily(TODAY - datetime.timedelta(days=1))  # four days before: too early
    assert smtp.messages == []
    jobs.daily(TODAY)
    jobs.daily(TODAY)  # a restarted worker, a second run: nothing new
    jobs.daily(TODAY + datetime.timedelta(days=1))

    reminders = [(r, m) for r, m in smtp.messages if subject(m).startswith("Herinnering")]
    assert sorted(recipients[0] for recipients, _ in reminders) == [
        "fatima@ocw.example.nl",
        "jan@szw.example.nl",
    ]
    assert len(reminders) == 2
    text, html = parts(smtp.to("jan@szw.example.nl")[0])
    assert world["shared_activity"].title in text
    assert world["szw_activity"].title not in text  # answered
    assert f'href="{activity_link(world["shared_activity"])}"' in html
    assert SentMail.objects.filter(kind="herinnering", round=update_round).count() == 2


def test_a_failed_send_is_not_recorded_so_the_retry_sends_it(smtp, world, settings):
    open_a_round(world, deadline=TODAY)
    settings.EMAIL_PORT = free_port()  # nothing listens there

    with pytest.raises(ConnectionRefusedError):
        jobs.daily(TODAY)
    assert not SentMail.objects.exists()

    settings.EMAIL_PORT = smtp.port  # the queue's next attempt
    jobs.daily(TODAY)

    assert len(smtp.messages) == 2
    assert SentMail.objects.count() == 2


def test_after_the_deadline_a_notice_goes_once_to_those_who_did_not_answer(smtp, world):
    update_round = open_a_round(world, deadline=TODAY - datetime.timedelta(days=1))
    services.answer_unchanged(
        UpdateRequest.objects.exclude(activity=world["ocw_activity"]), user=world["coordinator"]
    )

    jobs.daily(TODAY)
    jobs.daily(TODAY + datetime.timedelta(days=1))

    [(recipients, message)] = [
        (r, m) for r, m in smtp.messages if subject(m).startswith("Termijn verstreken")
    ]
    assert recipients == ["fatima@ocw.example.nl"]
    assert subject(message) == "Termijn verstreken: uitvraag ‘Uitvraag voorjaar’"
    text, html = parts(message)
    assert "is op" in text and "verstreken" in text
    assert world["ocw_activity"].title in text
    assert f'href="{round_link(update_round)}"' in html


def test_a_returned_answer_mails_the_submitter_the_comment(
    smtp, world, django_capture_on_commit_callbacks
):
    open_a_round(world)
    run_queued()
    smtp.clear()
    activity = world["szw_activity"]
    with django_capture_on_commit_callbacks(execute=True):
        proposal = measures_services.propose_changes(
            activity,
            user=world["jan"],
            base_version=activity.version,
            changes={"explanation": "Bijna klaar."},
        )
    with django_capture_on_commit_callbacks(execute=True):
        measures_services.return_proposal(
            proposal, user=world["coordinator"], comment="Noem de <Kamerbrief> van maart."
        )
    assert smtp.messages == []  # the worker sends it

    run_queued()
    run_queued()

    [(recipients, message)] = smtp.messages
    assert recipients == ["jan@szw.example.nl"]
    assert subject(message) == "Teruggestuurd: Toezicht"
    text, html = parts(message)
    assert "Noem de <Kamerbrief> van maart." in text
    assert "Noem de &lt;Kamerbrief&gt; van maart." in html
    assert activity_link(activity) in text


def test_the_daily_digest_lists_yesterdays_answers_to_coordinators_who_want_it(
    smtp, world, django_user_model
):
    open_a_round(world)
    services.answer_unchanged(
        UpdateRequest.objects.filter(activity=world["szw_activity"]), user=world["jan"]
    )
    yesterday = timezone.now() - datetime.timedelta(days=1)
    UpdateRequest.objects.exclude(submitted_at=None).update(submitted_at=yesterday)
    quiet = make_coordinator(username="stil", email="stil@nap.example.nl")
    MailPreference.objects.create(user=quiet, daily_digest=False)

    jobs.daily(TODAY)
    jobs.daily(TODAY)

    digests = [(r, m) for r, m in smtp.messages if subject(m).startswith("Uitvraag: ")]
    assert [recipients for recipients, _ in digests] == [["karin@nap.example.nl"]]
    text, html = parts(digests[0][1])
    assert "Toezicht (ongewijzigd, goedgekeurd, door jan)" in text
    request = UpdateRequest.objects.get(activity=world["szw_activity"])
    assert SITE + reverse("admin:reporting_updaterequest_change", args=[request.pk]) in text
    assert 'href="' + SITE + reverse("admin:reporting_mailpreference_changelist") in html


def test_no_answers_yesterday_no_digest(smtp, world):
    open_a_round(world)

    jobs.daily(TODAY)

    assert [m for _, m in smtp.messages if subject(m).startswith("Uitvraag: ")] == []


def test_a_user_turns_the_digest_off_in_the_admin(client, world):
    client.force_login(world["coordinator"])

    page = client.get(reverse("admin:reporting_mailpreference_changelist"), follow=True)
    [preference] = MailPreference.objects.filter(user=world["coordinator"])
    assert page.redirect_chain[-1][0] == reverse(
        "admin:reporting_mailpreference_change", args=[preference.pk]
    )
    client.post(page.redirect_chain[-1][0], {})  # the box unticked

    preference.refresh_from_db()
    assert preference.daily_digest is False
    other = MailPreference.objects.create(user=world["jan"])
    url = reverse("admin:reporting_mailpreference_change", args=[other.pk])
    assert client.post(url, {}).status_code in (302, 404)
    other.refresh_from_db()
    assert other.daily_digest is True


def test_the_daily_round_job_is_planned_once_however_often_the_migration_runs(db):
    import importlib

    from django.apps import apps
    from django_q.models import Schedule

    migration = importlib.import_module("reporting.migrations.0005_rounds")
    Schedule.objects.filter(name=migration.DAILY_JOB).delete()

    migration.plan_daily_job(apps, schema_editor=None)
    migration.plan_daily_job(apps, schema_editor=None)

    [schedule] = Schedule.objects.filter(func="reporting.rounds.jobs.daily")
    assert (schedule.schedule_type, schedule.repeats) == (Schedule.DAILY, -1)
    assert timezone.localtime(schedule.next_run).time() == datetime.time(7, 0)
