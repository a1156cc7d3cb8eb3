"""Editing activities one by one in the admin: history, field rights, and no lost edits."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from measures import services
from measures.admin import ActivityAdmin
from measures.models import Activity, Footnote, Proposal, ProposalState
from measures.proposals_admin import PROPOSED_MESSAGE
from tests.factories import make_activity
from tests.measures.editors import (
    CHANGELIST_URL,
    approve,
    change_form_data,
    change_url,
    make_staff_member,
    page_text,
    rendered_form,
)


@pytest.fixture
def activity(action_line, status, ocw):
    return make_activity(
        action_line=action_line,
        status=status,
        actors=(ocw,),
        title="Campagne over grenzen",
        explanation="De campagne loopt.",
        footnotes=("Kamerstukken II 2023/24, 34843, nr. 100.",),
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_staff_edit_becomes_a_proposal_with_who_when_and_old_and_new(
    client, activity, fatima, carla, status, closed_status
):
    client.force_login(fatima)

    response = client.post(
        change_url(activity), change_form_data(activity, status=closed_status.pk), follow=True
    )

    assert PROPOSED_MESSAGE in messages_of(response)
    activity.refresh_from_db()
    assert (activity.status, activity.version, activity.history.count()) == (status, 1, 1)
    proposal = Proposal.objects.get()
    assert (proposal.state, proposal.proposed_by, proposal.base_version) == (
        ProposalState.SUBMITTED,
        fatima,
        1,
    )
    assert proposal.changes == {"status": {"old": "loopt", "new": "afgerond"}}

    client.force_login(carla)
    assert approve(client, proposal).status_code == 302

    activity.refresh_from_db()
    assert activity.status == closed_status
    assert activity.version == 2
    assert activity.updated_by == fatima
    latest = activity.history.latest()
    assert latest.history_user == fatima
    assert latest.history_change_reason == f"Voorstel {proposal.pk}, goedgekeurd door Carla Bos"
    changes = latest.diff_against(latest.prev_record, excluded_fields=["actors"])
    assert changes.changed_fields == ["status", "updated_at", "version"]
    history = client.get(reverse("admin:measures_activity_history", args=[activity.pk]))
    assert "fatima" in page_text(history)
    assert "Afgerond" in page_text(history)


def test_staff_can_propose_status_timeframe_explanation_and_footnotes_but_nothing_else(
    client, activity, fatima, carla, closed_status, szw
):
    client.force_login(fatima)
    form = client.get(change_url(activity)).context["adminform"].form
    assert set(form.fields) == {"status", "timeframe_label", "explanation", "version"}

    data = change_form_data(
        activity,
        status=closed_status.pk,
        timeframe_label="Q2 2025",
        explanation="Afgerond met een eindevaluatie.",
        title="Een andere titel",
        slug="andere-slug",
        **{"actor_links-0-actor": szw.pk, "footnotes-0-text": "Kamerstukken II, nr. 101."},
    )
    data.pop("is_public")
    response = client.post(change_url(activity), data)

    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert set(proposal.changes) == {"status", "timeframe_label", "explanation", "footnotes"}
    assert proposal.changes["footnotes"]["new"] == [
        {"number": 1, "text": "Kamerstukken II, nr. 101.", "url": ""}
    ]
    # Nothing of it is applied before a coordinator approves.
    activity.refresh_from_db()
    assert (activity.timeframe_label, activity.explanation) == ("2023-2026", "De campagne loopt.")
    assert activity.footnotes.get().text == "Kamerstukken II 2023/24, 34843, nr. 100."

    client.force_login(carla)
    approve(client, proposal)

    activity.refresh_from_db()
    assert activity.status == closed_status
    assert (activity.timeframe_label, activity.end_year, activity.end_quarter) == (
        "Q2 2025",
        2025,
        2,
    )
    assert activity.explanation == "Afgerond met een eindevaluatie."
    assert activity.footnotes.get().text == "Kamerstukken II, nr. 101."
    assert activity.title == "Campagne over grenzen"
    assert activity.slug != "andere-slug"
    assert activity.is_public is True
    assert [actor.code for actor in activity.actors.all()] == ["OCW"]


def test_a_coordinators_own_edit_applies_at_once_and_is_logged(
    client, activity, carla, closed_status
):
    client.force_login(carla)

    response = client.post(
        change_url(activity), change_form_data(activity, status=closed_status.pk)
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.status, activity.version) == (closed_status, 2)
    assert activity.history.latest().history_user == carla
    assert not Proposal.objects.exists()
    entry = LogEntry.objects.get(object_id=str(activity.pk))
    assert entry.user == carla
    assert "Status" in entry.get_change_message()


def test_with_review_switched_off_a_staff_edit_applies_at_once(
    client, activity, fatima, closed_status, settings
):
    settings.NAP_REVIEW_REQUIRED = False
    client.force_login(fatima)

    response = client.post(
        change_url(activity), change_form_data(activity, status=closed_status.pk), follow=True
    )

    assert PROPOSED_MESSAGE not in messages_of(response)
    activity.refresh_from_db()
    assert (activity.status, activity.version) == (closed_status, 2)
    assert activity.history.latest().history_user == fatima
    assert not Proposal.objects.pending().exists()


def test_staff_cannot_add_activities_nor_reach_another_activitys_footnote(
    client, activity, fatima, action_line, status, szw
):
    other = make_activity(action_line=action_line, status=status, actors=(szw,), footnotes=("x",))
    client.force_login(fatima)

    assert client.get(reverse("admin:measures_activity_add")).status_code == 403
    data = change_form_data(
        activity,
        **{"footnotes-0-id": other.footnotes.get().pk, "footnotes-0-text": "Gekaapt."},
    )
    client.post(change_url(activity), data)

    assert other.footnotes.get().text == "x"
    assert not Footnote.objects.filter(text="Gekaapt.").exists()


def test_the_second_of_two_saves_is_refused_and_shows_what_the_first_changed(
    client, activity, carla, jan, closed_status
):
    # Both open the activity at version 1.
    carlas_form = change_form_data(activity)
    jans_form = change_form_data(activity)
    # Carla (a coordinator: her edit applies at once) saves first.
    client.force_login(carla)
    client.post(change_url(activity), carlas_form | {"status": closed_status.pk})

    client.force_login(jan)
    response = client.post(
        change_url(activity), jans_form | {"explanation": "Jans nieuwe toelichting."}
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    text = " ".join(errors)
    assert "Iemand anders heeft deze activiteit opgeslagen" in text
    assert "Carla Bos" in text
    assert "Status: ‘Loopt’ → ‘Afgerond’" in text
    assert "Overgenomen in het formulier: Status." in text
    form = response.context["adminform"].form
    assert form["explanation"].value() == "Jans nieuwe toelichting."  # his input is kept
    assert str(form["status"].value()) == str(closed_status.pk)  # her change is taken over
    activity.refresh_from_db()
    assert activity.explanation == "De campagne loopt."
    assert activity.status == closed_status
    assert activity.version == 2
    assert not Proposal.objects.exists()


def resubmit(client, activity, refused):
    """Save the form exactly as the refusal showed it again."""
    form = refused.context["adminform"].form
    data = {key: value for key, value in form.data.items() if key != "csrfmiddlewaretoken"}
    return client.post(change_url(activity), data)


def test_saving_again_after_a_conflict_keeps_both_editors_work(
    client, activity, carla, jan, closed_status
):
    jans_form = change_form_data(activity)
    client.force_login(carla)
    client.post(change_url(activity), change_form_data(activity, status=closed_status.pk))
    client.force_login(jan)
    refused = client.post(change_url(activity), jans_form | {"explanation": "Jans versie."})

    again = resubmit(client, activity, refused)

    assert again.status_code == 302
    proposal = Proposal.objects.get()
    # Made on Carla's version, and only Jan's own change: hers is not proposed back.
    assert proposal.base_version == 2
    assert proposal.changes == {"explanation": {"old": "De campagne loopt.", "new": "Jans versie."}}
    client.force_login(carla)
    approve(client, proposal)
    activity.refresh_from_db()
    assert activity.explanation == "Jans versie."
    assert activity.status == closed_status  # Carla's change survived
    assert activity.version == 3
    assert activity.history.latest().history_user == jan


def test_when_both_changed_the_same_field_the_second_editor_decides(client, activity, carla, jan):
    jans_form = change_form_data(activity)
    client.force_login(carla)
    client.post(change_url(activity), change_form_data(activity, explanation="Carlas versie."))
    client.force_login(jan)

    refused = client.post(change_url(activity), jans_form | {"explanation": "Jans versie."})

    text = " ".join(refused.context["adminform"].form.non_field_errors())
    assert "‘De campagne loopt.’ → ‘Carlas versie.’" in text
    assert "U en de ander wijzigden allebei: Toelichting. Uw versie staat in het formulier." in text
    assert refused.context["adminform"].form["explanation"].value() == "Jans versie."
    activity.refresh_from_db()
    assert activity.explanation == "Carlas versie."


def test_a_save_landing_between_the_check_and_the_write_is_refused_too(
    client, activity, fatima, jan, closed_status, monkeypatch
):
    """The race: Jan's request reads the activity, Fatima's save commits, then Jan's write."""
    jans_read = Activity.objects.get(pk=activity.pk)
    theirs = Activity.objects.get(pk=activity.pk)
    theirs.status = closed_status
    services.save_activity(theirs, user=fatima, base_version=1)
    stale_reads = iter([jans_read])
    read_now = ActivityAdmin.get_object

    def get_object(admin, request, object_id, from_field=None):
        return next(stale_reads, None) or read_now(admin, request, object_id, from_field)

    monkeypatch.setattr(ActivityAdmin, "get_object", get_object)
    client.force_login(jan)

    response = client.post(
        change_url(activity), change_form_data(jans_read, explanation="Jans toelichting.")
    )

    assert response.status_code == 200
    assert "Fatima El Amrani" in " ".join(response.context["adminform"].form.non_field_errors())
    assert "Jans toelichting." in page_text(response)
    activity.refresh_from_db()
    assert activity.status == closed_status
    assert activity.explanation == "De campagne loopt."


