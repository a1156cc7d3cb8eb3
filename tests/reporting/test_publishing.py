import datetime
import io

import pytest
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from measures.models import Activity, ActivityActor, Footnote
from reporting.models import ProgressReport, ReportEntry
from reporting.selectors import Source, report_contents
from reporting.services import publish_report
from tests.factories import make_activity, make_actor
from tests.measures.editors import make_coordinator


def annex(report) -> list[tuple]:
    """What a reader sees of each activity in the report."""
    return [
        (
            entry.section.number,
            entry.title,
            entry.status.label,
            entry.timeframe_label,
            entry.actor_codes,
            entry.explanation,
            [f.text for f in entry.numbered_footnotes],
        )
        for entry in report_contents(report).entries
    ]


def test_publishing_freezes_every_public_activity(nap, draft, statuses):
    publish_report(draft)

    draft.refresh_from_db()
    assert draft.is_published
    assert draft.published_at is not None
    assert annex(draft) == [
        (
            1,
            "Publiekscampagne",
            "Loopt",
            "Q1 en Q3 2024",
            ["OCW", "SZW", "JenV"],
            "De campagne liep in 2024[^1].\n\nZij wordt geëvalueerd[^2].",
            ["Kamerstukken II 2023/24, 34843, nr. 100", "Zie de evaluatie"],
        ),
        (
            1,
            "Publieksmonitor",
            "Nog niet gestart",
            "2025-2026",
            ["OCW"],
            "De eerste meting volgt[^1].",
            ["Kamerstukken II 2024/25, 34843, nr. 110"],
        ),
        (2, "Act4Respect", "Vertraagd", "Vanaf 2023", ["JenV"], nap["act4respect"].explanation, []),
    ]


def test_edits_after_publishing_never_change_the_published_report(client, nap, draft, statuses):
    publish_report(draft)
    before = annex(draft)
    page_before = client.get(draft.get_absolute_url()).text

    campaign = nap["campaign"]
    campaign.status = statuses["afgerond"]
    campaign.title = "Publiekscampagne (afgerond)"
    campaign.explanation = "Helemaal herschreven."
    campaign.timeframe_label = "2024"
    campaign.save()
    Footnote.objects.filter(activity=campaign).update(text="Andere bron")
    ActivityActor.objects.filter(activity=campaign, actor__code="SZW").delete()
    nap["monitor"].is_public = False
    nap["monitor"].save()
    nap["act4respect"].delete()
    statuses["loopt"].label = "Bezig"
    statuses["loopt"].definition = "Nieuwe definitie."
    statuses["loopt"].save()
    campaign.action_line.title = "Nieuwe titel van de actielijn"
    campaign.action_line.save()
    make_activity(action_line=campaign.action_line, status=statuses["loopt"], title="Nieuw")

    assert annex(draft) == before
    assert client.get(draft.get_absolute_url()).text == page_before


def test_a_draft_shows_the_live_data(nap, draft, statuses):
    campaign = nap["campaign"]
    campaign.status = statuses["afgerond"]
    campaign.save()

    contents = report_contents(draft)

    assert contents.source == Source.LIVE
    assert contents.entries[0].status.label == "Afgerond"
    assert not ReportEntry.objects.exists()


def test_a_draft_for_an_earlier_peildatum_reads_the_history(nap, statuses):
    campaign = nap["campaign"]
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=40)
    campaign.status = statuses["afgerond"]
    campaign.explanation = "Afgerond in het voorjaar."
    campaign._history_date = later
    campaign.save()
    nap["monitor"].is_public = False
    nap["monitor"]._history_date = later
    nap["monitor"].save()
    report = ProgressReport.objects.create(
        title="Tussenstand",
        slug="tussenstand",
        reference_date=later.date() - datetime.timedelta(days=10),
    )

    contents = report_contents(report)

    assert contents.source == Source.HISTORY
    assert [(e.title, e.status.label, e.explanation) for e in contents.entries][:2] == [
        (
            "Publiekscampagne",
            "Loopt",
            "De campagne liep in 2024[^1].\n\nZij wordt geëvalueerd[^2].",
        ),
        ("Publieksmonitor", "Nog niet gestart", "De eerste meting volgt[^1]."),
    ]
    publish_report(report)
    assert annex(report)[0][2] == "Loopt"


