"""The update round at scale: the preview, the confirmation (a ministry employee's proposals
and a coordinator's direct changes) and the approval of many proposals take a fixed number
of queries however many rows the file has. (The time it takes is measured in
bench/update_round.py, not here.)

10 rows against 40: SQLite takes at most 999 values per statement, so Django splits a bulk
insert of more than about 49 history records in two; PostgreSQL never does. Up to 1,000 rows
(a batch) the number of queries is the same on PostgreSQL."""

import datetime
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from measures import services
from measures.models import Activity, Proposal, ProposalState
from reporting.rounds import services as round_services
from reporting.rounds.models import Answer, RequestState, UpdateRequest
from tests.factories import make_action_line, make_activity, make_actor
from tests.measures.editors import (
    confirm,
    download_template,
    edit_xlsx,
    make_coordinator,
    make_staff_member,
    upload,
    xlsx_rows,
)

_codes = itertools.count(1)
TODAY = datetime.date(2026, 3, 1)


@pytest.fixture
def coordinator(db):
    return make_coordinator()


@pytest.fixture
def count_queries(django_capture_on_commit_callbacks):
    """The queries of a step, including those run once it commits (the round's answers)."""

    def count(step):
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = step()
        return response, len(captured)

    return count


def a_round_of(rows: int, *, status, coordinator):
    """``rows`` activities of one new actor under one new action line, asked for in an open
    round. Returns the action line and a staff member of the actor."""
    actor = make_actor(f"M{next(_codes)}")
    line = make_action_line()
    for _ in range(rows):
        make_activity(action_line=line, status=status, actors=(actor,))
    round_services.open_round(
        user=coordinator,
        title=f"Uitvraag {line.number}",
        reference_date=TODAY,
        deadline=TODAY + datetime.timedelta(days=30),
        activities=Activity.objects.filter(action_line=line),
    )
    return line, make_staff_member(actor)


def filled_in(template: bytes) -> bytes:
    """Every row closed, except the first two, left as they were ("ongewijzigd")."""
    keys = [row[0] for row in xlsx_rows(template)[1:]]
    return edit_xlsx(template, {(key, "Status"): "Afgerond" for key in keys[2:]})


def import_as(client, user, line, count_queries):
    """Download the line's template as ``user``, fill it in, preview and confirm it. Returns
    the queries of the preview and of the confirmation."""
    client.force_login(user)
    template = download_template(client, query=f"?action_line__id__exact={line.pk}")
    preview, preview_queries = count_queries(lambda: upload(client, filled_in(template)))
    assert preview.context["confirm_form"], preview.content.decode()
    response, confirm_queries = count_queries(lambda: confirm(client, preview))
    assert response.status_code == 302, response.content.decode()
    return preview_queries, confirm_queries


def approve_all(client, coordinator, count_queries):
    client.force_login(coordinator)
    changelist = reverse("admin:measures_proposal_changelist")
    pending = list(Proposal.objects.pending().values_list("pk", flat=True))
    response, queries = count_queries(
        lambda: client.post(
            changelist,
            {"action": "approve_selected", "index": "0", "_selected_action": pending},
        )
    )
    assert response.status_code == 302
    assert not Proposal.objects.pending().exists()
    return queries


def answers(line) -> list[tuple[str, str]]:
    return sorted(
        UpdateRequest.objects.filter(activity__action_line=line).values_list("state", "answer")
    )


def test_a_ministry_import_and_its_approval_take_the_same_queries_for_10_and_40_rows(
    client, status, closed_status, coordinator, count_queries
):
    warm_up, staff = a_round_of(3, status=status, coordinator=coordinator)
    import_as(client, staff, warm_up, count_queries)
    approve_all(client, coordinator, count_queries)

    counts = {}
    for rows in (10, 40):
        line, staff = a_round_of(rows, status=status, coordinator=coordinator)
        preview, confirmed = import_as(client, staff, line, count_queries)
        assert Proposal.objects.pending().count() == rows - 2
        assert answers(line) == [(RequestState.APPROVED, Answer.UNCHANGED)] * 2 + [
            (RequestState.SUBMITTED, Answer.CHANGED)
        ] * (rows - 2)
        approved = approve_all(client, coordinator, count_queries)
        assert set(Activity.objects.filter(action_line=line).values_list("version", flat=True)) == {
            1,
            2,
        }
        assert (
            answers(line)
            == [(RequestState.APPROVED, Answer.CHANGED)] * (rows - 2)
            + [(RequestState.APPROVED, Answer.UNCHANGED)] * 2
        )
        counts[rows] = (preview, confirmed, approved)

    assert counts[10] == counts[40]


