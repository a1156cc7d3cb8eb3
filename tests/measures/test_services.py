import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from measures import services
from measures.models import Activity, ActorMembership, Proposal, ProposalSource, ProposalState
from measures.roles import COORDINATOR, MINISTRY_STAFF
from tests.factories import make_activity, make_actor
from tests.measures.editors import editor_role, make_coordinator, make_staff_member


@pytest.fixture
def activity(action_line, status, ocw):
    return make_activity(action_line=action_line, status=status, actors=(ocw,))


def test_a_save_bumps_the_version_and_records_who_and_why(activity, closed_status, ocw):
    editor = make_staff_member(ocw, first_name="Fatima", last_name="El Amrani")
    activity.status = closed_status
    activity.timeframe_label = "Q1 2025"

    services.save_activity(activity, user=editor, base_version=1, reason="Kamerbrief 12 mei")

    activity.refresh_from_db()
    assert activity.version == 2
    assert activity.updated_by == editor
    assert (activity.start_year, activity.start_quarter) == (2025, 1)
    latest = activity.history.latest()
    assert latest.history_user == editor
    assert latest.history_change_reason == "Kamerbrief 12 mei"
    assert latest.status_id == closed_status.pk


def test_a_save_from_an_older_version_is_refused_and_writes_nothing(activity, closed_status, ocw):
    first, second = make_staff_member(ocw), make_staff_member(ocw)
    mine = Activity.objects.get(pk=activity.pk)
    theirs = Activity.objects.get(pk=activity.pk)
    theirs.explanation = "Hun toelichting."
    services.save_activity(theirs, user=first, base_version=1)
    history_before = activity.history.count()

    mine.status = closed_status
    with pytest.raises(services.EditConflict) as refused:
        services.save_activity(mine, user=second, base_version=1)

    activity.refresh_from_db()
    assert activity.version == 2
    assert activity.explanation == "Hun toelichting."
    assert activity.status != closed_status
    assert activity.history.count() == history_before
    assert "versie 1" in str(refused.value)


def test_revisions_since_tell_who_changed_what_since_a_version(activity, closed_status, ocw):
    editor = make_staff_member(ocw, first_name="Jan", last_name="de Vries")
    activity.status = closed_status
    services.save_activity(activity, user=editor, base_version=1)
    activity.explanation = "Nieuwe toelichting."
    services.save_activity(activity, user=editor, base_version=2)

    revisions = services.revisions_since({activity.pk: 1})[activity.pk]

    assert [revision.version for revision in revisions] == [2, 3]
    assert revisions[0].user == "Jan de Vries"
    assert revisions[0].changes == (services.FieldChange("Status", "Loopt", "Afgerond"),)
    assert revisions[1].changes[0].label == "Toelichting"
    assert revisions[1].changes[0].new == "Nieuwe toelichting."
    assert "Jan de Vries" in revisions[0].describe()
    assert "Status: ‘Loopt’ → ‘Afgerond’" in revisions[0].describe()
    assert services.revisions_since({activity.pk: 3}) == {}


def test_revisions_since_read_many_activities_in_a_fixed_number_of_queries(
    action_line, status, ocw, django_assert_num_queries
):
    editor = make_staff_member(ocw)
    activities = [make_activity(action_line=action_line, status=status) for _ in range(5)]
    for activity in activities:
        activity.explanation = "Gewijzigd."
        services.save_activity(activity, user=editor, base_version=1)

    with django_assert_num_queries(3):
        revisions = services.revisions_since({activity.pk: 1 for activity in activities})

    assert len(revisions) == 5


