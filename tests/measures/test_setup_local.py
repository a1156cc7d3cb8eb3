import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from measures.models import Activity


def test_setup_local_refuses_to_run_outside_debug_mode(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="alleen voor lokaal gebruik"):
        call_command("setup_local")


@pytest.mark.django_db(transaction=True)
def test_setup_local_loads_the_report_once_and_makes_one_admin(settings, capsys):
    settings.DEBUG = True

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
    # A second run keeps local edits, and every activity's story starts at the peildatum.
    assert Activity.objects.get(pk=activity.pk).title == "Lokaal bewerkt"
    first_record = Activity.history.filter(id=activity.pk).earliest()
    assert first_record.history_date == activity.updated_at
