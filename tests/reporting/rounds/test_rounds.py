"""Update rounds as coordinators and ministry staff use them in the admin."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django_q.models import OrmQ

from measures import services as measures_services
from measures.models import Proposal
from reporting.models import ProgressReport
from reporting.rounds import services
from reporting.rounds.models import UpdateRequest, UpdateRound
from tests.factories import make_activity, make_actor
from tests.measures.editors import (
    confirm,
    download_template,
    edit_xlsx,
    make_coordinator,
    make_staff_member,
    page_text,
    upload,
)
from tests.reporting.rounds.conftest import visible_text

TODAY = timezone.localdate()
DEADLINE = TODAY + datetime.timedelta(days=30)
ADD_URL = reverse("admin:reporting_updateround_add")
REQUESTS_URL = reverse("admin:reporting_updaterequest_changelist")


def round_url(update_round, name="change"):
    return reverse(f"admin:reporting_updateround_{name}", args=[update_round.pk])


def open_a_round(world, **fields):
    return services.open_round(
        user=world["coordinator"],
        title=fields.pop("title", "Uitvraag voorjaar 2026"),
        reference_date=fields.pop("reference_date", TODAY),
        deadline=fields.pop("deadline", DEADLINE),
        **fields,
    )


def requested(update_round) -> set[str]:
    return set(
        UpdateRequest.objects.filter(round=update_round).values_list("activity__title", flat=True)
    )


def states(update_round) -> dict[str, tuple[str, str]]:
    return {
        title: (state, answer)
        for title, state, answer in UpdateRequest.objects.filter(round=update_round).values_list(
            "activity__title", "state", "answer"
        )
    }


# Opening and closing ---------------------------------------------------------------------


def test_a_coordinator_opens_a_round_in_the_admin_with_a_request_per_public_activity(client, world):
    client.force_login(world["coordinator"])

    response = client.post(
        ADD_URL,
        {
            "title": "Uitvraag voorjaar 2026",
            "reference_date": "2026-03-01",
            "deadline": "2026-03-31",
            "introduction": "Graag de stand per 1 maart.",
        },
        follow=True,
    )

    [update_round] = UpdateRound.objects.all()
    assert response.redirect_chain[-1][0] == round_url(update_round)
    assert requested(update_round) == {"Lesmateriaal", "Toezicht", "Campagne"}
    assert update_round.opened_by == world["coordinator"]
    assert "geopend met 3 verzoek(en)" in page_text(response)
    # The mails are a job for the worker, queued with the round; none is sent in the request.
    [job] = OrmQ.objects.all()
    assert job.task["args"][0] == "reporting.rounds.jobs.send_round_opened"


def test_a_deadline_before_the_peildatum_is_refused_in_dutch(client, world):
    client.force_login(world["coordinator"])

    response = client.post(
        ADD_URL, {"title": "Verkeerd", "reference_date": "2026-03-01", "deadline": "2026-02-01"}
    )

    assert response.status_code == 200
    assert "De uiterste datum ligt vóór de peildatum." in page_text(response)
    assert not UpdateRound.objects.exists()


def test_ministry_staff_neither_open_nor_close_a_round(client, world):
    update_round = open_a_round(world)
    client.force_login(world["fatima"])

    assert client.get(ADD_URL).status_code == 403
    client.post(round_url(update_round, "close"))

    update_round.refresh_from_db()
    assert update_round.is_open
    with pytest.raises(services.PermissionDenied):
        services.open_round(
            user=world["fatima"],
            title="x",
            reference_date=datetime.date(2026, 1, 1),
            deadline=datetime.date(2026, 1, 2),
        )


def test_closing_is_an_explicit_post_and_then_a_draft_report_takes_the_peildatum(client, world):
    update_round = open_a_round(world)
    client.force_login(world["coordinator"])

    client.get(round_url(update_round, "close"))
    update_round.refresh_from_db()
    assert update_round.is_open  # a GET closes nothing

    page = client.post(round_url(update_round, "close"), follow=True)
    update_round.refresh_from_db()
    assert not update_round.is_open
    assert update_round.closed_by == world["coordinator"]
    assert "Maak conceptrapportage" in page_text(page)

    response = client.post(round_url(update_round, "draft"))

    [report] = ProgressReport.objects.all()
    assert (report.reference_date, report.state) == (TODAY, "concept")
    assert response.url == reverse("admin:reporting_progressreport_change", args=[report.pk])


def test_opening_a_round_takes_a_fixed_number_of_queries(world, action_line, status, ocw):
    def queries_to_open():
        with CaptureQueriesContext(connection) as queries:
            open_a_round(world)
        return len(queries)

    open_a_round(world)  # the coordinator's permissions are read once, then cached
    few = queries_to_open()
    for _ in range(50):
        make_activity(action_line=action_line, status=status, actors=(ocw,))
    many = queries_to_open()

    assert few == many


# Completeness -----------------------------------------------------------------------------


def test_the_round_page_shows_completeness_per_ministry_with_the_open_requests_a_click_away(
    client, world
):
    update_round = open_a_round(world)
    services.answer_unchanged(UpdateRequest.objects.all(), user=world["fatima"])
    client.force_login(world["coordinator"])

    page = client.get(round_url(update_round))

    text = visible_text(page)
    assert "2 van 3 verzoeken beantwoord" in text
    # OCW answered both its requests; SZW shares one and answered none of its own.
    assert re.search(r"OCW 2 / 2 0 2 0 0 geen", text)
    assert re.search(r"SZW 1 / 2 0 1 0 0 1 open", text)
    ocw, szw = world["ocw_activity"].actors.get(), world["szw_activity"].actors.get()
    link = f'{REQUESTS_URL}?ronde={update_round.pk}&amp;wacht=ja&amp;actor={szw.pk}"'
    assert link in page.text
    listed = client.get(f"{REQUESTS_URL}?ronde={update_round.pk}&wacht=ja&actor={szw.pk}")
    assert [r.activity.title for r in listed.context["cl"].result_list] == ["Toezicht"]
    assert ocw.code in text


def test_late_requests_are_counted_after_the_deadline(client, world):
    update_round = open_a_round(
        world, deadline=datetime.date(2020, 1, 31), reference_date=datetime.date(2020, 1, 1)
    )
    client.force_login(world["coordinator"])

    text = visible_text(client.get(round_url(update_round)))

    assert "De termijn is verstreken." in text
    assert "3 wachten nog op antwoord (te laat)" in text


@pytest.mark.parametrize("url", ["change", "changelist"])
def test_the_round_pages_take_a_fixed_number_of_queries(
    client, world, action_line, status, ocw, szw, url
):
    client.force_login(world["coordinator"])

    def queries(update_round):
        address = (
            round_url(update_round)
            if url == "change"
            else reverse("admin:reporting_updateround_changelist")
        )
        with CaptureQueriesContext(connection) as captured:
            assert client.get(address).status_code == 200
        return len(captured)

    for n in range(7):
        make_activity(action_line=action_line, status=status, actors=(ocw, szw), title=f"A{n}")
    ten = queries(open_a_round(world))
    for n in range(50):
        make_activity(action_line=action_line, status=status, actors=(make_actor(f"X{n}"),))
    sixty = open_a_round(world)
    assert UpdateRequest.objects.filter(round=sixty).count() == 60

    assert queries(sixty) == ten


# A ministry employee's requests -----------------------------------------------------------


def test_a_ministry_employee_sees_only_their_own_requests(client, world):
    update_round = open_a_round(world)
    client.force_login(world["jan"])

    page = client.get(round_url(update_round))
    listed = client.get(f"{REQUESTS_URL}?ronde={update_round.pk}")

    assert [item.activity.title for item in page.context["my_requests"]] == [
        "Toezicht",
        "Campagne",
    ]
    text = visible_text(page)
    assert "Mijn verzoeken in deze uitvraag" in text
    deadline = date_format(DEADLINE, "j F Y")
    assert f"Nog 2 van 2 wachten op uw antwoord, uiterlijk {deadline}." in text
    assert "Lesmateriaal" not in text
    assert "Per ministerie" not in text  # completeness is for coordinators
    assert {r.activity.title for r in listed.context["cl"].result_list} == {"Toezicht", "Campagne"}


def test_the_ongewijzigd_button_answers_only_the_employees_own_request(client, world):
    update_round = open_a_round(world)
    own = UpdateRequest.objects.get(activity=world["szw_activity"])
    other = UpdateRequest.objects.get(activity=world["ocw_activity"])
    client.force_login(world["jan"])

    client.post(round_url(update_round, "unchanged"), {"request": [own.pk, other.pk]})

    assert states(update_round) == {
        "Toezicht": ("goedgekeurd", "ongewijzigd"),
        "Lesmateriaal": ("open", ""),
        "Campagne": ("open", ""),
    }
    own.refresh_from_db()
    assert own.submitted_by == world["jan"]
    page = client.get(round_url(update_round))
    assert "Nog 1 van 2 wachten" in visible_text(page)


def test_the_wijzigen_button_leads_to_the_activity_form(client, world):
    update_round = open_a_round(world)
    client.force_login(world["jan"])

    page = client.get(round_url(update_round))

    form = reverse("admin:measures_activity_change", args=[world["szw_activity"].pk])
    assert f'href="{form}"' in page.text


# Answers through proposals ----------------------------------------------------------------


def test_a_proposal_answers_the_request_and_the_review_moves_it_on(
    world, closed_status, django_capture_on_commit_callbacks
):
    update_round = open_a_round(world)
    activity = world["szw_activity"]

    def propose(explanation):
        activity.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            return measures_services.propose_changes(
                activity,
                user=world["jan"],
                base_version=activity.version,
                changes={"explanation": explanation},
            )

    first = propose("Eerste versie.")
    assert states(update_round)["Toezicht"] == ("ingediend", "gewijzigd")

    with django_capture_on_commit_callbacks(execute=True):
        measures_services.return_proposal(
            first, user=world["coordinator"], comment="Noem de Kamerbrief."
        )
    request = UpdateRequest.objects.get(activity=activity)
    assert (request.state, request.comment) == ("teruggestuurd", "Noem de Kamerbrief.")
    assert OrmQ.objects.filter(key__isnull=False).count() == 2  # opened, and returned mail

    second = propose("Tweede versie, met de Kamerbrief.")
    assert states(update_round)["Toezicht"] == ("ingediend", "gewijzigd")
    with django_capture_on_commit_callbacks(execute=True):
        measures_services.approve_proposal(second, user=world["coordinator"])

    request.refresh_from_db()
    assert (request.state, request.proposal, request.submitted_by) == (
        "goedgekeurd",
        second,
        world["jan"],
    )


def test_a_spreadsheet_answers_changed_rows_with_proposals_and_the_rest_ongewijzigd(
    client, world, closed_status, django_capture_on_commit_callbacks
):
    update_round = open_a_round(world)
    client.force_login(world["fatima"])
    filled_in = edit_xlsx(
        download_template(client), {(world["ocw_activity"].slug, "Status"): closed_status.label}
    )

    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, upload(client, filled_in, "ocw.xlsx"))

    assert states(update_round) == {
        "Lesmateriaal": ("ingediend", "gewijzigd"),
        "Campagne": ("goedgekeurd", "ongewijzigd"),
        "Toezicht": ("open", ""),
    }
    request = UpdateRequest.objects.get(activity=world["ocw_activity"])
    assert request.proposal == Proposal.objects.get(activity=world["ocw_activity"])
    assert request.submitted_by == world["fatima"]


def test_the_preview_of_a_spreadsheet_answers_nothing(client, world, closed_status):
    update_round = open_a_round(world)
    client.force_login(world["fatima"])

    upload(client, download_template(client), "ocw.xlsx")

    assert set(states(update_round).values()) == {("open", "")}


def test_a_closed_round_takes_no_more_answers(client, world):
    update_round = open_a_round(world)
    services.close_round(update_round, user=world["coordinator"])
    client.force_login(world["jan"])

    client.post(
        round_url(update_round, "unchanged"),
        {"request": [UpdateRequest.objects.get(activity=world["szw_activity"]).pk]},
    )

    assert set(states(update_round).values()) == {("open", "")}
    assert "Ongewijzigd" not in page_text(client.get(round_url(update_round)))


def test_someone_without_a_role_gets_no_round_pages(client, world, django_user_model):
    update_round = open_a_round(world)
    client.force_login(django_user_model.objects.create_user("buiten", is_staff=True))

    assert client.get(round_url(update_round)).status_code == 403
    assert client.get(REQUESTS_URL).status_code == 403
    assert client.post(round_url(update_round, "unchanged"), {"request": [1]}).status_code == 403


def test_a_coordinator_sees_every_request(client, world):
    open_a_round(world)
    client.force_login(make_coordinator())

    listed = client.get(REQUESTS_URL)

    assert len(listed.context["cl"].result_list) == 3


def test_a_staff_member_of_no_listed_actor_has_no_requests(client, world):
    update_round = open_a_round(world)
    client.force_login(make_staff_member(make_actor("BZK")))

    page = client.get(round_url(update_round))

    assert page.context["my_requests"] == []
    assert "Er zijn in deze uitvraag geen verzoeken aan u." in page_text(page)


def test_a_withdrawn_proposal_leaves_the_request_waiting_again(
    world, django_capture_on_commit_callbacks
):
    update_round = open_a_round(world)
    activity = world["szw_activity"]
    with django_capture_on_commit_callbacks(execute=True):
        proposal = measures_services.propose_changes(
            activity,
            user=world["jan"],
            base_version=activity.version,
            changes={"explanation": "Toch niet."},
        )
    with django_capture_on_commit_callbacks(execute=True):
        measures_services.withdraw_proposal(proposal, user=world["jan"])

    assert states(update_round)["Toezicht"] == ("open", "")