def test_a_bulk_status_change_asks_for_a_note_and_proposes_it(
    client, activity, fatima, closed_status, action_line, status, ocw
):
    second = make_activity(action_line=action_line, status=status, actors=(ocw,))
    client.force_login(fatima)
    chosen = {"action": "change_status", "_selected_action": [activity.pk, second.pk]}

    page = client.post(CHANGELIST_URL, chosen | {"index": "0"})
    without_note = client.post(
        CHANGELIST_URL, chosen | {"apply": "1", "status": closed_status.pk, "note": "  "}
    )
    with_note = client.post(
        CHANGELIST_URL,
        chosen | {"apply": "1", "status": closed_status.pk, "note": "Eindrapport verschenen."},
        follow=True,
    )

    assert page.status_code == 200
    assert "Campagne over grenzen" in page_text(page)
    assert without_note.status_code == 200
    assert without_note.context["form"].errors["note"]
    assert with_note.status_code == 200
    assert (
        "Statuswijziging ingediend voor 2 activiteit(en); die wacht op beoordeling door een "
        "coördinator." in messages_of(with_note)
    )
    for proposed in (activity, second):
        proposed.refresh_from_db()
        assert (proposed.status, proposed.version) == (status, 1)
        proposal = proposed.proposals.get()
        assert (proposal.state, proposal.source, proposal.note, proposal.proposed_by) == (
            ProposalState.SUBMITTED,
            "bulk",
            "Eindrapport verschenen.",
            fatima,
        )
        assert proposal.changes == {"status": {"old": "loopt", "new": "afgerond"}}
    assert not LogEntry.objects.exists()


