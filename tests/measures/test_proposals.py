"""Four eyes: proposals, their review in the admin, and what the public sees meanwhile."""

import io

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from measures import services
from measures.models import Activity, Proposal, ProposalState
from measures.signals import proposal_reviewed
from tests.factories import make_activity
from tests.measures.editors import (
    PROPOSALS_URL,
    approve,
    change_form_data,
    change_url,
    make_staff_member,
    page_text,
    review_url,
    send_back,
)


@pytest.fixture
def activity(action_line, status, ocw):
    return make_activity(
        action_line=action_line,
        status=status,
        actors=(ocw,),
        title="Campagne over grenzen",
        explanation="De campagne loopt in het hele land.",
        footnotes=("Kamerstukken II 2023/24, 34843, nr. 100.",),
    )


def propose(activity, user, **changes):
    return services.propose_changes(
        activity, user=user, base_version=activity.version, changes=changes
    )


# What the public sees --------------------------------------------------------------------


def test_the_public_sees_only_approved_data_until_a_coordinator_approves(
    client, activity, fatima, carla, closed_status
):
    from reporting.documents.xlsx import render_xlsx
    from reporting.models import ProgressReport

    propose(activity, fatima, status=closed_status, explanation="Geheime nieuwe tekst.")
    draft = ProgressReport.objects.create(
        title="Concept", slug="concept", reference_date=activity.updated_at.date()
    )

    def downloaded(name: str) -> bytes:
        response = client.get(reverse(name))
        assert response.status_code == 200
        return b"".join(response.streaming_content) if response.streaming else response.content

    def everything_public() -> str:
        pages = [
            page_text(client.get(reverse("measures:activity-list"))),
            page_text(client.get(activity.get_absolute_url())),
            downloaded("exports:activities-csv").decode("utf-8-sig"),
            downloaded("exports:activities-json").decode(),
        ]
        for content in (
            downloaded("exports:activities-xlsx"),
            render_xlsx(draft),
        ):
            for sheet in load_workbook(io.BytesIO(content)).worksheets:
                pages.extend(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row)
        return "\n".join(pages)

    before = everything_public()
    assert "De campagne loopt in het hele land." in before
    assert "Geheime nieuwe tekst." not in before
    detail = page_text(client.get(activity.get_absolute_url()))
    assert "voorstel" not in detail.lower()
    assert "beoordeling" not in detail.lower()

    approve_as(client, carla, Proposal.objects.get())

    after = everything_public()
    assert "Geheime nieuwe tekst." in after


def approve_as(client, user, proposal):
    client.force_login(user)
    response = approve(client, proposal)
    client.logout()
    return response


# Proposing ---------------------------------------------------------------------------------


def test_a_second_proposal_waits_until_the_first_is_reviewed_or_withdrawn(
    client, activity, fatima, jan, closed_status
):
    client.force_login(fatima)
    client.post(change_url(activity), change_form_data(activity, status=closed_status.pk))
    client.force_login(jan)

    refused = client.post(
        change_url(activity), change_form_data(activity, explanation="Jans toelichting.")
    )

    assert refused.status_code == 200
    errors = " ".join(refused.context["adminform"].form.non_field_errors())
    assert "wacht al een voorstel op beoordeling (van Fatima El Amrani" in errors
    assert refused.context["adminform"].form["explanation"].value() == "Jans toelichting."
    assert Proposal.objects.count() == 1

    # Fatima takes hers back (a POST on the proposal's page); then Jan may propose.
    first = Proposal.objects.get()
    client.force_login(fatima)
    client.post(review_url(first), {"_withdraw": "1"})
    first.refresh_from_db()
    assert first.state == ProposalState.WITHDRAWN
    client.force_login(jan)
    again = client.post(
        change_url(activity), change_form_data(activity, explanation="Jans toelichting.")
    )
    assert again.status_code == 302
    assert Proposal.objects.pending().get().proposed_by == jan


def test_the_change_form_says_a_proposal_waits_and_shows_a_returned_ones_comment(
    client, activity, fatima, carla, closed_status
):
    proposal = propose(activity, fatima, status=closed_status)
    client.force_login(fatima)

    waiting = page_text(client.get(change_url(activity)))

    assert "Er wacht een voorstel op beoordeling" in waiting
    assert review_url(proposal) in waiting

    client.force_login(carla)
    send_back(client, proposal, "Graag de Kamerbrief als bron noemen.")
    client.force_login(fatima)
    returned = page_text(client.get(change_url(activity)))
    listing = page_text(client.get(PROPOSALS_URL))

    assert "Uw voorstel is teruggestuurd" in returned
    assert "Graag de Kamerbrief als bron noemen." in returned
    assert "Teruggestuurd" in listing
    assert "Graag de Kamerbrief als bron noemen." in listing