def test_a_status_change_touches_only_what_the_user_may_change(
    action_line, status, closed_status, ocw, szw
):
    own = make_activity(action_line=action_line, status=status, actors=(ocw,))
    already_closed = make_activity(action_line=action_line, status=closed_status, actors=(ocw,))
    other = make_activity(action_line=action_line, status=status, actors=(szw,))
    editor = make_staff_member(ocw)

    proposals = services.change_status(
        Activity.objects.all(), status=closed_status, note="  Afgerond in mei.  ", user=editor
    )

    # A ministry employee's change waits for review: one proposal, for their own activity.
    assert [(p.activity, p.state, p.source) for p in proposals] == [
        (own, ProposalState.SUBMITTED, ProposalSource.BULK)
    ]
    assert proposals[0].changes == {"status": {"old": "loopt", "new": "afgerond"}}
    assert proposals[0].note == "Afgerond in mei."
    assert Proposal.objects.count() == 1
    for activity in (own, other, already_closed):
        activity.refresh_from_db()
        assert activity.version == 1
    assert own.status == status

    services.approve_proposal(proposals[0], user=make_coordinator())

    own.refresh_from_db()
    assert own.status == closed_status
    assert own.history.latest().history_change_reason.startswith("Afgerond in mei.")
    assert own.history.latest().history_user == editor


def test_a_coordinators_status_change_applies_at_once(activity, closed_status):
    coordinator = make_coordinator()

    (proposal,) = services.change_status(
        Activity.objects.all(), status=closed_status, note="Afgerond in mei.", user=coordinator
    )

    assert proposal.state == ProposalState.APPLIED
    activity.refresh_from_db()
    assert (activity.status, activity.version, proposal.applied_version) == (closed_status, 2, 2)
    latest = activity.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        coordinator,
        "Afgerond in mei.",
    )


def test_a_status_change_needs_a_note(activity, closed_status):
    with pytest.raises(ValueError, match="note"):
        services.change_status(
            Activity.objects.all(), status=closed_status, note=" ", user=make_coordinator()
        )


def test_editable_by_follows_memberships_and_roles(action_line, status, ocw, szw):
    vws = make_actor("VWS")
    of_ocw = make_activity(action_line=action_line, status=status, actors=(ocw,))
    of_szw = make_activity(action_line=action_line, status=status, actors=(szw,))
    shared = make_activity(action_line=action_line, status=status, actors=(szw, ocw))
    of_nobody = make_activity(action_line=action_line, status=status)
    everything = {of_ocw, of_szw, shared, of_nobody}
    inactive = make_coordinator(is_active=False)
    staff_without_group = get_user_model().objects.create_user("los", is_staff=True)
    # Works for OCW, but holds no role: the membership alone grants nothing.
    member_without_role = get_user_model().objects.create_user("lid", is_staff=True)
    ActorMembership.objects.create(user=member_without_role, actor=ocw)

    def editable(user):
        return set(Activity.objects.editable_by(user))

    assert editable(make_staff_member(ocw)) == {of_ocw, shared}
    assert editable(make_staff_member(szw)) == {of_szw, shared}
    assert editable(make_staff_member(ocw, vws)) == {of_ocw, shared}
    assert editable(make_staff_member()) == set()
    assert editable(make_coordinator()) == everything
    assert editable(get_user_model().objects.create_superuser("root")) == everything
    assert editable(inactive) == set()
    assert editable(staff_without_group) == set()
    assert editable(member_without_role) == set()
    assert editable(AnonymousUser()) == set()


def assert_history_holds_the_stored_state(activities):
    """Each activity's latest record is its current version with its actors in order, and
    every footnote has a history: nothing the merge or a past peildatum reads is missing."""
    with_actors = 0
    for activity in activities:
        latest = activity.history.latest()
        assert latest.version == activity.version
        assert latest.timeframe_label == activity.timeframe_label
        recorded = [link.actor_id for link in latest.actors.order_by("position")]
        assert recorded == [link.actor_id for link in activity.actor_links.order_by("position")]
        with_actors += bool(recorded)
        for footnote in activity.footnotes.all():
            assert footnote.history.earliest().history_date <= latest.history_date
    assert with_actors > len(activities) / 2


def test_setup_local_leaves_history_of_what_loaddata_wrote(db, settings):
    settings.DEBUG = True
    editor_role(COORDINATOR), editor_role(MINISTRY_STAFF)

    call_command("setup_local", stdout=io.StringIO())

    activities = list(Activity.objects.all())
    assert len(activities) > 80
    assert_history_holds_the_stored_state(activities)


def test_seed_synthetic_leaves_history_of_what_bulk_create_wrote(db, settings):
    settings.DEBUG = True

    call_command("seed_synthetic", activities=30, stdout=io.StringIO())

    assert_history_holds_the_stored_state(list(Activity.objects.all()))