def test_a_draft_for_an_earlier_peildatum_shows_who_and_what_was_public_then(nap, statuses):
    # As the admin does when an activity is added: its first record holds its actors.
    for activity in nap.values():
        activity.record_actors_in_history()
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=40)
    campaign = nap["campaign"]
    campaign.actor_links.exclude(actor__code="OCW").delete()
    campaign.actor_links.create(actor=make_actor("VWS"), position=1)
    campaign._history_date = later
    campaign.save()
    campaign.record_actors_in_history()
    nap["monitor"].is_public = False
    nap["monitor"]._history_date = later
    nap["monitor"].save()
    hidden_then = nap["hidden"]
    hidden_then.is_public = True
    hidden_then._history_date = later
    hidden_then.save()
    report = ProgressReport.objects.create(
        title="Tussenstand",
        slug="tussenstand",
        reference_date=later.date() - datetime.timedelta(days=10),
    )
    as_of_peildatum = [
        ("Publiekscampagne", ["OCW", "SZW", "JenV"]),
        ("Publieksmonitor", ["OCW"]),
        ("Act4Respect", ["JenV"]),
    ]

    contents = report_contents(report)

    assert [(entry.title, entry.actor_codes) for entry in contents.entries] == as_of_peildatum
    publish_report(report)
    assert [(row[1], row[4]) for row in annex(report)] == as_of_peildatum


def test_an_actor_deleted_after_the_peildatum_is_left_out(nap, statuses):
    campaign = nap["campaign"]
    campaign.record_actors_in_history()
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=40)
    szw = campaign.actors.get(code="SZW")
    campaign.actor_links.filter(actor=szw).delete()
    campaign._history_date = later
    campaign.save()
    campaign.record_actors_in_history()
    szw.delete()
    report = ProgressReport.objects.create(
        title="Tussenstand",
        slug="tussenstand",
        reference_date=later.date() - datetime.timedelta(days=10),
    )

    assert report_contents(report).entries[0].actor_codes == ["OCW", "JenV"]


def forget_history() -> None:
    """As after ``loaddata``: the data is there, its history is not."""
    Activity.objects.update(created_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    Activity.history.all().delete()
    Footnote.history.all().delete()


def test_loaded_data_without_history_is_read_as_it_is(nap, statuses):
    forget_history()
    campaign = nap["campaign"]
    campaign.refresh_from_db()
    campaign.status = statuses["afgerond"]
    campaign._history_date = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=40)
    campaign.save()
    report = ProgressReport.objects.create(
        title="Tussenstand",
        slug="tussenstand",
        reference_date=datetime.date.today() + datetime.timedelta(days=10),
    )

    contents = report_contents(report)

    # Never edited since loading: as it is now. Edited later, with nothing recorded before:
    # unknown, so left out and counted.
    assert contents.source == Source.HISTORY
    assert [entry.title for entry in contents.entries] == ["Publieksmonitor", "Act4Respect"]
    assert [f["text"] for f in contents.entries[0].footnotes] == [
        "Kamerstukken II 2024/25, 34843, nr. 110"
    ]
    assert contents.missing_from_history == 1


def test_history_that_started_late_is_no_change_and_gives_the_first_state(nap, statuses):
    forget_history()
    call_command("populate_history", "measures.Activity", "measures.Footnote", stdout=io.StringIO())
    long_ago = ProgressReport.objects.create(
        title="Begin", slug="begin", reference_date=datetime.date(2024, 6, 30)
    )

    assert report_contents(long_ago).source == Source.LIVE
    publish_report(long_ago)
    assert len(annex(long_ago)) == 3

    campaign = Activity.objects.get(pk=nap["campaign"].pk)
    campaign.status = statuses["afgerond"]
    campaign.save()
    draft = ProgressReport.objects.create(
        title="Begin (concept)", slug="begin-concept", reference_date=datetime.date(2024, 6, 30)
    )

    contents = report_contents(draft)

    assert contents.source == Source.HISTORY
    assert [(e.title, e.status.label) for e in contents.entries] == [
        ("Publiekscampagne", "Loopt"),
        ("Publieksmonitor", "Nog niet gestart"),
        ("Act4Respect", "Vertraagd"),
    ]
    assert contents.missing_from_history == 0


def test_a_report_is_published_once(nap, draft):
    publish_report(draft)

    with pytest.raises(ValidationError, match="al gepubliceerd"):
        publish_report(draft)
    assert ReportEntry.objects.filter(report=draft).count() == 3


def test_an_empty_report_is_not_published(draft, statuses):
    with pytest.raises(ValidationError, match="geen openbare activiteiten"):
        publish_report(draft)

    draft.refresh_from_db()
    assert not draft.is_published


@pytest.fixture
def coordinator(db):
    user = User.objects.create_user("coordinator", password="geheim-wachtwoord", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_progressreport", "change_progressreport", "publish_progressreport"]
        )
    )
    return user


@pytest.fixture
def ministry_editor(db):
    user = User.objects.create_user("ocw", password="geheim-wachtwoord", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_progressreport", "change_progressreport"])
    )
    return user