def test_nothing_is_proposed_for_another_ministrys_activity_or_with_bad_values(
    activity, closed_status, szw
):
    outsider = make_staff_member(szw)
    with pytest.raises(PermissionDenied):
        propose(activity, outsider, status=closed_status)

    insider = make_staff_member(*activity.actors.all())
    with pytest.raises(ValidationError) as bad:
        propose(activity, insider, explanation="  ", footnotes=[{"number": 0, "text": "x"}])
    assert bad.value.message_dict == {
        "explanation": ["De toelichting is leeg; die is verplicht."],
        "footnotes": ["Een voetnootnummer is een geheel getal vanaf 1."],
    }
    with pytest.raises(ValidationError, match="Er is niets gewijzigd"):
        propose(activity, insider, explanation=activity.explanation)
    assert not Proposal.objects.exists()


# Reviewing ---------------------------------------------------------------------------------


def test_the_review_page_shows_a_word_diff_and_only_a_post_approves(
    client, activity, fatima, carla, closed_status
):
    proposal = propose(
        activity,
        fatima,
        status=closed_status,
        explanation="De campagne liep in het hele land <b>af</b>.",
        footnotes=[{"number": 1, "text": "Kamerstukken II 2023/24, 34843, nr. 101.", "url": ""}],
    )
    client.force_login(carla)

    page = client.get(review_url(proposal))

    text = page_text(page)
    assert "<del>[-Loopt-]</del><ins>{+Afgerond+}</ins>" in text
    assert "De campagne <del>[-loopt-]</del><ins>{+liep+}</ins> in het hele " in text
    assert "&lt;b&gt;af&lt;/b&gt;" in text  # the proposer's text is never markup
    assert "<del>[-100.-]</del><ins>{+101.+}</ins>" in text
    assert 'name="_approve"' in text
    assert 'name="csrfmiddlewaretoken"' in text
    activity.refresh_from_db()
    assert activity.version == 1  # looking changes nothing

    approve(client, proposal)

    proposal.refresh_from_db()
    activity.refresh_from_db()
    assert (proposal.state, proposal.reviewed_by, proposal.applied_version) == (
        ProposalState.APPROVED,
        carla,
        2,
    )
    assert activity.status == closed_status
    assert activity.footnotes.get().text == "Kamerstukken II 2023/24, 34843, nr. 101."
    assert LogEntry.objects.get(object_id=str(proposal.pk)).change_message == "Goedgekeurd."


def test_returning_needs_a_comment_and_tells_reporting_after_the_commit(
    client, activity, fatima, carla, closed_status, django_capture_on_commit_callbacks
):
    proposal = propose(activity, fatima, status=closed_status)
    received = []

    def receiver(sender, proposal, **kwargs):
        received.append((proposal.pk, proposal.state))

    proposal_reviewed.connect(receiver)
    client.force_login(carla)
    try:
        without = send_back(client, proposal, "   ")
        with django_capture_on_commit_callbacks(execute=True):
            send_back(client, proposal, "Welke Kamerbrief?")
    finally:
        proposal_reviewed.disconnect(receiver)

    assert without.status_code == 200
    assert "Schrijf erbij waarom u het voorstel terugstuurt" in page_text(without)
    proposal.refresh_from_db()
    assert (proposal.state, proposal.review_comment) == (
        ProposalState.RETURNED,
        "Welke Kamerbrief?",
    )
    assert received == [(proposal.pk, ProposalState.RETURNED)]
    activity.refresh_from_db()
    assert activity.version == 1