def test_a_coordinators_bulk_status_change_applies_and_records_the_note(
    client, activity, carla, closed_status, action_line, status, ocw
):
    second = make_activity(action_line=action_line, status=status, actors=(ocw,))
    client.force_login(carla)
    chosen = {"action": "change_status", "_selected_action": [activity.pk, second.pk]}

    response = client.post(
        CHANGELIST_URL,
        chosen | {"apply": "1", "status": closed_status.pk, "note": "Eindrapport verschenen."},
    )

    assert response.status_code == 302
    for changed in (activity, second):
        changed.refresh_from_db()
        assert changed.status == closed_status
        latest = changed.history.latest()
        assert (latest.history_user, latest.history_change_reason) == (
            carla,
            "Eindrapport verschenen.",
        )
        assert LogEntry.objects.get(object_id=str(changed.pk)).change_message == (
            "Status gewijzigd in ‘Afgerond’: Eindrapport verschenen."
        )
        assert changed.proposals.get().state == ProposalState.APPLIED


def test_history_cannot_be_reverted_around_the_version_check(client, activity, fatima):
    client.force_login(fatima)
    record = activity.history.earliest()
    url = reverse("admin:measures_activity_simple_history", args=[activity.pk, record.pk])

    assert client.get(url).status_code == 200
    assert client.post(url, change_form_data(activity)).status_code == 403