def test_a_coordinator_publishes_in_the_admin(client, nap, draft, coordinator):
    client.force_login(coordinator)
    changelist = reverse("admin:reporting_progressreport_changelist")

    response = client.post(
        changelist, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )

    assert "is gepubliceerd" in response.text
    draft.refresh_from_db()
    assert draft.is_published
    assert draft.published_by == coordinator


def test_only_coordinators_see_the_publish_action(client, nap, draft, ministry_editor):
    client.force_login(ministry_editor)
    changelist = reverse("admin:reporting_progressreport_changelist")

    assert "Publiceren" not in client.get(changelist).text
    client.post(changelist, {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert not draft.is_published


def draft_change_url(report) -> str:
    return reverse("admin:reporting_progressreport_change", args=[report.pk])


def test_a_published_report_is_read_only_in_the_admin(client, nap, draft, coordinator):
    publish_report(draft)
    client.force_login(coordinator)
    url = reverse("admin:reporting_progressreport_change", args=[draft.pk])

    client.post(url, {"title": "Iets anders", "slug": draft.slug, "reference_date": "2020-01-01"})

    draft.refresh_from_db()
    assert draft.title == "Voortgangsrapportage NAP 2025"
    assert 'name="title"' not in client.get(url).text


@pytest.fixture(params=["coordinator", "superuser"])
def report_keeper(request, db):
    """Everyone who may delete reports at all: a coordinator (the real role) and a superuser."""
    if request.param == "superuser":
        return User.objects.create_superuser("beheerder")
    return make_coordinator()


def test_nobody_deletes_a_published_report_in_the_admin(client, nap, draft, report_keeper):
    publish_report(draft)
    client.force_login(report_keeper)
    url = reverse("admin:reporting_progressreport_delete", args=[draft.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert "Verwijderen" not in client.get(draft_change_url(draft)).text
    assert ProgressReport.objects.filter(pk=draft.pk).exists()
    assert ReportEntry.objects.filter(report=draft).count() == 3


def test_the_delete_action_deletes_no_published_report(client, nap, draft, report_keeper):
    publish_report(draft)
    other_draft = ProgressReport.objects.create(
        title="Concept", slug="concept", reference_date=datetime.date.today()
    )
    client.force_login(report_keeper)
    changelist = reverse("admin:reporting_progressreport_changelist")

    client.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": [draft.pk, other_draft.pk],
            "post": "yes",
        },
    )

    assert set(ProgressReport.objects.values_list("slug", flat=True)) == {draft.slug, "concept"}
    assert ReportEntry.objects.filter(report=draft).count() == 3


def test_a_draft_can_still_be_deleted(client, draft, report_keeper):
    client.force_login(report_keeper)
    url = reverse("admin:reporting_progressreport_delete", args=[draft.pk])

    response = client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not ProgressReport.objects.exists()


def test_the_command_ships_the_2025_report_once(nap, capsys):
    call_command("publish_report", "--nap-2025")
    call_command("publish_report", "--nap-2025")

    report = ProgressReport.objects.get()
    assert report.title == "Voortgangsrapportage NAP 2025"
    assert report.is_published
    assert report.entries.count() == 3
    assert "al gepubliceerd" in capsys.readouterr().out


def test_the_command_skips_the_2025_report_without_data(db, capsys):
    call_command("publish_report", "--nap-2025")

    assert not ProgressReport.objects.exists()
    assert "niet gemaakt" in capsys.readouterr().out


def test_the_command_creates_and_publishes_a_new_report(nap, tmp_path):
    introduction = tmp_path / "inleiding.txt"
    introduction.write_text("Het jaar in het kort.", encoding="utf-8")

    today = datetime.date.today()

    call_command(
        "publish_report",
        "voortgangsrapportage-nap-2026",
        "--title=Voortgangsrapportage NAP 2026",
        f"--reference-date={today.isoformat()}",
        f"--introduction-file={introduction}",
    )

    report = ProgressReport.objects.get()
    assert (report.reference_date, report.introduction) == (today, "Het jaar in het kort.")
    assert report.is_published
    assert report.entries.count() == 3


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["onbekend"], "geef --title"),
        (["nieuw", "--title=Nieuw", "--reference-date=30-06-2026"], "geen datum"),
        ([], "Geef de slug"),
    ],
)
def test_the_command_explains_what_is_wrong(nap, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("publish_report", *arguments)


def test_a_failed_publication_leaves_no_half_made_report(statuses):
    with pytest.raises(CommandError, match="geen openbare activiteiten"):
        call_command("publish_report", "leeg", "--title=Leeg", "--reference-date=2026-06-30")

    assert not ProgressReport.objects.exists()
