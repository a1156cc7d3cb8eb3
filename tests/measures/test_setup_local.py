from django.contrib.auth import get_user_model
from django.core.management import call_command

from measures.models import Activity
from measures.roles import COORDINATOR, MINISTRY_STAFF
from reporting.models import ProgressReport
from tests.measures.editors import editor_role


def test_setup_local_loads_the_report_once_and_makes_one_admin(db, settings, capsys):
    settings.DEBUG = True
    editor_role(COORDINATOR), editor_role(MINISTRY_STAFF)

    call_command("setup_local")
    first_run = capsys.readouterr().out
    activity = Activity.objects.order_by("pk").first()
    activity.title = "Lokaal bewerkt"
    activity.save()
    call_command("setup_local")
    second_run = capsys.readouterr().out

    assert "wachtwoord:" in first_run
    assert "wachtwoord:" not in second_run
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert Activity.objects.count() > 80
    report = ProgressReport.objects.get()
    assert report.is_published
    assert report.title == "Voortgangsrapportage NAP 2025"
    # A second run keeps local edits, and every activity's story starts at the peildatum.
    assert Activity.objects.get(pk=activity.pk).title == "Lokaal bewerkt"
    first_record = Activity.history.filter(id=activity.pk).earliest()
    assert first_record.history_date == activity.updated_at
