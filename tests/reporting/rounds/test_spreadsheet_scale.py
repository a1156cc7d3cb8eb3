"""The update round at scale: the preview, the confirmation (a ministry employee's proposals
and a coordinator's direct changes) and the approval of many proposals take a fixed number
of queries however many rows the file has. (The time it takes is measured in
bench/update_round.py, not here.)

10 rows against 40: SQLite takes at most 999 values per statement, so Django splits a bulk
insert of more than about 49 history records in two; PostgreSQL never does. Up to 1,000 rows
(a batch) the number of queries is the same on PostgreSQL."""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

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