def test_only_coordinators_review_and_staff_see_only_their_own_actors_proposals(
    client, activity, fatima, closed_status, action_line, status, szw
):
    proposal = propose(activity, fatima, status=closed_status)
    other = make_activity(action_line=action_line, status=status, actors=(szw,), title="SZW-ding")
    szw_staff = make_staff_member(szw)
    theirs = propose(other, szw_staff, explanation="SZW-voorstel.")

    client.force_login(fatima)
    listing = page_text(client.get(PROPOSALS_URL))
    assert "Campagne over grenzen" in listing
    assert "SZW-ding" not in listing
    assert client.get(review_url(theirs)).status_code == 302  # "does not exist" redirect
    assert 'name="_approve"' not in page_text(client.get(review_url(proposal)))
    assert approve(client, proposal).status_code == 403
    assert send_back(client, proposal, "Zelf teruggestuurd").status_code == 403
    bulk = client.post(
        PROPOSALS_URL, {"action": "approve_selected", "_selected_action": [proposal.pk]}
    )
    assert bulk.status_code in (200, 302)
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED
    with pytest.raises(PermissionDenied):
        services.approve_proposal(proposal, user=fatima)


def test_a_proposal_on_an_older_version_is_shown_as_such_and_not_approved_blindly(
    client, activity, fatima, carla, closed_status
):
    proposal = propose(activity, fatima, explanation="Fatimas tekst.")
    # Meanwhile a coordinator changes the same field, twice (version 3).
    for text in ("Carlas tekst.", "Carlas tweede tekst."):
        current = Activity.objects.get(pk=activity.pk)
        current.explanation = text
        services.save_activity(current, user=carla, base_version=current.version)
    client.force_login(carla)

    page = page_text(client.get(review_url(proposal)))
    bulk = client.post(
        PROPOSALS_URL,
        {"action": "approve_selected", "_selected_action": [proposal.pk]},
        follow=True,
    )
    with pytest.raises(services.StaleProposal, match="gemaakt op versie 1"):
        services.approve_proposal(proposal, user=carla)
    blind = approve(client, proposal)  # a POST without having seen version 3

    assert "Gemaakt op versie 1; de activiteit is nu versie 3." in page
    assert "Sindsdien is ook gewijzigd: Toelichting." in page
    assert "<del>[-Carlas tweede-]</del><ins>{+Fatimas+}</ins>" in page  # what approving would undo
    assert 'name="seen_version" value="3"' in page
    assert "niet goedgekeurd: gemaakt op een oudere versie" in page_text(bulk)
    assert blind.status_code == 200
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED
    assert Activity.objects.get(pk=activity.pk).explanation == "Carlas tweede tekst."

    # Having seen the differences with version 3, the coordinator may approve knowingly.
    approve(client, proposal, seen_version="3")
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.APPROVED
    assert Activity.objects.get(pk=activity.pk).explanation == "Fatimas tekst."


def test_an_older_version_that_changed_other_fields_is_approved_in_bulk(
    client, activity, fatima, carla, closed_status, action_line, status, ocw
):
    stale_but_separate = propose(activity, fatima, explanation="Fatimas tekst.")
    current = Activity.objects.get(pk=activity.pk)
    current.timeframe_label = "2024"
    services.save_activity(current, user=carla, base_version=1)
    others = [
        propose(make_activity(action_line=action_line, status=status, actors=(ocw,)), fatima,
                status=closed_status)
        for _ in range(2)
    ]  # fmt: skip
    client.force_login(carla)

    response = client.post(
        PROPOSALS_URL,
        {
            "action": "approve_selected",
            "_selected_action": [p.pk for p in (stale_but_separate, *others)],
        },
        follow=True,
    )

    assert "3 voorstel(len) goedgekeurd." in page_text(response)
    activity.refresh_from_db()
    assert (activity.timeframe_label, activity.explanation, activity.version) == (
        "2024",
        "Fatimas tekst.",
        3,
    )
    for proposal in others:
        proposal.refresh_from_db()
        assert proposal.state == ProposalState.APPROVED
        assert Activity.objects.get(pk=proposal.activity_id).status == closed_status
    assert LogEntry.objects.filter(object_id=str(others[0].pk)).exists()


@pytest.mark.parametrize("page", ["changelist", "review"])
def test_the_proposal_pages_take_a_fixed_number_of_queries(
    client, carla, fatima, action_line, status, closed_status, ocw, szw, page
):
    def add(count):
        for _ in range(count):
            activity = make_activity(action_line=action_line, status=status, actors=(ocw, szw))
            propose(activity, fatima, status=closed_status, explanation="Nieuw.")

    def queries() -> int:
        proposal = Proposal.objects.first()
        url = PROPOSALS_URL if page == "changelist" else review_url(proposal)
        client.get(url)  # warm-up (session, content types)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    client.force_login(carla)
    add(10)
    few = queries()
    add(50)
    many = queries()

    assert few == many