def test_another_ministrys_history_is_closed(client, activity, szw):
    client.force_login(make_staff_member(szw))
    record = activity.history.earliest()

    listing = client.get(reverse("admin:measures_activity_history", args=[activity.pk]))
    one_version = client.get(
        reverse("admin:measures_activity_simple_history", args=[activity.pk, record.pk])
    )

    assert listing.status_code == 403
    assert one_version.status_code == 403


def test_an_actor_added_in_the_admin_is_in_that_edits_history(
    admin_client, action_line, status, ocw, szw
):
    activity = make_activity(action_line=action_line, status=status, actors=(ocw,))
    data = change_form_data(activity)
    data |= {
        "actor_links-TOTAL_FORMS": 2,
        "actor_links-1-activity": activity.pk,
        "actor_links-1-actor": szw.pk,
        "actor_links-1-position": 1,
    }

    response = admin_client.post(change_url(activity), data)

    assert response.status_code == 302
    latest = activity.history.latest()
    assert sorted(link.actor.code for link in latest.actors.all()) == ["OCW", "SZW"]
    assert activity.history.count() == 2  # the edit is one history record, not two


def test_without_history_a_stale_save_is_refused_and_never_reverts_the_other_edit(
    client, action_line, status, ocw, carla, jan
):
    """Data loaded with loaddata or bulk_create has no history record of its version: the merge
    cannot tell what Jan changed, so it must refuse rather than propose his stale Wanneer."""
    (activity,) = Activity.objects.bulk_create(
        [
            Activity(
                action_line=action_line,
                status=status,
                position=1,
                title="Geladen activiteit",
                slug="geladen",
                timeframe_label="2023-2026",
                explanation="Zoals geladen.",
            )
        ]
    )
    activity.actor_links.create(actor=ocw)
    assert not activity.history.exists()
    client.force_login(carla)
    carlas_form = rendered_form(client.get(change_url(activity)), "activity_form")
    client.force_login(jan)
    jans_form = rendered_form(client.get(change_url(activity)), "activity_form")
    client.force_login(carla)
    saved = client.post(change_url(activity), carlas_form.data | {"timeframe_label": "2024"})
    assert saved.status_code == 302

    client.force_login(jan)
    refused = client.post(
        change_url(activity), jans_form.data | {"explanation": "Jans toelichting."}
    )

    assert refused.status_code == 200
    text = " ".join(refused.context["adminform"].form.non_field_errors())
    assert "Iemand anders heeft deze activiteit opgeslagen" in text
    assert "Wat u had ingevuld: " in text
    assert "Toelichting: ‘Jans toelichting.’" in text
    activity.refresh_from_db()
    assert (activity.timeframe_label, activity.explanation) == ("2024", "Zoals geladen.")
    shown = rendered_form(refused, "activity_form")
    assert (shown.data["timeframe_label"], shown.data["explanation"]) == ("2024", "Zoals geladen.")
    assert not Proposal.objects.exists()

    # Saving the shown form unchanged loses nothing of Carla's; Jan re-applies his edit.
    again = client.post(change_url(activity), shown.data | {"explanation": "Jans toelichting."})

    assert again.status_code == 302
    proposal = Proposal.objects.get()
    assert set(proposal.changes) == {"explanation"}
    client.force_login(carla)
    approve(client, proposal)
    activity.refresh_from_db()
    assert (activity.timeframe_label, activity.explanation) == ("2024", "Jans toelichting.")
    assert activity.version == 3