def test_a_coordinators_import_takes_the_same_queries_for_10_and_40_rows(
    client, status, closed_status, coordinator, count_queries
):
    warm_up, _ = a_round_of(3, status=status, coordinator=coordinator)
    import_as(client, coordinator, warm_up, count_queries)

    counts = {}
    for rows in (10, 40):
        line, _ = a_round_of(rows, status=status, coordinator=coordinator)
        counts[rows] = import_as(client, coordinator, line, count_queries)
        changed = Activity.objects.filter(action_line=line, version=2, status=closed_status)
        assert changed.count() == rows - 2
        applied = Proposal.objects.filter(state=ProposalState.APPLIED, activity__in=changed)
        assert applied.count() == rows - 2
        assert (
            answers(line)
            == [(RequestState.APPROVED, Answer.CHANGED)] * (rows - 2)
            + [(RequestState.APPROVED, Answer.UNCHANGED)] * 2
        )

    assert counts[10] == counts[40]


def history_as_recorded(activity) -> tuple:
    """What the latest history record of the activity says, the proposal's number left out."""
    record = activity.history.latest()
    return (
        record.history_type,
        record.history_user,
        re.sub(r"voorstel \d+", "voorstel N", record.history_change_reason or ""),
        record.version,
        record.status_id,
        record.explanation,
        (record.start_year, record.end_year, record.end_quarter),
        [link.actor.code for link in record.actors.order_by("position")],
        activity.history.count(),
    )


def test_approving_a_selection_records_what_approving_one_records(
    client, action_line, status, closed_status, ocw, szw, coordinator
):
    fatima = make_staff_member(ocw)
    one, other = (
        make_activity(action_line=action_line, status=status, actors=(szw, ocw)) for _ in range(2)
    )
    for activity in (one, other):
        services.propose_changes(
            activity,
            user=fatima,
            base_version=1,
            changes={"status": closed_status, "timeframe_label": "Q2 2025", "explanation": "Af."},
            note="Bijwerkronde, bestand ocw.xlsx",
            source="spreadsheet",
        )

    services.approve_proposal(one.proposals.get(), user=coordinator)
    client.force_login(coordinator)
    client.post(
        reverse("admin:measures_proposal_changelist"),
        {"action": "approve_selected", "_selected_action": [other.proposals.get().pk]},
    )

    one.refresh_from_db()
    other.refresh_from_db()
    assert history_as_recorded(one) == history_as_recorded(other)
    assert history_as_recorded(other)[:4] == (
        "~",
        fatima,
        f"Bijwerkronde, bestand ocw.xlsx (voorstel N, goedgekeurd door {coordinator.username})",
        2,
    )
    assert (other.version, other.updated_by, other.end_quarter) == (2, fatima, 2)


@pytest.mark.django_db(transaction=True)  # real transactions, as in production
def test_a_coordinators_file_with_a_row_changed_since_the_preview_writes_nothing(
    client, action_line, status, closed_status, ocw
):
    coordinator = make_coordinator()
    first, second = (
        make_activity(action_line=action_line, status=status, actors=(ocw,)) for _ in range(2)
    )
    client.force_login(coordinator)
    template = download_template(client)
    preview = upload(client, filled_in_all(template))
    assert len(preview.context["result"].changed_rows()) == 2
    # Meanwhile a colleague saves the second activity.
    second.explanation = "Intussen door een collega."
    services.save_activity(second, user=make_coordinator(), base_version=1)
    history = Activity.history.count()

    response = confirm(client, preview)

    assert response.status_code == 200
    text = response.content.decode()
    assert "Er is niets geïmporteerd" in text
    assert "gewijzigd sinds uw export" in text
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.version) == (status, 1)
    assert (second.status, second.explanation) == (status, "Intussen door een collega.")
    assert Activity.history.count() == history
    assert not Proposal.objects.exists()


def filled_in_all(template: bytes) -> bytes:
    keys = [row[0] for row in xlsx_rows(template)[1:]]
    return edit_xlsx(template, {(key, "Status"): "Afgerond" for key in keys})
